"""``GoldenLoihiDense(compiled=True)`` against the numpy model: every Var after every
epoch (and after every step) identical, dtypes included, on many random rules and
inputs; saturation and rounding at halves; one compilation per rule structure; the
refusals. (Against Lava: ``tests/test_loihi_dense.py``.)"""
import numpy as np
import pytest

from lava_bioadam.errors import RuleError
from lava_bioadam.golden.loihi_dense import GoldenLoihiDense, LearningRuleSpec
from lava_bioadam.verify.loihi_dense import covering_case, random_case


def _same(a: dict, b: dict) -> list:
    """The Vars that differ in value or dtype."""
    return [v for v in a if not np.array_equal(a[v], b[v]) or a[v].dtype != b[v].dtype]


def _both(case):
    """The case run by both models: per-epoch snapshots and the final one each."""
    out = []
    for compiled in (False, True):
        g = GoldenLoihiDense(**case["conn"], compiled=compiled)
        snaps = g.run(case["s_in"], case["bap"], case["y"])
        out.append(snaps + [g.snapshot()])
    return out


@pytest.mark.parametrize("structure, seeds", [("all", range(60)), ("bare", range(20))])
def test_compiled_equals_numpy_on_random_rules_and_inputs(structure, seeds):
    """Random numbers of a rule set with every dependency, trace, synaptic and sgn
    factor and constant (one compilation), on random_case's inputs: all spike modes,
    negative and odd payloads, post spikes, third factors, sign modes, weight bits
    and exponent, values outside the learned ranges."""
    bad = {}
    for seed in seeds:
        numpy_run, compiled_run = _both(covering_case(seed, structure))
        assert len(numpy_run) == len(compiled_run)
        diff = sorted({v for a, b in zip(numpy_run, compiled_run) for v in _same(a, b)})
        if diff:
            bad[seed] = diff
    assert bad == {}


def test_step_by_step_and_mixed_with_the_numpy_model():
    """``step`` (one compiled call per step) leaves the state between epochs (spike
    steps, ``y0``, ``a_buff``) as the numpy model does; ``run`` and ``step`` mix."""
    for seed in range(8):
        case = covering_case(seed)
        a = GoldenLoihiDense(**case["conn"])
        b = GoldenLoihiDense(**case["conn"], compiled=True)
        half = len(case["s_in"]) // 2
        for k in range(len(case["s_in"])):
            args = (case["s_in"][k], case["bap"][k], case["y"][k])
            a.step(*args)
            if k < half:
                b.step(*args)
            else:
                b.run(*(x[None] for x in args))
            assert _same(a.snapshot(), b.snapshot()) == [], (seed, k)


@pytest.mark.parametrize("cfg", ["overwrite", "add_with_saturation", "add_without_saturation",
                                 "use_regular_impulse"])
def test_saturation_and_rounding_at_halves(cfg):
    """Odd payloads (``x1 = payload / 2`` rounds half to even), payloads that
    overflow the trace, impulses of half a unit, products that saturate the
    accumulator, weights and tags driven to their bounds: the numpy model reaches
    each of these, and the compiled model is identical at every step."""
    spec = LearningRuleSpec(kind="2F", dw="7*2^8*x0*x1 - 7*2^8*y0*y3 + 2^-7*x0*y1", dt="7*2^8*x0*x2",
                            dd="-7*2^8*u0*(d - 9)", x1_impulse=10.5, x1_tau=3, x2_impulse=0.5,
                            x2_tau=20, y1_impulse=20.5, y1_tau=2, y3_impulse=127.5, y3_tau=5,
                            t_epoch=2, rng_seed=7)
    rng = np.random.default_rng(1)
    n_steps, shape = 24, (4, 6)
    s_in = (2 * rng.integers(0, 128, (n_steps, shape[1])) + 1).astype(np.int32)   # odd
    s_in[::3] = 0
    bap = rng.random((n_steps, shape[0])) < 0.3
    w0 = np.repeat([[250], [250], [-250], [-250]], shape[1], axis=1)
    conn = {"weights": w0, "learning_rule": spec, "num_message_bits": 8,
            "graded_spike_cfg": cfg, "tag_2": np.full(shape, 200)}
    a = GoldenLoihiDense(**conn)
    b = GoldenLoihiDense(**conn, compiled=True)
    seen = {v: set() for v in ("x1", "weights", "tag_1", "tag_2")}
    for k in range(n_steps):
        a.step(s_in[k], bap[k])
        b.step(s_in[k], bap[k])
        assert _same(a.snapshot(), b.snapshot()) == [], k
        for v in seen:
            seen[v] |= set(a.snapshot()[v].ravel().tolist())
    x1_seen = seen["x1"]
    assert 255 in seen["weights"] and min(seen["weights"]) <= -249    # bound, and pulled down
    assert 255 in seen["tag_1"] and 0 in seen["tag_2"]                # both tags at a bound
    if cfg == "overwrite":
        # 2k+1 halves to k + 1/2: half to even gives an even x1 at every overwrite
        assert any(v % 2 == 0 and v > 0 for v in x1_seen)
    if cfg == "add_with_saturation":
        assert 127 in x1_seen


def test_the_rule_numbers_are_run_time_data():
    """Two rule sets of one structure with other numbers share the compiled code:
    the second construction compiles nothing."""
    a = GoldenLoihiDense(**covering_case(0)["conn"], compiled=True)
    b = GoldenLoihiDense(**covering_case(1)["conn"], compiled=True)
    assert a._compiled.mod is b._compiled.mod
    assert b.startup["compiled"] is False
    assert GoldenLoihiDense(**covering_case(0)["conn"]).startup is None


@pytest.mark.parametrize("change, match", [
    ({"tag_1": 2 ** 21}, "tag_1 up to 2\\^20"),
    ({"weights": -(2 ** 21)}, "weights up to 2\\^20"),
])
def test_compiled_refusals_are_one_line(change, match):
    conn = dict(random_case(0)["conn"])
    shape = np.shape(conn["weights"])
    conn.update({k: np.full(shape, v) for k, v in change.items()})
    GoldenLoihiDense(**conn)                       # the numpy model takes them
    with pytest.raises(RuleError, match=match) as e:
        GoldenLoihiDense(**conn, compiled=True)
    assert "\n" not in str(e.value)


def test_float_payloads_are_refused_in_one_line():
    case = random_case(0)
    g = GoldenLoihiDense(**case["conn"], compiled=True)
    with pytest.raises(RuleError, match="integer") as e:
        g.run(case["s_in"].astype(float), case["bap"], case["y"])
    assert "\n" not in str(e.value)
