"""``lava-bioadam benchmark``: the ill-conditioned benchmark of the float64 rules."""
from __future__ import annotations

from lava_bioadam.model.problems import ill_conditioned_table


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("benchmark", help="ill-conditioned regression: which float64 "
                              "rules adapt to gradient scales spanning six decades")
    p.add_argument("--steps", type=int, default=7000, help="samples (default: %(default)s)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.set_defaults(func=run)


def run(args) -> int:
    print(ill_conditioned_table(args.steps, args.seeds))
    return 0
