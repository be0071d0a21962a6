"""``lava-bioadam train CONFIG --backend B``: train and report accuracy, loss and
the W/B^T symmetry per layer over training."""
from __future__ import annotations

import json
import logging
import time

import numpy as np
import yaml

from lava_bioadam.app.commands.common import (add_config_args, add_results_args,
                                          load_with_overrides)
from lava_bioadam.app.config import clip, config_from_dict, yaml_load
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.progress import EpochProgress
from lava_bioadam.app.results import RunFolder, check_destination, connection_arrays
from lava_bioadam.app.training import (ignored_line, preflight, require_backend, train_emulator,
                                       train_emulator_numpy,
                                       train_lava_fixed, train_lava_float, train_reference)
from lava_bioadam.errors import UserError

log = logging.getLogger(__name__)

#: backend name -> function (cfg, data, seed, log) -> result dict holding at least
#: "history" (one record per epoch, see ``app.training.train_reference``).
BACKENDS = {"reference": train_reference, "emulator": train_emulator,
            "emulator-numpy": train_emulator_numpy,
            "lava-fixed": train_lava_fixed, "lava-float": train_lava_float}


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a network from a config and report test accuracy")
    add_config_args(p, optional=True)
    p.add_argument("--backend", choices=sorted(BACKENDS),
                   help="reference (default): float64 model (L0); emulator: integer "
                        "golden model (L2), compiled (every backend reads the rules "
                        "section); emulator-numpy: the same "
                        "in numpy; lava-fixed: Lava fixed_pt, the "
                        "emulated Loihi (L3); lava-float: Lava floating_pt (L1)")
    add_results_args(p, "resolved config, versions, per-epoch metrics, final weights, "
                        "checkpoints, plots, status")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.add_argument("--resume", metavar="DIR",
                   help="continue the interrupted, failed or killed run of results folder "
                        "DIR from its last checkpoint (every backend); bit-identical to a "
                        "run that was never interrupted")
    p.add_argument("--no-plots", action="store_true",
                   help="skip the PNG plots (they take a few seconds)")
    p.set_defaults(func=run)


def _num(x: float) -> str:
    """4 decimals, or 4 significant digits for large values (never 300 digits)."""
    return f"{x:.4f}" if abs(x) < 1e6 else f"{x:.4g}"


def format_record(rec: dict) -> str:
    sym = " ".join(f"L{l + 2}: {a:.3g} deg, rel {r:.2g}" for l, (a, r) in enumerate(rec["symmetry"]))
    return (f"  epoch {rec['epoch']:3d}  test acc {rec['test_accuracy']:.4f}  "
            f"test loss {_num(rec['test_loss'])}  train loss {_num(rec['train_loss'])}"
            + (f"  W/B^T {sym}" if sym else ""))


def save_plots(folder: RunFolder, title: str) -> None:
    """The run's figures (``lava_bioadam.app.plots``) from the epochs recorded so far."""
    if not folder.records:
        return
    from lava_bioadam.app.plots import run_figures

    for name, fig in run_figures(folder.records, title).items():
        folder.save_figure(name, fig)


def close_folder(folder: RunFolder, title: str, status: str, message: str | None = None,
                 plots: bool = True):
    """Plots and final status (``failed`` after a write failure, plots included);
    returns where the results are."""
    if plots:
        save_plots(folder, title)
    if folder.error and status == "complete":
        status, message = "failed", folder.error
    return folder.finish(status, message)


def _resume_setup(args):
    """Config, backend and folder of the run that ``--resume DIR`` continues."""
    given = [o for o, v in (("CONFIG", args.config), ("--out", args.out),
                            ("--force", args.force), ("--epochs", args.epochs),
                            ("--seeds", args.seeds), ("--feedback", args.feedback)) if v]
    if given:
        raise UserError(f"--resume takes the config, backend and seeds from its folder; "
                        f"drop {', '.join(given)}")
    folder = RunFolder.reopen(args.resume)
    try:
        raw = yaml_load((folder.path / "config.yaml").read_text())
        backend = json.loads((folder.path / "run.json").read_text())["backend"]
    except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        raise UserError(f"{args.resume}: cannot read its config.yaml and run.json "
                        f"({clip(exc, 60)})") from None
    if backend not in BACKENDS:
        raise UserError(f"{args.resume}: run.json names backend {clip(backend, 40)!r}, "
                        f"not one of {', '.join(BACKENDS)}")
    if args.backend and args.backend != backend:
        raise UserError(f"{args.resume} is a run of backend {backend}, not {args.backend}")
    return config_from_dict(raw, str(folder.path / "config.yaml")), backend, folder


