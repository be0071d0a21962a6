"""The compiled golden model (``golden.fast``) against the numpy golden model:
every variable and trace of every connection after every sample."""
import os
import pickle

import numpy as np
import pytest

from lava_bioadam.engine import widths
from lava_bioadam.golden import fast
from lava_bioadam.golden.network import initial_weights, run_l2
from lava_bioadam.rules.network import build_network_rules
from lava_bioadam.rules.params import RuleParams
from lava_bioadam.verify.cases import network_inputs
from lava_bioadam.verify.golden_vectors import CASES, case_setup

#: one small three-layer predisposition network (compiled once, cached on disk)
PARAMS = RuleParams(eta=0.02, tau_r=8.0, lam=2.0 ** -7)
SIZES = (12, 7, 4)


def assert_same_run(a, b, label=""):
    """Predictions, every recorded state and the final state identical; loss to
    round-off (a float diagnostic)."""
    assert np.array_equal(a.pred, b.pred), f"{label}: predictions differ"
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-12)
    for part in ("states", "final"):
        sa, sb = getattr(a, part), getattr(b, part)
        assert set(sa) == set(sb)
        if not sa:
            continue            # not recorded
        for side in ("W", "B"):
            assert len(sa[side]) == len(sb[side])
            for l, (ca, cb) in enumerate(zip(sa[side], sb[side])):
                assert (ca is None) == (cb is None)
                if ca is None:
                    continue
                assert set(ca) == set(cb), f"{label} {side}{l + 1}: variables differ"
                for k in ca:
                    assert np.array_equal(ca[k], cb[k]), f"{label} {part} {side}{l + 1}.{k}"


def _setup(seed, n=24, mode="predisposition"):
    nr = build_network_rules(PARAMS, SIZES, mode)
    x, lab = network_inputs(SIZES, n, seed)
    W0, B0 = initial_weights(nr, seed)
    return nr, x, lab, W0, B0


def test_fast_equals_numpy_model_every_sample():
    nr, x, lab, W0, B0 = _setup(3)
    ref = run_l2(nr, x, lab, W0, B0, rng_seed=3, record=True)
    got = fast.run_fast(nr, x, lab, W0, B0, rng_seed=3, record=True)
    assert len(got.states["W"][0]["weights"]) == len(lab)
    assert_same_run(ref, got)
    # the weights moved: the comparison is not between two untouched states
    assert not np.array_equal(got.final["W"][0]["weights"], ref.states["W"][0]["weights"][0])


def test_n2_units_compiled_equal_the_numpy_model():
    """Rule family n2 (normalisers in the units, normalised payloads sent again one
    step later): two replicas of a three-layer network, tau_n 4 so that the warm-up
    ends within the run, and a checkpoint continued, equal to the numpy model."""
    p = RuleParams(rule="n2", eta=0.03, tau_n=4.0, eps=0.05, lam=2.0 ** -7)
    nr = build_network_rules(p, SIZES)
    sets = [(network_inputs(SIZES, 30, s), initial_weights(nr, s)) for s in (1, 2)]
    runs = fast.run_fast_replicas(nr, np.stack([x for (x, _), _ in sets]),
                                  np.stack([lab for (_, lab), _ in sets]),
                                  [W for _, (W, _) in sets], [B for _, (_, B) in sets],
                                  [1, 2], record=True)
    for s, ((x, lab), (W0, B0)), run in zip((1, 2), sets, runs):
        assert_same_run(run_l2(nr, x, lab, W0, B0, rng_seed=s, record=True), run, f"n2 {s}")
    (x, lab), (W0, B0) = sets[0]
    saved = []
    fast.run_fast(nr, x, lab, W0, B0, rng_seed=1, epoch_size=12, on_epoch=lambda W, B: None,
                  on_checkpoint=lambda st: saved.append(pickle.dumps(st)))
    cont = fast.run_fast(nr, x, lab, W0, B0, rng_seed=1, epoch_size=12,
                         state=pickle.loads(saved[0]))
    assert saved and np.array_equal(cont.pred, runs[0].pred)
    for side in ("W", "B"):
        for ca, cb in zip(runs[0].final[side], cont.final[side]):
            assert (ca is None) == (cb is None)
            assert ca is None or all(np.array_equal(ca[k], cb[k]) for k in ca)


