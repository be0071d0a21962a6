"""Oracle tests of the neuron codes with hand-computed integers.

L2 and L3 run the same neuron code (``lava_bioadam.codes``), so L2 == L3 cannot
detect a wrong code; these expected values were worked out by hand from the
microcode in docs/loihi_mapping.md (decode ``(x mant + 2^(shift-1)) >> shift``,
round half up; saturation at +-127; always-on bias unit; E+/E- split; clipped-ReLU
gate ``0 < A < a_one`` on the accumulator; the softmax of the output unit from a
2^-x table, a leading-one shift and a reciprocal table).
"""
from types import SimpleNamespace

import numpy as np
import pytest

from lava_bioadam import codes
from lava_bioadam.engine import neuron
from lava_bioadam.errors import RuleError
from lava_bioadam.model.network import softmax
from lava_bioadam.rules.units import HiddenCode, OutputCode, hidden_code, output_code

# h_scale 127 (7-bit activity), e_scale 100 error codes per unit error,
# w_scale 50 weight units per unit weight, G = 16
ENC = SimpleNamespace(h_scale=127.0, e_scale=100.0, w_scale=50.0, g_scale=16.0)
# pre-activation 1 = 2 * 50 * 127 = 12700 accumulator units; H = A * 127 / 12700 =
# A / 100 ~ A * 164 / 2^14; E = fb * 100 / (2 * 50 * 100) = fb / 100, the same
# constant; fb_max = ceil(127.5 * 2^14 / 164) = 12738
HC = HiddenCode(a_one=12700, h_mant=164, h_shift=14, fb_max=12738, e_mant=164, e_shift=14)


def test_activity_code_rounds_half_to_even_and_saturates():
    h = np.array([0.5, 0.3, 0.7, 1.4, -0.2, 0.25, 1.0])
    # 63.5 -> 64, 38.1 -> 38, 88.9 -> 89, clip 1 -> 127, clip 0 -> 0, 31.75 -> 32, 127
    assert codes.activity_code(h, ENC, True).tolist() == [64, 38, 89, 127, 0, 32, 127]
    assert codes.activity_code(h, ENC, True).dtype == np.int32
    # exact halves (k / 254 * 127 = k / 2 in float64): half to even gives 0, 2, 2, 62,
    # half up would give 1, 2, 3, 63
    halves = np.array([1, 3, 5, 125]) / 254
    assert (halves * 127).tolist() == [0.5, 1.5, 2.5, 62.5]
    assert codes.activity_code(halves, ENC, True).tolist() == [0, 2, 2, 62]
    assert codes.input_payload(halves[None, :], ENC, True).tolist() == [[0, 4, 4, 124, 254]]


def test_encode_weights_rounds_half_to_even_to_an_even_weight():
    """``2 round(w_scale w / 2)``: w_scale 64 makes ``w / 2`` exact halves; half to even
    gives 0, 4, 4, -4, 0 (half up would give 2, 4, 6, -2, 0); saturates at -256, 254."""
    enc = SimpleNamespace(h_scale=127.0, e_scale=100.0, w_scale=64.0, g_scale=0.0)
    w = np.array([[1, 3, 5, -3, -1, 300, -300]]) / 64
    got = codes.encode_weights(w, enc, True)
    assert got.tolist() == [[0, 4, 4, -4, 0, 254, -256]] and got.dtype == np.int32


def test_payload_carries_the_bias_unit():
    assert codes.activity_payload(np.array([0, 64, 127]), ENC, True).tolist() == \
        [0, 128, 254, 254]
    assert codes.input_payload(np.array([[0.5, 0.0]]), ENC, True).tolist() == [[128, 0, 254]]


def test_error_third_factors_split_the_sign():
    y = codes.third_factors_error(np.array([5, -7, 0, 127]), ENC, True)
    assert y.tolist() == [[5, 0, 0, 127], [0, 7, 0, 0], [16, 16, 16, 16]]
    y = codes.third_factors_activity(np.array([3, 0]), ENC, True)
    assert y.tolist() == [[3, 0], [0, 0], [16, 16]]


