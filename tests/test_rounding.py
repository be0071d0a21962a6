"""The unbiased weight product: constants in their finest form, the baselines' exact
weight product, the rounding compensation, and the per-product rounding error that
``lava-bioadam rounding`` reports."""
import dataclasses

import numpy as np
import pytest

from lava_bioadam.engine import widths as W
from lava_bioadam.engine.products import Product, compensation, finest, floor_loss, rule_string
from lava_bioadam.golden.connection import GoldenLearningDense
from lava_bioadam.golden.network import initial_weights
from lava_bioadam.rules import RuleParams, build_network_rules, build_rules
from lava_bioadam.verify.cases import network_inputs
from lava_bioadam.verify.rounding import PRODUCT_BIAS_MAX, format_rounding, rounding_stats


def test_finest_keeps_the_value_and_lowers_the_exponent():
    pr = Product("dt", "x0", ("x1", "y1"), 1, -4)            # shift 3: floors at 8 units
    f = finest(pr)
    assert (f.mant, f.exp) == (4, -6) and f.coef == pr.coef  # floors at 2 units
    assert finest(Product("dt", "u0", ("t",), -1, -3)) == Product("dt", "u0", ("t",), -1, -3)
    # the int32 product bounds the mantissa: 2 * 127 * 127 * 255^2 fits, 4 * ... not
    big = finest(Product("dd", "x0", ("x1", "y1", "d", "d"), -1, -3))
    assert (big.mant, big.exp) == (-2, -4) and big.int32_max() <= W.INT32_MAX
    assert finest(Product("dw", "u0", ("t", "d"), -7, 0)).mant == -7     # already finest


def _one_epoch(prods, t, d, w=None):
    shape = np.shape(t)
    g = GoldenLearningDense(prods, np.zeros(shape, int) if w is None else w, t, d,
                            t_epoch=1, rng_seed=0)
    g.track_exact = True
    g.step(np.zeros(shape[1], int), np.zeros((3, shape[0]), int))
    return g


def test_per_product_error_is_the_floor_of_the_shift():
    """-2^0 u0 t d at d = 32: t d / 128 = +-1/4 state unit. Lava floors -1/4 to -1
    (error -3/4) and +1/4 to 0 (error -1/4), whatever the stochastic rounding does."""
    g = _one_epoch([Product("dw", "u0", ("t", "d"), -1, 0)], [[1, -1]], [[32, 32]])
    ((pr, err, active),) = g.last_products["w"]
    assert np.allclose(err, [[-0.75, -0.25]]) and active.all()
    assert np.allclose(g.last_exact["w"], [[-0.25, 0.25]])


def test_compensation_returns_the_mean_floor_loss():
    td = Product("dw", "u0", ("t", "d"), -1, -7)          # loses (1 - 2^-7)/2 units
    pred = Product("dw", "u0", ("w", "y3"), -1, -7)       # G = 1: (1 - 2^-5)/2 units
    assert floor_loss(td) == pytest.approx((1 - 2 ** -7) / 2)
    assert floor_loss(pred, {"y3": 32}) == 0.0             # G = 32: exact
    assert compensation([td], "dw") is None                # half a unit: ties down
    comp = compensation([td, pred], "dw", {"y3": 1})
    assert (comp.dep, comp.factors, comp.mant, comp.exp, comp.fixed_only) == \
        ("u0", (), 1, -7, True)
    # the compensation is a fixed-point correction: not in the floating_pt string
    assert rule_string([td, comp], "dw") == "- 2^-7 * u0 * t * d + 2^-7 * u0"
    assert rule_string([td, comp], "dw", "float") == "- 2^-7 * u0 * t * d"
    # a constant product is exact: one accumulator unit per epoch, on every synapse
    g = _one_epoch([td, comp], [[0, 0]], [[0, 0]], w=[[0, 0]])
    assert np.allclose(g.last_products["w"][1][1], 1 / W.ROUND_DIV)


def test_rules_get_the_compensation_and_floor_keeps_the_old_products():
    p = RuleParams(lam=2.0 ** -12, tau_r=32.0, eps=2.0 ** -7)   # G = 1 in y3
    new, old = build_rules(p), build_rules(dataclasses.replace(p, rounding="floor"))
    assert new.dw.endswith("+ 2^-7 * u0") and "+ 2^-7 * u0" not in old.dw
    assert not new.rule_string("dw", "float").endswith("+ 2^-7 * u0")
    # the same constants (values), in their finest form
    same = [(p.target, p.dep, p.factors, p.coef) for p in new.products if not p.fixed_only]
    assert same == [(p.target, p.dep, p.factors, p.coef) for p in old.products]
    assert any(p.mant != q.mant for p, q in zip(new.products, old.products))
    assert new.rho == old.rho and new.fixed == old.fixed
    sgd = build_rules(RuleParams(rule="sgd", eta=0.03))
    sgd_floor = build_rules(RuleParams(rule="sgd", eta=0.03, rounding="floor"))
    assert "t * d" not in sgd.dw and "u0 * t * d" in sgd_floor.dw
    with pytest.raises(Exception, match="rounding"):
        RuleParams(rounding="nearest")


def _stats(params, sizes=(20, 9, 5), n=60, seed=0):
    nr = build_network_rules(params, sizes)
    x, lab = network_inputs(sizes, n, seed)
    W0, B0 = initial_weights(nr, seed)
    return rounding_stats(nr, x, lab, W0, B0, seed)


def test_rounding_reports_each_product_and_the_unbiased_rules_stay_within_bound():
    """The sgd baseline's weight product: floored (t * d0 >> 7) with ``rounding:
    floor``, a clear negative bias; exact (no shift) by default."""
    floor = _stats(RuleParams(rule="sgd", eta=0.12, rounding="floor"))
    new = _stats(RuleParams(rule="sgd", eta=0.12))
    bias = {r["term"]: r["mean"] for r in floor["products"]}
    (td,) = [m for t, m in bias.items() if "t * d" in t]
    assert td < -0.002
    rows = new["products"]
    (wt,) = [r for r in rows if r["var"] == "w" and r["term"].endswith("u0 * t")]
    assert wt["mean"] == 0.0 and wt["rms"] == 0.0 and wt["entries"] > 0
    assert all(abs(r["mean"]) < PRODUCT_BIAS_MAX for r in rows)
    text = format_rounding(new)
    assert "mean signed error" in text and "within the 0.05 bound" in text


@pytest.mark.lava
def test_lava_rules_carry_the_compensation_in_fixed_point_only():
    from lava_bioadam.lava.rules import make_lava_rule, our_products, parsed_products
    r = build_rules(RuleParams(lam=2.0 ** -12, tau_r=32.0, eps=2.0 ** -7))
    assert parsed_products(make_lava_rule(r, 0)) == our_products(r)
    flt = parsed_products(make_lava_rule(r, 0, "float"))
    assert flt == [p for p in our_products(r) if p != ("dw", 1, -7, ())]
    assert len(flt) == len(our_products(r)) - 1