def run(args) -> int:
    if args.resume:
        cfg, backend, folder = _resume_setup(args)
    else:
        if not args.config:
            raise UserError("train needs a CONFIG (or --resume DIR)")
        cfg, backend = load_with_overrides(args), args.backend or "reference"
    require_backend(backend)
    data = load_dataset(cfg.data)
    estimate = preflight(cfg, data, backend)     # every check before the folder exists
    if not args.resume:
        dest = check_destination(args.out, args.force, cfg.name, backend)
        folder = RunFolder(dest, cfg, backend)
    train = BACKENDS[backend]
    rule = (("float64 rule " if backend == "reference" else "fixed-point rules ")
            + cfg.rules.rule + (f" ({cfg.rules.form})" if cfg.rules.rule == "n1" else ""))
    print(f"{cfg.name}: {cfg.network.sizes}, {rule}, {cfg.network.feedback} feedback, "
          f"backend {backend}, {cfg.training.epochs} epochs, seeds {cfg.training.seeds}",
          flush=True)
    log.info("%s: %s", "resuming in results folder" if args.resume else "results folder",
             folder.path)
    log.info("%s", estimate)
    ignored = ignored_line(cfg, backend)
    if ignored:
        log.warning("%s", ignored)
        folder.add_run_info("ignored_keys", ignored)
    title = f"{cfg.name} ({backend})"
    finals, startup = [], {}
    try:
        for seed in cfg.training.seeds:
            t0 = time.perf_counter()
            kw = {}
            if args.resume:
                if ((folder.path / f"weights/seed{seed}.npz").is_file()
                        and folder.epochs_done.get(seed) == cfg.training.epochs):
                    finals.append([r for r in folder.records if r["seed"] == seed][-1])
                    print(f"seed {seed}: complete before, test accuracy "
                          f"{finals[-1]['test_accuracy']:.4f}", flush=True)
                    continue
                state = folder.load_checkpoint(seed)
                kept = folder.keep_epochs(seed, len(state["history"]) - 1 if state else -1)
                if state:
                    kw["resume"] = state
                    t0 -= kept[-1].get("seconds", 0.0) if kept else 0.0  # whole run
            if not args.quiet:
                print(f"seed {seed}" + (f", from epoch {len(kw['resume']['history']) - 1}"
                                        if kw else ""), flush=True)
            bar = EpochProgress(len(data.x_train), seed, False if args.quiet else None)
            if bar.enabled:
                kw["progress"] = bar
            kw["checkpoint"] = lambda st, seed=seed: folder.save_checkpoint(seed, st)

            def on_epoch(rec, seed=seed, t0=t0, bar=bar):
                bar.close()
                if not args.quiet:
                    print(format_record(rec), flush=True)
                folder.add_epoch(seed, rec, time.perf_counter() - t0)

            try:
                res = train(cfg, data, seed, on_epoch, **kw)
            finally:
                bar.close()
            if "emulator_startup" in res:
                startup[str(seed)] = res["emulator_startup"]
                folder.add_run_info("emulator_startup", startup)
            folder.save_arrays(f"weights/seed{seed}.npz", connection_arrays(res))
            finals.append(res["history"][-1])
            print(f"seed {seed}: test accuracy {finals[-1]['test_accuracy']:.4f}, test loss "
                  f"{finals[-1]['test_loss']:.4f} ({time.perf_counter() - t0:.1f} s)",
                  flush=True)
    except BaseException as exc:
        status, message = folder.ending(exc)
        # an interrupted run ends at once: no plots (they take seconds)
        where = close_folder(folder, title, status, message,
                             not (args.no_plots or status == "interrupted"))
        log.warning("run %s; finished epochs are in %s", status, where)
        raise
    accs = np.array([f["test_accuracy"] for f in finals])
    print(f"test accuracy: mean {accs.mean():.4f}, std {accs.std():.4f} over {len(accs)} seed(s)")
    where = close_folder(folder, title, "complete", plots=not args.no_plots)
    folder.check_saved("the results above were")
    print(f"results: {where}")
    return 0
