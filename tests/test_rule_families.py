"""The rule families beyond linear N1: N1 multiplicative (adaptive at any scale
within its range), N2 (per-neuron RMS normalisers in the units, momentum in the
synapses) and the non-adaptive baselines ``momentum`` (normaliser frozen) and
``sgd`` (tag = last gradient). Each: rules, twin identity, L2 == L3, L1 ~ L0."""
import numpy as np
import pytest

from lava_bioadam.errors import RuleError, UserError
from lava_bioadam.golden import twins as tw
from lava_bioadam.rules import RuleParams, build_rules
from lava_bioadam.verify.cases import verify_network_case
from lava_bioadam.verify.reference import run_twin_l0

FAMILIES = {
    "multiplicative": RuleParams(form="multiplicative", eta=0.02, tau_r=16.0, eps=1 / 16,
                                 lam=2.0 ** -7),
    "momentum": RuleParams(rule="momentum", eta=0.03, lam=2.0 ** -7),
    "sgd": RuleParams(rule="sgd", eta=0.03, lam=2.0 ** -7),
    "n2": RuleParams(rule="n2", eta=0.03, tau_n=16.0, eps=0.05, lam=2.0 ** -7),
}


def test_n2_is_momentum_on_normalised_traces():
    """N2's synapses: no normaliser products, the tag of x1 * y (normalised codes,
    n_scale 127/16 per unit signal/RMS on both sides), the weight step from the tag;
    the units' constants come with the network (tau_n rounded to a power of two)."""
    from lava_bioadam.rules import build_network_rules

    r = build_rules(FAMILIES["n2"])
    assert r.family == "n2" and r.dd == "" and "x0 * x1 * y1" in r.dt
    assert r.fixed.n_scale == pytest.approx(127 / 16) and r.fixed.h_scale == 127
    assert r.effective["tau_n"] == 16.0 and r.effective["m_max"] >= 0.25
    nr = build_network_rules(RuleParams(rule="n2", tau_n=100.0, eps=0.05), (8, 4, 3))
    norms = nr.norm_codes()
    assert [c.k for c in norms["act"]] == [7, 7]               # 100 -> 2^7
    assert norms["act"][0].eps_q == round(0.05 * 127 * 16)
    assert build_network_rules(RuleParams(), (8, 4, 3)).norm_codes() is None
    from lava_bioadam.rules import format_network_rules
    text = format_network_rules(nr)
    assert "normalisers of the n2 units" in text and "n_scale" in text
    assert "eps_q 102" in text and "k 7" in text          # 0.05 * 127 * 16 = 101.6
    with pytest.raises(RuleError, match="tau_n"):
        build_rules(RuleParams(rule="n2", tau_n=10000.0))
    with pytest.raises(RuleError, match="resolution"):
        build_network_rules(RuleParams(rule="n2", eps=1e-4), (8, 4, 3))


def test_baselines_have_no_normaliser_dynamics():
    for name in ("momentum", "sgd"):
        r = build_rules(FAMILIES[name])
        assert r.dd == "" and r.family == name and "u0 * t" in r.dw
        assert r.d0 > 0 and r.effective["r0"] == pytest.approx(1.0, rel=0.01)
    sgd = build_rules(FAMILIES["sgd"])
    assert sgd.dt.count("- 2^-1 * u0 * t") == 2      # tau_m = 1 as two halves (t = g)


def test_baseline_weight_product_is_exact_where_representable():
    """The frozen r0 is folded into the constant of a product of t alone (shift 0,
    exact); below 2^-7 per tag unit the rule keeps t * d0 (shift 7)."""
    sgd = build_rules(FAMILIES["sgd"])
    (dw,) = [p for p in sgd.products if p.target == "dw" and "t" in p.factors]
    assert dw.factors == ("t",) and dw.shift == 0
    slow = build_rules(RuleParams(rule="momentum", eta=0.03))
    (dw,) = [p for p in slow.products if p.target == "dw"]
    assert dw.factors == ("t", "d") and dw.shift == 7
    assert slow.effective["r0"] == pytest.approx(slow.d0 / slow.fixed.d_scale)


def test_multiplicative_products_are_ordered_and_fit_int32():
    r = build_rules(FAMILIES["multiplicative"])
    dd = [p for p in r.products if p.target == "dd"]
    signs = [p.mant > 0 for p in dd]
    assert signs == sorted(signs)                       # negative products first
    assert all(p.int32_max() < 2 ** 31 for p in r.products)
    assert any(p.factors.count("d") == 2 for p in dd)   # r^2 |g|: d * d * x * y
    with pytest.raises(RuleError, match="r0"):
        RuleParams(form="multiplicative", r0=0.0)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_twins_keep_identical_tags(name):
    p = FAMILIES[name]
    f, b = build_rules(p, "forward"), build_rules(p, "feedback")
    H, E = tw.twin_codes(20, 12, 150, 0)
    rng = np.random.default_rng(0)
    W0 = 2 * rng.integers(-60, 61, (12, 20))
    B0 = 2 * rng.integers(-60, 61, (20, 12))
    c = tw.twin_comparison(tw.run_twin_l2(f, H, E, W0, 0), tw.run_twin_l2(b, H, E, B0, 0))
    assert c["ndiff"]["tag_1"].sum() == 0 and c["ndiff"]["tag_2"].sum() == 0


