"""Training from a config: the float64 reference (backend ``reference``) and the
fixed-point network on the emulated Loihi (``emulator`` = L2, ``lava-fixed`` = L3,
``lava-float`` = L1). The backends of ``lava-bioadam train`` and ``compare``."""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from lava_bioadam import codes
from lava_bioadam.app.config import Config
from lava_bioadam.app.data import Split
from lava_bioadam.errors import ConfigError, RuleError, UserError, require_lava
from lava_bioadam.golden.fast import run_fast
from lava_bioadam.golden.network import conn_init, initial_weights, run_l2
from lava_bioadam.golden.run_loop import run_epochs
from lava_bioadam.engine.neuron import approx_softmax
from lava_bioadam.model.network import Network, softmax, symmetry
from lava_bioadam.model.optimizers import (SGD, Adam, Optimizer, SynapticAdam, SynapticN1,
                                           SynapticN2)
from lava_bioadam.rules.network import FEEDBACK, NetworkRules, build_network_rules
from lava_bioadam.rules.params import REFERENCE_ONLY, RULE_FAMILIES, RuleParams, ignored_keys


def optimizer_factory(p: RuleParams) -> Callable[[tuple[int, int], np.ndarray | None], Optimizer]:
    """``make_opt(shape, lam_mask)`` for :meth:`Network.create`: the float64 optimizer
    of the ``rules:`` section's rule and values (the same values the fixed-point rules
    derive from); ``lam`` applies where ``lam_mask`` is given. Adam's moment decays are
    ``beta1 = 1 - 1/tau_m``, ``beta2 = 1 - 1/tau_v``; ``sgd`` and ``momentum`` step at
    ``eta r0``, as the engine's."""

    def make(shape, lam_mask):
        lam = dict(lam=p.lam, lam_mask=lam_mask) if lam_mask is not None else {}
        ct = dict(substeps=p.substeps, order=p.order, **lam)
        beta1, beta2 = 1.0 - 1.0 / p.tau_m, 1.0 - 1.0 / p.tau_v
        if p.rule == "sgd":
            return SGD(shape, p.eta * p.r0, **lam)
        if p.rule == "adam":
            return Adam(shape, p.eta, beta1, beta2, p.eps, p.bias_correction, **lam)
        if p.rule == "synaptic_adam":
            return SynapticAdam.from_adam(shape, p.eta, beta1, beta2, p.eps,
                                          bias_correction=p.bias_correction, **ct)
        if p.rule == "n1":
            return SynapticN1(shape, p.eta, p.tau_m, p.tau_r, p.eps, p.r0, p.form,
                              r_min=p.r_min, **ct)
        if p.rule == "momentum":
            return SynapticN1(shape, p.eta, p.tau_m, r0=p.r0, form="frozen", **ct)
        return SynapticN2(shape, p.eta, p.tau_m, p.tau_n, p.eps, p.bias_correction, **ct)

    return make


