"""``lava-bioadam verify CONFIG``: L0/L1/L2/L3 agreement table; non-zero on mismatch.

Every network of ``verify.networks`` (a single learning layer is the network
``[n_in, n_out]``) runs at all four levels on the same samples.
"""
from __future__ import annotations

import dataclasses
import sys

from lava_bioadam.app.config import load_config
from lava_bioadam.errors import UserError, require_lava
from lava_bioadam.rules.params import rule_params_from_dict
from lava_bioadam.verify.cases import format_table, mismatches, verify_network_case

WHAT_IS_CHECKED = (
    "L2 == L3: every synaptic variable and trace of every connection after every sample, "
    "and every prediction. L2 and L3 share the neuron codes, so this checks the learning "
    "engine and the message timing; the neuron codes are pinned by oracle tests and "
    "golden vectors. L1 vs L0: max |diff| over all samples / max(|L0|, l1_floor).")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "verify", help="run L0, L1, L2, L3 on the same schedule and compare them")
    p.add_argument("config", help="YAML config (rules: and verify: sections)")
    p.add_argument("--samples", type=int, help="override verify.n_samples")
    p.add_argument("--seeds", type=int, nargs="+", help="override verify.seeds")
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = load_config(args.config)
    require_lava("verify (levels L1 and L3 run on Lava)")
    params, vp = cfg.rules, cfg.verify
    if args.samples is not None:
        if args.samples < 1:
            raise UserError("--samples must be >= 1")
        vp = dataclasses.replace(vp, n_samples=args.samples)
    if args.seeds:
        vp = dataclasses.replace(vp, seeds=list(args.seeds))
    results, bad = [], []
    for variant in vp.variants:
        prm = rule_params_from_dict({**dataclasses.asdict(params), **variant})
        name = " ".join(f"{k}={v}" for k, v in variant.items()) or "rules"
        for sizes in vp.networks:
            for seed in vp.seeds:
                label = f"{name} {'-'.join(map(str, sizes))} {vp.feedback} s{seed}"
                print(f"running {label} ({vp.n_samples} samples) ...", file=sys.stderr,
                      flush=True)
                rows = verify_network_case(prm, sizes, vp.n_samples, seed, vp.feedback,
                                           cfg.network.init_scale, l1_floor=vp.l1_floor)
                results.append((label, rows))
                bad += mismatches(label, rows, vp.l1_rtol)
    print(f"{vp.n_samples} samples per case. {WHAT_IS_CHECKED}")
    print(format_table(results))
    if bad:
        print("MISMATCH:\n  " + "\n  ".join(bad))
        return 1
    print(f"OK: L2 == L3 bit for bit; L1 agrees with L0 within {vp.l1_rtol:g}")
    return 0
