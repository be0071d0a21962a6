"""``lava-bioadam compare CONFIG``: side-by-side tables of rules.

Without ``--loihi``: the L0 reference table of docs/model.md, the config's network
trained with each (rule, feedback) variant. With ``--loihi``: what the adaptive rules
are for, exact Adam, N1 in both forms and the non-adaptive baselines (SGD in float;
the fixed-point ``sgd`` and ``momentum`` rules) at their best rate of a sweep, in
float64 (L0) and on the emulated Loihi (L2). Every row: mean +- std test accuracy over
the seeds and the final W/B^T angle.
"""
from __future__ import annotations

import copy
import dataclasses
import logging

import numpy as np

from lava_bioadam.app.commands.common import (add_config_args, add_results_args,
                                          load_with_overrides)
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.results import RunFolder, check_destination, to_json
from lava_bioadam.app.training import train_network, train_reference
from lava_bioadam.errors import UserError

log = logging.getLogger(__name__)

#: (label, optimizer.rule, network.feedback)
VARIANTS = (
    ("exact Adam", "adam", "backprop"),
    ("synaptic Adam, 1 Euler step/sample", "synaptic_adam", "backprop"),
    ("N1 synaptic homeostasis", "n1", "backprop"),
    ("N2 factored RMS", "n2", "backprop"),
    ("N1 + predisposition", "n1", "predisposition"),
    ("N1 + feedback alignment", "n1", "alignment"),
    ("exact Adam + predisposition", "adam", "predisposition"),
    ("exact Adam + feedback alignment", "adam", "alignment"),
    ("plain SGD", "sgd", "backprop"),
)


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="reference (L0) table: Adam vs N1/N2, feedback modes")
    add_config_args(p)
    p.add_argument("--loihi", action="store_true",
                   help="instead: adaptive rules against SGD baselines at their best rate, "
                        "float64 (L0) and fixed point (L2 emulator), see compare: section")
    add_results_args(p, "resolved config, versions, the table as compare.md, compare.json "
                        "and a figure compare.png, status")
    p.set_defaults(func=run)


def _summary(label, rule, feedback, results) -> dict:
    finals = [r["final"] for r in results]
    angles = np.array([[a for a, _ in f["symmetry"]] for f in finals])
    return {"label": label, "rule": rule, "feedback": feedback,
            "acc": np.array([f["test_accuracy"] for f in finals]),
            "angle": angles.max(axis=1) if angles.size else None}


def _with_optimizer(cfg, rule, **section):
    c = copy.deepcopy(cfg)
    c.optimizer.rule = rule
    if section:
        sub = getattr(c.optimizer, rule)
        for k, v in section.items():
            setattr(sub, k, v)
    return c


def _with_rules(cfg, **changes):
    c = copy.deepcopy(cfg)
    c.rules = dataclasses.replace(c.rules, **changes)
    return c


def _sweep(label, make_cfg, rates, train, data, seeds, log) -> tuple[float, dict]:
    """Best rate of ``rates`` on the first seed's final test accuracy, then every
    seed at that rate; prints the sweep. Returns ``(best rate, row)``."""
    scores = []
    for rate in rates:
        try:
            acc = train(make_cfg(rate), data, seeds[0])["final"]["test_accuracy"]
        except UserError as exc:          # a rate the encoding cannot represent
            acc = float("nan")
            if log:
                log(f"  sweep {label}: rate {rate:g} skipped ({exc})")
        scores.append(acc)
        if log:
            log(f"  sweep {label}: rate {rate:g} -> seed {seeds[0]} test accuracy {acc:.4f}")
    ok = [i for i, a in enumerate(scores) if a == a]
    if not ok:
        raise UserError(f"compare: no rate of the {label} sweep is representable")
    best = rates[max(ok, key=lambda i: scores[i])]
    return best, [train(make_cfg(best), data, s) for s in seeds]


