"""Lava's own ``LearningDense`` (``fixed_pt``) driven by stored streams (L3).

The counterpart of :class:`lava_bioadam.golden.loihi_dense.GoldenLoihiDense`:
the same arguments build the Lava process, a ``GradedSource`` replays the
presynaptic payloads one row per step, a ``ThirdFactorSource`` the post spikes
(``bap``) and third factors, and a ``Monitor`` records ``a_out`` at every step.
"""
from __future__ import annotations

import time

import numpy as np
from lava.magma.core.learning.constants import GradedSpikeCfg
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule, Loihi3FLearningRule
from lava.proc.dense.process import LearningDense
from lava.proc.monitor.process import Monitor
from lava.utils.weightutils import SignMode

from lava_bioadam.golden.loihi_dense import SNAPSHOT_VARS
from lava_bioadam.lava.network import run_cfg
from lava_bioadam.lava.runtime import LavaSession
from lava_bioadam.processes.graded_source.process import GradedSource
from lava_bioadam.processes.third_factor_source.process import ThirdFactorSource


def lava_rule(spec):
    """A Lava rule object from a :class:`LearningRuleSpec`."""
    kw = {k: getattr(spec, k) for k in ("dw", "dd", "dt", "x1_impulse", "x1_tau",
                                        "x2_impulse", "x2_tau", "t_epoch", "rng_seed")}
    if spec.kind == "3F":
        return Loihi3FLearningRule(**kw)
    for y in ("y1", "y2", "y3"):
        kw[f"{y}_impulse"], kw[f"{y}_tau"] = getattr(spec, f"{y}_impulse"), getattr(spec, f"{y}_tau")
    return Loihi2FLearningRule(**kw)


def _build(conn_kw: dict, s_in, bap, y):
    """``(LearningDense, spec)`` fed by the streams (see :func:`run_learning_dense_lava`)."""
    kw = dict(conn_kw)
    spec = kw.pop("learning_rule")
    kw["graded_spike_cfg"] = GradedSpikeCfg[kw.get("graded_spike_cfg",
                                                   "use_regular_impulse").upper()]
    kw["sign_mode"] = SignMode[kw.get("sign_mode", "mixed").upper()]
    conn = LearningDense(learning_rule=lava_rule(spec), **kw)
    src = GradedSource(payloads=np.asarray(s_in, dtype=np.int32), t_sample=1)
    post = ThirdFactorSource(y=np.asarray(y, dtype=np.int32), bap=np.asarray(bap, bool))
    src.s_out.connect(conn.s_in)
    post.s_out_bap.connect(conn.s_in_bap)
    if spec.kind == "3F":
        for k in ("y1", "y2", "y3"):
            getattr(post, f"s_out_{k}").connect(getattr(conn, f"s_in_{k}"))
    return conn, spec


def time_learning_dense_lava(conn_kw: dict, s_in, bap, y, timeout_s: float = 600.0):
    """Lava's ``LearningDense`` (``fixed_pt``) over the streams, timed: ``(Vars at the
    end, seconds per step)``, the first learning epoch (compile, start-up) left out
    of the time. Arguments as :func:`run_learning_dense_lava`."""
    conn, spec = _build(conn_kw, s_in, bap, y)
    n_steps, T = len(s_in), spec.t_epoch
    if n_steps <= T:
        raise ValueError(f"need more than t_epoch={T} steps to time Lava")
    with LavaSession(conn, run_cfg("fixed"), timeout_s, what="Lava LearningDense") as s:
        s.run(T)
        t0 = time.perf_counter()
        s.run(n_steps - T)
        per = (time.perf_counter() - t0) / (n_steps - T)
        final = {v: np.asarray(s.get(getattr(conn, v))).copy() for v in SNAPSHOT_VARS}
    return final, per


def run_learning_dense_lava(conn_kw: dict, s_in, bap, y, timeout_s: float = 120.0):
    """Run Lava's ``LearningDense`` (``fixed_pt``) for ``len(s_in)`` steps.

    conn_kw: the golden model's keywords (``learning_rule`` a ``LearningRuleSpec``,
        enums by name). s_in ``(n_steps, n_pre)`` int32, bap ``(n_steps, n_post)``,
        y ``(n_steps, 3, n_post)``. Returns ``(snapshots, a_out)``: every Var after
        each learning epoch and ``a_out`` ``(n_steps, n_post)`` as sent each step.
    """
    conn, spec = _build(conn_kw, s_in, bap, y)
    n_steps, T = len(s_in), spec.t_epoch
    mon = Monitor()
    mon.probe(conn.a_out, n_steps)
    snaps = []
    with LavaSession(conn, run_cfg("fixed"), timeout_s, what="Lava LearningDense") as s:
        for _ in range(n_steps // T):
            s.run(T)
            snaps.append({v: np.asarray(s.get(getattr(conn, v))).copy()
                          for v in SNAPSHOT_VARS})
        rest = n_steps % T
        if rest:
            s.run(rest)
        data = s._guard(mon.get_data, "get_data")
    a_out = np.asarray(data[conn.name]["a_out"])
    return snaps, a_out
