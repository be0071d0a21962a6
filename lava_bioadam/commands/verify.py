"""``lava-bioadam verify CONFIG``: L0/L1/L2/L3 agreement table; non-zero on mismatch."""
from __future__ import annotations

import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "verify", help="run L0, L1, L2, L3 on the same schedule and compare them")
    p.add_argument("config", help="YAML config with rules: and verify: sections")
    p.add_argument("--samples", type=int, help="override verify.n_samples")
    p.add_argument("--seeds", type=int, nargs="+", help="override verify.seeds")
    p.set_defaults(func=run)


def run(args) -> int:
    import dataclasses

    from lava_bioadam.errors import UserError
    from lava_bioadam.rules.sections import load_rule_sections
    from lava_bioadam.verify import format_table, variants, verify_case

    params, vp = load_rule_sections(args.config)
    if args.samples is not None:
        if args.samples < 1:
            raise UserError("--samples must be >= 1")
        vp = dataclasses.replace(vp, n_samples=args.samples)
    if args.seeds:
        vp = dataclasses.replace(vp, seeds=list(args.seeds))
    results, bad = [], []
    for name, prm in variants(params, vp.lam):
        for n_post, n_pre in vp.shapes:
            for seed in vp.seeds:
                label = f"{name} {n_post}x{n_pre} seed={seed}"
                print(f"running {label} ({vp.n_samples} samples) ...", file=sys.stderr,
                      flush=True)
                rows = verify_case(prm, n_post, n_pre, vp.n_samples, seed, vp.init_scale)
                results.append((label, rows))
                for r in rows:
                    if r.get("l2_l3_ndiff", 0) != 0 or r.get("pred_ndiff", 0) != 0:
                        bad.append(f"{label} {r['var']}: L2 != L3")
                    if r.get("l1_l0_rel", 0.0) > vp.l1_rtol:
                        bad.append(f"{label} {r['var']}: L1 vs L0 {r['l1_l0_rel']:.2e} "
                                   f"> {vp.l1_rtol:g}")
    print(f"samples per case: {vp.n_samples}; L2/L3 compared after every sample; "
          f"L1 vs L0 max |diff| / max |L0| over all samples")
    print(format_table(results))
    if bad:
        print("MISMATCH:\n  " + "\n  ".join(bad))
        return 1
    print("OK: L2 == L3 bit for bit; L1 agrees with L0 within "
          f"{vp.l1_rtol:g}")
    return 0
