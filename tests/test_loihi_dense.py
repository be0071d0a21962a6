"""The golden ``LearningDense`` (:class:`GoldenLoihiDense`): rule strings read as
Lava reads them, refusals at construction, Lava's own pinned fixed-point numbers,
and the differential test against Lava ``fixed_pt`` (a few cases here, hundreds
behind the slow marker)."""
import numpy as np
import pytest

from lava_bioadam.engine.rule_strings import parse_rules
from lava_bioadam.errors import RuleError
from lava_bioadam.golden.connection import GoldenLearningDense
from lava_bioadam.golden.loihi_dense import GoldenLoihiDense, LearningRuleSpec
from lava_bioadam.engine.products import Product, rule_string
from lava_bioadam.verify.loihi_dense import (compare_case, covering_case, random_case,
                                                random_rule_strings, run_golden)


def _lava_products(rule):
    return {t: tuple((p.dependency, p.s_mantissa, p.s_exp - 7,
                      tuple((f.state_var, f.const or 0, f.is_sgn) for f in p.factors))
                     for p in ps.products)
            for t, ps in rule.active_product_series.items()}


def _our_products(rules):
    return {t: tuple((p.dep, p.mant, p.exp, tuple((f.var, f.const, f.sgn) for f in p.factors))
                     for p in ps) for t, ps in rules.items()}


QUIRKS = ["-8*2^5*x0*x1*y1", "10*x0*y1", "16*u0*w", "12*y0*y2*y3", "(2*x1)*x0",
          "x0*(-x1)", "x0*(-x1+3)", "x0*(3-x1)", "x0*(x0)", "y0*x0*x1", "x0*sgn(w-2)",
          "x0*(-3)", "u12*x1", "x0*(4*2^1+y1)", "-2^-3*x0*(y1-4) + 3*u1*w*sgn(t)"]


@pytest.mark.lava
def test_rule_strings_read_as_lava_reads_them():
    """Products (dependency, mantissa, exponent, factors) equal Lava's parse for
    Lava's quirks (the -8 rewrite, '*' read as '+' in brackets, ...) and 300
    random strings of the differential generator."""
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

    rng = np.random.default_rng(0)
    strings = [{"dw": q} for q in QUIRKS] + [random_rule_strings(rng) for _ in range(300)]
    for rs in strings:
        lava = Loihi3FLearningRule(t_epoch=1, rng_seed=0, **rs)
        assert _our_products(parse_rules(**rs)) == _lava_products(lava), rs
    assert parse_rules(dw="-8*2^5*x0*x1*y1")["dw"][0].mant == -4


@pytest.mark.parametrize("rule, match", [
    ("9*x0*x1", "mantissa 9"), ("2^9*x0", "exponent 9"), ("2^-8*x0", "exponent -8"),
    ("x1*y1", "no dependency"), ("x0*((x1))", "nested"), ("x0*(x1+2^-1)", "non-integer"),
    ("x0*sgn(x1)", "sgn"), ("x0*x3", "cannot read"), ("x0*u0", "u<k>")])
def test_unreadable_rule_strings_are_refused_in_one_line(rule, match):
    with pytest.raises(RuleError, match=match) as err:
        GoldenLoihiDense(weights=np.zeros((1, 1)),
                         learning_rule=LearningRuleSpec(dw=rule, rng_seed=0))
    assert "\n" not in str(err.value)


@pytest.mark.lava
def test_unmodelled_features_are_refused_at_construction():
    """Each refusal is a one-line RuleError naming the feature."""
    from lava.magma.core.learning.learning_rule import LoihiLearningRule
    from lava.utils.weightutils import SignMode

    spec = LearningRuleSpec(dw="x0*x1", rng_seed=1)
    cases = [
        (dict(learning_rule=LearningRuleSpec(dw="x0*x1")), "rng_seed=None"),
        (dict(learning_rule=spec, sign_mode=SignMode.NULL), "sign_mode NULL"),
        (dict(learning_rule=spec, weights=np.full((1, 1), 2.5)), "non-integer weights"),
        (dict(learning_rule=spec, tag_1=np.full((1, 1), 0.5)), "non-integer tag_1"),
        (dict(learning_rule=LoihiLearningRule(dw="x0*x1", rng_seed=1)), "LoihiLearningRule"),
        (dict(learning_rule=None), "learning_rule is required"),
        (dict(learning_rule=spec, num_weight_bits=0), "num_weight_bits"),
        (dict(learning_rule=spec, graded_spike_cfg="sometimes"), "graded_spike_cfg"),
        (dict(learning_rule=spec, weights=np.zeros(3)), "2-D"),
    ]
    for kw, match in cases:
        kw = {"weights": np.zeros((1, 1), int), **kw}
        with pytest.raises(RuleError, match=match) as err:
            GoldenLoihiDense(**kw)
        assert "\n" not in str(err.value)
    with pytest.raises(RuleError, match="kind"):
        LearningRuleSpec(kind="4F", dw="x0")