def test_multiplicative_normaliser_tracks_the_float_reference():
    """Stationary random codes: r in L2 (integer d / d_scale) follows the float64
    multiplicative N1 with the effective hyperparameters within 5 % in the mean."""
    r = build_rules(FAMILIES["multiplicative"])
    H, E = tw.twin_codes(20, 12, 400, 1)
    w0 = np.zeros((12, 20), dtype=int)
    l2 = tw.run_twin_l2(r, H, E, w0, 1)
    l0 = run_twin_l0(r, H / r.fixed.h_scale, E / r.fixed.e_scale, w0 / r.fixed.w_scale)
    r2 = l2["tag_2"][200:] / r.fixed.d_scale
    r0 = l0["tag_2"][200:]
    assert abs(r2.mean() / r0.mean() - 1) < 0.05, (r2.mean(), r0.mean())


@pytest.mark.lava
@pytest.mark.parametrize("name", list(FAMILIES))
@pytest.mark.parametrize("sizes", [(20, 12), (20, 9, 7, 5)])
def test_l2_equals_l3_and_l1_matches_l0(name, sizes):
    rows = verify_network_case(FAMILIES[name], sizes, 20, 1)
    assert rows[0]["pred_ndiff"] == 0
    for r in rows:
        assert r.get("l2_l3_ndiff", 0) == 0, r
        assert r.get("l1_l0_rel", 0.0) < 1e-6, r


def test_multiplicative_normaliser_relaxes_in_tau_r_at_every_scale():
    """On the engine (L2) the multiplicative form relaxes up to its steady state in a
    few tau_r at any gradient scale; the linear form needs ~tau_r/(|g| + eps)."""
    from lava_bioadam.verify.normaliser_range import normaliser_range

    p = RuleParams(tau_r=16.0, eps=0.125, eta=0.015)
    lin = normaliser_range(build_rules(p), 300, [0, 6])
    mul = normaliser_range(build_rules(RuleParams(**{**p.__dict__, "form": "multiplicative"})),
                           300, [0, 6])
    for row in mul:
        assert 0 <= row["l2_up"] < 5 and abs(row["l2_over_target"] - 1) < 0.05, row
    assert lin[1]["l2_up"] > 2 * mul[1]["l2_up"]


def test_compare_loihi_rows(capsys):
    """``compare --loihi`` on a tiny problem: every row present, tuned with the
    printed budget, the closing lines last."""
    from lava_bioadam.app.commands.compare import compare_loihi, summary_lines
    from lava_bioadam.app.config import config_from_dict
    from lava_bioadam.app.data import Split

    rng = np.random.default_rng(0)
    x = rng.random((80, 6))
    y = (x[:, 0] > x[:, 1]).astype(int)
    data = Split(x[:50], y[:50], x[50:], y[50:])
    cfg = config_from_dict({"network": {"sizes": [6, 5, 2]},
                            "training": {"epochs": 1, "seeds": [0, 1]},
                            "rules": {"lam": 2 ** -12}, "compare": {"budget": 2}})
    # the numpy emulator: the compiled one is the same model (tests/test_fast.py)
    out = compare_loihi(cfg, data, log=print, emulator="emulator-numpy")
    labels = [r["label"] for r in out["rows"]]
    assert labels[:2] == ["float exact Adam", "float SGD"]
    assert {"float N1 linear", "float N1 multiplicative", "float N2", "float N2, 7-bit codes",
            "engine N1 linear",
            "engine N1 multiplicative", "engine N2", "engine sgd",
            "engine momentum"} <= set(labels)
    assert all(len(r["acc"]) == 2 for r in out["rows"])
    assert all(len(r["tuning"]) == (0 if r["role"] == "coded" else 2) for r in out["rows"])
    printed = capsys.readouterr().out
    assert "tuning budget: 2 settings per row" in printed
    assert printed.count("  tune engine momentum: ") == 2
    lines = summary_lines(out["summary"])
    assert lines[-2].startswith("engine vs float exact Adam: ")
    assert lines[-1].startswith("adaptive advantage kept on the engine: ")
    with pytest.raises(UserError, match="compare.validation_fraction"):
        config_from_dict({"compare": {"validation_fraction": 1.5}})
