"""``lava-bioadam verify CONFIG``: L0/L1/L2/L3 agreement table; non-zero on mismatch.

Checks single learning layers (``verify.shapes``, both rule variants) and whole
networks (``verify.networks``); ``--only`` restricts to one of them.
"""
from __future__ import annotations

import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "verify", help="run L0, L1, L2, L3 on the same schedule and compare them")
    p.add_argument("config", help="YAML config (rules: and verify: sections)")
    p.add_argument("--samples", type=int, help="override verify.n_samples (layers)")
    p.add_argument("--network-samples", type=int, help="override verify.network_samples")
    p.add_argument("--seeds", type=int, nargs="+", help="override verify.seeds")
    p.add_argument("--only", choices=("layers", "networks"), help="check only these")
    p.set_defaults(func=run)


def _check(label, rows, vp, bad):
    for r in rows:
        if r.get("l2_l3_ndiff", 0) != 0 or r.get("pred_ndiff", 0) != 0:
            bad.append(f"{label} {r['var']}: L2 != L3")
        if r.get("l1_l0_rel", 0.0) > vp.l1_rtol:
            bad.append(f"{label} {r['var']}: L1 vs L0 {r['l1_l0_rel']:.2e} > {vp.l1_rtol:g}")


def run(args) -> int:
    import dataclasses

    from lava_bioadam.config import load_config
    from lava_bioadam.errors import UserError
    from lava_bioadam.verify import format_table, variants, verify_case, verify_network_case

    cfg = load_config(args.config)
    params, vp = cfg.rules, cfg.verify
    for opt, key in ((args.samples, "n_samples"), (args.network_samples, "network_samples")):
        if opt is not None:
            if opt < 1:
                raise UserError(f"--{key.replace('_', '-')} must be >= 1")
            vp = dataclasses.replace(vp, **{key: opt})
    if args.seeds:
        vp = dataclasses.replace(vp, seeds=list(args.seeds))
    results, bad = [], []
    if args.only != "networks":
        for name, prm in variants(params, vp.lam):
            for n_post, n_pre in vp.shapes:
                for seed in vp.seeds:
                    label = f"{name} {n_post}x{n_pre} seed={seed}"
                    print(f"running {label} ({vp.n_samples} samples) ...", file=sys.stderr,
                          flush=True)
                    rows = verify_case(prm, n_post, n_pre, vp.n_samples, seed, vp.init_scale)
                    results.append((label, rows))
                    _check(label, rows, vp, bad)
    if args.only != "layers":
        lam = params.lam if params.lam > 0 else vp.lam
        prm = dataclasses.replace(params, lam=lam)
        for sizes in vp.networks:
            for seed in vp.seeds:
                label = f"net {'-'.join(map(str, sizes))} {vp.network_feedback} seed={seed}"
                print(f"running {label} ({vp.network_samples} samples) ...", file=sys.stderr,
                      flush=True)
                rows = verify_network_case(prm, sizes, vp.network_samples, seed,
                                           vp.network_feedback, cfg.network.init_scale)
                results.append((label, rows))
                _check(label, rows, vp, bad)
    print(f"samples per case: layers {vp.n_samples}, networks {vp.network_samples}; L2/L3 "
          f"compared after every sample; L1 vs L0 max |diff| / max |L0| over all samples")
    print(format_table(results))
    if bad:
        print("MISMATCH:\n  " + "\n  ".join(bad))
        return 1
    print(f"OK: L2 == L3 bit for bit; L1 agrees with L0 within {vp.l1_rtol:g}")
    return 0