def test_decode_constants_by_hand():
    # 0.01 = 2^-6.64: shift 7 + 7 = 14, mant round(0.01 * 16384 = 163.84) = 164
    assert neuron.decode_constant(0.01, "x") == (164, 14)
    # 101 / 4096 = 2^-5.34: shift 13, mant round(202.0) = 202
    assert neuron.decode_constant(101 / 4096, "x") == (202, 13)
    # exactly a power of two: 1 = 128 * 2^-7
    assert neuron.decode_constant(1.0, "x") == (128, 7)
    with pytest.raises(RuleError):
        neuron.decode_constant(1000.0, "x")          # would need a left shift
    assert hidden_code(ENC, ENC) == HC
    # output: x per accumulator unit log2(e) 32 / 12700 = 0.003635 ~ 238 / 2^16;
    # d_cap = ceil(415.5 * 2^16 / 238); e: 101 / 4096 ~ 202 / 2^13
    enc = SimpleNamespace(h_scale=127.0, e_scale=101.0, w_scale=50.0, g_scale=0.0)
    assert output_code(enc, 2) == OutputCode(d_cap=114413, x_mant=238, x_shift=16,
                                             e_mant=202, e_shift=13)
    with pytest.raises(RuleError):
        output_code(enc, neuron.MAX_OUTPUTS + 1)     # the sum would overflow 24 bits


def test_mul_shift_rounds_half_up_and_saturation():
    assert neuron.mul_shift([5, -5, 4, -3, 7], 1, 1).tolist() == [3, -2, 2, -1, 4]
    assert neuron.mul_shift([1000, -500], 164, 14).tolist() == [10, -5]   # 10.5, -4.5
    assert codes.accumulate([2 ** 24, -2 ** 24, 5]).tolist() == [2 ** 23 - 1, -2 ** 23 + 1, 5]
    assert neuron.leading_one([1, 2, 3, 4096, 8191, 8192, 2 ** 23 + 5]).tolist() == \
        [0, 1, 1, 12, 12, 13, 23]


def test_hidden_unit_step_by_step():
    """4 units, T = 4, forward at step 2, error at step 3."""
    u = codes.HiddenUnits(4, 4, 2, 3, ENC, ENC, True, HC)
    zeros = np.zeros(4, dtype=np.int32)
    s, e, yf, yb = u.step(1, zeros, zeros)
    assert s.tolist() == [0] * 5 and e.tolist() == [0] * 4 and not yf.any() and not yb.any()
    a_in = np.array([-1270, 6350, 19050, 3175])
    # clip to 0..12700: 0, 6350, 12700, 3175; * 164 + 8192 >> 14:
    # 0, 1049592 >> 14 = 64, 2090992 >> 14 = 127, 528892 >> 14 = 32
    s, e, yf, yb = u.step(2, a_in, zeros)
    assert s.tolist() == [0, 128, 254, 64, 254]           # 2 H, then the bias unit
    assert yb.tolist() == [[0, 64, 127, 32], [0] * 4, [16] * 4]
    assert u.a.tolist() == a_in.tolist() and not yf.any()
    fb_in = np.array([1000, 1000, 1000, -500])
    # gate 0 < A < 12700: 0, 1, 0, 1; (1000 * 164 + 8192) >> 14 = 172192 >> 14 = 10,
    # (-82000 + 8192) >> 14 = -73808 >> 14 = -5 (floor of -4.505)
    s, e, yf, yb = u.step(3, zeros, fb_in)
    assert e.tolist() == [0, 20, 0, -10]
    assert yf.tolist() == [[0, 10, 0, 0], [0, 0, 0, 5], [16] * 4]
    assert s.tolist() == [0] * 5
    _, e, yf, _ = u.step(4, zeros, zeros)                # third factors held to the end
    assert e.tolist() == [0] * 4 and yf[0].tolist() == [0, 10, 0, 0]


