"""Training from a config: the float64 reference (backend ``reference``) and the
fixed-point network on the emulated Loihi (``emulator`` = L2, ``lava-fixed`` = L3,
``lava-float`` = L1). The backends of ``lava-bioadam train`` and ``compare``."""
from __future__ import annotations

from typing import Callable

import numpy as np

from lava_bioadam import codes
from lava_bioadam.app.config import Config, OptimizerConfig
from lava_bioadam.app.data import Split
from lava_bioadam.errors import ConfigError, require_lava
from lava_bioadam.golden.fast import run_fast
from lava_bioadam.golden.network import conn_init, initial_weights, run_l2
from lava_bioadam.engine.neuron import approx_softmax
from lava_bioadam.model.network import Network, softmax, symmetry
from lava_bioadam.model.optimizers import (SGD, Adam, Optimizer, SynapticAdam, SynapticN1,
                                           SynapticN2)
from lava_bioadam.rules.network import FEEDBACK, NetworkRules, build_network_rules


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
    sm = approx_softmax if cfg.network.softmax == "approx" else softmax
    return Network.create(cfg.network.sizes, cfg.network.feedback,
                          optimizer_factory(cfg.optimizer), rng, cfg.network.loss,
                          cfg.network.init_scale, sm)


def check_data(cfg: Config, data: Split) -> None:
    """The data must fit the network's input and output sizes."""
    n_in, n_out = cfg.network.sizes[0], cfg.network.sizes[-1]
    if data.x_train.shape[1] != n_in:
        raise ConfigError(f"{cfg.source}: network.sizes[0] is {n_in} but the data have "
                          f"{data.x_train.shape[1]} features")
    n_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
    if n_classes > n_out:
        raise ConfigError(f"{cfg.source}: the data have {n_classes} classes but the output "
                          f"layer has {n_out} units")


def train_reference(cfg: Config, data: Split, seed: int,
                    log: Callable[[dict], None] | None = None,
                    progress: Callable | None = None, checkpoint: Callable | None = None,
                    resume: dict | None = None) -> dict:
    """Train the L0 network online (one sample at a time, reshuffled every epoch by
    ``seed``) and return the history: one record per epoch with test accuracy and
    loss, train loss, and (angle, relative error) per feedback layer.
    ``progress(samples_done, None)`` is called after every sample, ``checkpoint(state)``
    after every epoch; ``resume=state`` continues from such a state bit for bit."""
    check_data(cfg, data)
    rng = np.random.default_rng(seed + 10_000)
    if resume is None:
        net, history, first = build_network(cfg, seed), [], 1
    else:
        net, history, first = resume["net"], list(resume["history"]), resume["epoch"] + 1
        rng.bit_generator.state = resume["rng"]
    eye = np.eye(cfg.network.sizes[-1])

    def record(epoch):
        rec = {"epoch": epoch, **{f"test_{k}": v for k, v in
                                  net.evaluate(data.x_test, data.y_test).items()},
               "train_loss": net.evaluate(data.x_train, data.y_train)["loss"],
               "symmetry": net.symmetry()}
        history.append(rec)
        if log:
            log(rec)

    if resume is None:
        record(0)
    n_train = len(data.x_train)
    for epoch in range(first, cfg.training.epochs + 1):
        for k, i in enumerate(rng.permutation(n_train)):
            net.train_sample(data.x_train[i], eye[data.y_train[i]])
            if progress:
                progress((epoch - 1) * n_train + k + 1, None)
        record(epoch)
        if checkpoint:
            checkpoint({"net": net, "rng": rng.bit_generator.state, "history": history,
                        "epoch": epoch})
    return {"seed": seed, "history": history, "final": history[-1], "network": net}


def network_rules(cfg: Config) -> NetworkRules:
    """The config's network as Loihi rules (``rules:`` section, ``network`` sizes
    and feedback mode)."""
    if cfg.network.feedback not in FEEDBACK:
        raise ConfigError(f"{cfg.source}: network.feedback {cfg.network.feedback!r} needs "
                          f"weight transport and has no Loihi realisation; use one of "
                          f"{list(FEEDBACK)} with the Loihi backends")
    if cfg.network.loss != "cross_entropy":
        raise ConfigError(f"{cfg.source}: the Loihi backends implement network.loss "
                          f"cross_entropy only")
    return build_network_rules(cfg.rules, cfg.network.sizes, cfg.network.feedback)


def presentation_order(n_train: int, epochs: int, seed: int) -> np.ndarray:
    """Sample indices over all epochs, reshuffled every epoch (same as the reference)."""
    rng = np.random.default_rng(seed + 10_000)
    return np.concatenate([rng.permutation(n_train) for _ in range(epochs)])


