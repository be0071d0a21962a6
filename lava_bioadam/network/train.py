"""Train a network from a config on the emulated Loihi: L2 emulator, Lava fixed_pt
(L3) or Lava floating_pt (L1). The backends of ``lava-bioadam train``."""
from __future__ import annotations

import numpy as np

from lava_bioadam.config import Config
from lava_bioadam.data import Split
from lava_bioadam.errors import ConfigError
from lava_bioadam.fixed import units
from lava_bioadam.model.network import symmetry
from lava_bioadam.network import deep


def network_rules(cfg: Config) -> deep.NetworkRules:
    """The config's network as Loihi rules (``rules:`` section, ``network`` sizes
    and feedback mode)."""
    if cfg.network.feedback not in deep.FEEDBACK:
        raise ConfigError(f"{cfg.source}: network.feedback {cfg.network.feedback!r} needs "
                          f"weight transport and has no Loihi realisation; use one of "
                          f"{list(deep.FEEDBACK)} with the Loihi backends")
    if cfg.network.loss != "cross_entropy":
        raise ConfigError(f"{cfg.source}: the Loihi backends implement network.loss "
                          f"cross_entropy only")
    return deep.build_network_rules(cfg.rules, cfg.network.sizes, cfg.network.feedback)


def presentation_order(n_train: int, epochs: int, seed: int) -> np.ndarray:
    """Sample indices over all epochs, reshuffled every epoch (same as the reference)."""
    rng = np.random.default_rng(seed + 10_000)
    return np.concatenate([rng.permutation(n_train) for _ in range(epochs)])


def _record(nr, data, precision, epoch, W, B):
    encs = nr.encodings(precision)
    fixed = precision == "fixed"
    test = units.evaluate(data.x_test, data.y_test, W, encs, fixed)
    train = units.evaluate(data.x_train, data.y_train, W, encs, fixed)
    sym = [symmetry(W[l] / encs[l].w_scale, B[l] / encs[l].w_scale)
           for l in range(1, len(W)) if B[l] is not None]
    return {"epoch": epoch, "test_accuracy": test["accuracy"], "test_loss": test["loss"],
            "train_loss": train["loss"], "symmetry": sym}


LEVELS = {"emulator": ("fixed", deep.run_l2), "lava-fixed": ("fixed", deep.run_lava),
          "lava-float": ("float", deep.run_lava)}


def train_network(cfg: Config, data: Split, seed: int, log=None, level: str = "emulator") -> dict:
    """Train online for ``cfg.training.epochs``; returns ``{"seed", "history", ...}``
    with one record per epoch (test accuracy and loss, train loss, angle and relative
    error between ``W_l`` and ``B_l^T`` per feedback layer)."""
    from lava_bioadam.model.train import check_data

    check_data(cfg, data)
    precision, runner = LEVELS[level]
    nr = network_rules(cfg)
    W0, B0 = deep.initial_weights(nr, seed, cfg.network.init_scale)
    n_train = len(data.x_train)
    order = presentation_order(n_train, cfg.training.epochs, seed)
    history = []

    def on_epoch(W, B):
        rec = _record(nr, data, precision, len(history), W, B)
        history.append(rec)
        if log:
            log(rec)
        return rec

    init = [deep.conn_init(nr.forward[l], W0[l], precision)[0] for l in range(nr.n_layers)]
    init_b = [None] + [deep.conn_init(nr.forward[l], B0[l], precision)[0]
                       for l in range(1, nr.n_layers)]
    on_epoch(init, init_b)
    kw = {"precision": precision} if runner is deep.run_lava else {}
    run = runner(nr, data.x_train[order], data.y_train[order], W0, B0, rng_seed=seed,
                 epoch_size=n_train, on_epoch=on_epoch, **kw)
    train_acc = [(run.pred[e * n_train:(e + 1) * n_train] ==
                  data.y_train[order][e * n_train:(e + 1) * n_train]).mean()
                 for e in range(cfg.training.epochs)]
    return {"seed": seed, "history": history, "final": history[-1],
            "online_train_accuracy": [float(a) for a in train_acc], "run": run}


def train_emulator(cfg, data, seed, log=None):
    """Backend ``emulator``: the integer golden model (L2), bit-exact with Lava."""
    return train_network(cfg, data, seed, log, "emulator")


def train_lava_fixed(cfg, data, seed, log=None):
    """Backend ``lava-fixed``: Lava ``fixed_pt`` (L3), the emulated Loihi."""
    return train_network(cfg, data, seed, log, "lava-fixed")


def train_lava_float(cfg, data, seed, log=None):
    """Backend ``lava-float``: Lava ``floating_pt`` (L1)."""
    return train_network(cfg, data, seed, log, "lava-float")
