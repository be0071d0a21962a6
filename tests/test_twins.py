"""Forward/feedback twin rules: role "forward" on LearningDense, role
"feedback" on SignedLearningDense.

* the two roles share constants, shifts and encodings; the float scales absorb the
  fixed-point shifts;
* L2 (golden) == L3 (Lava fixed_pt) for each twin alone, every variable and trace;
* twin property: same H, E streams -> identical tag_1/tag_2 (transposed) every
  sample, in L2 and L3; weights become identical under predisposition -lam w;
* L1 (Lava floating_pt) == L0 (SynapticN1, explicit, linear) to 1e-6.
"""
import numpy as np
import pytest

from lava_bioadam.errors import RuleError
from lava_bioadam.engine import widths
from lava_bioadam.golden import twins as tw
from lava_bioadam.rules import RuleParams, build_rules, float_scale_exponents
from lava_bioadam.verify.reference import run_twin_l0

N_E, N_H = 12, 20                 # non-square: forward (12, 20), feedback (20, 12)
LAM_FAST = 2.0 ** -3              # weights meet within ~100 samples (default suite)
LAM_PAPER = 2.0 ** -7             # smallest representable rate (slow suite)
N_FAST = 120


def _twins(lam):
    p = RuleParams(lam=lam)
    return build_rules(p, "forward"), build_rules(p, "feedback")


def _init(seed):
    """Independent random even integer weights W0 (n_e, n_h) and B0 (n_h, n_e)."""
    rng = np.random.default_rng(100 + seed)
    return (2 * rng.integers(-60, 61, (N_E, N_H)), 2 * rng.integers(-60, 61, (N_H, N_E)))


# -- rules ------------------------------------------------------------------------
def test_twin_roles_share_constants_and_encodings():
    f, b = _twins(LAM_PAPER)
    assert f.fixed == b.fixed and f.float == b.float and f.effective == b.effective
    assert f.d0 == b.d0 and f.rho == b.rho
    assert len(f.products) == len(b.products)
    for pf, pb in zip(f.products, b.products):
        assert (pf.target, pf.dep, pf.mant, pf.exp, pf.shift) == \
               (pb.target, pb.dep, pb.mant, pb.exp, pb.shift)
    assert f.dw == b.dw
    assert f.dt.replace("x1 * y2", "x2 * y1") == b.dt
    assert f.dd.replace("x1 * y2", "x2 * y1") == b.dd
    assert f.fixed.h_scale == 127 and f.fixed.payload_scale == 254
    assert f.fixed.e_scale * f.effective["e_max"] == pytest.approx(127)
    assert f.rho == {"h": -6, "e": -6, "t": -9, "d": 0, "w": -2, "g": -5}


def test_no_predisposition_product_without_lam():
    f, b = _twins(0.0)
    assert "w" not in f.dw and "w" not in b.dw


def test_float_scales_compensate_every_product_shift():
    for r in _twins(LAM_PAPER):
        sig = {"forward": {"x1": "h", "y1": "e", "y2": "e", "y3": "g"},
               "feedback": {"x1": "e", "x2": "e", "y1": "h", "y3": "g"}}[r.role]
        for pr in r.products:
            lhs = r.rho[pr.target[1:]] - sum(r.rho[sig.get(f, f)] for f in pr.factors)
            assert lhs == pr.shift, pr
        for v in ("h", "e", "t", "d", "w", "g"):
            ratio = getattr(r.float, f"{v}_scale") / getattr(r.fixed, f"{v}_scale")
            assert ratio == 2.0 ** r.rho[v]


def test_inconsistent_shifts_are_rejected():
    from lava_bioadam.engine.products import Product

    # two products of the same signals (h, e) with different shifts (3 and 5)
    prods = [Product("dt", "x0", ("x1", "y1"), 1, -4), Product("dt", "x0", ("x1", "w"), 1, -4)]
    with pytest.raises(RuleError, match="cannot compensate"):
        float_scale_exponents(prods, {"x1": "h", "y1": "e", "w": "e"})


def test_unknown_role_is_rejected():
    with pytest.raises(RuleError, match="role"):
        build_rules(RuleParams(), "sideways")


def test_lava_parses_twin_rules():
    from lava_bioadam.lava.rules import make_lava_rule, our_products, parsed_products

    for r in _twins(LAM_PAPER):
        lr = make_lava_rule(r, 0)
        assert our_products(r) == parsed_products(lr)
        assert lr.x2_tau == widths.TRACE_TAU_INF and lr.x2_impulse == 0


def test_cli_rules_role(tmp_path, capsys):
    from lava_bioadam.app.cli import main

    cfg = tmp_path / "c.yaml"
    cfg.write_text("rules:\n  eta: 0.01\n  lam: 0.0078125\n")
    assert main(["rules", str(cfg), "--role", "feedback"]) == 0
    out = capsys.readouterr().out
    assert "role feedback" in out and "x2 * y1" in out and "Bit budget" in out


