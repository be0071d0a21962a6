"""One forward twin ``W`` and its feedback twin ``B``, each alone, at every level.

Drivers for checking the twin rules of ``build_rules(params, role="forward" |
"feedback")`` in isolation: instead of neurons, stored streams drive the
connections. Per sample (``T = t_epoch`` steps, one learning epoch per sample):

* forward twin (``LearningDense``, shape ``(n_e, n_h)``): step 1 the activity units
  send payloads ``2 H``; step ``T`` the error units send ``y1 = E+``, ``y2 = E-``;
* feedback twin (``SignedLearningDense``, shape ``(n_h, n_e)``): step 1 the error
  units send payloads ``2 E``; step ``T`` the activity units send ``y1 = H``.

``H`` (activity codes, ``(n_samples, n_h)``) and ``E`` (signed error codes,
``(n_samples, n_e)``) are integer codes for ``fixed``; for float runs they are the
physical ``h``, ``e`` and are scaled with ``rules.float`` here.

* :func:`run_twin_l2`: integer golden model (here)
* :func:`lava_bioadam.lava.twins.run_twin_lava`: L1 (``precision="float"``) or L3
  (``"fixed"``) (one Lava session per connection: the twins are not connected)
* :func:`lava_bioadam.verify.reference.run_twin_l0`: float64 reference of either twin

All return ``{name: (n_samples, ...) array}`` after every sample, names as Lava's
Vars (``weights, tag_1, tag_2, x1, x2, y1, y2, y3``); L0 returns physical w, m, r.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.engine import widths
from lava_bioadam.golden.connection import GoldenLearningDense, GoldenSignedLearningDense

TWIN_VARS = ("weights", "tag_1", "tag_2", "x1", "x2", "y1", "y2", "y3")


def twin_codes(n_h: int, n_e: int, n_samples: int, seed: int, p_zero_h: float = 0.3,
               p_zero_e: float = 0.2):
    """Random integer streams: ``H`` in 0..127 and ``E`` in -127..127 with some zeros."""
    rng = np.random.default_rng(seed)
    H = rng.integers(0, widths.X_MAX + 1, (n_samples, n_h))
    H[rng.random(H.shape) < p_zero_h] = 0
    E = rng.integers(-widths.X_MAX, widths.X_MAX + 1, (n_samples, n_e))
    E[rng.random(E.shape) < p_zero_e] = 0
    return H.astype(np.int32), E.astype(np.int32)


def twin_schedule(role: str, H, E, t_epoch: int, enc=None, y3=0):
    """Per-step presynaptic payloads ``(S*T, n_pre)`` and third factors
    ``(S*T, 3, n_post)`` for one twin. ``enc=None``: ``H``, ``E`` are integer
    codes; else a float :class:`~lava_bioadam.rules.layer.Encoding` applied to physical ``h``, ``e``."""
    H, E = np.asarray(H), np.asarray(E)
    if enc is not None:
        H, E = np.clip(H, 0.0, 1.0) * enc.h_scale, E * enc.e_scale
    S, T = H.shape[0], t_epoch
    pre, post = (H, E) if role == "forward" else (E, H)
    dtype = np.int32 if enc is None else float
    pay = np.zeros((S * T, pre.shape[1]), dtype=dtype)
    pay[0::T] = 2 * pre
    y = np.zeros((S * T, 3, post.shape[1]), dtype=dtype)
    y[T - 1::T, 2] = y3  # predisposition gain G (the -lam w product is w * y3)
    if role == "forward":
        y[T - 1::T, 0] = np.maximum(E, 0)
        y[T - 1::T, 1] = np.maximum(-E, 0)
    else:
        y[T - 1::T, 0] = H
    return pay, y


def run_twin_l2(rules, H, E, w0, rng_seed: int) -> dict:
    """Golden model of one twin (role from ``rules.role``); ``w0`` integer weights
    ``(n_post, n_pre)`` (even). Returns per-sample integer snapshots."""
    cls = GoldenLearningDense if rules.role == "forward" else GoldenSignedLearningDense
    g = cls(rules.products, w0, None, np.full(np.shape(w0), rules.d0), t_epoch=rules.t_epoch,
            rng_seed=rng_seed, x2_tau=widths.TRACE_TAU_INF)
    pay, y = twin_schedule(rules.role, H, E, rules.t_epoch, y3=rules.fixed.g_scale)
    T, out = rules.t_epoch, []
    for k in range(pay.shape[0]):
        g.step(pay[k], y[k])
        if (k + 1) % T == 0:
            snap = g.snapshot()
            snap["x2"] = g.x2.copy()
            out.append(snap)
    return {v: np.stack([o[v] for o in out]) for v in TWIN_VARS}


def twin_comparison(fwd: dict, fb: dict) -> dict:
    """Per-sample counts of entries where forward and transposed feedback differ,
    and the first sample from which the weights stay identical (-1: never)."""
    sw = lambda a: np.swapaxes(a, 1, 2)  # noqa: E731  (per-sample transpose)
    nd = {v: ((fwd[v] != sw(fb[v])).reshape(len(fwd[v]), -1).sum(1))
          for v in ("weights", "tag_1", "tag_2")}
    bad = np.nonzero(nd["weights"])[0]
    n = len(nd["weights"])
    first = 0 if bad.size == 0 else (int(bad[-1]) + 1 if bad[-1] + 1 < n else -1)
    return {"ndiff": nd, "weights_identical_from": first,
            "max_abs_w_diff": np.abs(fwd["weights"] - sw(fb["weights"])).reshape(n, -1).max(1)}
