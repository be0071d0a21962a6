"""Single learning layers (one-layer networks): L2 (golden model) and L3 (Lava
fixed_pt) are bit-identical after every sample; L1 (Lava floating_pt) agrees with
L0 to 1e-6."""
import dataclasses

import numpy as np
import pytest

from lava_bioadam.golden.network import initial_weights, run_l2
from lava_bioadam.rules import RuleParams, build_network_rules
from lava_bioadam.verify.cases import L1_L0_VARS, network_inputs, verify_network_case

LAYER_VARS = {f"W1.{v}" for v in ("weights", "tag_1", "tag_2", "x1", "y1", "y2", "y3")}
SIZES = [(64, 10), (20, 12)]


def _check(rows, l1=True):
    for r in rows:
        assert r["l2_l3_ndiff"] == 0, r
        if l1 and r["var"].split(".")[1] in L1_L0_VARS:
            assert r["l1_l0_rel"] < 1e-6, r
    assert rows[0]["pred_ndiff"] == 0


@pytest.mark.lava
@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layer_l2_equals_l3_small(sizes, seed):
    rows = verify_network_case(RuleParams(), sizes, 15, seed, levels="23", init_scale=0.3)
    assert {r["var"] for r in rows} == LAYER_VARS
    _check(rows, l1=False)


@pytest.mark.lava
def test_layer_l1_matches_l0_small():
    _check(verify_network_case(RuleParams(), (20, 12), 30, 0))


@pytest.mark.lava
@pytest.mark.slow
@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layer_l2_equals_l3_500_samples(sizes, seed):
    _check(verify_network_case(RuleParams(), sizes, 500, seed))


def test_golden_detects_a_changed_rule():
    """The comparison can fail: a different rule gives different integers."""
    x, lab = network_inputs((20, 12), 20, 0)
    runs = []
    for p in (RuleParams(), dataclasses.replace(RuleParams(), tau_m=16.0)):
        nr = build_network_rules(p, (20, 12))
        W0, B0 = initial_weights(nr, 0, 0.3)
        runs.append(run_l2(nr, x, lab, W0, B0, 0, record=True).states["W"][0]["tag_1"])
    assert (runs[0] != runs[1]).any()


def test_golden_twins_with_same_seed_evolve_identically():
    """Forward (pre h, post e) and feedback (pre e, post h) twins: same streams."""
    from lava_bioadam.engine.widths import TRACE_TAU_INF
    from lava_bioadam.golden.connection import GoldenLearningDense

    class P:
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
