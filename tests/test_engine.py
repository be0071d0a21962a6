"""The engine layer: widths mirror Lava, constants quantise as specified."""
import pytest

from lava_bioadam.engine import widths
from lava_bioadam.engine.constants import GAIN_SHIFT, quantize, quantize_gain
from lava_bioadam.engine.products import Product, check_products
from lava_bioadam.errors import RuleError
from lava_bioadam.rules import RuleParams, build_rules


def test_widths_mirror_lava():
    from lava.magma.core.learning import constants as lava_constants

    assert widths.W_TRACE == lava_constants.W_TRACE
    assert widths.W_MANT == lava_constants.W_S_MANT
    assert widths.W_ACC_U == lava_constants.W_ACCUMULATOR_U
    assert widths.W_CONST == lava_constants.W_CONST
    assert widths.ACC_SHIFT == lava_constants.W_ACCUMULATOR_S - lava_constants.W_WEIGHTS_S
    assert widths.ROUND_DIV == 2 ** (lava_constants.W_ACCUMULATOR_U - lava_constants.W_WEIGHTS_U)
    for k, v in lava_constants.FACTOR_TO_WIDTH_DICT.items():
        assert widths.FACTOR_WIDTH[k] == v


def test_quantize_modes():
    assert quantize(0.125) == (1, -3)
    m, e = quantize(0.1)
    assert abs(m * 2.0 ** e / 0.1 - 1) < 0.13
    m, e = quantize(0.1, "floor")
    assert m * 2.0 ** e <= 0.1
    m, e = quantize(0.1, "ceil")
    assert m * 2.0 ** e >= 0.1
    with pytest.raises(RuleError):
        quantize(1e-4, "floor")


def test_product_budget_matches_the_engine():
    """t*d: widths 9+9+4 = 22, shift 7; x1*y1*d*d would be 36 bits, shift 21."""
    p = Product("dw", "u0", ("t", "d"), -1, -7)
    assert p.width() == 22 and p.shift == 7 and p.int32_max() == 257 * 255
    assert p.acc_max() == (257 * 255 >> 7) << 0
    q = Product("dd", "x0", ("x1", "y1", "d", "d"), -3, -1)
    assert q.shift == 21
    with pytest.raises(RuleError, match="int32"):
        check_products([q])          # 3 * 127 * 128 * 255^2 > 2^31


def test_predisposition_gain_reaches_rates_below_the_engine_minimum():
    """Twin roles put -lam w as u0 * w * y3 with the gain y3 = G sent by the post
    units: lam = 2^exp * G / 2^5, so 2^-10 (and 1e-3) become representable."""
    assert GAIN_SHIFT == 5
    assert quantize_gain(2.0 ** -7) == (-7, 32, 2.0 ** -7)       # exact: G = 2^5
    assert quantize_gain(2.0 ** -10) == (-7, 4, 2.0 ** -10)
    exp, G, lam = quantize_gain(1e-3)
    assert G == 4 and abs(lam / 1e-3 - 1) < 0.03
    r = build_rules(RuleParams(lam=2.0 ** -10, t_epoch=4), "forward")
    assert r.effective["lam"] == 2.0 ** -10 and r.fixed.g_scale == 4
    assert r.float.g_scale == 4 * 2.0 ** -5  # float: no shift, gain scaled instead
    assert "- 2^-7 * u0 * w * y3" in r.dw
    with pytest.raises(RuleError, match="lam"):
        build_rules(RuleParams(lam=2.0 ** -14, t_epoch=4), "forward")
