"""Data sets as float arrays in [0, 1] (unsigned graded spikes) with integer labels.

``load_dataset(cfg)`` returns ``Split(x_train, y_train, x_test, y_test)``; ``x`` has
shape ``(n, features)``, ``y`` shape ``(n,)``.
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
    """Data set named by a :class:`lava_bioadam.app.config.DataConfig`."""
    if data_cfg.dataset == "digits":
        return load_digits_split(data_cfg.split_seed, data_cfg.test_fraction)
    return load_npz_split(data_cfg.path, data_cfg.split_seed, data_cfg.test_fraction)
