"""Rule builder: representable constants, overflow rejection, float/fixed mapping."""
import dataclasses

import pytest

from lava_bioadam.errors import RuleError
from lava_bioadam.fixed import widths as W
from lava_bioadam.rules import RuleParams, build_rules, quantize, rule_params_from_dict


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


def test_default_rules_strings_and_effective_values():
    r = build_rules(RuleParams())
    assert r.dw == "- 2^-7 * u0 * t * d"
    assert "x0 * x1 * y1" in r.dt and "u0 * t" in r.dt
    assert "x0 * x1 * y2 * d" in r.dd
    eff = r.effective
    assert eff["tau_m"] == 8.0 and eff["tau_r"] == 16.0 and eff["eps"] == 0.125
    assert eff["eta"] == pytest.approx(0.01)
    # g / tau_m and -m / tau_m must describe the same time constant
    p_g = next(p for p in r.products if p.factors == ("x1", "y1"))
    assert r.fixed.t_scale == pytest.approx(
        p_g.coef * 127 * r.fixed.y1_scale * eff["tau_m"] / 2 ** p_g.shift)


def test_lava_parses_our_strings_into_our_products():
    from lava_bioadam.rules import make_lava_rule
    from lava_bioadam.rules.lava import our_products, parsed_products

    r = build_rules(RuleParams(lam=2.0 ** -6))
    lr = make_lava_rule(r, 0)
    assert our_products(r) == parsed_products(lr)
    assert lr.y1_tau == W.TRACE_TAU_INF and lr.x1_tau == W.TRACE_TAU_INF


def test_float_encoding_compensates_the_fixed_shifts():
    r = build_rules(RuleParams())
    assert r.float.y1_scale * 8 == pytest.approx(r.fixed.y1_scale)
    assert r.float.y2_scale * 4096 == pytest.approx(r.fixed.y2_scale)
    assert r.float.w_scale == pytest.approx(r.fixed.w_scale * 128)


@pytest.mark.parametrize("bad, match", [
    (dict(eps=0.01), "eps/rules.tau_r"),
    (dict(tau_m=1000.0), "tau_m"),
    (dict(lam=1e-4), "lam"),
    (dict(eta=1e-6), "eta"),
    (dict(lam=64.0), "accumulator"),
])
def test_unrepresentable_or_overflowing_settings_are_rejected(bad, match):
    with pytest.raises(RuleError, match=match):
        build_rules(dataclasses.replace(RuleParams(), **bad))


def test_every_product_fits_int32_and_accumulator():
    r = build_rules(RuleParams(lam=2.0 ** -6))
    for p in r.products:
        assert p.int32_max() <= W.INT32_MAX
        assert p.acc_max() <= W.ACC_MAX


def test_params_from_dict_rejects_unknown_keys():
    assert rule_params_from_dict({"eta": 0.02}).eta == 0.02
    with pytest.raises(RuleError, match="unknown"):
        rule_params_from_dict({"etta": 0.02})
    with pytest.raises(RuleError):
        rule_params_from_dict({"tau_m": -1})


def test_widths_mirror_lava():
    from lava.magma.core.learning import constants as C

    assert W.W_TRACE == C.W_TRACE and W.W_MANT == C.W_S_MANT
    assert W.W_ACC_U == C.W_ACCUMULATOR_U and W.W_CONST == C.W_CONST
    assert W.ACC_SHIFT == C.W_ACCUMULATOR_S - C.W_WEIGHTS_S
    assert W.ROUND_DIV == 2 ** (C.W_ACCUMULATOR_U - C.W_WEIGHTS_U)
    for k, v in C.FACTOR_TO_WIDTH_DICT.items():
        assert W.FACTOR_WIDTH[k] == v


def test_cli_rules_prints_budget(tmp_path, capsys):
    from lava_bioadam.cli import main

    cfg = tmp_path / "c.yaml"
    cfg.write_text("rules:\n  eta: 0.01\n")
    assert main(["rules", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "Bit budget" in out and "dw =" in out
    cfg.write_text("rules:\n  eps: 0.001\n")
    assert main(["rules", str(cfg)]) == 2


def test_predisposition_gain_reaches_rates_below_the_engine_minimum():
    """Twin roles put -lam w as u0 * w * y3 with the gain y3 = G sent by the post
    units: lam = 2^exp * G / 2^5, so 2^-10 (and 1e-3) become representable."""
    from lava_bioadam.rules.builder import LAM_SHIFT, quantize_lam

    assert LAM_SHIFT == 5
    assert quantize_lam(2.0 ** -7) == (-7, 32, 2.0 ** -7)       # exact: G = 2^5
    assert quantize_lam(2.0 ** -10) == (-7, 4, 2.0 ** -10)
    exp, G, lam = quantize_lam(1e-3)
    assert G == 4 and abs(lam / 1e-3 - 1) < 0.03
    r = build_rules(RuleParams(lam=2.0 ** -10, t_epoch=4), "forward")
    assert r.effective["lam"] == 2.0 ** -10 and r.fixed.g_scale == 4
    assert r.float.g_scale == 4 * 2.0 ** -5  # float: no shift, gain scaled instead
    assert "- 2^-7 * u0 * w * y3" in r.dw
    with pytest.raises(RuleError, match="lam"):
        build_rules(RuleParams(lam=2.0 ** -14, t_epoch=4), "forward")