def _record(nr, data, precision, epoch, W, B):
    encs = nr.encodings(precision)
    fixed = precision == "fixed"
    units = nr.unit_codes() if fixed else None
    test = codes.evaluate(data.x_test, data.y_test, W, encs, fixed, units)
    train = codes.evaluate(data.x_train, data.y_train, W, encs, fixed, units)
    sym = [symmetry(W[l] / encs[l].w_scale, B[l] / encs[l].w_scale)
           for l in range(1, len(W)) if B[l] is not None]
    return {"epoch": epoch, "test_accuracy": test["accuracy"], "test_loss": test["loss"],
            "train_loss": train["loss"], "symmetry": sym}


#: backend -> (precision, runner); the Lava runners are imported when used
LEVELS = {"emulator": ("fixed", "fast"), "emulator-numpy": ("fixed", "golden"),
          "lava-fixed": ("fixed", "lava"), "lava-float": ("float", "lava")}


def require_backend(level: str) -> None:
    """Raise :class:`LavaMissingError` (one line, exit 2 in the CLI) if backend
    ``level`` runs on Lava and Lava is not installed."""
    if LEVELS.get(level, ("", ""))[1] == "lava":
        require_lava(f"the {level} backend")


def _runner(kind: str):
    if kind == "golden":
        return run_l2
    if kind == "fast":
        return run_fast
    from lava_bioadam.lava.network import run_lava   # imports Lava
    return run_lava


def train_network(cfg: Config, data: Split, seed: int, log=None, level: str = "emulator",
                  progress=None, checkpoint=None, resume=None) -> dict:
    """Train online for ``cfg.training.epochs``; returns ``{"seed", "history", ...}``
    with one record per epoch (test accuracy and loss, train loss, angle and relative
    error between ``W_l`` and ``B_l^T`` per feedback layer). ``progress(samples_done,
    correct or None)`` as the runner reports it. ``checkpoint(state)`` after every
    epoch, and ``resume=state`` continues from it bit for bit (on Lava by rebuilding
    the network from the saved Vars, random streams included)."""
    check_data(cfg, data)
    precision, kind = LEVELS[level]
    require_backend(level)
    runner = _runner(kind)
    nr = network_rules(cfg)
    W0, B0 = initial_weights(nr, seed, cfg.network.init_scale)
    n_train = len(data.x_train)
    order = presentation_order(n_train, cfg.training.epochs, seed)
    history = list(resume["history"]) if resume else []

    def on_epoch(W, B):
        rec = _record(nr, data, precision, len(history), W, B)
        history.append(rec)
        if log:
            log(rec)
        return rec

    init = [conn_init(nr.forward[l], W0[l], precision)[0] for l in range(nr.n_layers)]
    init_b = [None] + [conn_init(nr.forward[l], B0[l], precision)[0]
                       for l in range(1, nr.n_layers)]
    if resume is None:
        on_epoch(init, init_b)
    kw = {"precision": precision} if kind == "lava" else {}
    if progress:
        kw["progress"] = progress
    if checkpoint:
        kw["on_checkpoint"] = lambda st: checkpoint({**st, "history": history})
    if resume:
        kw["state"] = resume
    run = runner(nr, data.x_train[order], data.y_train[order], W0, B0, rng_seed=seed,
                 epoch_size=n_train, on_epoch=on_epoch, **kw)
    train_acc = [(run.pred[e * n_train:(e + 1) * n_train] ==
                  data.y_train[order][e * n_train:(e + 1) * n_train]).mean()
                 for e in range(cfg.training.epochs)]
    return {"seed": seed, "history": history, "final": history[-1],
            "online_train_accuracy": [float(a) for a in train_acc], "run": run,
            **({"emulator_startup": run.meta["emulator_startup"]}
               if "emulator_startup" in run.meta else {})}


def train_emulator(cfg, data, seed, log=None, progress=None, **kw):
    """Backend ``emulator``: the integer golden model (L2), bit-exact with Lava,
    compiled (:mod:`lava_bioadam.golden.fast`)."""
    return train_network(cfg, data, seed, log, "emulator", progress, **kw)


def train_emulator_numpy(cfg, data, seed, log=None, progress=None, **kw):
    """Backend ``emulator-numpy``: the same model in numpy (its specification)."""
    return train_network(cfg, data, seed, log, "emulator-numpy", progress, **kw)


def train_lava_fixed(cfg, data, seed, log=None, progress=None, **kw):
    """Backend ``lava-fixed``: Lava ``fixed_pt`` (L3), the emulated Loihi."""
    return train_network(cfg, data, seed, log, "lava-fixed", progress, **kw)


def train_lava_float(cfg, data, seed, log=None, progress=None, **kw):
    """Backend ``lava-float``: Lava ``floating_pt`` (L1)."""
    return train_network(cfg, data, seed, log, "lava-float", progress, **kw)
