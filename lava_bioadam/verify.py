"""Cross-level verification of one learning layer (L0, L1, L2, L3).

:func:`verify_case` runs the four levels on the same input schedule and returns
per-variable differences: L2 vs L3 (integers, must be identical after every
sample) and L1 vs L0 (physical units, relative to the largest |value|).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from lava_bioadam.network import single_layer as sl

L2_L3_VARS = sl.STATE_NAMES
L1_L0_VARS = ("weights", "tag_1", "tag_2")


def case_inputs(n_post: int, n_pre: int, n_samples: int, seed: int):
    """Activities ``(n_samples, n_pre)`` in [0, 1] and labels ``(n_samples,)``."""
    rng = np.random.default_rng(seed)
    if (n_post, n_pre) == (10, 64):
        from lava_bioadam.data import load_digits_split

        x, y = load_digits_split(0)[:2]
        idx = rng.permutation(len(y))
        reps = -(-n_samples // len(y))
        idx = np.concatenate([idx] * reps)[:n_samples]
        return x[idx], y[idx]
    h = rng.random((n_samples, n_pre))
    h[h < 0.3] = 0.0
    return h, rng.integers(0, n_post, n_samples)


def verify_case(params, n_post, n_pre, n_samples, seed, init_scale=0.3, levels="0123"):
    """Run the levels and compare; returns a list of row dicts."""
    from lava_bioadam.rules import build_rules

    rules = build_rules(params)
    h, lab = case_inputs(n_post, n_pre, n_samples, seed)
    w0 = sl.initial_weights(rules, n_post, n_pre, seed, init_scale)
    rows = {v: {"var": v} for v in L2_L3_VARS}
    if "2" in levels and "3" in levels:
        l2 = sl.run_l2(rules, h, lab, w0, rng_seed=seed)
        l3 = sl.run_lava(rules, h, lab, w0, rng_seed=seed, precision="fixed")
        for v in L2_L3_VARS:
            a, b = l2.states[v].astype(np.int64), l3.states[v].astype(np.int64)
            rows[v]["l2_l3_max"] = int(np.abs(a - b).max()) if a.shape == b.shape else -1
            rows[v]["l2_l3_ndiff"] = int((a != b).sum()) if a.shape == b.shape else a.size
        rows["weights"]["pred_ndiff"] = int((l2.pred != l3.pred).sum())
    if "0" in levels and "1" in levels:
        l0 = sl.run_l0(rules, h, lab, w0)
        l1 = sl.run_lava(rules, h, lab, w0, rng_seed=seed, precision="float")
        p1 = sl.to_physical(l1.states, rules.float)
        for v in L1_L0_VARS:
            ref = l0.states[v]
            rows[v]["l1_l0_rel"] = float(np.abs(p1[v] - ref).max() / max(np.abs(ref).max(), 1e-300))
    return list(rows.values())


def format_table(results) -> str:
    """results: list of (case_label, rows)."""
    head = f"{'case':34s} {'var':8s} {'L2-L3 max':>9s} {'L2-L3 #diff':>11s} {'L1-L0 rel':>10s}"
    lines = [head, "-" * len(head)]
    for label, rows in results:
        for r in rows:
            mx = r.get("l2_l3_max")
            nd = r.get("l2_l3_ndiff")
            rel = r.get("l1_l0_rel")
            lines.append(f"{label:34s} {r['var']:8s} {'-' if mx is None else mx:>9} "
                         f"{'-' if nd is None else nd:>11} "
                         f"{'-' if rel is None else f'{rel:.2e}':>10s}")
    return "\n".join(lines)


def variants(params, lam):
    """The two rule variants verified: N1, and N1 + predisposition."""
    return [("n1", dataclasses.replace(params, lam=0.0)),
            ("n1+lam", dataclasses.replace(params, lam=lam))]


def network_inputs(sizes, n_samples: int, seed: int):
    """Samples for a network check: digits (shuffled by ``seed``) when the input has
    64 features, else uniform random activities (30 % zeros)."""
    if sizes[0] == 64 and sizes[-1] == 10:
        return case_inputs(10, 64, n_samples, seed)
    rng = np.random.default_rng(seed)
    h = rng.random((n_samples, sizes[0]))
    h[h < 0.3] = 0.0
    return h, rng.integers(0, sizes[-1], n_samples)


def verify_network_case(params, sizes, n_samples, seed, mode="predisposition",
                        init_scale=1.0, levels="0123"):
    """Whole network: L2 vs L3 for every variable of every connection after every
    sample, and L1 vs L0 (physical units); rows as in :func:`verify_case` with
    ``var`` named ``W2.tag_1`` etc."""
    from lava_bioadam.network import deep

    nr = deep.build_network_rules(params, sizes, mode)
    x, lab = network_inputs(sizes, n_samples, seed)
    W0, B0 = deep.initial_weights(nr, seed, init_scale)
    rows = {}

    def row(name):
        return rows.setdefault(name, {"var": name})

    def conns(states):
        for side in ("W", "B"):
            for l, st in enumerate(states[side]):
                if st is not None:
                    yield f"{side}{l + 1}", st

    if "2" in levels and "3" in levels:
        l2 = deep.run_l2(nr, x, lab, W0, B0, rng_seed=seed, record=True)
        l3 = deep.run_lava(nr, x, lab, W0, B0, rng_seed=seed, precision="fixed", record=True)
        l3_states = dict(conns(l3.states))
        fixed_b = {f"B{l + 1}" for l in range(1, len(sizes) - 1) if nr.feedback[l] is None}
        for name, st in conns(l2.states):
            for var, a in st.items():
                if name in fixed_b and var != "weights":
                    continue  # a fixed Dense (feedback alignment) has no learning state
                b = l3_states[name].get(var)
                r = row(f"{name}.{var}")
                if b is None or a.shape != b.shape:
                    r["l2_l3_max"], r["l2_l3_ndiff"] = -1, a.size
                    continue
                d = np.abs(a.astype(np.int64) - b.astype(np.int64))
                r["l2_l3_max"], r["l2_l3_ndiff"] = int(d.max()), int((d != 0).sum())
        first = next(iter(rows.values()))
        first["pred_ndiff"] = int((l2.pred != l3.pred).sum())
    if "0" in levels and "1" in levels:
        l0 = deep.run_l0(nr, x, lab, W0, B0, record=True)
        l1 = deep.run_lava(nr, x, lab, W0, B0, rng_seed=seed, precision="float", record=True)
        p1 = dict(conns(deep.to_physical(l1.states, nr, "float")))
        for name, st in conns(l0.states):
            for var, ref in st.items():
                rel = np.abs(p1[name][var] - ref).max() / max(np.abs(ref).max(), 1e-300)
                row(f"{name}.{var}")["l1_l0_rel"] = float(rel)
    return list(rows.values())