@pytest.mark.lava
def test_lava_rule_object_is_read_with_lavas_defaults():
    """A Lava rule object gives the same spec as its arguments; 3F fixes y taus."""
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

    rule = Loihi3FLearningRule(dw="x0*x1*y1", x1_tau=7, t_epoch=3, rng_seed=5)
    spec = LearningRuleSpec.from_lava(rule)
    assert spec == LearningRuleSpec(kind="3F", dw="x0*x1*y1", x1_tau=7, t_epoch=3,
                                    rng_seed=5)
    assert spec.y1_tau == spec.y3_tau == 2 ** 16 - 1 and spec.x2_tau == 0
    # without rng_seed, Lava draws one when the rule is built; the golden model reads it
    drawn = Loihi3FLearningRule(dw="x0*x1*y1", x1_tau=7, t_epoch=3)
    conn = GoldenLoihiDense(weights=np.zeros((1, 1), int), learning_rule=drawn)
    assert isinstance(drawn.rng_seed, int) and conn.spec.rng_seed == drawn.rng_seed


# -- Lava's own pinned fixed-point test (tests/lava/proc/dense/test_learning.py) ----
# LearningDense 1x1, weight 10, num_message_bits 8, Loihi2FLearningRule(dw=f"{dep} * x1",
# x1_impulse 16, x1_tau 20, x2_impulse 24, x2_tau 5, t_epoch 4, rng_seed 0); a pre
# spike of payload 51 at step 2 and a post spike (bap) at step 3, repeating every 5
# steps; per step x1, x2 and the weight as Lava pins them.
LAVA_PINNED = {
    ("use_regular_impulse", 0, 5): ([0, 0, 0, 14, 14], [0, 0, 0, 16, 16],
                                    {"x0": 26, "y0": 25, "u0": 24}),
    ("overwrite", 15, 5): ([15, 26, 26, 22, 22], [0, 0, 0, 16, 16],
                           {"x0": 34, "y0": 33, "u0": 32}),
    ("add_with_saturation", 115, 5): ([115, 127, 127, 104, 104], [0, 0, 0, 16, 16],
                                      {"x0": 125, "y0": 119, "u0": 114}),
}
ADD_NO_SAT = ([115, 14, 14, 10, 10, 10, 36, 28, 28, 28],
              [0, 0, 0, 16, 16, 16, 16, 6, 6, 6],
              {"x0": [22] * 7, "y0": [21] * 4 + [49] * 3, "u0": [20] * 4 + [48] * 3})


def _lava_pinned_run(cfg, x1_init, n_steps, dep):
    spec = LearningRuleSpec(kind="2F", dw=f"{dep} * x1", x1_impulse=16, x1_tau=20,
                            x2_impulse=24, x2_tau=5, t_epoch=4, rng_seed=0)
    g = GoldenLoihiDense(weights=np.eye(1, dtype=int) * 10, learning_rule=spec,
                         num_message_bits=8, graded_spike_cfg=cfg)
    g.set_trace("x1", x1_init)
    pre, post = np.array([0, 51, 0, 0, 0]), np.array([0, 0, 1, 0, 0])
    rows = []
    for k in range(n_steps):
        g.step(pre[k % 5:k % 5 + 1], post[k % 5:k % 5 + 1])
        rows.append((g.x[0, 0], g.x[1, 0], g.weights[0, 0]))
    return np.array(rows).T


@pytest.mark.parametrize("dep", ["x0", "y0", "u0"])
@pytest.mark.parametrize("key", list(LAVA_PINNED))
def test_lavas_pinned_graded_spike_numbers(key, dep):
    x1, x2, w = LAVA_PINNED[key]
    got = _lava_pinned_run(*key, dep)
    assert got[0].tolist() == x1 and got[1].tolist() == x2
    assert got[2].tolist() == [10, 10, 10, w[dep], w[dep]]


