"""Neuron-side arithmetic shared by the Lava process models and the golden model.

One function per signal so that L2 and L3 run literally the same code. ``fixed``
selects integer codes (``fixed_pt``) or float codes (``floating_pt``); scales come
from a ``rules.Encoding``.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.fixed import widths as W


def encode_activity(h, enc, fixed: bool) -> np.ndarray:
    """Graded payloads for activities ``h`` in [0, 1], shape ``(..., n)``.

    fixed: ``2 * round(127 h)`` (int32, even, so ``x1 = p/2`` exactly); a 0 payload
    is "no spike" (the engine gates the gradient products with ``x0``).
    float: ``payload_scale * h``.
    """
    h = np.clip(np.asarray(h, dtype=float), 0.0, 1.0)
    if fixed:
        return (2 * np.rint(h * (enc.payload_scale / 2))).astype(np.int32)
    return h * enc.payload_scale


def decode_input(a, enc) -> np.ndarray:
    """Physical pre-activation ``W h`` from the connection's output ``a``."""
    return np.asarray(a, dtype=float) / enc.a_scale


def softmax_error(z, label: int) -> tuple[np.ndarray, int]:
    """Softmax cross-entropy error ``p - onehot(label)`` and ``argmax(z)``."""
    z = np.asarray(z, dtype=float)
    p = np.exp(z - z.max())
    p /= p.sum()
    p[int(label)] -= 1.0
    return p, int(np.argmax(z))


def encode_error(e, enc, fixed: bool) -> np.ndarray:
    """Third factors ``(3, n)``: ``y1 = e``, ``y2 = |e|`` (scaled), ``y3 = 0``.

    fixed: rounded half-even and saturated to -128..127 (y2: 0..127), int32.
    """
    e = np.asarray(e, dtype=float)
    y = np.zeros((3,) + e.shape)
    y[0] = e * enc.y1_scale
    y[1] = np.abs(e) * enc.y2_scale
    if fixed:
        y = np.rint(y)
        y[0] = np.clip(y[0], W.Y_MIN, W.Y_MAX)
        y[1] = np.clip(y[1], 0, W.Y_MAX)
        return y.astype(np.int32)
    return y


def encode_weights(w_phys, enc, fixed: bool) -> np.ndarray:
    """Connection weights from physical weights ``(n_post, n_pre)``.

    fixed: ``round(w_scale w)``, made even (Lava drops the LSB of initial weights
    at 8 weight bits, MIXED sign) and saturated to -256..254.
    """
    w = np.asarray(w_phys, dtype=float) * enc.w_scale
    if fixed:
        w = 2 * np.rint(w / 2)
        return np.clip(w, W.W_MIN, W.W_MAX - 1).astype(np.int32)
    return w
