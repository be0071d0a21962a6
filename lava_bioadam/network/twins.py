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

* :func:`run_twin_l2`: integer golden model (no Lava)
* :func:`run_twin_lava`: L1 (``precision="float"``) or L3 (``"fixed"``), through
  ``runtime.LavaSession`` (one session per connection: the twins are not connected)
* :func:`run_twin_l0`: float64 reference ``SynapticN1`` of either twin

All return ``{name: (n_samples, ...) array}`` after every sample, names as Lava's
Vars (``weights, tag_1, tag_2, x1, x2, y1, y2, y3``); L0 returns physical w, m, r.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.fixed import widths as W
from lava_bioadam.fixed.golden import GoldenLearningDense, GoldenSignedLearningDense
from lava_bioadam.network.wiring import connect_third_factors

TWIN_VARS = ("weights", "tag_1", "tag_2", "x1", "x2", "y1", "y2", "y3")


def twin_codes(n_h: int, n_e: int, n_samples: int, seed: int, p_zero_h: float = 0.3,
               p_zero_e: float = 0.2):
    """Random integer streams: ``H`` in 0..127 and ``E`` in -127..127 with some zeros."""
    rng = np.random.default_rng(seed)
    H = rng.integers(0, W.X_MAX + 1, (n_samples, n_h))
    H[rng.random(H.shape) < p_zero_h] = 0
    E = rng.integers(-W.X_MAX, W.X_MAX + 1, (n_samples, n_e))
    E[rng.random(E.shape) < p_zero_e] = 0
    return H.astype(np.int32), E.astype(np.int32)


def schedule(role: str, H, E, t_epoch: int, enc=None, y3=0):
    """Per-step presynaptic payloads ``(S*T, n_pre)`` and third factors
    ``(S*T, 3, n_post)`` for one twin. ``enc=None``: ``H``, ``E`` are integer
    codes; else a float :class:`TwinEncoding` applied to physical ``h``, ``e``."""
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
            rng_seed=rng_seed, x2_tau=W.TRACE_TAU_INF)
    pay, y = schedule(rules.role, H, E, rules.t_epoch, y3=rules.fixed.g_scale)
    T, out = rules.t_epoch, []
    for k in range(pay.shape[0]):
        g.step(pay[k], y[k])
        if (k + 1) % T == 0:
            snap = g.snapshot()
            snap["x2"] = g.x2.copy()
            out.append(snap)
    return {v: np.stack([o[v] for o in out]) for v in TWIN_VARS}


def build_twin_lava(rules, H, E, w_init, rng_seed: int, precision: str):
    """Processes ``(source, connection, third-factor source)`` of one twin.

    ``w_init`` in the precision's connection units; for ``"float"``, ``H``/``E``
    are physical ``h``/``e``."""
    from lava.magma.core.learning.constants import GradedSpikeCfg
    from lava.proc.dense.process import LearningDense

    from lava_bioadam.processes.graded_source.process import GradedSource
    from lava_bioadam.processes.signed_learning_dense.process import SignedLearningDense
    from lava_bioadam.processes.third_factor_source.process import ThirdFactorSource
    from lava_bioadam.rules import make_lava_rule

    fixed = precision == "fixed"
    T = rules.t_epoch
    pay, y = schedule(rules.role, H, E, T, None if fixed else rules.float,
                      y3=(rules.fixed if fixed else rules.float).g_scale)
    src = GradedSource(payloads=pay, t_sample=1)
    post = ThirdFactorSource(y=y)
    w_init = np.asarray(w_init)
    d_init = np.full(w_init.shape, rules.d0, dtype=int if fixed else float)
    kw = dict(weights=w_init, tag_1=np.zeros(w_init.shape), tag_2=d_init,
              learning_rule=make_lava_rule(rules, rng_seed), num_message_bits=24,
              graded_spike_cfg=GradedSpikeCfg.OVERWRITE)
    conn = LearningDense(**kw) if rules.role == "forward" else SignedLearningDense(**kw)
    src.s_out.connect(conn.s_in)
    connect_third_factors(post, conn)
    return src, conn, post


def run_twin_lava(rules, H, E, w_init, rng_seed: int, precision: str = "fixed",
                  timeout_s: float = 600.0) -> dict:
    """L3 (``"fixed"``) or L1 (``"float"``) run of one twin; per-sample snapshots."""
    from lava.magma.core.run_configs import Loihi2SimCfg

    from lava_bioadam.runtime import LavaSession

    _, conn, _ = build_twin_lava(rules, H, E, w_init, rng_seed, precision)
    cfg = Loihi2SimCfg(select_tag="fixed_pt" if precision == "fixed" else "floating_pt")
    out = []
    with LavaSession(conn, cfg, timeout_s, what=f"Lava {precision} {rules.role} twin") as s:
        for _ in range(np.shape(H)[0]):
            s.run(rules.t_epoch)
            out.append({v: np.asarray(s.get(getattr(conn, v))).copy() for v in TWIN_VARS})
    return {v: np.stack([o[v] for o in out]) for v in TWIN_VARS}


def run_twin_l0(rules, h, e, w0) -> dict:
    """Float64 reference of one twin with the effective hyperparameters:
    ``SynapticN1(order="explicit", form="linear")``. Forward (``w0`` physical
    ``(n_e, n_h)``): pre ``h``, post ``e``, gradient ``outer(e, h)``; feedback
    (``(n_h, n_e)``): pre ``e``, post ``h``, gradient ``outer(h, e)``. Returns
    physical ``weights``, ``tag_1`` (m), ``tag_2`` (r) after every sample."""
    from lava_bioadam.model.optimizers import SynapticN1

    eff = rules.effective
    opt = SynapticN1(np.shape(w0), eta=eff["eta"], tau_m=eff["tau_m"],
                     tau_r=eff["tau_r"], eps=eff["eps"], r0=eff["r0"], form="linear",
                     order="explicit", lam=eff["lam"])
    w, out = np.array(w0, dtype=float), []
    for s in range(np.shape(h)[0]):
        hs = np.clip(h[s], 0.0, 1.0)
        pre, post = (hs, e[s]) if rules.role == "forward" else (e[s], hs)
        w = opt.step(w, pre, post)
        out.append({"weights": w.copy(), "tag_1": opt.m.copy(), "tag_2": opt.r.copy()})
    return {v: np.stack([o[v] for o in out]) for v in ("weights", "tag_1", "tag_2")}


def to_physical(states: dict, enc) -> dict:
    """``weights``/``tag_1``/``tag_2`` in connection units -> physical w, m, r."""
    return {"weights": states["weights"] / enc.w_scale,
            "tag_1": states["tag_1"] / enc.t_scale,
            "tag_2": states["tag_2"] / enc.d_scale}


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
