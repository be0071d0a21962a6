"""Helpers shared by the sub-commands: loading, overrides, atomic result files."""
from __future__ import annotations

from pathlib import Path

from lava_bioadam.app.config import LIMITS, Config, check_int_range, check_seeds, load_config
from lava_bioadam.app.results import to_json, write_atomic
from lava_bioadam.errors import UserError


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


def check_output_path(path: str | None, force: bool) -> Path | None:
    """Refuse (before any work is done) to overwrite an existing result file."""
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not force:
        raise UserError(f"{p} exists; pass --force to overwrite it or choose another --out")
    if not p.parent.exists():
        raise UserError(f"directory {p.parent} does not exist")
    return p


def write_json_atomic(path: Path, payload: dict) -> None:
    """Write next to ``path`` and rename: a failing run never leaves a half file."""
    write_atomic(path, to_json(payload))
