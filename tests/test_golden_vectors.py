"""Golden vectors pin L2 and L3 (regenerate: ``lava-bioadam golden``, with a
CHANGELOG entry)."""
from pathlib import Path

import numpy as np
import pytest

from lava_bioadam.verify.golden_vectors import CASES, case_setup, compute_case

GOLDEN = Path(__file__).parent / "golden"


def _load(name):
    with np.load(GOLDEN / f"{name}.npz") as z:
        return {k: z[k] for k in z.files}


def test_every_case_has_a_file_and_every_file_a_case():
    assert {p.stem for p in GOLDEN.glob("*.npz")} == set(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_l2_reproduces_golden(name):
    ref, now = _load(name), compute_case(name)
    assert set(ref) == set(now)
    for k in ref:
        if k.startswith("rule_"):
            assert str(ref[k]) == str(now[k]), f"{k} changed: see docs/verification.md"
        elif k == "loss":  # a float diagnostic (exp, log), not part of the integer state
            np.testing.assert_allclose(now[k], ref[k], rtol=1e-12)
        else:
            assert np.array_equal(ref[k], now[k]), f"{name}: {k} differs from the golden vector"


@pytest.mark.lava
@pytest.mark.parametrize("name", list(CASES))
def test_l3_reproduces_golden(name):
    from lava_bioadam.lava.network import run_lava

    ref = _load(name)
    nr, _, _, _, _, seed = case_setup(name)
    L = nr.n_layers
    W0 = [ref[f"W0_{l + 1}"] for l in range(L)]
    B0 = [None] + [ref[f"B0_{l + 1}"] for l in range(1, L)]
    run = run_lava(nr, ref["x"], ref["labels"], W0, B0, rng_seed=seed, record=True)
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
