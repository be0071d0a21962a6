"""Physical hyperparameters of the learning rule (config section ``rules:``), the
one source that every backend reads: the fixed-point rules of the Loihi backends
and the float64 reference (``lava_bioadam.app.training.optimizer_factory``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from lava_bioadam.errors import RuleError


#: rule families with a fixed-point realisation (they run on every backend)
RULE_FAMILIES = ("n1", "momentum", "sgd", "n2")
#: rules of the float64 reference backend only
REFERENCE_RULES = ("adam", "synaptic_adam")
N1_FORMS = ("linear", "multiplicative")
ROUNDINGS = ("unbiased", "floor")
#: integration of the float64 reference's continuous-time rules
ORDERS = ("semi_implicit", "explicit")


@dataclass(frozen=True)
class RuleParams:
    """Physical hyperparameters of one learning layer (time unit: one sample).

    rule:    rule family: ``n1`` (synaptic Adam, N1 normaliser), ``n2`` (factored
             RMS: per-neuron normalisers, momentum synapses), ``momentum`` (the N1
             rule with the normaliser frozen at ``r0``: momentum SGD) or ``sgd``
             (plain SGD, ``dw = -eta r0 g``), on every backend; ``adam`` (textbook
             Adam, step ``eta``) or ``synaptic_adam`` (its continuous-time form) on
             the float64 reference only.
    form:    N1 normaliser form: ``linear`` (``tau_r dr = 1 - r(|g| + eps)``) or
             ``multiplicative`` (``tau_r dr = r (1 - r(|g| + eps)) + r_min``).
    r_min:   multiplicative form only: constant drive ``r_min / tau_r`` per sample
             that makes ``r = 0`` non-absorbing (0: no drive product).
    eta:     learning rate of ``dw = -eta m r`` (``-eta g`` for sgd).
    tau_m:   first-moment time constant (samples).
    tau_r:   normaliser time constant of ``tau_r dr = 1 - r(|g| + eps)`` (samples).
    eps:     normaliser floor (gradient units); ``r <= 1/eps``.
    lam:     predisposition rate ``-lam w`` (1/sample); 0 disables the product.
    r0:      initial normaliser value (1/gradient units).
    e_max:   error magnitude mapped to full scale of the third factors.
    m_max:   first-moment magnitude at which ``t`` saturates (at least); ``n2``: in
             units of its normalised codes' range ``NORM_CODE_MAX`` (default: 4 RMS^2).
    r_max:   normaliser value at which ``d`` saturates (at least); default ``1/eps``.
    w_max:   weight magnitude at which ``w`` saturates (at most 255/256 of it).
    t_epoch: time steps per sample = learning epoch length.
    rounding: ``unbiased`` (default): constants in their finest form, the baselines'
             weight product exact, and a constant that returns what Lava's product
             floors take from ``dw`` on average; ``floor``: the products as they
             were before that change (Lava's floors uncompensated), for comparison.
    tau_v:   reference only: Adam's second-moment time constant (samples),
             ``beta2 = 1 - 1/tau_v`` (and ``beta1 = 1 - 1/tau_m``).
    tau_n:   N2's neuron RMS time constant (samples; a power of two on the engine).
    bias_correction: reference only: Adam's and N2's bias correction of the moments.
    substeps: reference only: Euler steps per sample of the continuous-time rules.
    order:   reference only: ``semi_implicit`` or ``explicit`` Euler steps.
    layers:  per-layer changes, one mapping per forward layer from the input side
             (``[{w_max: 8.0}, {}]``: the first layer saturates at 8, the second
             keeps the values above); a layer's feedback twin takes the same values.
             Keys: any of :data:`LAYER_KEYS`. Missing trailing entries change nothing.
    """

    rule: str = "n1"
    form: str = "linear"
    eta: float = 0.01
    tau_m: float = 8.0
    tau_r: float = 16.0
    eps: float = 0.125
    lam: float = 0.0
    r0: float = 1.0
    e_max: float = 1.0
    m_max: float = 0.25
    r_max: Optional[float] = None
    w_max: float = 2.0
    t_epoch: int = 2
    r_min: float = 0.0
    rounding: str = "unbiased"
    tau_v: float = 1000.0
    tau_n: float = 1000.0
    bias_correction: bool = True
    substeps: int = 1
    order: str = "semi_implicit"
    layers: Optional[list] = None

    def __post_init__(self):
        if self.rounding not in ROUNDINGS:
            raise RuleError(f"rules.rounding must be one of {list(ROUNDINGS)}, "
                            f"got {self.rounding!r}")
        if self.rule not in RULE_FAMILIES + REFERENCE_RULES:
            raise RuleError(f"rules.rule must be one of {list(RULE_FAMILIES + REFERENCE_RULES)}, "
                            f"got {self.rule!r}")
        if self.form not in N1_FORMS:
            raise RuleError(f"rules.form must be one of {list(N1_FORMS)}, got {self.form!r}")
        if self.order not in ORDERS:
            raise RuleError(f"rules.order must be one of {list(ORDERS)}, got {self.order!r}")
        if not (isinstance(self.substeps, int) and self.substeps >= 1):
            raise RuleError(f"rules.substeps must be an integer >= 1, got {self.substeps!r}")
        for name in ("eta", "tau_m", "tau_r", "eps", "e_max", "m_max", "w_max", "tau_v",
                     "tau_n"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v > 0):
                raise RuleError(f"rules.{name} must be a positive number, got {v!r}")
        if not (isinstance(self.lam, (int, float)) and self.lam >= 0):
            raise RuleError(f"rules.lam must be >= 0, got {self.lam!r}")
        if not (isinstance(self.r0, (int, float)) and self.r0 >= 0):
            raise RuleError(f"rules.r0 must be >= 0, got {self.r0!r}")
        if self.r_max is not None and not self.r_max > 0:
            raise RuleError(f"rules.r_max must be positive, got {self.r_max!r}")
        if not (isinstance(self.r_min, (int, float)) and self.r_min >= 0):
            raise RuleError(f"rules.r_min must be >= 0, got {self.r_min!r}")
        if self.rule == "n1" and self.form == "multiplicative" and not self.r0 > 0:
            raise RuleError("rules.r0 must be > 0 with form multiplicative (r = 0 is a "
                            "fixed point of r (1 - r(|g| + eps)))")
        if self.rule in ("adam", "synaptic_adam") and not min(self.tau_m, self.tau_v) >= 1:
            raise RuleError(f"rules.tau_m and rules.tau_v must be >= 1 with rule {self.rule} "
                            f"(beta = 1 - 1/tau in [0, 1))")
        if self.layers is not None:
            _check_layers(self.layers)
        if not (isinstance(self.t_epoch, int) and 2 <= self.t_epoch <= 63):
            raise RuleError(f"rules.t_epoch must be an integer in 2..63 (a forward step "
                            f"and an error step per sample), got {self.t_epoch!r}")

    @property
    def r_full_scale(self) -> float:
        return self.r_max if self.r_max is not None else 1.0 / self.eps

    def for_layer(self, index: int) -> "RuleParams":
        """The parameters of forward layer ``index`` (0 = the input side) with its
        entry of ``layers`` applied (and no ``layers`` of their own)."""
        changes = (self.layers[index] if self.layers and index < len(self.layers)
                   else None) or {}
        try:
            return dataclasses.replace(self, layers=None, **changes)
        except RuleError as exc:
            raise RuleError(f"rules.layers[{index}]: {exc}") from None


#: the keys (besides ``rule``) that each backend reads, per rule: ``reference`` the
#: float64 reference, ``fixed`` the fixed-point rules (emulator, Lava); a key that the
#: running rule and backend do not read is reported (:func:`ignored_keys`)
_FIXED = ("e_max", "m_max", "r_max", "w_max", "t_epoch", "rounding", "layers")
_EULER = ("substeps", "order")
READS = {
    "reference": {
        "n1": ("form", "eta", "tau_m", "tau_r", "eps", "lam", "r0", "r_min") + _EULER,
        "momentum": ("eta", "tau_m", "lam", "r0") + _EULER,
        "sgd": ("eta", "lam", "r0"),
        "adam": ("eta", "tau_m", "tau_v", "eps", "lam", "bias_correction"),
        "synaptic_adam": ("eta", "tau_m", "tau_v", "eps", "lam", "bias_correction") + _EULER,
        "n2": ("eta", "tau_m", "tau_n", "eps", "lam", "bias_correction") + _EULER,
    },
    "fixed": {
        "n1": ("form", "eta", "tau_m", "tau_r", "eps", "lam", "r0", "r_min") + _FIXED,
        "momentum": ("eta", "tau_m", "eps", "lam", "r0") + _FIXED,
        "sgd": ("eta", "eps", "lam", "r0") + _FIXED,
        "n2": ("eta", "tau_m", "tau_n", "eps", "lam", "e_max", "m_max", "w_max", "t_epoch",
               "rounding", "layers"),
    },
}


#: the keys that only the float64 reference reads (no fixed-point rule reads them)
REFERENCE_ONLY = tuple(k for k in dict.fromkeys(k for keys in READS["reference"].values()
                                                for k in keys)
                       if not any(k in keys for keys in READS["fixed"].values()))


def ignored_keys(params: RuleParams, level: str) -> list[str]:
    """The keys of ``params`` that differ from their defaults but that a run of its
    rule at ``level`` (``reference`` or ``fixed``) does not read, in field order."""
    reads = READS[level].get(params.rule, ())
    defaults = RuleParams()
    return [f.name for f in dataclasses.fields(RuleParams)
            if f.name != "rule" and f.name not in reads
            and getattr(params, f.name) != getattr(defaults, f.name)]


#: numeric fields that ``RuleParams.layers`` may change per layer
LAYER_KEYS = ("eta", "tau_m", "tau_r", "eps", "lam", "r0", "e_max", "m_max", "r_max",
              "w_max", "r_min")


def _check_layers(layers) -> None:
    if not isinstance(layers, (list, tuple)):
        raise RuleError(f"rules.layers must be a list of mappings (one per layer), "
                        f"got {type(layers).__name__}")
    for i, entry in enumerate(layers):
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise RuleError(f"rules.layers[{i}] must be a mapping, got {type(entry).__name__}")
        bad = sorted(set(entry) - set(LAYER_KEYS))
        if bad:
            raise RuleError(f"rules.layers[{i}]: unknown or per-network key {bad[0]!r}; "
                            f"allowed per layer: {', '.join(LAYER_KEYS)}")


def rule_params_from_dict(d: dict) -> RuleParams:
    """``RuleParams`` from a plain mapping (e.g. the ``rules:`` config section);
    unknown keys are errors."""
    if d is None:
        return RuleParams()
    if not isinstance(d, dict):
        raise RuleError(f"rules: expected a mapping, got {type(d).__name__}")
    names = {f.name for f in dataclasses.fields(RuleParams)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise RuleError(f"rules: unknown key(s) {unknown}; allowed: {sorted(names)}")
    return RuleParams(**d)
