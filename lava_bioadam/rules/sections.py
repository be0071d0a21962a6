"""The ``verify:`` section of a config (validated by ``lava_bioadam.config``)."""
from __future__ import annotations

from dataclasses import dataclass, field

from lava_bioadam.errors import ConfigError


@dataclass
class VerifyParams:
    """``verify:`` section: the L0/L1/L2/L3 comparison schedule.

    n_samples: samples per run (one learning epoch each).
    seeds: seeds (input data, initial weights, rule ``rng_seed``).
    shapes: layer shapes ``[n_post, n_pre]``; ``[10, 64]`` uses digits inputs,
        others uniform random activities (30 % zeros).
    lam: predisposition rate of the second rule variant (1/sample).
    init_scale: std of the initial weights (physical units).
    l1_rtol: tolerance of L1 vs L0 (relative to the largest |value|).
    networks: whole networks checked (layer sizes, input first), with
        ``network_feedback`` feedback and ``network_samples`` samples each.
    """

    n_samples: int = 500
    seeds: list = field(default_factory=lambda: [0, 1, 2])
    shapes: list = field(default_factory=lambda: [[10, 64], [12, 20]])
    lam: float = 2.0 ** -6
    init_scale: float = 0.3
    l1_rtol: float = 1e-6
    networks: list = field(default_factory=lambda: [[64, 32, 16, 10]])
    network_samples: int = 200
    network_feedback: str = "predisposition"

    def __post_init__(self):
        if self.n_samples < 1 or not self.seeds or not self.shapes:
            raise ConfigError("verify: n_samples >= 1 and non-empty seeds and shapes needed")
        if self.network_feedback not in ("predisposition", "alignment"):
            raise ConfigError("verify.network_feedback must be predisposition or alignment")
        for s in self.networks:
            if not (isinstance(s, list) and len(s) >= 2 and all(isinstance(n, int) and n >= 1
                                                                for n in s)):
                raise ConfigError(f"verify.networks: each network is a list of >= 2 layer "
                                  f"sizes, got {s}")
        for s in self.shapes:
            if not (isinstance(s, (list, tuple)) and len(s) == 2 and min(s) >= 2):
                raise ConfigError(f"verify.shapes: each shape is [n_post, n_pre] >= 2, got {s}")


__all__ = ["VerifyParams"]