@pytest.mark.parametrize("dep", ["x0", "y0", "u0"])
def test_lavas_pinned_add_without_saturation_numbers(dep):
    got = _lava_pinned_run("add_without_saturation", 115, 10, dep)
    assert got[0].tolist() == ADD_NO_SAT[0] and got[1].tolist() == ADD_NO_SAT[1]
    assert got[2].tolist() == [10, 10, 10] + ADD_NO_SAT[2][dep]


# -- Lava's pinned STDP / R-STDP fixed-point tests (tests/lava/proc/dense/test_stdp_sim.py)
# LIF -> LearningDense -> LIF for 100 steps (Lava's bit-accurate LIF: du = dv = 0,
# vth and the input shifted by 6 bits); the post LIF's spikes are the bap. Lava pins
# the final weights.
class _Lif:
    """Lava's bit-accurate LIF with ``du = dv = 0`` (current decays by 1/4096)."""

    def __init__(self, bias, vth):
        self.bias, self.vth = np.asarray(bias, np.int32), vth << 6
        self.u = np.zeros(self.bias.shape, np.int32)
        self.v = np.zeros(self.bias.shape, np.int32)

    @staticmethod
    def _decay(x, d):
        x = np.int64(x) * (4096 - d)
        return np.int32(np.sign(x) * np.right_shift(np.abs(x), 12))

    def step(self, a_in):
        m = 2 ** 23
        u = self._decay(self.u, 1) + np.left_shift(np.asarray(a_in).astype(np.int32), 6)
        u = np.where(u > m, u - 2 * m, u)
        self.u = np.where(u <= -m, u + 2 * m, u).astype(np.int32)
        v = self._decay(self.v, 0) + self.u + self.bias
        self.v = np.clip(v, -m + 1, m - 1).astype(np.int32)
        s = self.v > self.vth
        self.v[s] = 0
        return s


@pytest.mark.lava
@pytest.mark.parametrize("a_plus, t_epoch, w0, b0, b1, expected", [
    (4, 2, np.eye(1, dtype=int), [25000], [20000], [[56]]),
    (1, 1, np.zeros((2, 3), int), [22000, 25000, 26000], [20000, 23000],
     [[31, 2, -24], [-64, 30, 14]])])
def test_lavas_pinned_stdp_numbers(a_plus, t_epoch, w0, b0, b1, expected):
    from lava.proc.learning_rules.stdp_learning_rule import STDPLoihi

    rule = STDPLoihi(learning_rate=1, A_plus=a_plus, A_minus=-2, tau_plus=10,
                     tau_minus=10, t_epoch=t_epoch, rng_seed=0)
    pre, post = _Lif(b0, 10000), _Lif(b1, 10000)
    conn = GoldenLoihiDense(weights=w0, learning_rule=rule)
    for _ in range(100):
        s_pre = pre.step(0)
        conn.step(s_pre, post.step(conn.a_buff))
    assert conn.weights.tolist() == expected


@pytest.mark.lava
def test_lavas_pinned_reward_modulated_stdp_number():
    """R-STDP (3F): the post unit sends ``y1`` (its spike trace, floor of the decayed
    value plus 16 per spike of the previous step) and ``y2`` (the reward through a
    binary Dense of weight 1, one step late, from steps 34 to 50)."""
    from lava.proc.learning_rules.r_stdp_learning_rule import RewardModulatedSTDP

    rule = RewardModulatedSTDP(learning_rate=1, A_plus=4, A_minus=-2,
                               pre_trace_decay_tau=10, post_trace_decay_tau=10,
                               pre_trace_kernel_magnitude=16,
                               post_trace_kernel_magnitude=16,
                               eligibility_trace_decay_tau=0.5, t_epoch=1, rng_seed=0)
    pre, post = _Lif([3600], 100), _Lif([3700], 100)
    conn = GoldenLoihiDense(weights=np.eye(1, dtype=int), learning_rule=rule)
    reward = np.zeros(100)
    reward[33:50] = 250
    y1, s_post, r_late = np.zeros(1), np.zeros(1, bool), np.zeros(1)
    for k in range(100):
        s_pre = pre.step(0)
        y1 = np.floor(y1 * np.exp(-1 / 10) + 16 * s_post)
        s_post = post.step(conn.a_buff)
        y = np.array([y1, r_late, np.zeros(1)])
        r_late = (reward[k:k + 1] > 0).astype(int)
        conn.step(s_pre, s_post, y)
    assert conn.weights.tolist() == [[64]]