def compare_loihi(cfg, data, log=print, on_row=None,
                  emulator: str = "emulator") -> list[dict]:
    """Adaptive rules against non-adaptive baselines at their best rate, in float64
    (L0) and on the emulated Loihi (L2), same samples and schedule, every seed.
    ``on_row(row)`` is called as each row is done. ``emulator``: the L2 backend
    (``emulator``, compiled, or ``emulator-numpy``: the same numbers without a
    compile per rule set, faster on tiny problems)."""
    seeds, fb = cfg.training.seeds, cfg.network.feedback
    rows = []

    def emit(row):
        rows.append(row)
        if on_row:
            on_row(row)
        if log:
            log(format_row(row))

    def ref(c, d, s):
        return train_reference(c, d, s)

    def emu(c, d, s):
        return train_network(c, d, s, None, emulator)

    emit(_summary("L0 exact Adam", "adam", fb,
                  [ref(_with_optimizer(cfg, "adam"), data, s) for s in seeds]))
    lr, res = _sweep("L0 SGD", lambda r: _with_optimizer(cfg, "sgd", lr=r),
                     cfg.compare.sgd_rates, ref, data, seeds, log)
    emit(_summary(f"L0 SGD, best rate {lr:g}", "sgd", fb, res))
    for form in ("linear", "multiplicative"):
        extra = cfg.compare.multiplicative_reference if form == "multiplicative" else {}
        c = _with_optimizer(cfg, "n1", form=form, **extra)
        if form == "multiplicative" and c.optimizer.n1.r0 <= 0:
            c.optimizer.n1.r0 = 1.0
        emit(_summary(f"L0 N1 {form}", "n1", fb, [ref(c, data, s) for s in seeds]))
    for form in ("linear", "multiplicative"):
        c = _with_rules(cfg, rule="n1", form=form, **getattr(cfg.compare, form))
        emit(_summary(f"L2 N1 {form}", f"rules n1 {form}", fb,
                      [emu(c, data, s) for s in seeds]))
    for family in ("sgd", "momentum"):
        base = {**cfg.compare.baselines, "rule": family}
        eta, res = _sweep(f"L2 {family}", lambda r: _with_rules(cfg, **base, eta=r),
                          cfg.compare.loihi_rates, emu, data, seeds, log)
        emit(_summary(f"L2 {family}, best eta {eta:g}", f"rules {family}", fb, res))
    return rows


def compare(cfg, data, log=print, on_row=None) -> list[dict]:
    """One row per variant: accuracies per seed and final angles (degrees).
    ``on_row(row)`` is called as each row is done."""
    rows = []
    for label, rule, feedback in VARIANTS:
        c = _with_optimizer(cfg, rule)
        c.network.feedback = feedback
        row = _summary(label, rule, feedback,
                       [train_reference(c, data, s) for s in c.training.seeds])
        rows.append(row)
        if on_row:
            on_row(row)
        if log:
            log(format_row(row))
    return rows


HEADER = ["variant", "rule", "feedback", "test accuracy", "W/B^T angle"]


def row_cells(row) -> list[str]:
    """The table cells of a row, in the order of :data:`HEADER`."""
    acc = row["acc"]
    if row["feedback"] == "backprop":
        angle = "0 (B = W^T)"
    elif row["angle"] is None:
        angle = "-"
    else:
        angle = f"{row['angle'].mean():.2e}"
    return [row["label"], row["rule"], row["feedback"],
            f"{acc.mean():.4f} +- {acc.std():.4f}", angle]


def _markdown_line(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def format_row(row) -> str:
    return _markdown_line(row_cells(row))


def table_head() -> str:
    """The header line and the separator of the markdown table."""
    return _markdown_line(HEADER) + "\n|" + "---|" * len(HEADER)


def save_table(folder: RunFolder, rows: list[dict], title: str, figure: bool = True) -> None:
    """``compare.json`` (accuracy per seed, angles), ``compare.md`` (the printed
    table) and the table as a figure ``compare.png``."""
    folder.write("compare.json", to_json(rows))
    folder.write("compare.md", "\n".join([table_head()] + [format_row(r) for r in rows]
                                         + [""]).encode())
    if figure and rows:
        from lava_bioadam.app.plots import table_figure

        folder.save_figure("compare.png", table_figure(HEADER, [row_cells(r) for r in rows],
                                                       title))


def run(args) -> int:
    cfg = load_with_overrides(args)
    data = load_dataset(cfg.data)
    kind = "compare-loihi" if args.loihi else "compare"
    dest = check_destination(args.out, args.force, cfg.name, kind)
    folder = RunFolder(dest, cfg, kind)
    log.info("results folder: %s", folder.path)
    print(f"{cfg.name}: sizes {cfg.network.sizes}, {cfg.training.epochs} epochs, "
          f"seeds {cfg.training.seeds}, mean +- std test accuracy; angle = largest "
          f"final angle between W_l and B_l^T over layers (degrees), mean over seeds")
    print(table_head())
    rows = []

    def on_row(row):
        rows.append(row)
        save_table(folder, rows, kind, figure=False)

    title = f"{cfg.name}: {kind}, {cfg.training.epochs} epochs, seeds {cfg.training.seeds}"
    try:
        (compare_loihi if args.loihi else compare)(cfg, data, on_row=on_row)
    except BaseException as exc:
        folder.finish(*folder.ending(exc))
        raise
    save_table(folder, rows, title)
    where = folder.finish("complete")
    folder.check_saved("the table above was")
    print(f"results: {where}")
    return 0
