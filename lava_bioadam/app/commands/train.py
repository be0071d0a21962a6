"""``lava-bioadam train CONFIG --backend B``: train and report accuracy, loss and
the W/B^T symmetry per layer over training."""
from __future__ import annotations

import time

import numpy as np

from lava_bioadam.app.commands.common import (add_config_args, check_output_path,
                                          load_with_overrides, write_json_atomic)
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.training import (train_emulator, train_emulator_numpy, train_lava_fixed,
                                       train_lava_float, train_reference)

#: backend name -> function (cfg, data, seed, log) -> result dict holding at least
#: "history" (one record per epoch, see ``app.training.train_reference``).
BACKENDS = {"reference": train_reference, "emulator": train_emulator,
            "emulator-numpy": train_emulator_numpy,
            "lava-fixed": train_lava_fixed, "lava-float": train_lava_float}


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a network from a config and report test accuracy")
    add_config_args(p)
    p.add_argument("--backend", choices=sorted(BACKENDS), default="reference",
                   help="reference: float64 model (L0, optimizer section); emulator: integer "
                        "golden model (L2, rules section), compiled; emulator-numpy: the same "
                        "in numpy; lava-fixed: Lava fixed_pt, the "
                        "emulated Loihi (L3); lava-float: Lava floating_pt (L1)")
    p.add_argument("--out", help="write the per-epoch history of every seed as JSON")
    p.add_argument("--force", action="store_true", help="allow --out to overwrite a file")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=run)


def format_record(rec: dict) -> str:
    sym = " ".join(f"L{l + 2}: {a:.3g} deg, rel {r:.2g}" for l, (a, r) in enumerate(rec["symmetry"]))
    return (f"  epoch {rec['epoch']:3d}  test acc {rec['test_accuracy']:.4f}  "
            f"test loss {rec['test_loss']:.4f}  train loss {rec['train_loss']:.4f}"
            + (f"  W/B^T {sym}" if sym else ""))


def run(args) -> int:
    cfg = load_with_overrides(args)
    out = check_output_path(args.out, args.force)
    data = load_dataset(cfg.data)
    train = BACKENDS[args.backend]
    log = None if args.quiet else (lambda rec: print(format_record(rec), flush=True))
    rule = (f"optimizer {cfg.optimizer.rule}" if args.backend == "reference"
            else f"fixed-point rules {cfg.rules.rule}"
            + (f" ({cfg.rules.form})" if cfg.rules.rule == "n1" else ""))
    print(f"{cfg.name}: {cfg.network.sizes}, {rule}, {cfg.network.feedback} feedback, "
          f"backend {args.backend}, {cfg.training.epochs} epochs, seeds {cfg.training.seeds}",
          flush=True)
    results = []
    for seed in cfg.training.seeds:
        t0 = time.perf_counter()
        if log:
            print(f"seed {seed}", flush=True)
        res = train(cfg, data, seed, log)
        res["seconds"] = time.perf_counter() - t0
        results.append(res)
        f = res["history"][-1]
        print(f"seed {seed}: test accuracy {f['test_accuracy']:.4f}, "
              f"test loss {f['test_loss']:.4f} ({res['seconds']:.1f} s)", flush=True)
    accs = np.array([r["history"][-1]["test_accuracy"] for r in results])
    print(f"test accuracy: mean {accs.mean():.4f}, std {accs.std():.4f} over {len(accs)} seed(s)")
    if out:
        write_json_atomic(out, {"config": cfg.source, "backend": args.backend,
                                "runs": [{"seed": r["seed"], "seconds": r["seconds"],
                                          "history": r["history"]} for r in results]})
        print(f"wrote {out}")
    return 0