def test_hidden_gate_edges_and_error_saturation():
    u = codes.HiddenUnits(4, 4, 2, 3, ENC, ENC, True, HC)
    u.step(2, np.array([1, 12699, 12700, 100]), np.zeros(4, dtype=np.int32))
    # gate open at 1 and 12699, shut at 12700; feedback beyond fb_max saturates;
    # (100 * 164 + 8192) >> 14 = 1, (-50 * 164 + 8192) >> 14 = -8 >> 14 = -1
    _, e, _, _ = u.step(3, np.zeros(4, dtype=np.int32), np.array([100, -50, 100, 10 ** 7]))
    assert (e // 2).tolist() == [1, -1, 0, 127]


def test_hidden_gate_is_shut_at_exactly_zero_and_exactly_a_one():
    """``0 < A < a_one``: an accumulator of exactly 0 or exactly ``a_one`` (12700)
    passes no error, one step inside passes it (fb 1000 -> E 10)."""
    A = np.array([-1, 0, 1, 12699, 12700, 12701])
    assert codes.relu_gate(A, HC).tolist() == [False, False, True, True, False, False]
    u = codes.HiddenUnits(6, 4, 2, 3, ENC, ENC, True, HC)
    u.step(2, A, np.zeros(6, dtype=np.int32))
    _, e, yf, _ = u.step(3, np.zeros(6, dtype=np.int32), np.full(6, 1000))
    assert (e // 2).tolist() == [0, 0, 10, 10, 0, 0]
    assert yf[0].tolist() == [0, 0, 10, 10, 0, 0]
    # the activity at the edges: 0 -> 0, a_one -> (12700 * 164 + 8192) >> 14 = 127
    assert codes.activity_from_acc(A, HC).tolist() == [0, 0, 0, 127, 127, 127]


def test_output_unit_error_code():
    """z = (0, 0), label 0: x = (0, 0), u = (4096, 4096), S = 8192, leading one 13,
    Sn = 2048, r0 = RECIP[0] = 2016, t = 2016, r = (2016 * 2080 + 1024) >> 11 = 2048,
    p = (4096 * 2048 + 2048) >> 12 = 2048 (0.5); p - onehot = (-2048, 2048);
    E = (-2048 * 202 + 4096) >> 13 = -50 (-50.5 up), (413696 + 4096) >> 13 = 51."""
    enc = SimpleNamespace(h_scale=127.0, e_scale=101.0, w_scale=50.0, g_scale=0.0)
    u = codes.OutputUnits(2, 2, 2, enc, True, output_code(enc, 2))
    u.step(1, np.zeros(2, dtype=np.int32), 0)
    e, y = u.step(2, np.zeros(2, dtype=np.int32), 0)
    assert e.tolist() == [-100, 102]
    assert y.tolist() == [[0, 51], [50, 0], [0, 0]]
    assert u.pred == 0 and abs(u.loss - np.log(2)) < 1e-12


def test_output_error_code_by_hand():
    """Exponent constant 1 (x = distance), E = (p - onehot) / 32.
    A = (0, -32, -64, -1000), label 1: x = (0, 32, 64, 416 capped), u = (4096, 2048,
    1024, 0), S = 7168, leading one 12, Sn = 3584, j = 56 - 32 = 24, r0 = 1160,
    t = 3584 * 1160 >> 11 = 2030, r = (1160 * 2066 + 1024) >> 11 = 1170,
    p = (u * 1170 + 1024) >> 11 = (2340, 1170, 585, 0); p - onehot = (2340, -2926,
    585, 0); E = (v * 128 + 2048) >> 12 = (73, -91, 18, 0)."""
    code = SimpleNamespace(d_cap=416, x_mant=128, x_shift=7, e_mant=128, e_shift=12)
    assert neuron.RECIP[24] == 1160 and neuron.EXP2[0] == 4096
    E = codes.output_error_code(np.array([0, -32, -64, -1000]), 1, code)
    assert E.tolist() == [73, -91, 18, 0] and E.dtype == np.int32


def test_softmax_tables_by_hand():
    # 2^(12 - f/32): f = 16 -> 4096 / sqrt(2) = 2896.3, f = 31 -> 2093.4
    assert neuron.EXP2[[0, 16, 31]].tolist() == [4096, 2896, 2093]
    assert len(neuron.EXP2) == 32 and len(neuron.RECIP) == 32
    # 2^22 / (2048 + 0.5 * 64) = 2016.5 -> 2016; 2^22 / (2048 + 31.5 * 64) = 1032.1
    assert neuron.RECIP[[0, 31]].tolist() == [2016, 1032]
    assert neuron.softmax_q(np.array([[0, 0], [0, 416]])).tolist() == [[2048, 2048],
                                                                       [4096, 0]]


def test_approx_softmax_error_against_exact():
    """The bound docs/loihi_mapping.md states: max |approx - exact| < 0.004 for up
    to 20 outputs over a sweep of logit spreads."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for n in (2, 3, 10, 20):
        for spread in (0.1, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0):
            z = rng.normal(0.0, spread, (4000, n))
            worst = max(worst, float(np.abs(neuron.approx_softmax(z) - softmax(z)).max()))
    print(f"max |approx softmax - softmax| = {worst:.5f}")
    assert 0.0 < worst < 0.004


def _all_arrays_integer(obj, where):
    for name, v in vars(obj).items():
        if isinstance(v, np.ndarray):
            assert np.issubdtype(v.dtype, np.integer), (where, name, v.dtype)


def test_fixed_unit_steps_produce_and_keep_only_integer_arrays():
    """Every array a fixed-point unit returns or keeps is an integer array, at every
    step, for random integer inputs including ones beyond every saturation."""
    rng = np.random.default_rng(0)
    enc = SimpleNamespace(h_scale=127.0, e_scale=101.0, w_scale=50.0, g_scale=4.0)
    hidden = codes.HiddenUnits(5, 4, 2, 3, ENC, ENC, True, HC)
    out = codes.OutputUnits(5, 4, 3, enc, True, output_code(enc, 5))
    for sample in range(20):
        lim = 10 ** rng.integers(2, 9)
        for k in range(1, 5):
            a_in, fb_in = rng.integers(-lim, lim, (2, 5))
            for o in hidden.step(k, a_in, fb_in) + out.step(k, a_in, sample % 5):
                assert np.issubdtype(np.asarray(o).dtype, np.integer), (k, o)
            _all_arrays_integer(hidden, f"hidden step {k}")
            _all_arrays_integer(out, f"output step {k}")
        assert isinstance(out.pred, int)


def test_fixed_units_need_their_constants():
    with pytest.raises(ValueError):
        codes.HiddenUnits(2, 4, 2, 3, ENC, ENC, True)
    with pytest.raises(ValueError):
        codes.OutputUnits(2, 2, 2, ENC, True)


def test_mean_square_update_by_hand():
    """Codes 5, 3, 1: s = 25, then the mean (25 + 9) / 2 = 17, then 17 + (1 - 17) / 4
    = 13 (the third sample weighs 2**-ceil(log2 3) = 1/4), in units of 2**-8; from
    n = 2**k on the weight stays 2**-k. Rounded half up: s = 1 or 3, code 0, n = 2
    gives 1 + (-1 + 1 >> 1) = 1 and 3 + (-3 + 1 >> 1) = 2, where a floor gives 0, 1."""
    s = neuron.mean_square_update(0, np.array([5]), 1, 4)
    assert s.tolist() == [25 * 256]
    s = neuron.mean_square_update(s, np.array([3]), 2, 4)
    assert s.tolist() == [17 * 256]
    s = neuron.mean_square_update(s, np.array([1]), 3, 4)
    assert s.tolist() == [13 * 256]
    assert neuron.mean_square_update(np.array([1, 3]), np.array([0, 0]), 2, 4).tolist() == [1, 2]
    # n = 1000, k = 4: weight 1/16: 256 + (16 * 256 - 256) / 16 = 496
    assert neuron.mean_square_update(np.array([256]), np.array([4]), 1000, 4).tolist() == [496]


def test_isqrt_is_the_floor_of_the_root():
    s = np.array([0, 1, 3, 4, 15, 16, 17, 2 ** 24 - 1, 2 ** 24, 2 ** 30 + 5])
    assert neuron.isqrt(s).tolist() == [0, 1, 1, 2, 3, 4, 4, 4095, 4096, 32768]


def test_normalised_code_by_hand():
    """c = 100, s = 100**2 in units of 2**-8 (RMS 100 codes, isqrt 1600 in 1/16 code),
    eps 1 code (eps_q 16): den 1616, leading one 10, xn = 3232, r0 = RECIP[18] = 1298,
    t = 3232 * 1298 >> 11 = 2048, r = (1298 * 2048 + 1024) >> 11 = 1298; with 127
    codes per unit (mant 254, shift 1): (100 * 254 * 1298 + 2**21) >> 22 = 8
    (exact 100 * 127 / 101 / 16 = 7.86)."""
    assert neuron.RECIP[18] == 1298
    v = neuron.normalised_code(np.array([100, -100]), np.full(2, 100 ** 2 * 256), 16, 254, 1)
    assert v.tolist() == [8, -8] and v.dtype == np.int32


def test_normalised_code_against_float():
    """Within one code of round(c Q / (sqrt(s) + eps)) over random codes and mean
    squares; clipped to +-127; never 0 for a nonzero code (a zero payload is no spike)."""
    rng = np.random.default_rng(0)
    c = rng.integers(-127, 128, 4000)
    s = rng.integers(1, 127 ** 2 * 256, 4000)
    eps_q = 8
    q = 127 / 16                                          # codes per normalised unit
    mant, shift = neuron.decode_constant(q * 16, "test")  # den is in 1/16 code
    v = neuron.normalised_code(c, s, eps_q, mant, shift)
    exact = c * q / (np.sqrt(s / 256) + eps_q / 16)
    ref = np.clip(np.round(exact), -127, 127)
    ref = np.where((ref == 0) & (c != 0), np.sign(c), ref)
    assert np.abs(v - ref).max() <= 1 and (v == ref).mean() > 0.95
    assert (v[c != 0] != 0).all() and np.abs(v).max() == 127


def test_n2_hidden_units_send_normalised_codes_one_step_after_the_plain_ones():
    """Rule family n2: the third factors carry the normalised codes and each payload
    goes out again, normalised, one step later. First sample, so s = c**2 and the
    normalised code is c * 127 / (16 |c| + eps_q) (units of 1/16 code; 127/16 codes
    per unit, NORM_CODE_MAX 16). Activities (eps 0.01 -> eps_q 0.01 * 127 * 16 = 20):
    H 64, 127, 32 and the bias 127 -> 64*127/1044 = 7.8, 127*127/2052 = 7.9,
    32*127/532 = 7.6 -> 8 each; errors (eps_q 0.01 * 100 * 16 = 16): E 10 ->
    10*127/176 = 7.2 -> 7, -5 -> -635/96 = -6.6 -> -7."""
    from lava_bioadam.rules.units import norm_code

    enc = SimpleNamespace(**vars(ENC), n_scale=127 / 16)
    act, err = norm_code(0.01, 16, 127.0, "act"), norm_code(0.01, 16, 100.0, "err")
    assert (act.eps_q, err.eps_q, act.k) == (20, 16, 4)
    u = codes.HiddenUnits(4, 4, 2, 3, enc, enc, True, HC, norm=(act, err))
    a_in, zeros = np.array([-5, 6400, 13000, 3225]), np.zeros(4, dtype=np.int32)
    u.step(1, zeros, zeros)
    s, e, yf, yb = u.step(2, a_in, zeros)
    assert s.tolist() == [0, 128, 254, 64, 254]            # the plain payload first
    assert yb.tolist() == [[0, 8, 8, 8], [0] * 4, [16] * 4]
    s, e, yf, yb = u.step(3, zeros, np.array([1000, 1000, 1000, -500]))
    assert s.tolist() == [0, 16, 16, 16, 16]                # 2 Hn, the bias unit's too
    assert e.tolist() == [0, 20, 0, -10]                    # the plain error payload
    assert yf.tolist() == [[0, 7, 0, 0], [0, 0, 0, 7], [16] * 4]
    s, e, yf, _ = u.step(4, zeros, zeros)
    assert e.tolist() == [0, 14, 0, -14] and not s.any()    # 2 En one step later
    assert yf[0].tolist() == [0, 7, 0, 0]


def test_normaliser_float_is_the_integer_one_without_rounding():
    """The float units (floating_pt) compute the same mean square and c / (sqrt(s) +
    eps) without rounding: within one code of the integer units over 50 samples."""
    from lava_bioadam.rules.units import norm_code

    code = norm_code(0.05, 8, 127.0, "act")
    fi, ff = codes.Normaliser(6, code, True), codes.Normaliser(6, code, False, 127.0, 127 / 16)
    rng = np.random.default_rng(3)
    for _ in range(50):
        c = rng.integers(-127, 128, 6)
        vi, vf = fi.step(c), ff.step(c)
        assert np.abs(vi - np.clip(vf, -127, 127)).max() <= 1
    assert fi.count == ff.count == 50
