"""``lava-bioadam rounding CONFIG``: rounding error of the fixed-point engine over a
training run of the config's network on the integer golden model (L2)."""
from __future__ import annotations

from lava_bioadam.app.commands.common import add_config_args, load_with_overrides
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.training import check_data, network_rules, presentation_order
from lava_bioadam.golden.network import initial_weights
from lava_bioadam.verify.rounding import format_rounding, rounding_stats


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rounding", help="measure the rounding error of every "
                              "fixed-point update against the exact value (L2)")
    add_config_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = load_with_overrides(args)
    data = load_dataset(cfg.data)
    check_data(cfg, data)
    nr = network_rules(cfg)
    for seed in cfg.training.seeds:
        order = presentation_order(len(data.x_train), cfg.training.epochs, seed)
        W0, B0 = initial_weights(nr, seed, cfg.network.init_scale)
        stats = rounding_stats(nr, data.x_train[order], data.y_train[order], W0, B0, seed)
        print(f"seed {seed}: {len(order)} samples, {list(nr.sizes)}, state units per update")
        print(format_rounding(stats))
    return 0
