"""Regenerate the golden vectors under ``tests/golden/`` (L2 outputs).

``python -m lava_bioadam.fixed.golden_regen [--out tests/golden]``

Each file pins, for one small case, the inputs and the integer state of every
synaptic variable and trace after every sample. ``tests/test_golden_vectors.py``
checks L2 (always) and L3 (Lava, ``-m lava``) against them. Regenerate only on an
intended semantic change and explain it in ``docs/CHANGELOG.md``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lava_bioadam.rules import RuleParams

#: name -> (RuleParams, n_post, n_pre, n_samples, seed)
CASES = {
    "n1_12x20_seed0": (RuleParams(), 12, 20, 40, 0),
    "n1lam_12x20_seed1": (RuleParams(lam=2.0 ** -6), 12, 20, 40, 1),
    "n1_10x64_seed2": (RuleParams(), 10, 64, 30, 2),
}


def compute_case(name: str) -> dict:
    """Inputs and per-sample L2 states of golden case ``name``."""
    from lava_bioadam.network import single_layer as sl
    from lava_bioadam.rules import build_rules
    from lava_bioadam.verify import case_inputs

    params, n_post, n_pre, n, seed = CASES[name]
    rules = build_rules(params)
    h, lab = case_inputs(n_post, n_pre, n, seed)
    w0 = sl.initial_weights(rules, n_post, n_pre, seed, 0.3)
    run = sl.run_l2(rules, h, lab, w0, rng_seed=seed)
    out = {"h": h, "labels": lab, "w0": w0, "pred": run.pred,
           "rule_dw": rules.dw, "rule_dd": rules.dd, "rule_dt": rules.dt}
    out.update({f"state_{k}": v.astype(np.int16) for k, v in run.states.items()})
    return out


#: whole networks: name -> (RuleParams, sizes, feedback mode, n_samples, seed)
NET_CASES = {
    "net_20-9-7-5_pred_seed0": (RuleParams(eta=0.02, tau_r=8.0, lam=2.0 ** -7),
                                (20, 9, 7, 5), "predisposition", 30, 0),
    "net_20-9-5_align_seed1": (RuleParams(eta=0.02, tau_r=8.0), (20, 9, 5), "alignment",
                               30, 1),
}


def compute_net_case(name: str) -> dict:
    """Inputs and per-sample L2 states of every connection of network case ``name``
    (keys ``state_<W|B><layer>_<var>``)."""
    from lava_bioadam.network import deep
    from lava_bioadam.verify import network_inputs

    params, sizes, mode, n, seed = NET_CASES[name]
    nr = deep.build_network_rules(params, sizes, mode)
    x, lab = network_inputs(sizes, n, seed)
    W0, B0 = deep.initial_weights(nr, seed)
    run = deep.run_l2(nr, x, lab, W0, B0, rng_seed=seed, record=True)
    out = {"x": x, "labels": lab, "pred": run.pred, "loss": run.loss}
    for l, w in enumerate(W0):
        out[f"W0_{l + 1}"] = w
    for l, b in enumerate(B0):
        if b is not None:
            out[f"B0_{l + 1}"] = b
    for r in nr.forward + [f for f in nr.feedback if f is not None]:
        out[f"rule_{r.role}_{'lam' if r.params.lam else 'nolam'}"] = f"{r.dw} | {r.dd} | {r.dt}"
    for side in ("W", "B"):
        for l, st in enumerate(run.states[side]):
            if st is not None:
                for k, v in st.items():
                    out[f"state_{side}{l + 1}_{k}"] = v.astype(np.int16)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lava_bioadam.fixed.golden_regen")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "tests" / "golden"))
    ap.add_argument("--cases", nargs="+", choices=list(CASES) + list(NET_CASES),
                    help="regenerate only these (default: all)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in a.cases or list(CASES) + list(NET_CASES):
        data = compute_case(name) if name in CASES else compute_net_case(name)
        np.savez_compressed(out / f"{name}.npz", **data)
        print(f"wrote {out / name}.npz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
