"""The ``verify:`` section of a config (validated by ``lava_bioadam.app.config``)."""
from __future__ import annotations

from dataclasses import dataclass, field

from lava_bioadam.errors import ConfigError


@dataclass
class VerifyParams:
    """``verify:`` section: which networks L0/L1/L2/L3 are compared on.

    n_samples: samples per case (one learning epoch each).
    seeds: seeds (input data, initial weights, rule ``rng_seed``).
    networks: layer sizes of each network checked, input first; ``[n_in, n_out]``
        is a single learning layer. A network with 64 inputs and 10 outputs sees
        digits samples, others uniform random activities (30 % zeros).
    feedback: feedback mode of the networks (``predisposition`` or ``alignment``).
    variants: rule variants checked, each a mapping of changes to the ``rules:``
        section (``{}``: the section as it is; e.g. ``{rule: sgd}``,
        ``{form: multiplicative, tau_r: 16.0}``).
    l1_rtol: tolerance of L1 vs L0, relative to the largest |L0 value| of a variable.
    l1_floor: smallest denominator of that relative difference (physical units), so
        that variables that stay near 0 in both levels do not count as mismatches.
    """

    n_samples: int = 200
    seeds: list = field(default_factory=lambda: [0, 1, 2])
    networks: list = field(default_factory=lambda: [[64, 10], [20, 12], [64, 32, 16, 10]])
    feedback: str = "predisposition"
    variants: list = field(default_factory=lambda: [{}])
    l1_rtol: float = 1e-6
    l1_floor: float = 1e-9

    def __post_init__(self):
        if self.n_samples < 1 or not self.seeds or not self.networks:
            raise ConfigError("verify: n_samples >= 1 and non-empty seeds and networks needed")
        if self.feedback not in ("predisposition", "alignment"):
            raise ConfigError("verify.feedback must be predisposition or alignment")
        for s in self.networks:
            if not (isinstance(s, list) and len(s) >= 2 and all(isinstance(n, int) and n >= 1
                                                                for n in s)):
                raise ConfigError(f"verify.networks: each network is a list of >= 2 layer "
                                  f"sizes, got {s}")
        for v in self.variants:
            if not isinstance(v, dict):
                raise ConfigError(f"verify.variants: each variant is a mapping of rules "
                                  f"keys, got {v!r}")
        if not (self.l1_rtol > 0 and self.l1_floor > 0):
            raise ConfigError("verify.l1_rtol and verify.l1_floor must be positive")


__all__ = ["VerifyParams"]
