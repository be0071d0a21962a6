"""Helpers shared by the sub-commands: arguments, loading, overrides."""
from __future__ import annotations

from lava_bioadam.app.config import LIMITS, Config, check_int_range, check_seeds, load_config


def add_config_args(parser, optional: bool = False) -> None:
    """CONFIG (``optional``: it may be left out) plus the overrides every command
    accepts."""
    parser.add_argument("config", nargs="?" if optional else None,
                        help="YAML experiment config (see configs/)")
    parser.add_argument("--epochs", type=int, help="override training.epochs")
    parser.add_argument("--seeds", type=int, nargs="+", help="override training.seeds")
    parser.add_argument("--feedback", choices=("backprop", "alignment", "predisposition"),
                        help="override network.feedback")


def add_results_args(parser, what: str) -> None:
    """``--out DIR`` and ``--force`` of a command that writes a results folder
    holding ``what``."""
    parser.add_argument("--out", metavar="DIR",
                        help=f"results folder (default: a new folder under runs/): {what}")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing results folder (once the new run is "
                             "complete)")


def load_with_overrides(args) -> Config:
    cfg = load_config(args.config)
    if getattr(args, "epochs", None) is not None:
        cfg.training.epochs = check_int_range("--epochs", args.epochs, 1, LIMITS["epochs"],
                                              "command line")
    if getattr(args, "seeds", None):
        cfg.training.seeds = check_seeds("--seeds", list(args.seeds), "command line")
    if getattr(args, "feedback", None):
        cfg.network.feedback = args.feedback
    return cfg