# -- L2 twin property (no Lava) ------------------------------------------------------
def _l2_pair(lam, n, seed):
    f, b = _twins(lam)
    H, E = tw.twin_codes(N_H, N_E, n, seed)
    W0, B0 = _init(seed)
    return tw.run_twin_l2(f, H, E, W0, seed), tw.run_twin_l2(b, H, E, B0, seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_twins_identical_tags_and_weights_meet(seed):
    fwd, fb = _l2_pair(LAM_FAST, N_FAST, seed)
    c = tw.twin_comparison(fwd, fb)
    assert c["ndiff"]["tag_1"].sum() == 0 and c["ndiff"]["tag_2"].sum() == 0
    assert c["max_abs_w_diff"][0] > 100                       # independent starts
    assert 0 < c["weights_identical_from"] < N_FAST           # then identical for good


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_twins_meet_at_smallest_lam(seed):
    fwd, fb = _l2_pair(LAM_PAPER, 3000, seed)
    c = tw.twin_comparison(fwd, fb)
    assert c["ndiff"]["tag_1"].sum() == 0 and c["ndiff"]["tag_2"].sum() == 0
    assert 0 < c["weights_identical_from"] < 3000


# -- L2 vs L3 and L3 twin property ----------------------------------------------------
_L3_CACHE = {}


def _l3(role, seed, lam=LAM_FAST, n=N_FAST):
    from lava_bioadam.lava.twins import run_twin_lava

    key = (role, seed, lam, n)
    if key not in _L3_CACHE:
        r = dict(zip(("forward", "feedback"), _twins(lam)))[role]
        H, E = tw.twin_codes(N_H, N_E, n, seed)
        w0 = _init(seed)[0 if role == "forward" else 1]
        _L3_CACHE[key] = (tw.run_twin_l2(r, H, E, w0, seed),
                          run_twin_lava(r, H, E, w0, seed, "fixed", timeout_s=300))
    return _L3_CACHE[key]


@pytest.mark.lava
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("role", ["forward", "feedback"])
def test_l2_equals_l3_twin(role, seed):
    l2, l3 = _l3(role, seed)
    for v in tw.TWIN_VARS:
        assert l2[v].shape == l3[v].shape, v
        assert np.array_equal(l2[v], l3[v].astype(np.int64)), (v, int((l2[v] != l3[v]).sum()))
    assert l3["x2"].max() > 0 if role == "feedback" else l3["x2"].max() == 0
    assert l3["y2"].max() > 0 if role == "forward" else l3["y2"].max() == 0


@pytest.mark.lava
@pytest.mark.parametrize("seed", [0, 1])
def test_l3_twins_identical_tags_and_weights_meet(seed):
    (f2, f3), (b2, b3) = _l3("forward", seed), _l3("feedback", seed)
    c3, c2 = tw.twin_comparison(f3, b3), tw.twin_comparison(f2, b2)
    assert c3["ndiff"]["tag_1"].sum() == 0 and c3["ndiff"]["tag_2"].sum() == 0
    assert 0 < c3["weights_identical_from"] < N_FAST
    assert c3["weights_identical_from"] == c2["weights_identical_from"]


@pytest.mark.lava
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("role", ["forward", "feedback"])
def test_l2_equals_l3_twin_500_samples(role, seed):
    l2, l3 = _l3(role, seed, LAM_PAPER, 500)
    for v in tw.TWIN_VARS:
        assert np.array_equal(l2[v], l3[v].astype(np.int64)), v


@pytest.mark.lava
@pytest.mark.slow
def test_l3_twins_meet_at_smallest_lam():
    (f2, f3), (b2, b3) = _l3("forward", 0, LAM_PAPER, 2000), _l3("feedback", 0, LAM_PAPER, 2000)
    c3 = tw.twin_comparison(f3, b3)
    assert c3["ndiff"]["tag_1"].sum() == 0 and c3["ndiff"]["tag_2"].sum() == 0
    assert c3["weights_identical_from"] == tw.twin_comparison(f2, b2)["weights_identical_from"]
    assert 0 < c3["weights_identical_from"] < 2000


# -- L1 vs L0 ---------------------------------------------------------------------------
@pytest.mark.lava
@pytest.mark.parametrize("role", ["forward", "feedback"])
def test_l1_matches_l0_twin(role):
    r = dict(zip(("forward", "feedback"), _twins(LAM_PAPER)))[role]
    rng = np.random.default_rng(0)
    n = 100
    h = rng.random((n, N_H))
    h[h < 0.3] = 0.0
    e = rng.uniform(-1.0, 1.0, (n, N_E))
    e[rng.random(e.shape) < 0.2] = 0.0
    w0 = rng.normal(0.0, 0.3, (N_E, N_H))
    if role == "feedback":
        w0 = w0.T
    from lava_bioadam.lava.twins import run_twin_lava

    l0 = run_twin_l0(r, h, e, w0)
    l1 = r.float.to_physical(run_twin_lava(r, h, e, w0 * r.float.w_scale, 0, "float"))
    for v in ("weights", "tag_1", "tag_2"):
        rel = np.abs(l1[v] - l0[v]).max() / np.abs(l0[v]).max()
        assert rel < 1e-6, (v, rel)