# -- against the project's connection model on the subset it models ----------------
def test_agrees_with_the_package_connection_model_on_its_subset():
    """On graded OVERWRITE spikes, 3F, bap off, MIXED, x0/u0 products with mantissas
    other than -8, both golden models give the same Vars at every epoch."""
    rng = np.random.default_rng(3)
    prods = [Product("dw", "x0", ("x1", "y1"), -3, -2), Product("dw", "u0", ("w", "y3"), -1, -7),
             Product("dt", "x0", ("x1", "y2"), 5, -1), Product("dd", "u0", ("d", "y1"), -1, -3)]
    rs = {t: rule_string(prods, t) for t in ("dw", "dt", "dd")}
    w0 = rng.integers(-128, 128, (3, 4)) * 2
    old = GoldenLearningDense(prods, w0, t_epoch=2, rng_seed=9, x_tau=30, y_tau=2 ** 16 - 1)
    new = GoldenLoihiDense(weights=w0, learning_rule=LearningRuleSpec(
        kind="3F", x1_tau=30, t_epoch=2, rng_seed=9, **rs), num_message_bits=24,
        graded_spike_cfg="overwrite")
    for k in range(40):
        p = (rng.integers(0, 255, 4) * (rng.random(4) < 0.7)).astype(np.int32)
        y = rng.integers(0, 128, (3, 3))
        old.step(p, y)
        new.step(p, None, y)
        if k % 2 == 1:
            a, b = old.snapshot(), new.snapshot()
            for v in ("weights", "tag_1", "tag_2", "x1", "y1", "y2", "y3"):
                assert np.array_equal(a[v], b[v]), (k, v)
        assert np.array_equal(old.a_out, new.a_buff)


def test_tags_saturate_at_their_bounds_in_both_numpy_models():
    """tag_1 at -257 and 255, tag_2 at 0 and 255, worked out by hand, in both numpy
    golden models. A 2x1 connection, t_epoch 1, pre payload 254 (x1 = 127) every
    epoch, post 0 sends y2 = 43, post 1 sends y1 = 127 (y taus 2^16 - 1 keep them).

    dt: the decay ``-2^-6 t`` comes first, so the gradient product is the last to
    saturate the accumulator. Post 0: once t = -256 the accumulator is
    -32768 + 512 - (127 * 43 * 5 >> 3 = 3412) -> -32769, and stochastic rounding
    gives -257 only in the epochs whose shared random number is >= 127/128: with
    Lava's constant synaptic-variable seed 2 those are epochs 398 and 405 (-256 in
    between). Post 1: + (127 * 127 * 5 >> 3 = 10080) per epoch, t at 255.
    dd: +14 per epoch; post 0 (y1 = 0) stops at 255; post 1:
    ``-8 x1 y1 d`` overshoots (clipped to -32769), the accumulator goes below 0 and
    d is 0; from 0 it gets +14 again: 0, 14, 0, 14, ..."""
    prods = [Product("dd", "u0", (), 7, 1), Product("dd", "x0", ("x1", "y1", "d"), -8, 0),
             Product("dt", "u0", ("t",), -1, -6), Product("dt", "x0", ("x1", "y1"), 5, -7),
             Product("dt", "x0", ("x1", "y2"), -5, -7)]
    rs = {t: rule_string(prods, t) or None for t in ("dw", "dt", "dd")}
    w0, tau = np.zeros((2, 1), int), 2 ** 16 - 1
    old = GoldenLearningDense(prods, w0, t_epoch=1, rng_seed=0, x_tau=tau, y_tau=tau)
    new = GoldenLoihiDense(weights=w0, learning_rule=LearningRuleSpec(
        kind="3F", x1_tau=tau, t_epoch=1, rng_seed=0, **rs), num_message_bits=24,
        graded_spike_cfg="overwrite")
    p, y = np.array([254], np.int32), np.array([[0, 127], [43, 0], [0, 0]])
    t, d = [], []
    for k in range(406):
        old.step(p, y)
        new.step(p, None, y)
        a, b = old.snapshot(), new.snapshot()
        for v in ("weights", "tag_1", "tag_2"):
            assert np.array_equal(a[v], b[v]), (k, v)
        t.append(a["tag_1"][:, 0])
        d.append(a["tag_2"][:, 0])
    t, d = np.array(t), np.array(d)
    low = np.full(406 - 10, -256)
    low[[398 - 11, 405 - 11]] = -257              # epochs 398 and 405 (1-based)
    assert t[10:, 0].tolist() == low.tolist()
    assert t.min() == -257 and set(t[3:, 1]) == {255}
    assert set(d[19:, 0]) == {255} and d[:4, 1].tolist() == [14, 0, 14, 0]
    assert set(d[:, 1]) == {0, 14}


