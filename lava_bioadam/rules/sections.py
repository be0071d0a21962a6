"""Read the ``rules:`` and ``verify:`` sections of a YAML config.

Until ``lava_bioadam.config`` validates these sections itself, the ``rules`` and
``verify`` commands read them here (other top-level sections are ignored).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from lava_bioadam.errors import ConfigError, RuleError
from lava_bioadam.rules.params import RuleParams, rule_params_from_dict


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


def _read_yaml(path) -> dict:
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} not found")
    try:
        raw = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: top level must be a mapping")
    return raw


def load_rule_sections(path) -> tuple[RuleParams, VerifyParams]:
    """``(RuleParams, VerifyParams)`` from the config at ``path``."""
    raw = _read_yaml(path)
    rules = rule_params_from_dict(raw.get("rules") or {})
    v = raw.get("verify") or {}
    if not isinstance(v, dict):
        raise ConfigError("verify: expected a mapping")
    names = {f.name for f in dataclasses.fields(VerifyParams)}
    unknown = sorted(set(v) - names)
    if unknown:
        raise ConfigError(f"verify: unknown key(s) {unknown}; allowed: {sorted(names)}")
    vp = VerifyParams(**v)
    return rules, vp


__all__ = ["VerifyParams", "load_rule_sections", "RuleError"]
