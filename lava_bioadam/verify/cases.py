"""Cross-level verification of a network (L0, L1, L2, L3) on one schedule.

:func:`verify_network_case` runs the levels on the same samples and initial
weights and returns per-variable rows: L2 vs L3 (integers: maximum difference and
number of differing entries over every sample, every connection, every variable
and trace) and L1 vs L0 (physical ``weights``, ``tag_1``, ``tag_2``: maximum
difference over every sample relative to the largest |L0 value|).

L2 and L3 run the same neuron codes (:mod:`lava_bioadam.codes`), so L2 == L3
checks the learning engine (products, shifts, rounding, random streams, saturation)
and the timing of every message; the neuron codes themselves are pinned by
hand-computed oracle tests (``tests/test_codes.py``) and by the golden vectors.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.golden.network import initial_weights, run_l2, to_physical
from lava_bioadam.rules.network import build_network_rules
from lava_bioadam.verify.reference import run_l0

L1_L0_VARS = ("weights", "tag_1", "tag_2")


def network_inputs(sizes, n_samples: int, seed: int):
    """Samples ``(n_samples, sizes[0])`` in [0, 1] and labels: digits (shuffled by
    ``seed``, repeated as needed) for a 64-input, 10-output network, else uniform
    random activities (30 % zeros) and random labels."""
    rng = np.random.default_rng(seed)
    if sizes[0] == 64 and sizes[-1] == 10:
        from sklearn.datasets import load_digits

        d = load_digits()
        x, y = d.data / 16.0, d.target.astype(int)
        idx = np.resize(rng.permutation(len(y)), n_samples)
        return x[idx], y[idx]
    h = rng.random((n_samples, sizes[0]))
    h[h < 0.3] = 0.0
    return h, rng.integers(0, sizes[-1], n_samples)


def _conns(states):
    for side in ("W", "B"):
        for l, st in enumerate(states[side]):
            if st is not None:
                yield f"{side}{l + 1}", st


def compare_l2_l3(l2, l3, fixed_b=()) -> dict:
    """Rows ``{"W2.tag_1": {"l2_l3_max", "l2_l3_ndiff"}, ...}`` of two recorded runs;
    ``fixed_b``: names of fixed (non-learning) connections, weights only."""
    rows = {}
    other = dict(_conns(l3.states))
    for name, st in _conns(l2.states):
        for var, a in st.items():
            if name in fixed_b and var != "weights":
                continue  # a fixed Dense (feedback alignment) has no learning state
            b = other[name].get(var)
            r = rows.setdefault(f"{name}.{var}", {"var": f"{name}.{var}"})
            if b is None or a.shape != b.shape:
                r["l2_l3_max"], r["l2_l3_ndiff"] = -1, a.size
                continue
            d = np.abs(a.astype(np.int64) - b.astype(np.int64))
            r["l2_l3_max"], r["l2_l3_ndiff"] = int(d.max()), int((d != 0).sum())
    next(iter(rows.values()))["pred_ndiff"] = int((l2.pred != l3.pred).sum())
    return rows


def compare_l1_l0(l1_phys: dict, l0, floor: float) -> dict:
    """Rows ``{"W1.weights": {"l1_l0_rel"}, ...}``: max |L1 - L0| over all samples,
    divided by ``max(max |L0|, floor)``."""
    rows = {}
    p1 = dict(_conns(l1_phys))
    for name, st in _conns(l0.states):
        for var, ref in st.items():
            rel = np.abs(p1[name][var] - ref).max() / max(np.abs(ref).max(), floor)
            rows[f"{name}.{var}"] = {"var": f"{name}.{var}", "l1_l0_rel": float(rel)}
    return rows


def verify_network_case(params, sizes, n_samples, seed, mode="predisposition",
                        init_scale=1.0, levels="0123", l1_floor: float = 1e-9) -> list:
    """Run the levels named in ``levels`` and compare (L2/L3 and L0/L1 in pairs);
    returns one row dict per connection variable (``var`` named ``W2.tag_1``)."""
    from lava_bioadam.lava.network import run_lava       # Lava only when it is needed

    nr = build_network_rules(params, sizes, mode)
    x, lab = network_inputs(sizes, n_samples, seed)
    W0, B0 = initial_weights(nr, seed, init_scale)
    rows = {}
    if "2" in levels and "3" in levels:
        l2 = run_l2(nr, x, lab, W0, B0, rng_seed=seed, record=True)
        l3 = run_lava(nr, x, lab, W0, B0, rng_seed=seed, precision="fixed", record=True)
        fixed_b = {f"B{l + 1}" for l in range(1, len(sizes) - 1) if nr.feedback[l] is None}
        rows.update(compare_l2_l3(l2, l3, fixed_b))
    if "0" in levels and "1" in levels:
        l0 = run_l0(nr, x, lab, W0, B0, record=True)
        l1 = run_lava(nr, x, lab, W0, B0, rng_seed=seed, precision="float", record=True)
        for name, r in compare_l1_l0(to_physical(l1.states, nr, "float"), l0,
                                     l1_floor).items():
            rows.setdefault(name, {"var": name}).update(r)
    return list(rows.values())


def mismatches(label: str, rows, l1_rtol: float) -> list:
    """One line per row where L2 != L3 or L1 and L0 differ by more than ``l1_rtol``."""
    bad = []
    for r in rows:
        if r.get("l2_l3_ndiff", 0) != 0 or r.get("pred_ndiff", 0) != 0:
            bad.append(f"{label} {r['var']}: L2 != L3")
        if r.get("l1_l0_rel", 0.0) > l1_rtol:
            bad.append(f"{label} {r['var']}: L1 vs L0 {r['l1_l0_rel']:.2e} > {l1_rtol:g}")
    return bad


def format_table(results) -> str:
    """results: list of ``(case_label, rows)``."""
    head = f"{'case':44s} {'var':12s} {'L2-L3 max':>9s} {'L2-L3 #diff':>11s} {'L1-L0 rel':>10s}"
    lines = [head, "-" * len(head)]
    for label, rows in results:
        for r in rows:
            mx, nd, rel = r.get("l2_l3_max"), r.get("l2_l3_ndiff"), r.get("l1_l0_rel")
            lines.append(f"{label:44s} {r['var']:12s} {'-' if mx is None else mx:>9} "
                         f"{'-' if nd is None else nd:>11} "
                         f"{'-' if rel is None else f'{rel:.2e}':>10s}")
    return "\n".join(lines)
