"""Rule builders: representable constants, overflow rejection, the rules command."""
import dataclasses

import pytest

from lava_bioadam.errors import RuleError
from lava_bioadam.engine import widths
from lava_bioadam.rules import RuleParams, build_rules, rule_params_from_dict


def test_default_rules_strings_and_effective_values():
    r = build_rules(RuleParams())
    assert r.dw == "- 2^-7 * u0 * t * d"
    assert "x0 * x1 * y1" in r.dt and "u0 * t" in r.dt
    assert "x0 * x1 * y1 * d" in r.dd and "x0 * x1 * y2 * d" in r.dd
    eff = r.effective
    assert eff["tau_m"] == 8.0 and eff["tau_r"] == 16.0 and eff["eps"] == 0.125
    assert eff["eta"] == pytest.approx(0.01)
    # g / tau_m and -m / tau_m must describe the same time constant
    p_g = next(p for p in r.products if p.factors == ("x1", "y1"))
    assert r.fixed.t_scale == pytest.approx(
        p_g.coef * 127 * r.fixed.e_scale * eff["tau_m"] / 2 ** p_g.shift)


def test_lava_parses_our_strings_into_our_products():
    from lava_bioadam.lava.rules import make_lava_rule, our_products, parsed_products

    r = build_rules(RuleParams(lam=2.0 ** -6))
    lr = make_lava_rule(r, 0)
    assert our_products(r) == parsed_products(lr)
    assert lr.y1_tau == widths.TRACE_TAU_INF and lr.x1_tau == widths.TRACE_TAU_INF


@pytest.mark.parametrize("bad, match", [
    (dict(eps=0.001), "eps/rules.tau_r"),
    (dict(eps=0.005, lam=2.0 ** -8), "lower lam"),
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
        assert p.int32_max() <= widths.INT32_MAX
        assert p.acc_max() <= widths.ACC_MAX


def test_params_from_dict_rejects_unknown_keys():
    assert rule_params_from_dict({"eta": 0.02}).eta == 0.02
    with pytest.raises(RuleError, match="unknown"):
        rule_params_from_dict({"etta": 0.02})
    with pytest.raises(RuleError):
        rule_params_from_dict({"tau_m": -1})


def test_cli_rules_prints_budget(tmp_path, capsys):
    from lava_bioadam.app.cli import main

    cfg = tmp_path / "c.yaml"
    cfg.write_text("rules:\n  eta: 0.01\n")
    assert main(["rules", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "Bit budget" in out and "dw =" in out
    cfg.write_text("rules:\n  eps: 0.001\n")
    assert main(["rules", str(cfg)]) == 2




def test_per_layer_changes_reach_that_layer_and_its_twin_only():
    from lava_bioadam.rules.network import build_network_rules

    sizes = (4, 12, 6, 3)
    plain = build_network_rules(RuleParams(lam=2.0 ** -10), sizes)
    # a 4x wider weight range needs a 4x larger rate (dw's constant is at its minimum)
    nr = build_network_rules(RuleParams(lam=2.0 ** -10, layers=[
        {"w_max": 8.0, "eta": 0.04}, None, {"eta": 0.02}]), sizes)
    assert nr.forward[0].fixed.w_scale == pytest.approx(plain.forward[0].fixed.w_scale / 4)
    assert nr.forward[0].effective["w_max"] == pytest.approx(
        4 * plain.forward[0].effective["w_max"])
    def strings(r):
        return r.dw, r.dt, r.dd, r.fixed.w_scale

    assert strings(nr.forward[1]) == strings(plain.forward[1])
    assert strings(nr.feedback[1]) == strings(plain.feedback[1])
    # the twins of the last layer both take its change and stay twins
    assert strings(nr.forward[2]) != strings(plain.forward[2])
    assert nr.forward[2].effective == pytest.approx(nr.feedback[2].effective)
    assert nr.forward[2].effective["eta"] == pytest.approx(0.02, rel=0.05)


@pytest.mark.parametrize("layers, match", [
    ([{"rule": "sgd"}], "per layer"),
    ([{"w_max": -1.0}], r"layers\[0\].*w_max"),
    ("w_max", "list of mappings"),
    ([{}, {}, {}], "has 3 entries"),
])
def test_bad_per_layer_changes_are_rejected(layers, match):
    from lava_bioadam.rules.network import build_network_rules

    with pytest.raises(RuleError, match=match):
        build_network_rules(RuleParams(layers=layers), (4, 12, 3))
