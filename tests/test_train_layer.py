"""Single fixed-point layer on digits: accuracy (L2 fast, Lava slow) and rounding."""
import pytest

from lava_bioadam.network.train_layer import train
from lava_bioadam.rules import RuleParams


def test_l2_layer_learns_digits():
    res = train(RuleParams(), epochs=2, seed=0, backend="l2")
    assert res["test_acc_fixed_numpy"] >= 0.90, res
    assert res["test_acc_l0_adam"] >= 0.90, res


@pytest.mark.lava
@pytest.mark.slow
def test_lava_fixed_layer_reaches_090_and_matches_l2():
    res = train(RuleParams(), epochs=5, seed=0, backend="lava", rounding=True)
    assert res["l3_equals_l2_final_weights"]
    assert res["test_acc_fixed_lava"] >= 0.90, res
    # stochastic rounding is unbiased within 3 standard errors
    for v in ("w", "t", "d"):
        assert abs(res["rounding"][v]["stochastic"]["z"]) < 3, res["rounding"]


def test_rounding_measurement_small():
    """Stochastic rounding is unbiased (within 4 SE) on a short L2 run; the
    measurement splits total error into stochastic and truncation parts."""
    import numpy as np

    from lava_bioadam.data import load_digits_split
    from lava_bioadam.network import single_layer as sl
    from lava_bioadam.network.train_layer import rounding_stats, schedule
    from lava_bioadam.rules import build_rules

    rules = build_rules(RuleParams())
    xtr, ytr, _, _ = load_digits_split(0)
    order = schedule(ytr, 1, 0)[:600]
    st = rounding_stats(rules, xtr, ytr, order, sl.initial_weights(rules, 10, 64, 0), 0)
    for v in ("w", "t", "d"):
        s = st[v]
        assert np.isclose(s["total"]["mean"], s["stochastic"]["mean"] + s["truncation"]["mean"])
        assert abs(s["stochastic"]["z"]) < 4, st
    assert st["w"]["truncation"]["mean"] <= 0  # floor of the product shift