# -- differential test against Lava fixed_pt -------------------------------------------
def _base_case(**over):
    """A 2x3 graded OVERWRITE 3F case over 3 epochs of 2 steps; ``over`` replaces
    connection keywords, ``spec`` fields (prefix ``spec_``) or streams."""
    rng = np.random.default_rng(11)
    spec = dict(kind="3F", dw="x0*x1*y1", t_epoch=2, rng_seed=4, x1_tau=10)
    spec.update({k[5:]: over.pop(k) for k in list(over) if k.startswith("spec_")})
    case = {"conn": {"weights": rng.integers(-100, 100, (2, 3)), "num_message_bits": 24,
                     "graded_spike_cfg": "overwrite", "learning_rule": None},
            "s_in": (rng.integers(1, 200, (6, 3)) * (rng.random((6, 3)) < 0.7)).astype(np.int32),
            "bap": np.zeros((6, 2), bool), "y": rng.integers(0, 100, (6, 3, 2))}
    for k in ("s_in", "bap", "y"):
        if k in over:
            case[k] = over.pop(k)
    case["conn"].update(over)
    case["conn"]["learning_rule"] = LearningRuleSpec(**spec)
    return case


#: the classes an earlier differential test found the package's connection model
#: wrong on, or refusing with a KeyError; each runs through Lava here
CLASSES = {
    "mantissa -8": dict(spec_dw="-8*2^5*x0*x1*y1", s_in=np.full((6, 3), 2, np.int32),
                        y=np.ones((6, 3, 2), int), weights=np.array([[10, -20, 30], [40, 0, -64]])),
    "mantissa 10": dict(spec_dw="10*2^-2*x0*x1*y1 - 8*u0*w"),
    "x2 impulse and multi-spikes": dict(spec_dw="x0*x2*y1 + u0*x1", spec_x2_impulse=24.5,
                                        spec_x2_tau=5, s_in=np.full((6, 3), 40, np.int32)),
    "binary spikes": dict(num_message_bits=0, graded_spike_cfg="use_regular_impulse",
                          spec_x1_impulse=20.25, spec_dw="x0*x1*y1 - u0*x1"),
    "add modes": dict(graded_spike_cfg="add_without_saturation", spec_x2_impulse=9,
                      spec_dw="x0*x1 + x0*x2"),
    "post spikes clip y": dict(bap=np.ones((6, 2), bool), y=np.full((6, 3, 2), -60),
                               spec_dw="y0*x1*(y1+3) + x0*y2"),
    "2F y taus per trace": dict(spec_kind="2F", spec_dw="y0*x1 + x0*y1*y2 - u0*y3",
                                spec_y1_impulse=30, spec_y1_tau=4, spec_y2_impulse=7.5,
                                spec_y2_tau=50, spec_y3_impulse=100, spec_y3_tau=0,
                                bap=np.tile([[True, False], [False, True]], (3, 1))),
    "weights outside range": dict(weights=np.array([[300, -290, 7], [255, -256, 1]]),
                                  spec_dt="u0*w"),
    "excitatory": dict(sign_mode="excitatory", weights=np.array([[0, 5, 255], [3, 9, 100]]),
                       spec_dw="-7*2^3*x0*x1*y1 + u0*w"),
    "inhibitory": dict(sign_mode="inhibitory", weights=-np.array([[0, 5, 255], [3, 9, 100]]),
                       spec_dw="7*2^3*x0*x1*y1 - u0*w"),
    "product order saturates": dict(spec_dw="7*2^8*x0*x1*y1 - 7*2^8*u0*y1 + 2^8*u0*x1"),
    "u_k decimation": dict(spec_dw="u1*x1*y1", spec_dd="-u1*d + 3*x0"),
    "dependency factors": dict(spec_dw="x0*y0*x1 + y0*(x0 + 2)*y2", bap=np.ones((6, 2), bool)),
    "weight bits and exponent": dict(num_weight_bits=6, weight_exp=-2, spec_dw="x0*sgn(w-3)*y1"),
}


