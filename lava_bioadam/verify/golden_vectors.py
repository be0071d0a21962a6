"""Golden vectors: small ``.npz`` files that pin the L2 (and so L3) outputs.

Each file holds, for one small network case, the inputs, the initial weights, the
rule strings, the per-sample predictions and losses, and the integer state of every
synaptic variable and trace of every connection after every sample (keys
``state_<W|B><layer>_<var>``). ``tests/test_golden_vectors.py`` checks L2 (always)
and L3 (Lava, marker ``lava``) against them. Regenerate only on an intended change
of semantics, with ``lava-bioadam golden`` (``--cases`` for a subset), and explain
every regeneration in ``docs/CHANGELOG.md``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lava_bioadam.golden.network import initial_weights, run_l2
from lava_bioadam.rules.network import build_network_rules
from lava_bioadam.rules.params import RuleParams
from lava_bioadam.verify.cases import network_inputs

#: name -> (RuleParams, sizes, feedback mode, n_samples, seed, init_scale)
CASES = {
    "net_20-12_seed0": (RuleParams(), (20, 12), "predisposition", 40, 0, 1.0),
    "net_64-10_seed2": (RuleParams(), (64, 10), "predisposition", 30, 2, 1.0),
    "net_20-9-7-5_pred_seed0": (RuleParams(eta=0.02, tau_r=8.0, lam=2.0 ** -7),
                                (20, 9, 7, 5), "predisposition", 30, 0, 1.0),
    "net_20-9-5_align_seed1": (RuleParams(eta=0.02, tau_r=8.0), (20, 9, 5), "alignment",
                               30, 1, 1.0),
    "net_20-9-5_mult_seed3": (RuleParams(form="multiplicative", eta=0.02, tau_r=16.0,
                                         eps=1 / 16, lam=2.0 ** -7, r_min=1 / 32),
                              (20, 9, 5), "predisposition", 30, 3, 1.0),
    "net_20-9-5_momentum_seed4": (RuleParams(rule="momentum", eta=0.03, lam=2.0 ** -7),
                                  (20, 9, 5), "predisposition", 30, 4, 1.0),
    "net_20-9-5_sgd_seed5": (RuleParams(rule="sgd", eta=0.03, lam=2.0 ** -7),
                             (20, 9, 5), "predisposition", 30, 5, 1.0),
    # N2: the units' normalisers and the normalised payloads sent again one step later
    "net_20-9-7-5_n2_seed7": (RuleParams(rule="n2", eta=0.03, tau_n=16.0, eps=0.05,
                                         lam=2.0 ** -7),
                              (20, 9, 7, 5), "predisposition", 30, 7, 1.0),
    # eps/tau_r below 2^-7 (the -eps r / tau_r product through y3 = G), a first layer
    # with its own rate, weight range and eps
    "net_20-9-5_layers_seed6": (RuleParams(eta=0.02, tau_r=32.0, eps=2.0 ** -7,
                                           lam=2.0 ** -12,
                                           layers=[{"eta": 0.04, "w_max": 4.0,
                                                    "eps": 2.0 ** -6}]),
                                (20, 9, 5), "predisposition", 30, 6, 1.0),
}

#: where the test suite keeps them (a source checkout)
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "tests" / "golden"


def case_setup(name: str):
    """``(NetworkRules, x, labels, W0, B0, seed)`` of golden case ``name``."""
    params, sizes, mode, n, seed, init_scale = CASES[name]
    nr = build_network_rules(params, sizes, mode)
    x, lab = network_inputs(sizes, n, seed)
    W0, B0 = initial_weights(nr, seed, init_scale)
    return nr, x, lab, W0, B0, seed


def compute_case(name: str) -> dict:
    """Inputs and per-sample L2 states of every connection of case ``name``."""
    nr, x, lab, W0, B0, seed = case_setup(name)
    run = run_l2(nr, x, lab, W0, B0, rng_seed=seed, record=True)
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


def regenerate(out_dir: Path, names=None, log=print) -> list:
    """Write the ``.npz`` of each case in ``names`` (default: all) to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or list(CASES):
        path = out_dir / f"{name}.npz"
        np.savez_compressed(path, **compute_case(name))
        written.append(path)
        if log:
            log(f"wrote {path}")
    return written
