"""Experiment configs: YAML files validated into dataclasses.

Unknown keys, wrong types and out-of-range values are errors (:class:`ConfigError`)
that name the file and the dotted key. Every section and key has a default, so a
config states only what differs from them.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from lava_bioadam.errors import ConfigError, UserError
from lava_bioadam.rules.params import RuleParams, rule_params_from_dict
from lava_bioadam.verify.params import VerifyParams


@dataclass
class DataConfig:
    """Where samples come from. ``digits``: scikit-learn's handwritten digits,
    features scaled to [0, 1]; ``yinyang``, ``rare_features``: generated from
    ``split_seed`` (see ``lava_bioadam.app.data``); ``npz``: a file with arrays ``x``
    (n, features, in [0, 1]) and ``y`` (n,) integer labels."""
    dataset: Literal["digits", "npz", "yinyang", "rare_features"] = "digits"
    path: str | None = None
    test_fraction: float = 0.3
    split_seed: int = 0


@dataclass
class NetworkConfig:
    """Layer sizes (input first), loss, and how errors travel back."""
    sizes: list[int] = field(default_factory=lambda: [64, 64, 10])
    loss: Literal["cross_entropy", "mse"] = "cross_entropy"
    feedback: Literal["backprop", "alignment", "predisposition"] = "predisposition"
    init_scale: float = 1.0


@dataclass
class AdamConfig:
    """Textbook Adam (also the discrete form of ``synaptic_adam``): step ``lr`` (weight
    units per sample), moment decays ``beta1``, ``beta2`` per sample, ``eps`` in
    gradient units, optional bias correction of both moments."""
    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    bias_correction: bool = True


@dataclass
class N1Config:
    """N1, synaptic homeostasis: ``tau_r dr/dt = 1 - r(|g| + eps)`` (``linear``) or
    ``r (1 - r(|g| + eps))`` (``multiplicative``), ``dw/dt = -eta m r``."""
    eta: float = 1e-3
    tau_m: float = 10.0
    tau_r: float = 10.0
    eps: float = 1e-2
    r0: float = 0.0
    form: Literal["linear", "multiplicative"] = "linear"


@dataclass
class N2Config:
    """N2, factored RMS: each neuron divides its signal by its running RMS (time
    constant ``tau_n`` samples, floor ``eps``); synapses integrate ``m`` (``tau_m``)
    and ``dw/dt = -eta m``; optional bias correction of the running means."""
    eta: float = 1e-3
    tau_m: float = 10.0
    tau_n: float = 1000.0
    bias_correction: bool = True
    eps: float = 1e-8


@dataclass
class SGDConfig:
    lr: float = 0.05


@dataclass
class OptimizerConfig:
    """Which rule learns, with the parameters of each rule in its own section.
    ``lam`` is the predisposition rate (1/sample), used with ``feedback: predisposition``."""
    rule: Literal["adam", "synaptic_adam", "n1", "n2", "sgd"] = "n1"
    substeps: int = 1
    order: Literal["semi_implicit", "explicit"] = "semi_implicit"
    lam: float = 1e-3
    adam: AdamConfig = field(default_factory=AdamConfig)
    n1: N1Config = field(default_factory=N1Config)
    n2: N2Config = field(default_factory=N2Config)
    sgd: SGDConfig = field(default_factory=SGDConfig)


@dataclass
class TrainingConfig:
    epochs: int = 10
    seeds: list[int] = field(default_factory=lambda: [0])


@dataclass
class CompareConfig:
    """Learning-rate sweeps of ``lava-bioadam compare --loihi``: the non-adaptive
    baselines run at their best rate of these grids (chosen on the first seed's test
    accuracy, which favours the baselines).

    sgd_rates: ``optimizer.sgd.lr`` grid of L0 plain SGD.
    loihi_rates: ``rules.eta`` grid of the fixed-point ``sgd`` and ``momentum`` rules.
    linear, multiplicative: changes to the ``rules:`` section for the fixed-point N1
        rows of that form (each form has its own representable range, e.g. the
        multiplicative form needs a longer ``tau_r``).
    multiplicative_reference: changes to ``optimizer.n1`` for the float64
        multiplicative row (its explicit step is stable only while ``r |g|`` stays
        below ``1 + tau_r``: it needs a longer ``tau_r`` or a larger ``eps``).
    """
    sgd_rates: list[float] = field(default_factory=lambda: [0.003, 0.01, 0.03, 0.1, 0.3,
                                                            1.0, 3.0, 10.0])
    loihi_rates: list[float] = field(default_factory=lambda: [0.001, 0.002, 0.004, 0.008,
                                                              0.016, 0.032, 0.064, 0.128])
    linear: dict = field(default_factory=dict)
    multiplicative: dict = field(default_factory=dict)
    multiplicative_reference: dict = field(default_factory=dict)


@dataclass
class Config:
    name: str = "experiment"
    data: DataConfig = field(default_factory=DataConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    #: fixed-point rules of the Loihi backends (emulator, lava-fixed, lava-float)
    rules: RuleParams = field(default_factory=RuleParams)
    #: the L0/L1/L2/L3 comparison of ``lava-bioadam verify``
    verify: VerifyParams = field(default_factory=VerifyParams)
    #: learning-rate sweeps of ``lava-bioadam compare --loihi``
    compare: CompareConfig = field(default_factory=CompareConfig)
    source: str = field(default="<defaults>", metadata={"internal": True})


# ---------------------------------------------------------------- validation
_POSITIVE = {"test_fraction", "lr", "eta", "tau_m", "tau_r", "tau_n", "tau_v", "epochs",
             "substeps", "init_scale"}
_NON_NEGATIVE = {"eps", "r0", "lam"}


def _check_value(key: str, value, tp, where: str):
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):  # Optional[...] / X | None
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _check_value(key, value, inner, where)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: {key} must be one of {list(args)}, got {value!r}")
        return value
    if tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} must be a mapping, got {value!r}")
        return value
    if tp is list:
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty list, got {value!r}")
        return value
    if origin is list:
        (inner,) = args
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty list, got {value!r}")
        return [_check_value(f"{key}[{i}]", v, inner, where) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where, prefix=f"{key}.")
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {tp!r}")  # programming error


def _build(cls, raw, where: str, prefix: str = ""):
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'config'} must be a mapping, "
                          f"got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key {prefix}{unknown[0]} "
                          f"(allowed under {prefix.rstrip('.') or 'the top level'}: "
                          f"{', '.join(fields)})")
    values = {}
    for name, value in raw.items():
        key = prefix + name
        v = _check_value(key, value, hints[name], where)
        if name in _POSITIVE and isinstance(v, (int, float)) and not v > 0:
            raise ConfigError(f"{where}: {key} must be > 0, got {v}")
        if name in _NON_NEGATIVE and isinstance(v, (int, float)) and v < 0:
            raise ConfigError(f"{where}: {key} must be >= 0, got {v}")
        values[name] = v
    try:
        return cls(**values)
    except ConfigError:
        raise
    except UserError as exc:  # a section's own validation (e.g. RuleParams' RuleError)
        raise ConfigError(f"{where}: {exc}") from None


def _check_consistency(cfg: Config, where: str) -> None:
    bad = sorted(set(cfg.compare.multiplicative_reference) -
                 {f.name for f in dataclasses.fields(N1Config)})
    if bad:
        raise ConfigError(f"{where}: compare.multiplicative_reference: unknown key {bad[0]} "
                          f"(keys of optimizer.n1)")
    for form in ("linear", "multiplicative"):
        changes = getattr(cfg.compare, form)
        try:
            rule_params_from_dict({**dataclasses.asdict(cfg.rules), **changes})
        except UserError as exc:
            raise ConfigError(f"{where}: compare.{form}: {exc}") from None
    if cfg.data.test_fraction >= 1:
        raise ConfigError(f"{where}: data.test_fraction must be < 1, got {cfg.data.test_fraction}")
    if cfg.optimizer.n1.form == "multiplicative" and cfg.optimizer.n1.r0 <= 0:
        raise ConfigError(f"{where}: optimizer.n1.r0 must be > 0 with form multiplicative")
    if cfg.data.dataset == "npz" and not cfg.data.path:
        raise ConfigError(f"{where}: data.path is required when data.dataset is npz")
    if len(cfg.network.sizes) < 2 or any(s < 1 for s in cfg.network.sizes):
        raise ConfigError(f"{where}: network.sizes needs at least two positive sizes, "
                          f"got {cfg.network.sizes}")
    for b in ("beta1", "beta2"):
        if not 0 <= getattr(cfg.optimizer.adam, b) < 1:
            raise ConfigError(f"{where}: optimizer.adam.{b} must be in [0, 1)")


def config_from_dict(raw: dict, where: str = "<dict>") -> Config:
    """Validate a plain dict (as loaded from YAML) into a :class:`Config`."""
    cfg = _build(Config, raw, where)
    cfg.source = where
    _check_consistency(cfg, where)
    return cfg


def load_config(path: str | Path) -> Config:
    """Load and validate a YAML config; relative ``data.path`` is taken relative to
    the config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    cfg = config_from_dict(raw, str(path))
    if cfg.data.path and not Path(cfg.data.path).is_absolute():
        cfg.data.path = str((path.parent / cfg.data.path).resolve())
    return cfg
