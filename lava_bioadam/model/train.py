"""Online training of the L0 reference network from a config."""
from __future__ import annotations

from typing import Callable

import numpy as np

from lava_bioadam.config import Config, OptimizerConfig
from lava_bioadam.data import Split
from lava_bioadam.model.network import Network
from lava_bioadam.model.optimizers import (SGD, Adam, Optimizer, SynapticAdam, SynapticN1,
                                           SynapticN2)


def optimizer_factory(ocfg: OptimizerConfig) -> Callable[[tuple[int, int], np.ndarray | None], Optimizer]:
    """``make_opt(shape, lam_mask)`` for :meth:`Network.create` from the config's
    optimizer section; ``lam`` applies where ``lam_mask`` is given."""

    def make(shape, lam_mask):
        lam = dict(lam=ocfg.lam, lam_mask=lam_mask) if lam_mask is not None else {}
        ct = dict(substeps=ocfg.substeps, order=ocfg.order, **lam)
        a = ocfg.adam
        if ocfg.rule == "sgd":
            return SGD(shape, ocfg.sgd.lr, **lam)
        if ocfg.rule == "adam":
            return Adam(shape, a.lr, a.beta1, a.beta2, a.eps, a.bias_correction, **lam)
        if ocfg.rule == "synaptic_adam":
            return SynapticAdam.from_adam(shape, a.lr, a.beta1, a.beta2, a.eps,
                                          bias_correction=a.bias_correction, **ct)
        if ocfg.rule == "n1":
            n = ocfg.n1
            return SynapticN1(shape, n.eta, n.tau_m, n.tau_r, n.eps, n.r0, n.form, **ct)
        n = ocfg.n2
        return SynapticN2(shape, n.eta, n.tau_m, n.tau_n, n.eps, n.bias_correction, **ct)

    return make


def build_network(cfg: Config, seed: int) -> Network:
    """The config's network with weights drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    return Network.create(cfg.network.sizes, cfg.network.feedback,
                          optimizer_factory(cfg.optimizer), rng, cfg.network.loss,
                          cfg.network.init_scale)


def check_data(cfg: Config, data: Split) -> None:
    """The data must fit the network's input and output sizes."""
    from lava_bioadam.errors import ConfigError

    n_in, n_out = cfg.network.sizes[0], cfg.network.sizes[-1]
    if data.x_train.shape[1] != n_in:
        raise ConfigError(f"{cfg.source}: network.sizes[0] is {n_in} but the data have "
                          f"{data.x_train.shape[1]} features")
    n_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
    if n_classes > n_out:
        raise ConfigError(f"{cfg.source}: the data have {n_classes} classes but the output "
                          f"layer has {n_out} units")


def train_reference(cfg: Config, data: Split, seed: int,
                    log: Callable[[dict], None] | None = None) -> dict:
    """Train the L0 network online (one sample at a time, reshuffled every epoch by
    ``seed``) and return the history: one record per epoch with test accuracy and
    loss, train loss, and (angle, relative error) per feedback layer."""
    check_data(cfg, data)
    net = build_network(cfg, seed)
    rng = np.random.default_rng(seed + 10_000)
    eye = np.eye(cfg.network.sizes[-1])
    history = []

    def record(epoch):
        rec = {"epoch": epoch, **{f"test_{k}": v for k, v in
                                  net.evaluate(data.x_test, data.y_test).items()},
               "train_loss": net.evaluate(data.x_train, data.y_train)["loss"],
               "symmetry": net.symmetry()}
        history.append(rec)
        if log:
            log(rec)

    record(0)
    for epoch in range(1, cfg.training.epochs + 1):
        for i in rng.permutation(len(data.x_train)):
            net.train_sample(data.x_train[i], eye[data.y_train[i]])
        record(epoch)
    return {"seed": seed, "history": history, "final": history[-1], "network": net}
