"""Fixed-point learning rules for Lava's learning engine.

``RuleParams`` holds the physical hyperparameters; each rule family (one module,
e.g. :mod:`lava_bioadam.rules.n1`) maps them to the ``dw``/``dd``/``dt``
sum-of-products strings of a ``Loihi3FLearningRule``, to the integer (``fixed_pt``)
and float (``floating_pt``) encodings of every signal, and to the *effective*
physical hyperparameters the quantised constants represent
(:class:`~lava_bioadam.rules.layer.LayerRules`). Settings that cannot be represented
or whose products can overflow are rejected with
:class:`lava_bioadam.errors.RuleError`. No Lava import: the Lava rule objects are
made by :mod:`lava_bioadam.lava.rules`.
"""
from lava_bioadam.rules.layer import ROLES, Encoding, LayerRules, float_scale_exponents
from lava_bioadam.rules.n1 import build_n1
from lava_bioadam.rules.network import (BUILDERS, FEEDBACK, NetworkRules, build_network_rules,
                                        build_rules, schedule)
from lava_bioadam.rules.params import RuleParams, rule_params_from_dict
from lava_bioadam.rules.report import format_network_rules, format_rules

__all__ = ["RuleParams", "rule_params_from_dict", "LayerRules", "Encoding", "ROLES",
           "float_scale_exponents", "build_rules", "build_n1", "BUILDERS", "format_rules",
           "format_network_rules", "NetworkRules", "build_network_rules", "schedule",
           "FEEDBACK"]
