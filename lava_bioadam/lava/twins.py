"""One forward twin or one feedback twin in Lava, driven by stored streams (L1/L3).

The schedule and the integer streams are those of :mod:`lava_bioadam.golden.twins`.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.golden.twins import TWIN_VARS, twin_schedule
from lava_bioadam.lava.network import connect_third_factors, learning_connection, run_cfg
from lava_bioadam.lava.runtime import LavaSession
from lava_bioadam.processes.graded_source.process import GradedSource
from lava_bioadam.processes.third_factor_source.process import ThirdFactorSource


def build_twin_lava(rules, H, E, w_init, rng_seed: int, precision: str):
    """Processes ``(source, connection, third-factor source)`` of one twin.

    ``w_init`` in the precision's connection units; for ``"float"``, ``H``/``E``
    are physical ``h``/``e``."""
    fixed = precision == "fixed"
    pay, y = twin_schedule(rules.role, H, E, rules.t_epoch, None if fixed else rules.float,
                           y3=(rules.fixed if fixed else rules.float).g_scale)
    src = GradedSource(payloads=pay, t_sample=1)
    post = ThirdFactorSource(y=y)
    w_init = np.asarray(w_init)
    d_init = np.full(w_init.shape, rules.d0, dtype=int if fixed else float)
    conn = learning_connection(rules, w_init, np.zeros(w_init.shape), d_init, rng_seed,
                               precision=precision)
    src.s_out.connect(conn.s_in)
    connect_third_factors(post, conn)
    return src, conn, post


def run_twin_lava(rules, H, E, w_init, rng_seed: int, precision: str = "fixed",
                  timeout_s: float = 600.0) -> dict:
    """L3 (``"fixed"``) or L1 (``"float"``) run of one twin; per-sample snapshots."""
    _, conn, _ = build_twin_lava(rules, H, E, w_init, rng_seed, precision)
    out = []
    with LavaSession(conn, run_cfg(precision), timeout_s,
                     what=f"Lava {precision} {rules.role} twin") as s:
        for _ in range(np.shape(H)[0]):
            s.run(rules.t_epoch)
            out.append({v: np.asarray(s.get(getattr(conn, v))).copy() for v in TWIN_VARS})
    return {v: np.stack([o[v] for o in out]) for v in TWIN_VARS}
