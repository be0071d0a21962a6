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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lava_bioadam.fixed.golden_regen")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "tests" / "golden"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        np.savez_compressed(out / f"{name}.npz", **compute_case(name))
        print(f"wrote {out / name}.npz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
