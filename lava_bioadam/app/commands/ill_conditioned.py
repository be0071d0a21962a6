"""``lava-bioadam ill-conditioned``: the ill-conditioned benchmark of the float64
rules; with ``--normaliser CONFIG``, the range of gradient scales the fixed-point
normaliser of the config's rules covers (L2). ``benchmark`` is its former name,
kept as an alias that says so in one line (``bench`` measures speed)."""
from __future__ import annotations

import dataclasses
import sys

from lava_bioadam.app.config import load_config
from lava_bioadam.errors import UserError
from lava_bioadam.model.problems import ill_conditioned_table
from lava_bioadam.rules import build_rules
from lava_bioadam.verify.normaliser_range import format_range, normaliser_range

NAME, OLD_NAME = "ill-conditioned", "benchmark"


def _add_arguments(p) -> None:
    p.add_argument("--steps", type=int, default=7000, help="samples (default: %(default)s)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--normaliser", metavar="CONFIG",
                   help="instead: the gradient scales the fixed-point N1 normaliser of "
                        "CONFIG's rules section covers, in both forms (L2)")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(NAME, help="ill-conditioned regression: which float64 "
                              "rules adapt to gradient scales spanning six decades")
    _add_arguments(p)
    p.set_defaults(func=run)
    old = subparsers.add_parser(OLD_NAME, help=f"former name of {NAME} (deprecated)")
    _add_arguments(old)
    old.set_defaults(func=run_old_name)


def run_old_name(args) -> int:
    print(f"lava-bioadam: '{OLD_NAME}' is now '{NAME}' (the old name will be removed)",
          file=sys.stderr)
    return run(args)


def run(args) -> int:
    if not args.normaliser:
        print(ill_conditioned_table(args.steps, args.seeds))
        return 0
    params = load_config(args.normaliser).rules
    if params.rule != "n1":
        raise UserError(f"{args.normaliser}: --normaliser needs rules.rule n1")
    for form in ("linear", "multiplicative"):
        p = dataclasses.replace(params, form=form, r0=max(params.r0, 1e-3))
        rules = build_rules(p, "forward")
        e = rules.effective
        print(f"N1 {form}: tau_r {e['tau_r']:g}, eps {e['eps']:g}, r_max {e['r_max']:.3g}, "
              f"e_max {e['e_max']:.3g}; dd = {rules.dd}")
        print(format_range(normaliser_range(rules)))
        print()
    return 0
