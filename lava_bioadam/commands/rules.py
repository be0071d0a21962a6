"""``lava-bioadam rules CONFIG``: print the fixed-point rules and their bit budget."""
from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rules", help="print the learning rules and bit budget "
                              "built from the config's rules: section")
    p.add_argument("config", help="YAML config with a rules: section")
    p.add_argument("--lam", type=float, help="override rules.lam (predisposition rate)")
    p.add_argument("--role", choices=("single", "forward", "feedback", "network"),
                   default="single",
                   help="single: one layer (post y1 = e, y2 = |e|); forward / feedback: "
                   "the twins W_l (LearningDense) and B_l (SignedLearningDense) of a layer "
                   "with learned feedback; network: every connection of the config's "
                   "network (default: single)")
    p.set_defaults(func=run)


def run(args) -> int:
    import dataclasses

    from lava_bioadam.config import load_config
    from lava_bioadam.rules import build_rules, format_rules

    cfg = load_config(args.config)
    params = cfg.rules
    if args.lam is not None:
        params = dataclasses.replace(params, lam=args.lam)
    if args.role != "network":
        print(format_rules(build_rules(params, args.role)))
        return 0
    from lava_bioadam.network.train import network_rules

    cfg.rules = params
    nr = network_rules(cfg)
    for l in range(nr.n_layers):
        for side, rules in (("W", nr.forward[l]), ("B", nr.feedback[l])):
            if rules is not None:
                print(f"=== {side}{l + 1} ({rules.role}), sizes {list(nr.sizes)}, "
                      f"t_epoch {nr.t_sample} ===")
                print(format_rules(rules))
                print()
    return 0