def build_network(cfg: Config, seed: int) -> Network:
    """The config's network with weights drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    sm = approx_softmax if cfg.network.softmax == "approx" else softmax
    return Network.create(cfg.network.sizes, cfg.network.feedback,
                          optimizer_factory(cfg.rules), rng, cfg.network.loss,
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
    present = np.unique(np.concatenate([data.y_train, data.y_test]))
    if len(present) < 2:
        raise ConfigError(f"{cfg.source}: give data with at least two classes; all samples "
                          f"have label {int(present[0])} (accuracy would be 1 by default)")


class DivergedError(UserError):
    """Training produced non-finite metrics or weights."""


def check_finite(seed: int, rec: dict, weights=()) -> None:
    """``DivergedError`` if the epoch record ``rec`` or any array of ``weights`` holds
    a non-finite number: the run stops instead of training on NaN."""
    bad = [k.replace("_", " ") for k in ("test_accuracy", "test_loss", "train_loss")
           if not math.isfinite(float(rec[k]))]
    if any(not (math.isfinite(a) and math.isfinite(r)) for a, r in rec["symmetry"]):
        bad.append("W/B^T angle")
    if any(w is not None and not np.isfinite(w).all() for w in weights):
        bad.append("weights")
    if bad:
        raise DivergedError(f"lower rules.eta or rules.lam: seed {seed} diverged in "
                            f"epoch {rec['epoch']} (non-finite {', '.join(bad)}); the "
                            f"epochs before it are kept")


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

    def quiet():
        """A fresh errstate each time (numpy 2 refuses to enter one twice); see check_finite."""
        return np.errstate(over="ignore", invalid="ignore", divide="ignore")

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
        check_finite(seed, rec, list(net.weights) + list(net.feedback))
        history.append(rec)
        if log:
            log(rec)

    if resume is None:
        with quiet():
            record(0)
    n_train = len(data.x_train)
    order = []

    def advance(s, e):
        if s % n_train == 0:                    # a new epoch: reshuffle
            order[:] = rng.permutation(n_train)
        i = order[s % n_train]
        net.train_sample(data.x_train[i], eye[data.y_train[i]])

    with quiet():
        run_epochs(cfg.training.epochs * n_train, advance, start=(first - 1) * n_train,
                   epoch_size=n_train, progress=progress,
                   on_epoch=lambda done: record(done // n_train),
                   checkpoint=lambda done: {"net": net, "rng": rng.bit_generator.state,
                                            "history": history, "epoch": done // n_train},
                   on_checkpoint=checkpoint)
    return {"seed": seed, "history": history, "final": history[-1], "network": net}


def network_rules(cfg: Config) -> NetworkRules:
    """The config's network as Loihi rules (``rules:`` section, ``network`` sizes
    and feedback mode). A setting that cannot be represented is a ``ConfigError``
    that names the key to change and the bound to respect (:func:`explain_rules`)."""
    if cfg.network.feedback not in FEEDBACK:
        raise ConfigError(f"{cfg.source}: use network.feedback {' or '.join(FEEDBACK)} with "
                          f"the Loihi backends; {cfg.network.feedback} needs weight "
                          f"transport and has no Loihi realisation")
    if cfg.network.loss != "cross_entropy":
        raise ConfigError(f"{cfg.source}: use network.loss cross_entropy with the Loihi "
                          f"backends (the only loss they implement)")
    if cfg.rules.rule not in RULE_FAMILIES:
        raise ConfigError(f"{cfg.source}: use rules.rule {' or '.join(RULE_FAMILIES)} with "
                          f"the Loihi backends; {cfg.rules.rule} runs on the float64 "
                          f"reference only (--backend reference)")
    try:
        return _build_rules(cfg, cfg.rules)
    except RuleError as exc:
        raise ConfigError(f"{cfg.source}: {explain_rules(cfg, exc)}") from None


def ignored_line(cfg: Config, backend: str) -> str | None:
    """One line naming the ``rules:`` keys the config sets (to other than their
    defaults) that ``backend`` does not read for the config's rule; None if none."""
    level = "reference" if backend == "reference" else "fixed"
    keys = ignored_keys(cfg.rules, level)
    if not keys:
        return None
    return (f"backend {backend} ignores {', '.join('rules.' + k for k in keys)} "
            f"(not read by rule {cfg.rules.rule} on this backend)")


def _build_rules(cfg: Config, params: RuleParams) -> NetworkRules:
    return build_network_rules(params, cfg.network.sizes, cfg.network.feedback)


def _builds(cfg: Config, params: RuleParams) -> bool:
    try:
        _build_rules(cfg, params)
        return True
    except (RuleError, ValueError, OverflowError, ZeroDivisionError):
        return False


#: steps of the search for the representable bound of a rule setting (each halves the
#: bracket in log scale: 16 steps find it to within a few percent)
BOUND_STEPS = 16


def _bound(cfg: Config, key: str, bad: float, good: float) -> float:
    """The representable value of ``rules.key`` nearest to ``bad``, searched between
    ``good`` (representable) and ``bad`` in log scale."""
    lo, hi = math.log(good), math.log(bad)
    for _ in range(BOUND_STEPS):
        mid = (lo + hi) / 2
        if _builds(cfg, dataclasses.replace(cfg.rules, **{key: math.exp(mid)})):
            lo = mid
        else:
            hi = mid
    return math.exp(lo)


def _inside(bound: float, up: bool) -> float:
    """``bound`` to 3 significant digits, rounded towards the representable side
    (``up`` for a lower bound), so that the value printed is itself representable."""
    q = 10.0 ** (math.floor(math.log10(bound)) - 2)
    return float(f"{(math.ceil(bound / q) if up else math.floor(bound / q)) * q:.3g}")


def explain_rules(cfg: Config, exc: RuleError) -> str:
    """``exc`` (an unrepresentable ``rules:`` setting) as a message that starts with
    the fix: which key of those the config changes is to blame (the one whose default
    value makes the rules representable), and the representable value nearest to it."""
    reason = str(exc)
    defaults = RuleParams()
    changed = [f.name for f in dataclasses.fields(RuleParams)
               if f.name not in ("rule", "form", "layers", "t_epoch") + REFERENCE_ONLY
               and getattr(cfg.rules, f.name) != getattr(defaults, f.name)]
    blamed = _blame(cfg, changed, defaults)
    if len(blamed) == 1:
        key, value = blamed[0], getattr(cfg.rules, blamed[0])
        good = getattr(defaults, key)
        if good is None:                        # r_max: its default is 1/eps
            good = 1.0 / cfg.rules.eps
        if not good > 0:                        # lam, r_min: 0 turns the product off
            good = next((g for g in (1e-3, 1e-2, 1e-1, 1.0) if _builds(
                cfg, dataclasses.replace(cfg.rules, **{key: g}))), 0.0)
        if isinstance(value, (int, float)) and value > 0 and good > 0:
            bound = _inside(_bound(cfg, key, float(value), float(good)), up=value < good)
            side = "at most" if value > good else "at least"
            return (f"set rules.{key} to {side} {bound:.3g}; {value:.3g} cannot be "
                    f"represented ({reason})")
        return f"change rules.{key}; {clip_value(value)} cannot be represented ({reason})"
    if blamed:
        keys = ", ".join(f"rules.{k} ({clip_value(getattr(cfg.rules, k))})" for k in blamed)
        return f"change {keys}; together they cannot be represented ({reason})"
    return f"change the rules: section; it cannot be represented ({reason})"


