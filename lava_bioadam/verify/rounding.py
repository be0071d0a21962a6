"""Rounding error of the fixed-point engine, measured on a training run (L2).

For every learning epoch of every learning connection, the integer update of each
synaptic variable is compared with the exact real value of the same products
(:attr:`GoldenLearningDense.track_exact`): ``total = integer - exact`` splits into
``truncation`` (Lava's product shift floors, a deterministic bias) and
``stochastic`` (the stochastic rounding to a state unit, unbiased). Saturated
entries are excluded. One random number per epoch is shared by all synapses, so the
per-epoch means are the independent samples of the standard error.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam import codes
from lava_bioadam.engine import widths
from lava_bioadam.golden.network import GoldenNetwork

LIMITS = {"w": (widths.W_MIN, widths.W_MAX), "t": (widths.T_MIN, widths.T_MAX),
          "d": (widths.D_MIN, widths.D_MAX)}
PARTS = ("total", "stochastic", "truncation")


def rounding_stats(nr, x, labels, W0, B0, rng_seed: int) -> dict:
    """``{var: {part: {"mean", "se", "z", "rms", "epochs", "entries"}}}`` in state
    units per update, over every learning connection of the network ``nr`` trained
    on ``x``, ``labels`` (presentation order)."""
    nr.check_inputs(x, labels)
    net = GoldenNetwork(nr, W0, B0, rng_seed)
    conns = [c for c in net.W + net.B if c is not None and c.products]
    for c in conns:
        c.track_exact = True
    payload = codes.input_payload(x, net.encs[0], True)
    means = {(v, q): [] for v in LIMITS for q in PARTS}
    sq = {(v, q): [0.0, 0] for v in LIMITS for q in PARTS}
    for s in range(len(labels)):
        before = [{v: getattr(c, v).copy() for v in LIMITS} for c in conns]
        net.sample(payload[s], int(labels[s]))
        for v, (lo, hi) in LIMITS.items():
            errs = {q: [] for q in PARTS}
            for c, b in zip(conns, before):
                if v not in c.last_exact:
                    continue
                new = getattr(c, v)
                ok = (new > lo) & (new < hi)
                du = (new - b[v])[ok]
                errs["total"].append(du - c.last_exact[v][ok])
                errs["stochastic"].append(du - c.last_acc[v][ok])
                errs["truncation"].append((c.last_acc[v] - c.last_exact[v])[ok])
            for q, parts in errs.items():
                err = np.concatenate(parts) if parts else np.zeros(0)
                if err.size:
                    means[(v, q)].append(err.mean())
                    sq[(v, q)][0] += float((err ** 2).sum())
                    sq[(v, q)][1] += err.size
    out = {}
    for v in LIMITS:
        out[v] = {}
        for q in PARTS:
            m = np.asarray(means[(v, q)])
            if m.size < 2:
                continue
            r = {"mean": float(m.mean()), "se": float(m.std(ddof=1) / np.sqrt(m.size)),
                 "rms": float(np.sqrt(sq[(v, q)][0] / sq[(v, q)][1])), "epochs": int(m.size),
                 "entries": sq[(v, q)][1]}
            r["z"] = r["mean"] / r["se"] if r["se"] > 0 else 0.0
            out[v][q] = r
    return out


def format_rounding(stats: dict) -> str:
    """Markdown table of :func:`rounding_stats`."""
    lines = ["| variable | part | mean per update | s.e. | z | rms | epochs | entries |",
             "|---|---|---|---|---|---|---|---|"]
    for v, parts in stats.items():
        for q, r in parts.items():
            lines.append(f"| {v} | {q} | {r['mean']:+.5f} | {r['se']:.5f} | {r['z']:+.2f} | "
                         f"{r['rms']:.4f} | {r['epochs']} | {r['entries']} |")
    return "\n".join(lines)
