"""``lava-bioadam sweep CONFIG --set KEY=V1,V2 ...``: the compiled golden model over
seeds and rule hyperparameters on a Dask distributed cluster (a local cluster by
default, ``--scheduler ADDRESS`` for a running one); prints a table and writes
``sweep.json`` and ``sweep.png`` into ``--out``."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from lava_bioadam.app.commands.common import add_config_args, load_with_overrides
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.results import png_bytes, to_json, write_atomic
from lava_bioadam.app.sweep import (parse_grid, point_config, run_point, summarise,
                                    sweep_template, warm_points)
from lava_bioadam.errors import UserError


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="seeds x rule hyperparameters on the compiled emulator, "
                       "spread over a Dask cluster: table and plot")
    add_config_args(p)
    p.add_argument("--set", action="append", metavar="KEY=V1,V2",
                   help="a rules: key and its values (repeat for a grid)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="local cluster workers "
                   "(default: %(default)s)")
    p.add_argument("--out", required=True, help="folder for sweep.json and sweep.png")
    p.add_argument("--force", action="store_true", help="overwrite results in --out")
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = load_with_overrides(args)
    points = parse_grid(args.set)
    for pt in points:
        point_config(cfg, pt)                     # bad keys or values: fail before work
    if args.workers < 1:
        raise UserError("--workers must be >= 1")
    out = Path(args.out)
    files = [out / "sweep.json", out / "sweep.png"]
    if any(f.exists() for f in files) and not args.force:
        raise UserError(f"{out} already holds sweep results; pass --force or another --out")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is not a folder")
    data = load_dataset(cfg.data)
    seeds = list(cfg.training.seeds)
    t0 = time.perf_counter()
    template = sweep_template(cfg, points)
    ready = warm_points(cfg, points, template)
    print(f"emulator ready in {time.perf_counter() - t0:.1f} s ("
          f"{sum(r['compiled'] for r in ready)} compilation(s) for {len(points)} points)",
          file=sys.stderr)
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        client, cluster = Client(args.scheduler, timeout="30s"), None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        print(f"{len(points)} points x {len(seeds)} seeds on {client}", file=sys.stderr)
        futures = client.map(run_point, [cfg] * len(points), [data] * len(points), points,
                             [seeds] * len(points), [template] * len(points), pure=False)
        rows = [r for f in futures for r in f.result()]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    keys = list(points[0])
    summary = summarise(rows, keys)
    head = " ".join(f"{k:>10s}" for k in keys) + f" {'seeds':>5s} {'accuracy':>9s} {'std':>7s}"
    print(head)
    for s in summary:
        print(" ".join(f"{s[k]!s:>10s}" for k in keys) +
              f" {s['seeds']:5d} {s['mean']:9.4f} {s['std']:7.4f}")
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(files[0], to_json({"config": str(cfg.source), "rows": rows,
                                    "summary": summary}))
    from lava_bioadam.app.plots import sweep_figure

    write_atomic(files[1], png_bytes(sweep_figure(summary, keys), dpi=120))
    print(f"wrote {files[0]} and {files[1]}")
    return 0