def _replicas_equal_independent_runs(seeds, n):
    """Replicas with their own seeds, weights and data order in one call, each equal
    to its own numpy run; returns the runs."""
    sets = [_setup(s, n=n) for s in seeds]
    nr = sets[0][0]
    runs = fast.run_fast_replicas(nr, np.stack([s[1] for s in sets]),
                                  np.stack([s[2] for s in sets]), [s[3] for s in sets],
                                  [s[4] for s in sets], seeds, record=True)
    for s, st, run in zip(seeds, sets, runs):
        assert_same_run(run_l2(nr, *st[1:], rng_seed=s, record=True), run, f"seed {s}")
    return runs


def test_replicas_equal_independent_runs():
    """3 replicas: fewer than a vector, the learning loop runs over a row's synapses
    times the replicas."""
    runs = _replicas_equal_independent_runs([0, 1, 5], 24)
    assert not np.array_equal(runs[0].final["W"][1]["weights"], runs[1].final["W"][1]["weights"])


def test_unit_kernels_equal_the_numpy_codes():
    """The compiled hidden and output steps give the integer codes of
    ``lava_bioadam.codes`` for random inputs reaching every saturation, and
    accumulators at the gate's edges (exactly 0 and exactly ``a_one``)."""
    from lava_bioadam import codes
    from lava_bioadam.golden import fast_kernels
    nr = build_network_rules(PARAMS, (12, 7, 5))
    hc, oc = nr.unit_codes()
    rng = np.random.default_rng(3)
    n, R = 7, 40
    for lim in (10 ** 3, 10 ** 5, 3 * 10 ** 7):
        a_in, fb_in = rng.integers(-lim, lim, (2, n, R)).astype(np.int32)
        a_in[:6, 0] = [0, hc.a_one, hc.a_one - 1, 1, -1, hc.a_one + 1]   # the gate's edges
        fb_in[:6, 0] = 1000
        a, H, E = (np.zeros((n, R), np.int32) for _ in range(3))
        s_out, e_out = np.zeros((n + 1, R), np.int32), np.zeros((n, R), np.int32)
        for k in (2, 3):
            fast_kernels.hidden_step(k, 2, 3, a_in, fb_in, a, H, E, s_out, e_out, hc.a_one,
                                     hc.h_mant, hc.h_shift, 254, hc.fb_max, hc.e_mant,
                                     hc.e_shift)
        A = codes.accumulate(a_in)
        assert np.array_equal(H, codes.activity_from_acc(A, hc))
        assert np.array_equal(E, codes.error_from_feedback(fb_in, codes.relu_gate(A, hc), hc))
        assert (E[:6, 0] != 0).tolist() == [False, False, True, True, False, False]
        out_in = a_in[:5]
        labels = rng.integers(0, 5, R)
        oE, oe = np.zeros((5, R), np.int32), np.zeros((5, R), np.int32)
        z, pred = np.zeros((5, R), np.int64), np.zeros(R, np.int64)
        fast_kernels.output_error(out_in, labels, oc.d_cap, oc.x_mant, oc.x_shift,
                                  oc.e_mant, oc.e_shift, oE, oe, z, pred)
        for r in range(R):
            want = codes.output_error_code(codes.accumulate(out_in[:, r]), labels[r], oc)
            assert np.array_equal(oE[:, r], want), (lim, r)
            assert pred[r] == np.argmax(codes.accumulate(out_in[:, r]))
        assert np.array_equal(oe, 2 * oE)


def test_epochs_and_chunks():
    """on_epoch sees the same weights; chunk boundaries do not matter."""
    nr, x, lab, W0, B0 = _setup(2, n=30)
    seen_ref, seen_fast = [], []
    ref = run_l2(nr, x, lab, W0, B0, rng_seed=2, epoch_size=7,
                 on_epoch=lambda W, B: seen_ref.append(W[1].copy()) or len(seen_ref))
    got = fast.run_fast_replicas(nr, x, lab, [W0], [B0], [2], epoch_size=7, chunk=4,
                                 on_epoch=lambda r, W, B: seen_fast.append(W[1]) or
                                 len(seen_fast))[0]
    assert len(seen_ref) == len(seen_fast) == 4
    for a, b in zip(seen_ref, seen_fast):
        assert np.array_equal(a, b)
    assert got.epochs == ref.epochs
    assert_same_run(ref, got)


