"""``lava-bioadam rules CONFIG``: print the fixed-point rules and their bit budget."""
from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rules", help="print the learning rules and bit budget "
                              "built from the config's rules: section")
    p.add_argument("config", help="YAML config with a rules: section")
    p.add_argument("--lam", type=float, help="override rules.lam (predisposition rate)")
    p.add_argument("--role", choices=("single", "forward", "feedback"), default="single",
                   help="single: one layer (post y1 = e, y2 = |e|); forward / feedback: "
                   "the twins W_l (LearningDense) and B_l (SignedLearningDense) of a layer "
                   "with learned feedback (default: single)")
    p.set_defaults(func=run)


def run(args) -> int:
    import dataclasses

    from lava_bioadam.rules import build_rules, format_rules
    from lava_bioadam.rules.sections import load_rule_sections

    params, _ = load_rule_sections(args.config)
    if args.lam is not None:
        params = dataclasses.replace(params, lam=args.lam)
    print(format_rules(build_rules(params, args.role)))
    return 0
