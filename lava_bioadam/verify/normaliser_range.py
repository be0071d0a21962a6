"""Which range of gradient scales the 8-bit normaliser ``d`` covers (L2).

One forward connection (8 x 8) of the config's rules is driven by stationary random
codes scaled by ``s`` (activity and error codes ``sqrt(s)`` times uniform 1..127, so
the gradient scales with ``s``), for ``s = 2^0 .. 2^-12``. For each scale: the target
``1 / (E|g| + eps)`` of the codes' mean gradient, the steady state of ``r = d /
d_scale`` (second half of the run, from ``d0 = 255``) relative to the target and to
the float64 reference on the same stream, the fraction of synapses within 25 % of the
target, and the relaxation time (in ``tau_r``) from ``d0 = 255`` (down) and from
1/8 of the steady state (up), both for L2 and the float64 reference.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from lava_bioadam.golden.twins import run_twin_l2
from lava_bioadam.verify.reference import run_twin_l0

N = 8


def scaled_codes(s: float, n_samples: int, seed: int = 0):
    """``H`` (0..127) and signed ``E`` codes ``(n_samples, N)`` of scale ``sqrt(s)``."""
    rng = np.random.default_rng(seed)
    a = np.sqrt(s)
    H = np.rint(a * rng.integers(1, 128, (n_samples, N))).astype(np.int32)
    E = np.rint(a * rng.integers(1, 128, (n_samples, N))) * rng.choice([-1, 1], (n_samples, N))
    return H, E.astype(np.int32)


def relax_time(r: np.ndarray, r_set: np.ndarray) -> int:
    """First sample from which the synapse-mean ``|log(r / r_set)|`` stays below
    ``log 1.25`` (-1: never)."""
    dev = np.abs(np.log(np.maximum(r, 1e-12) / r_set)).mean(axis=(1, 2))
    bad = np.nonzero(dev >= np.log(1.25))[0]
    if bad.size == 0:
        return 0
    return int(bad[-1]) + 1 if bad[-1] + 1 < len(dev) else -1


def normaliser_range(rules, n_samples: int = 500, exponents=range(13)) -> list[dict]:
    """One row per scale ``2^-k`` (see the module docstring); ``rules`` of the
    forward role with an N1 normaliser."""
    enc, eff = rules.fixed, rules.effective
    rows = []
    for k in exponents:
        H, E = scaled_codes(2.0 ** -k, n_samples)
        absg = (np.abs(E)[:, :, None] * H[:, None, :]).mean(0) / (enc.h_scale * enc.e_scale)
        target = 1.0 / (absg + eff["eps"])
        res = {}
        for start in ("down", "up"):
            d0 = 255 if start == "down" else max(1, int(round(enc.d_scale * target.mean() / 8)))
            started = dataclasses.replace(rules, d0=d0,
                                          effective={**eff, "r0": d0 / enc.d_scale})
            r2 = run_twin_l2(started, H, E, np.zeros((N, N), int), rng_seed=1)["tag_2"]
            r0 = run_twin_l0(started, H / enc.h_scale, E / enc.e_scale, np.zeros((N, N)))
            res[start] = (r2 / enc.d_scale, r0["tag_2"])
        half = n_samples // 2
        r_set, f_set = res["down"][0][half:].mean(0), res["down"][1][half:].mean(0)
        tau = eff["tau_r"]
        rows.append({
            "scale_exp": -k, "x": float(absg.mean() / eff["eps"]),
            "target": float(target.mean()),
            "l2_over_target": float(np.median(r_set / target)),
            "float_over_target": float(np.median(f_set / target)),
            "in_band": float(np.mean(np.abs(r_set / target - 1) <= 0.25)),
            "l2_down": relax_time(res["down"][0], r_set) / tau,
            "l2_up": relax_time(res["up"][0], r_set) / tau,
            "float_down": relax_time(res["down"][1], f_set) / tau,
            "float_up": relax_time(res["up"][1], f_set) / tau,
            "d_zero": float(np.mean(res["down"][0][half:] == 0))})
    return rows


def format_range(rows) -> str:
    lines = ["| scale | E|g|/eps | target r | L2 r / target | float r / target | within 25 % | "
             "relax down L2 / float (tau_r) | relax up L2 / float (tau_r) | d = 0 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| 2^{r['scale_exp']} | {r['x']:.3g} | {r['target']:.3g} | "
                     f"{r['l2_over_target']:.3f} | {r['float_over_target']:.3f} | "
                     f"{r['in_band']:.2f} | {r['l2_down']:.2f} / {r['float_down']:.2f} | "
                     f"{r['l2_up']:.2f} / {r['float_up']:.2f} | {r['d_zero']:.3f} |")
    return "\n".join(lines)
