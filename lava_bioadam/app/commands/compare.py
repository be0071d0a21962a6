"""``lava-bioadam compare CONFIG``: the L0 reference table of docs/model.md.

Trains the config's network with each (rule, feedback) variant on the config's data,
for every seed, and prints a Markdown table of mean +- std test accuracy and the
final W/B^T angle.
"""
from __future__ import annotations

import copy

import numpy as np

from lava_bioadam.app.commands.common import add_config_args, load_with_overrides
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.training import train_network, train_reference

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
                   help="add the fixed-point network of the rules section: L2 emulator and "
                        "L3 Lava fixed_pt (minutes per seed)")
    p.set_defaults(func=run)


#: (label, train backend) of the fixed-point rows added by --loihi
LOIHI_ROWS = (("L2 emulator, fixed-point N1", "emulator"),
              ("L3 Lava fixed_pt, fixed-point N1", "lava-fixed"))


def compare_loihi(cfg, data, log=print) -> list[dict]:
    """The config's fixed-point network (rules section) at L2 and L3, every seed."""
    rows = []
    for label, backend in LOIHI_ROWS:
        finals = [train_network(cfg, data, s, None, backend)["final"] for s in cfg.training.seeds]
        acc = np.array([f["test_accuracy"] for f in finals])
        angles = np.array([[a for a, _ in f["symmetry"]] for f in finals])
        row = {"label": label, "rule": "rules (fixed)", "feedback": cfg.network.feedback,
               "acc": acc, "angle": angles.max(axis=1) if angles.size else None}
        rows.append(row)
        if log:
            log(format_row(row))
    return rows


def compare(cfg, data, log=print) -> list[dict]:
    """One row per variant: accuracies per seed and final angles (degrees)."""
    rows = []
    for label, rule, feedback in VARIANTS:
        c = copy.deepcopy(cfg)
        c.optimizer.rule, c.network.feedback = rule, feedback
        finals = [train_reference(c, data, s)["final"] for s in c.training.seeds]
        acc = np.array([f["test_accuracy"] for f in finals])
        angles = np.array([[a for a, _ in f["symmetry"]] for f in finals])
        row = {"label": label, "rule": rule, "feedback": feedback, "acc": acc,
               "angle": angles.max(axis=1) if angles.size else None}
        rows.append(row)
        if log:
            log(format_row(row))
    return rows


def format_row(row) -> str:
    acc = row["acc"]
    if row["feedback"] == "backprop":
        angle = "0 (B = W^T)"
    else:
        angle = f"{row['angle'].mean():.2e}"
    return (f"| {row['label']} | {row['rule']} | {row['feedback']} | "
            f"{acc.mean():.4f} +- {acc.std():.4f} | {angle} |")


def run(args) -> int:
    cfg = load_with_overrides(args)
    data = load_dataset(cfg.data)
    print(f"{cfg.name}: sizes {cfg.network.sizes}, {cfg.training.epochs} epochs, "
          f"seeds {cfg.training.seeds}, mean +- std test accuracy; angle = largest "
          f"final angle between W_l and B_l^T over layers (degrees), mean over seeds")
    print("| variant | rule | feedback | test accuracy | W/B^T angle |")
    print("|---|---|---|---|---|")
    compare(cfg, data)
    if args.loihi:
        compare_loihi(cfg, data)
    return 0