@pytest.mark.lava
@pytest.mark.parametrize("name", list(CLASSES))
def test_each_class_matches_lava(name):
    diff = compare_case(_base_case(**CLASSES[name]))
    assert diff["epochs"] == 3
    assert {k: v for k, v in diff.items() if k != "epochs" and v} == {}


def test_package_model_applies_the_mantissa_rewrite_and_refuses_the_rest():
    """The package's connection model takes ``Product`` objects: mantissa -8 now
    gives Lava's -64 (the model used to give -32), and dependencies or factors it
    does not model are refused at construction in one line."""
    case = _base_case(**CLASSES["mantissa -8"])
    w0 = case["conn"]["weights"]
    new = run_golden(case)[0][0]["weights"] - w0
    old = GoldenLearningDense([Product("dw", "x0", ("x1", "y1"), -8, 5)], w0, t_epoch=2,
                              rng_seed=4, x_tau=10, y_tau=2 ** 16 - 1)
    old.step(case["s_in"][0], case["y"][0])
    old.step(case["s_in"][1], case["y"][1])
    assert np.all(new == -64) and np.array_equal(old.w - w0, new)
    for bad, match in [(Product("dw", "y0", ("x1",), 1, 0), "dependency 'y0'"),
                       (Product("dw", "x0", ("C",), 1, 0), "factor 'C'"),
                       (Product("w", "x0", ("x1",), 1, 0), "target 'w'"),
                       (Product("dw", "x0", ("x1",), 9, 0), "mantissa 9")]:
        with pytest.raises(RuleError, match=match) as err:
            GoldenLearningDense([bad], w0, t_epoch=2, rng_seed=0)
        assert "\n" not in str(err.value)


def _differential(seeds, compiled=False, case=random_case):
    bad = {}
    for s in seeds:
        diff = compare_case(case(s), compiled=compiled)
        wrong = {k: v for k, v in diff.items() if k != "epochs" and v}
        if wrong:
            bad[s] = wrong
    return bad


@pytest.mark.lava
def test_random_cases_match_lava():
    assert _differential(range(6)) == {}


@pytest.mark.lava
@pytest.mark.slow
def test_500_random_cases_match_lava():
    seeds = range(1000, 1500)
    bad = _differential(seeds)
    print(f"differential test: {len(seeds)} cases, seeds {seeds.start}..{seeds.stop - 1}, "
          f"mismatching cases {len(bad)}")
    assert bad == {}


@pytest.mark.lava
def test_compiled_model_matches_lava():
    """The compiled model (one step per call) against Lava on random numbers of the
    covering rule set (one compilation, shared with tests/test_loihi_dense_compiled.py)."""
    assert _differential(range(3), compiled=True, case=covering_case) == {}


@pytest.mark.lava
@pytest.mark.slow
def test_500_random_cases_match_lava_compiled():
    """The 500 random cases of the slow test above with ``compiled=True`` (each rule
    structure compiled once, about 2 s)."""
    seeds = range(1000, 1500)
    bad = _differential(seeds, compiled=True)
    print(f"differential test, compiled model: {len(seeds)} cases, seeds {seeds.start}.."
          f"{seeds.stop - 1}, mismatching cases {len(bad)}")
    assert bad == {}


@pytest.mark.lava
@pytest.mark.slow
@pytest.mark.parametrize("shape", [(10, 64), (64, 256)])
def test_speed_against_lava(shape, capsys):
    """Benchmark: ``lava-bioadam bench --connections`` (the same 3F case, 400 steps,
    t_epoch 4, in Lava fixed_pt and both golden models); prints the step rates and
    ratios, asserts identical Vars."""
    from lava_bioadam.app.cli import main

    assert main(["bench", "--connections", f"{shape[0]}x{shape[1]}"]) == 0
    out = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + out)
    assert "identical" in out and "speed ratio against Lava fixed_pt" in out
