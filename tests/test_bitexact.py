"""L2 (golden model) and L3 (Lava fixed_pt) are bit-identical after every sample;
L1 (Lava floating_pt) agrees with L0 to 1e-6."""
import dataclasses

import numpy as np
import pytest

from lava_bioadam.rules import RuleParams
from lava_bioadam.verify import L1_L0_VARS, L2_L3_VARS, verify_case

VARIANTS = {"n1": RuleParams(), "n1+lam": RuleParams(lam=2.0 ** -6)}
SHAPES = [(10, 64), (12, 20)]


def _check(rows, l1=True):
    for r in rows:
        assert r["l2_l3_ndiff"] == 0, r
        if l1 and r["var"] in L1_L0_VARS:
            assert r["l1_l0_rel"] < 1e-6, r
    assert rows[0]["pred_ndiff"] == 0


@pytest.mark.lava
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_equals_l3_small(variant, shape, seed):
    rows = verify_case(VARIANTS[variant], *shape, n_samples=15, seed=seed, levels="23")
    assert {r["var"] for r in rows} == set(L2_L3_VARS)
    _check(rows, l1=False)


@pytest.mark.lava
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_l1_matches_l0_small(variant):
    rows = verify_case(VARIANTS[variant], 12, 20, n_samples=30, seed=0)
    _check(rows)


@pytest.mark.lava
@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_equals_l3_500_samples(variant, shape, seed):
    _check(verify_case(VARIANTS[variant], *shape, n_samples=500, seed=seed))


def test_golden_detects_a_changed_rule():
    """The comparison can fail: a different rule gives different integers."""
    from lava_bioadam.network import single_layer as sl
    from lava_bioadam.rules import build_rules
    from lava_bioadam.verify import case_inputs

    h, lab = case_inputs(12, 20, 20, 0)
    r1 = build_rules(RuleParams())
    r2 = build_rules(dataclasses.replace(RuleParams(), tau_m=4.0))
    w0 = sl.initial_weights(r1, 12, 20, 0, 0.3)
    a = sl.run_l2(r1, h, lab, w0, 0).states["tag_1"]
    b = sl.run_l2(r2, h, lab, w0, 0).states["tag_1"]
    assert (a != b).any()


def test_golden_twins_with_same_seed_evolve_identically():
    """Forward (pre h, post e) and feedback (pre e, post h) twins: same streams."""
    from lava_bioadam.fixed.golden import GoldenLearningDense
    from lava_bioadam.fixed.widths import TRACE_TAU_INF

    class P:  # offset-coded product (x1-64)(y1-64) would need constants; use x1*y1
        target, dep, factors, mant, exp = "dw", "x0", ("x1", "y1"), 1, -7

    rng = np.random.default_rng(0)
    w = rng.integers(-50, 50, (6, 4)) * 2
    fwd = GoldenLearningDense([P], w, t_epoch=2, rng_seed=3)
    bwd = GoldenLearningDense([P], w.T, t_epoch=2, rng_seed=3)
    assert TRACE_TAU_INF == 2 ** 40
    for _ in range(50):
        a = rng.integers(1, 120, 4) * 2
        e = rng.integers(1, 120, 6) * 2
        for k in (1, 2):
            fwd.step(a if k == 1 else 0 * a, np.stack([e // 2, 0 * e, 0 * e]))
            bwd.step(e if k == 1 else 0 * e, np.stack([a // 2, 0 * a, 0 * a]))
    assert np.array_equal(fwd.w, bwd.w.T)
