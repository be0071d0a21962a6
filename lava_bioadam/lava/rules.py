"""Lava learning-rule objects from :class:`~lava_bioadam.rules.layer.LayerRules`."""
from __future__ import annotations

from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

from lava_bioadam.engine import widths


def make_lava_rule(rules, rng_seed: int = 0) -> Loihi3FLearningRule:
    """A fresh ``Loihi3FLearningRule``; all used traces get tau ``2**40``.

    Both roles get ``x2_tau = 2**40`` and ``x2_impulse = 0``: a
    ``SignedLearningDense`` keeps the negative part of its presynaptic payload in
    ``x2``, and the two twins get identical rule settings. Empty targets are None.
    """
    rule = Loihi3FLearningRule(dw=rules.dw or None, dd=rules.dd or None,
                               dt=rules.dt or None, x1_impulse=0, x1_tau=widths.TRACE_TAU_INF,
                               x2_impulse=0, x2_tau=widths.TRACE_TAU_INF,
                               t_epoch=rules.t_epoch, rng_seed=int(rng_seed))
    # Loihi3FLearningRule fixes the y taus at 2**16-1, which decays y1..y3 by
    # 1.5e-5 per step in float and stochastically in fixed point.
    rule.y1_tau = widths.TRACE_TAU_INF
    rule.y2_tau = widths.TRACE_TAU_INF
    rule.y3_tau = widths.TRACE_TAU_INF
    return rule


def parsed_products(lava_rule) -> list:
    """What Lava parsed from a rule: sorted ``(target, mant, exp, factor names)``,
    comparable with ``sorted((p.target, p.mant, p.exp, tuple(sorted(p.factors))))``
    of our ``Product`` list."""
    return sorted((target, p.s_mantissa, p.s_exp - widths.EXP_OFFSET,
                   tuple(sorted(f.state_var for f in p.factors)))
                  for target, series in lava_rule.active_product_series.items()
                  for p in series.products)


def our_products(rules) -> list:
    """Our products of ``rules`` in the form of :func:`parsed_products`."""
    return sorted((p.target, p.mant, p.exp, tuple(sorted(p.factors))) for p in rules.products)