def test_tag_bounds_compiled_as_in_the_numpy_model():
    """tag_1 at -257 and 255 and tag_2 at 255 in the compiled model, equal to the
    numpy model at every sample. One layer (3, 2), inputs 0 and label 0 for 405
    samples: only the bias synapses learn, class 0 sees a negative error every
    sample, class 1 a positive one, and a small ``w_max`` keeps the errors large.
    The N1 rule's ``dt`` decay is moved to the front (Lava applies products in
    order) so that the gradient product saturates the accumulator last; then the
    class-0 bias tag_1 reads -257 exactly in the samples whose shared random number
    is >= 127/128 (samples 398 and 405 of Lava's constant seed-2 stream), -256 in
    between."""
    import dataclasses

    nr = build_network_rules(RuleParams(eta=0.01, m_max=0.0625, tau_m=32.0, r_max=1.0,
                                        w_max=0.0625), (3, 2))
    r = nr.forward[0]
    decay = [p for p in r.products if p.target == "dt" and p.factors == ("t",)]
    nr.forward[0] = dataclasses.replace(r, products=tuple(
        [p for p in r.products if p.target != "dt"] + decay
        + [p for p in r.products if p.target == "dt" and p not in decay]))
    n = 405
    x, lab = np.zeros((n, 3)), np.zeros(n, int)
    W0, B0 = initial_weights(nr, 0)
    got = fast.run_fast(nr, x, lab, W0, B0, rng_seed=0, record=True)
    assert_same_run(run_l2(nr, x, lab, W0, B0, rng_seed=0, record=True), got)
    t, d = got.states["W"][0]["tag_1"], got.states["W"][0]["tag_2"]
    low = np.full(n - 20, -256)
    low[[398 - 21, 405 - 21]] = -257
    assert t[20:, 0, 3].tolist() == low.tolist()
    assert set(t[20:, 1, 3].tolist()) == {255} and d.max() == 255


def test_bad_replica_inputs_are_refused():
    nr, x, lab, W0, B0 = _setup(0, n=4)
    with pytest.raises(ValueError, match="replica"):
        fast.run_fast_replicas(nr, x, lab, [W0, W0], [B0], [0, 1])
    with pytest.raises(ValueError, match="shape"):
        fast.run_fast(nr, x[:, :5], lab, W0, B0)


