"""Rounding error of the fixed-point engine, measured on a training run (L2).

For every learning epoch of every learning connection, the integer update of each
synaptic variable is compared with the exact real value of the same products
(:attr:`GoldenLearningDense.track_exact`): ``total = integer - exact`` splits into
``truncation`` (Lava's product shift floors, a deterministic bias) and
``stochastic`` (the stochastic rounding to a state unit, unbiased). Saturated
entries are excluded. One random number per epoch is shared by all synapses, so the
per-epoch means are the independent samples of the standard error.

Per product (:func:`product_stats`): the integer contribution of each product
(after its shift, exponent and saturation) minus the exact real value it stands
for, over the synapses its dependency gates in: the product's own signed bias per
update, in state units (LSB of ``w``, ``t`` or ``d``).
"""
from __future__ import annotations

import numpy as np

from lava_bioadam import codes
from lava_bioadam.engine import widths
from lava_bioadam.golden.network import GoldenNetwork

LIMITS = {"w": (widths.W_MIN, widths.W_MAX), "t": (widths.T_MIN, widths.T_MAX),
          "d": (widths.D_MIN, widths.D_MAX)}
PARTS = ("total", "stochastic", "truncation")


#: largest |mean signed error| of one product per update (state units) a rule accepts
PRODUCT_BIAS_MAX = 0.05


def rounding_stats(nr, x, labels, W0, B0, rng_seed: int) -> dict:
    """``{var: {part: {"mean", "se", "z", "rms", "epochs", "entries"}}}`` in state
    units per update, over every learning connection of the network ``nr`` trained
    on ``x``, ``labels`` (presentation order); ``"products"``: :func:`product_stats`
    of the same run."""
    nr.check_inputs(x, labels)
    net = GoldenNetwork(nr, W0, B0, rng_seed)
    conns = [c for c in net.W + net.B if c is not None and c.products]
    for c in conns:
        c.track_exact = True
    payload = codes.input_payload(x, net.encs[0], True)
    means = {(v, q): [] for v in LIMITS for q in PARTS}
    sq = {(v, q): [0.0, 0] for v in LIMITS for q in PARTS}
    per_prod: dict = {}
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
                for pr, err, active in c.last_products[v]:
                    sel = err[ok & active]
                    if sel.size:
                        acc = per_prod.setdefault((v, pr.term(), getattr(pr, "meaning", "")),
                                                  [[], 0.0, 0.0, 0])
                        acc[0].append(sel.mean())
                        acc[1] += float(sel.sum())
                        acc[2] += float((sel ** 2).sum())
                        acc[3] += sel.size
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
    out["products"] = product_stats(per_prod)
    return out


def product_stats(per_prod: dict) -> list:
    """Rows ``{"var", "term", "meaning", "mean", "se", "rms", "epochs", "entries"}``
    from ``{(var, term, meaning): [per-epoch means, sum, sum of squares, entries]}``;
    ``mean`` is the mean signed error per update (state units) over all entries."""
    rows = []
    for (v, term, meaning), (m, tot, ssq, n) in per_prod.items():
        m = np.asarray(m)
        se = float(m.std(ddof=1) / np.sqrt(m.size)) if m.size > 1 else 0.0
        rows.append({"var": v, "term": term, "meaning": meaning, "mean": tot / n,
                     "se": se, "rms": float(np.sqrt(ssq / n)), "epochs": int(m.size),
                     "entries": n})
    return rows


def format_rounding(stats: dict) -> str:
    """Markdown table of :func:`rounding_stats`."""
    lines = ["| variable | part | mean per update | s.e. | z | rms | epochs | entries |",
             "|---|---|---|---|---|---|---|---|"]
    for v, parts in stats.items():
        if v == "products":
            continue
        for q, r in parts.items():
            lines.append(f"| {v} | {q} | {r['mean']:+.5f} | {r['se']:.5f} | {r['z']:+.2f} | "
                         f"{r['rms']:.4f} | {r['epochs']} | {r['entries']} |")
    rows = stats.get("products", [])
    if rows:
        worst = max(abs(r["mean"]) for r in rows)
        lines += ["", "Per product: integer contribution minus exact value, state units per "
                  "update (synapses its dependency gates in), before stochastic rounding",
                  "", "| variable | product | meaning | mean signed error | s.e. | rms | "
                  "entries |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            lines.append(f"| {r['var']} | `{r['term']}` | {r['meaning']} | {r['mean']:+.5f} | "
                         f"{r['se']:.5f} | {r['rms']:.4f} | {r['entries']} |")
        lines += ["", f"largest |mean signed error| of a product: {worst:.4f} state units per "
                  f"update ({'within' if worst < PRODUCT_BIAS_MAX else 'ABOVE'} the "
                  f"{PRODUCT_BIAS_MAX} bound)"]
    return "\n".join(lines)