def _blame(cfg: Config, changed: list[str], defaults: RuleParams) -> list[str]:
    """A small set of the ``changed`` keys whose default values make the rules
    representable (empty if even all defaults do not)."""
    def with_defaults(keys):
        return dataclasses.replace(cfg.rules, **{k: getattr(defaults, k) for k in keys})

    single = [k for k in changed if _builds(cfg, with_defaults([k]))]
    if single:
        return single
    reset = []
    for k in changed:                   # reset keys one by one until the rules build
        reset.append(k)
        if _builds(cfg, with_defaults(reset)):
            break
    else:
        return []
    for k in list(reset):               # keep only those needed
        if len(reset) > 1 and _builds(cfg, with_defaults([r for r in reset if r != k])):
            reset.remove(k)
    return reset


def clip_value(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else repr(value)[:20]


#: rough resource use per backend, measured with ``lava-bioadam train`` on 64-16-10
#: and 64-512-512-10 networks on a loaded 2-core machine (summed proportional set
#: size of all processes of the run, wall time per epoch):
#: fixed bytes, bytes per synapse, bytes per Lava process, seconds per synapse and
#: sample, seconds per Lava process and sample
COSTS = {"reference": (200e6, 100, 0, 70e-9, 0),
         "emulator": (300e6, 120, 0, 20e-9, 0),
         "emulator-numpy": (300e6, 120, 0, 200e-9, 0),
         "lava-fixed": (150e6, 300, 10e6, 500e-9, 1.5e-3),
         "lava-float": (150e6, 300, 10e6, 500e-9, 1.5e-3)}


def estimate(cfg: Config, n_samples: int, backend: str) -> tuple[float, float]:
    """Rough ``(bytes, seconds per epoch)`` of training ``cfg``'s network on
    ``backend`` with ``n_samples`` samples per epoch (training and evaluation);
    within a factor of about 3 on a quiet machine."""
    sizes = cfg.network.sizes
    synapses = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    synapses += sum(a * b for a, b in zip(sizes[1:-1], sizes[2:]))   # feedback weights
    processes = 2 * (len(sizes) - 1) + 3                           # connections, units, ...
    base, per_syn, per_proc, t_syn, t_proc = COSTS[backend]
    memory = base + per_syn * synapses + per_proc * processes
    seconds = n_samples * (t_syn * synapses + t_proc * processes)
    return memory, seconds


def available_memory() -> float | None:
    """Bytes of memory available to new work (``MemAvailable``), None if unknown."""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _human_bytes(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def human_seconds(s: float) -> str:
    """``s`` as ``12 s``, ``3.5 min``, ``2.1 h`` or ``4.0 days``."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if s >= 2 * size:
            return f"{s / size:.1f} {unit}"
    return f"{s:.0f} s"


def preflight(cfg: Config, data: Split, backend: str) -> str:
    """Every check of a run that can fail before it starts, so that none fails after
    its results folder exists: the data fit the network, the Loihi backends' rules are
    representable, the network fits in the available memory. Returns the estimate as
    one line to print."""
    check_data(cfg, data)
    if backend != "reference":
        network_rules(cfg)
    n = len(data.x_train) + len(data.x_test) // 2
    memory, seconds = estimate(cfg, n, backend)
    free = available_memory()
    if free is not None and memory > free:
        raise ConfigError(f"{cfg.source}: use smaller network.sizes: {clip_list(cfg.network.sizes)} "
                          f"needs about {_human_bytes(memory)} on {backend}, "
                          f"{_human_bytes(free)} available")
    return (f"estimate: about {_human_bytes(memory)} of memory, "
            f"{human_seconds(seconds)} per epoch (rough)")


def clip_list(values: list, limit: int = 6) -> str:
    """``[64, 4096, 4096, ...]``: a list cut to ``limit`` entries for a message."""
    head = ", ".join(map(str, values[:limit]))
    return f"[{head}{', ...' if len(values) > limit else ''}]"


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
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            rec = _record(nr, data, precision, len(history), W, B)
        check_finite(seed, rec, list(W) + list(B))
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
            "precision": precision,
            "w_scales": [float(e.w_scale) for e in nr.encodings(precision)],
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
