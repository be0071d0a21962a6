"""Data sets as float arrays in [0, 1] (unsigned graded spikes) with integer labels.

``load_dataset(cfg)`` returns ``Split(x_train, y_train, x_test, y_test)``; ``x`` has
shape ``(n, features)``, ``y`` shape ``(n,)``. Named sets: ``digits`` (scikit-learn's
handwritten digits), ``yinyang`` and ``rare_features`` (generated from a seed, no
download), or a user's ``npz`` file.

* :func:`yinyang`: the Yin-Yang data set (Kriener, Goeltz & Petrovici 2021), our
  vectorised implementation of its published definition.
* :func:`rare_features`: sparse features whose activation probabilities span
  decades, each feature contributing the same label variance.
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


def stratified_split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> Split:
    """Stratified train/test split with a fixed seed (scikit-learn's)."""
    from sklearn.model_selection import train_test_split

    xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_fraction, stratify=y,
                                          random_state=seed)
    return Split(xtr, ytr, xte, yte)


def load_digits_split(seed: int = 0, test_fraction: float = 0.3) -> Split:
    """scikit-learn's 8x8 handwritten digits (1797 samples, 64 features, shipped with
    the package), pixel values 0..16 scaled to [0, 1], stratified split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(float) / 16.0
    return stratified_split(x, digits.target.astype(int), test_fraction, seed)


def load_npz_split(path: str, seed: int = 0, test_fraction: float = 0.3) -> Split:
    """A user's ``.npz`` with ``x`` (n, features) in [0, 1] and ``y`` (n,) labels 0..k-1."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"data file {p} not found")
    try:
        with np.load(p, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except Exception as exc:  # numpy raises several types for broken files
        raise UserError(f"data file {p}: not a readable .npz ({exc})") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise UserError(f"data file {p}: missing array '{key}' (has {sorted(arrays)})")
    x, y = arrays["x"], arrays["y"]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise UserError(f"data file {p}: need x of shape (n, features) and y of shape (n,), "
                        f"got {x.shape} and {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise UserError(f"data file {p}: y must hold non-negative integer labels")
    x = x.astype(float)
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise UserError(f"data file {p}: x must be finite and within [0, 1] "
                        f"(got {x.min():.3g}..{x.max():.3g}); scale it first")
    return stratified_split(x, y.astype(int), test_fraction, seed)


def load_dataset(data_cfg) -> Split:
    """Data set named by a :class:`lava_bioadam.app.config.DataConfig`. The generated
    sets use ``split_seed`` as their seed and keep their own test split (5000 / 1000
    test for yinyang, 5000 / 2000 test for rare_features; validation splits unused)."""
    if data_cfg.dataset == "digits":
        return load_digits_split(data_cfg.split_seed, data_cfg.test_fraction)
    if data_cfg.dataset in GENERATED:
        xtr, ytr, _, _, xte, yte = GENERATED[data_cfg.dataset](seed=data_cfg.split_seed)
        return Split(xtr, ytr, xte, yte)
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
