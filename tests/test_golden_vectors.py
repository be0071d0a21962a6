"""Golden vectors pin L2 and L3 (regenerate: python -m lava_bioadam.fixed.golden_regen)."""
from pathlib import Path

import numpy as np
import pytest

from lava_bioadam.fixed.golden_regen import CASES, NET_CASES, compute_case, compute_net_case

GOLDEN = Path(__file__).parent / "golden"


def _load(name):
    with np.load(GOLDEN / f"{name}.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("name", list(CASES))
def test_l2_reproduces_golden(name):
    ref, now = _load(name), compute_case(name)
    for k in ("rule_dw", "rule_dd", "rule_dt"):
        assert str(ref[k]) == str(now[k]), f"{k} changed: see docs/verification.md"
    for k, v in ref.items():
        if k.startswith("state_") or k == "pred":
            assert np.array_equal(v, now[k]), f"{name}: {k} differs from the golden vector"


@pytest.mark.lava
@pytest.mark.parametrize("name", ["n1_12x20_seed0", "n1lam_12x20_seed1"])
def test_l3_reproduces_golden(name):
    from lava_bioadam.network import single_layer as sl
    from lava_bioadam.rules import build_rules

    ref = _load(name)
    params, n_post, n_pre, n, seed = CASES[name]
    run = sl.run_lava(build_rules(params), ref["h"], ref["labels"], ref["w0"],
                      rng_seed=seed, precision="fixed")
    for k, v in run.states.items():
        assert np.array_equal(ref[f"state_{k}"], v.astype(np.int16)), k
    assert np.array_equal(ref["pred"], run.pred)


@pytest.mark.parametrize("name", list(NET_CASES))
def test_l2_network_reproduces_golden(name):
    ref, now = _load(name), compute_net_case(name)
    assert set(ref) == set(now)
    for k in ref:
        if k.startswith("rule_"):
            assert str(ref[k]) == str(now[k]), f"{k} changed: see docs/verification.md"
        else:
            assert np.array_equal(ref[k], now[k]), f"{name}: {k} differs from the golden vector"


@pytest.mark.lava
@pytest.mark.parametrize("name", list(NET_CASES))
def test_l3_network_reproduces_golden(name):
    from lava_bioadam.network import deep

    ref = _load(name)
    params, sizes, mode, n, seed = NET_CASES[name]
    nr = deep.build_network_rules(params, sizes, mode)
    L = len(sizes) - 1
    W0 = [ref[f"W0_{l + 1}"] for l in range(L)]
    B0 = [None] + [ref[f"B0_{l + 1}"] for l in range(1, L)]
    run = deep.run_lava(nr, ref["x"], ref["labels"], W0, B0, rng_seed=seed, record=True)
    checked = 0
    for side in ("W", "B"):
        for l, st in enumerate(run.states[side]):
            for k, v in (st or {}).items():
                key = f"state_{side}{l + 1}_{k}"
                if key in ref:
                    assert np.array_equal(ref[key], v.astype(np.int16)), key
                    checked += 1
    assert checked >= 7 * L
    assert np.array_equal(ref["pred"], run.pred)