def test_cache_folder_falls_back_when_not_writable(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("LAVA_BIOADAM_CACHE", str(blocked / "sub"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fast.cache_dir() == tmp_path / "xdg" / "lava-bioadam"
    assert os.access(fast.cache_dir(), os.W_OK)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fast_reproduces_golden_vectors(name):
    """Every golden vector, every variable, every sample (compiles each case's
    rules once; cached afterwards)."""
    from pathlib import Path

    nr, x, lab, W0, B0, seed = case_setup(name)
    run = fast.run_fast(nr, x, lab, W0, B0, rng_seed=seed, record=True)
    with np.load(Path(__file__).parent / "golden" / f"{name}.npz") as z:
        ref = {k: z[k] for k in z.files}
    checked = 0
    for side in ("W", "B"):
        for l, st in enumerate(run.states[side]):
            for k, v in (st or {}).items():
                key = f"state_{side}{l + 1}_{k}"
                assert key in ref, key
                assert np.array_equal(ref[key], v.astype(np.int16)), key
                checked += 1
    assert checked == sum(1 for k in ref if k.startswith("state_"))
    assert np.array_equal(ref["pred"], run.pred)
    np.testing.assert_allclose(run.loss, ref["loss"], rtol=1e-12)


def test_many_replicas_equal_independent_runs():
    """17 replicas: the replica loops run their vector bodies and a remainder (the
    learning loop over the replicas of a synapse)."""
    _replicas_equal_independent_runs(list(range(17)), 8)


def test_product_saturation_left_out_only_when_in_range():
    """``_within_acc`` against the numpy model's arithmetic at the corners of the
    factors' clip ranges (the product is monotone in each factor when nothing wraps)."""
    import itertools

    from lava_bioadam.engine.products import Product

    def pipeline(vals, mant, shift, lsh):
        cur = np.ones(len(vals[0]) if vals else 1, dtype=np.int32)
        for v in vals:
            cur *= np.asarray(v, dtype=np.int32)
        cur *= mant
        return np.left_shift(np.right_shift(cur, shift), lsh)

    seen = set()
    for factors, mant, exp in [(("x1", "y1", "d"), -3, -7), (("t", "d"), -1, -7),
                               (("x1", "y1"), 5, -6), (("t",), -1, -3), (("d",), 7, 8),
                               (("x1", "y1", "t", "d"), 7, 0), (("w", "t"), -8, 8)]:
        pr = Product(target="dw", dep="u0", factors=factors, mant=mant, exp=exp, meaning="")
        shift, lsh = widths.product_shift(factors), exp + widths.EXP_OFFSET
        corners = list(itertools.product(*[widths.factor_clip(f) + (0,) for f in factors]))
        out = pipeline([list(c) for c in zip(*corners)], mant, shift, lsh)
        inside = bool(np.all((out >= widths.ACC_MIN) & (out <= widths.ACC_MAX)))
        ok = fast._within_acc(pr, shift, lsh)
        if ok:
            assert inside, factors
        seen.add(ok)
    assert seen == {True, False}


def test_learning_loop_vectorises():
    """The generated learning loop compiles to SIMD code: the stochastic rounding's
    ``acc & 127`` appears as a vector operation in the LLVM IR."""
    import re

    from lava_bioadam.golden.network import GoldenNetwork

    nr, _, _, W0, B0 = _setup(0, n=2)
    spec = fast._Spec(nr, GoldenNetwork(nr, W0, B0, 0))
    src = fast.GENERATED_IMPORTS + fast._learn_source(
        "learn", spec.rule_sets[0]).replace("cache=True", "cache=False")
    ns = {}
    exec(compile(src, "<generated learning epoch>", "exec"), ns)
    z = lambda *s: np.zeros(s, np.int32)  # noqa: E731
    kc = spec.kc[0]
    ns["learn"](z(3, 5, 1), z(3, 5, 1), z(3, 5, 1), z(5, 1), z(2, 5, 1), z(3, 3, 1), z(2, 5, 1),
                z(3, 3, 1), z(5, 1), True, np.int32(3), kc.mant, kc.lsh, kc.cval)
    ir = ns["learn"].inspect_llvm(ns["learn"].signatures[0])
    mask = widths.ROUND_DIV - 1
    # a vector constant is <i32 127, ...> in older LLVM IR, splat (i32 127) in newer
    assert re.search(rf"and <\d+ x i32> %[^,]+, (<i32 {mask}|splat \(i32 {mask}\))", ir), \
        f"no vector 'acc & {mask}' in the learning loop"


#: rules of the same structure as PARAMS with other numbers: other exponents, gains,
#: unit constants and ranges (w_max), so every kind of run-time constant differs
OTHER = RuleParams(eta=0.01, tau_m=16.0, tau_r=4.0, lam=2.0 ** -6, w_max=3.0, eps=0.25)


def _net(params, seed):
    nr = build_network_rules(params, SIZES)
    W0, B0 = initial_weights(nr, seed)
    return nr, fast.FastNetwork(nr, [W0], [B0], [seed])


def test_one_compiled_module_runs_other_constants():
    """Two settings of one structure: the second reuses the first's module (same
    object, no new generated file) with its own numbers, and both equal the numpy
    model bit for bit."""
    nr_a, net_a = _net(PARAMS, 1)
    files = set(fast.cache_dir().glob("fastnet_*.py"))
    nr_b, net_b = _net(OTHER, 1)
    assert net_b.mod is net_a.mod
    assert set(fast.cache_dir().glob("fastnet_*.py")) == files
    assert net_b.startup["compiled"] is False
    assert not np.array_equal(net_a.spec.kc[0].lsh, net_b.spec.kc[0].lsh)
    assert not np.array_equal(net_a.spec.units.a_one, net_b.spec.units.a_one)
    x, lab = network_inputs(SIZES, 16, 1)
    finals = []
    for nr in (nr_a, nr_b):
        W0, B0 = initial_weights(nr, 1)
        ref = run_l2(nr, x, lab, W0, B0, rng_seed=1, record=True)
        got = fast.run_fast(nr, x, lab, W0, B0, rng_seed=1, record=True)
        assert_same_run(ref, got)
        assert got.meta["emulator_startup"]["compiled"] is False
        finals.append(got.final["W"][0]["tag_2"])
    assert not np.array_equal(*finals)      # the numbers made a difference


def test_structure_names_the_module_without_compiling(monkeypatch):
    """``structure`` gives the module key of a setting without compiling: the same
    key for another setting of one structure, another key where a setting changes
    the products (digits' rules have a rounding compensation in dw, their floored
    form has none), and ``cached`` as the disk cache says."""
    import dataclasses

    monkeypatch.setattr(fast, "_READY", set())
    monkeypatch.setattr(fast, "is_cached", lambda mod, function="run": False)
    nr_a = build_network_rules(PARAMS, SIZES)
    nr_b = build_network_rules(OTHER, SIZES)
    digits = RuleParams(eta=0.015, tau_m=8.0, tau_r=4.0, eps=0.125, lam=2.0 ** -8, w_max=2.0)
    nr_c = build_network_rules(digits, SIZES)
    nr_f = build_network_rules(dataclasses.replace(digits, rounding="floor"), SIZES)
    assert fast.structure(nr_c)[0] != fast.structure(nr_f)[0]
    key_a, cached = fast.structure(nr_a)
    assert fast.structure(nr_b)[0] == key_a and cached is False
    assert fast.structure(nr_f)[0] == key_a     # floored digits: PARAMS' products
    monkeypatch.setattr(fast, "is_cached", lambda mod, function="run": True)
    assert fast.structure(nr_a) == (key_a, True)


def test_compile_is_announced_and_cached(capsys, monkeypatch):
    """A module not in numba's disk cache is announced on stderr before it is
    compiled (here: loaded, as if it were not cached); warm() reports what getting
    it took, once per process."""
    nr, net = _net(PARAMS, 0)
    assert fast.is_cached(net.mod)
    capsys.readouterr()
    monkeypatch.setattr(fast, "_READY", set())
    monkeypatch.setattr(fast, "is_cached", lambda mod: False)
    info = fast.warm(nr)
    err = capsys.readouterr().err
    assert "compiling the emulator for 12-7-4, family n1" in err
    assert str(fast.cache_dir()) in err
    assert info["compiled"] is True and info["seconds"] > 0 and not info["fold_constants"]
    assert fast.warm(nr)["compiled"] is False
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_constants_folded_equal_the_numpy_model():
    """``fold_constants=True`` (the numbers compiled in; a compilation of its own,
    hence slow) gives the numpy model's run too."""
    nr, x, lab, W0, B0 = _setup(4, n=12)
    ref = run_l2(nr, x, lab, W0, B0, rng_seed=4, record=True)
    got = fast.run_fast(nr, x, lab, W0, B0, rng_seed=4, record=True, fold_constants=True)
    assert got.meta["emulator_startup"]["fold_constants"] is True
    assert_same_run(ref, got)


def test_merge_gives_a_shortest_common_supersequence():
    """Both sequences embed in the merge, which is as short as their longest common
    subsequence allows; padding refuses products that do not embed."""
    a = (("u0", ("t", "d")), ("u0", ()))
    b = (("u0", ("t", "d")), ("u0", ("w", "y3")), ("u0", ()))
    c = (("u0", ("t",)), ("u0", ("w", "y3")))
    m = fast._merge(fast._merge(a, b), c)
    assert len(m) == 4
    for seq in (a, b, c):
        it = iter(m)
        assert all(s in it for s in seq)            # a subsequence, in order
    from lava_bioadam.engine.products import Product
    prods = [Product("dw", "u0", ("t",), -3, -2)]
    slots = (("dw", (("u0", ("t", "d")),)), ("dd", ()), ("dt", ()))
    assert fast.padded(prods, slots) is None
    slots = (("dw", (("u0", ("t", "d")), ("u0", ("t",)))), ("dd", ()), ("dt", ()))
    got = fast.padded(prods, slots)
    assert [p.mant for p in got] == [0, -3] and got[1] is prods[0]


def test_padded_settings_share_one_module_bit_exactly(monkeypatch):
    """Two settings of different structure (one with a rounding compensation in dw,
    the other floored and with its eps product through y3) padded to their common structure: one module key for both,
    and each run equals the numpy model bit for bit."""
    import dataclasses

    digits = RuleParams(eta=0.015, tau_m=8.0, tau_r=4.0, eps=0.125, lam=2.0 ** -8, w_max=2.0)
    small_eps = dataclasses.replace(digits, eps=0.02, rounding="floor")
    nrs = [build_network_rules(p, SIZES) for p in (digits, small_eps)]
    assert fast.structure(nrs[0])[0] != fast.structure(nrs[1])[0]
    template = fast.common_structure(nrs)
    keys = {fast.structure(nr, template=template)[0] for nr in nrs}
    assert len(keys) == 1
    x, lab = network_inputs(SIZES, 16, 2)
    for nr in nrs:
        W0, B0 = initial_weights(nr, 2)
        ref = run_l2(nr, x, lab, W0, B0, rng_seed=2, record=True)
        got = fast.run_fast(nr, x, lab, W0, B0, rng_seed=2, record=True, template=template)
        assert_same_run(ref, got)
        assert got.meta["emulator_startup"]["compiled"] is False or nr is nrs[0]
    with pytest.raises(ValueError, match="one network depth"):
        fast.common_structure([nrs[0], build_network_rules(digits, (12, 7, 5, 4))])
