"""Fixed-point learning rules for Lava's learning engine (N1 synaptic Adam).

``RuleParams`` holds the physical hyperparameters; :func:`build_rules` maps them to
the ``dw``/``dt``/``dd`` sum-of-products strings of a ``Loihi3FLearningRule``, to
the integer (``fixed_pt``) and float (``floating_pt``) encodings of every signal,
and to the *effective* physical hyperparameters the quantised constants represent.
Settings that cannot be represented or whose products can overflow are rejected
with :class:`lava_bioadam.errors.RuleError`.
"""
from lava_bioadam.rules.params import RuleParams, rule_params_from_dict
from lava_bioadam.rules.builder import (Product, LayerRules, Encoding, TwinEncoding,
                                        ROLES, build_rules, float_scale_exponents,
                                        quantize, format_rules)

__all__ = ["RuleParams", "rule_params_from_dict", "Product", "LayerRules", "Encoding",
           "TwinEncoding", "ROLES", "float_scale_exponents",
           "build_rules", "quantize", "format_rules", "make_lava_rule"]


def make_lava_rule(rules: "LayerRules", rng_seed: int = 0):
    """A fresh ``Loihi3FLearningRule`` for one ``LearningDense`` (Lava mutates it).

    Traces use time constant ``TRACE_TAU_INF`` (no decay in practice, and identical
    streams for twins with the same ``rng_seed``).
    """
    from lava_bioadam.rules.lava import make_lava_rule as _make
    return _make(rules, rng_seed)
