"""``lava-bioadam rules CONFIG``: the learning rules of the config's network and
their bit budget."""
from __future__ import annotations

import dataclasses
import math

from lava_bioadam.app.commands.common import add_config_args, load_with_overrides
from lava_bioadam.app.training import network_rules
from lava_bioadam.errors import UserError
from lava_bioadam.rules import build_rules, format_network_rules, format_rules


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rules", help="print the learning rules and bit budget of "
                              "every connection of the config's network")
    add_config_args(p)
    p.add_argument("--lam", type=float, help="override rules.lam (predisposition rate)")
    p.add_argument("--role", choices=("network", "forward", "feedback"), default="network",
                   help="network (default): every connection of the config's network; "
                   "forward / feedback: one twin W_l (LearningDense) or B_l "
                   "(SignedLearningDense) of a layer with learned feedback")
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = load_with_overrides(args)
    if args.lam is not None:
        if not (math.isfinite(args.lam) and args.lam >= 0):
            raise UserError(f"--lam must be a finite number >= 0, got {args.lam}")
        cfg.rules = dataclasses.replace(cfg.rules, lam=args.lam)
    if args.role == "network":
        print(format_network_rules(network_rules(cfg)), end="")
    else:
        print(format_rules(build_rules(cfg.rules, args.role)))
    return 0
