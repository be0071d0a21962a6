"""Oracle tests of the neuron codes with hand-computed integers.

L2 and L3 run the same neuron code (``lava_bioadam.codes``), so L2 == L3 cannot
detect a wrong code; these expected values were worked out by hand from the
specification in docs/loihi_mapping.md (round half to even, saturation at +-127,
always-on bias unit, E+/E- split, clipped-ReLU gate on the pre-activation).
"""
from types import SimpleNamespace

import numpy as np

from lava_bioadam import codes

# h_scale 127 (7-bit activity), e_scale 100 error codes per unit error,
# w_scale 50 weight units per unit weight, G = 16
ENC = SimpleNamespace(h_scale=127.0, e_scale=100.0, w_scale=50.0, g_scale=16.0)


def test_activity_code_rounds_half_to_even_and_saturates():
    h = np.array([0.5, 0.3, 0.7, 1.4, -0.2, 0.25, 1.0])
    # 63.5 -> 64, 38.1 -> 38, 88.9 -> 89, clip 1 -> 127, clip 0 -> 0, 31.75 -> 32, 127
    assert codes.activity_code(h, ENC, True).tolist() == [64, 38, 89, 127, 0, 32, 127]
    assert codes.activity_code(h, ENC, True).dtype == np.int32


def test_error_code_rounds_and_saturates_at_127():
    e = np.array([0.555, -0.3, 2.0, -2.0, 0.125, -0.125, 0.004])
    # 55.5 -> 56, -30, clip 127, clip -127, 12.5 -> 12, -12.5 -> -12, 0.4 -> 0
    assert codes.error_code(e, ENC, True).tolist() == [56, -30, 127, -127, 12, -12, 0]


def test_payload_carries_the_bias_unit():
    assert codes.activity_payload(np.array([0, 64, 127]), ENC, True).tolist() == \
        [0, 128, 254, 254]
    assert codes.input_payload(np.array([[0.5, 0.0]]), ENC, True).tolist() == [[128, 0, 254]]


def test_error_third_factors_split_the_sign():
    y = codes.third_factors_error(np.array([5, -7, 0, 127]), ENC, True)
    assert y.tolist() == [[5, 0, 0, 127], [0, 7, 0, 0], [16, 16, 16, 16]]
    y = codes.third_factors_activity(np.array([3, 0]), ENC, True)
    assert y.tolist() == [[3, 0], [0, 0], [16, 16]]


def test_hidden_unit_step_by_step():
    """4 units, T = 4, forward at step 2, error at step 3. a = W p / (2 w_scale h_scale)
    = a_in / 12700; the gate passes errors only where 0 < a < 1."""
    u = codes.HiddenUnits(4, 4, 2, 3, ENC, ENC, True)
    zeros = np.zeros(4, dtype=np.int32)
    s, e, yf, yb = u.step(1, zeros, zeros)
    assert s.tolist() == [0] * 5 and e.tolist() == [0] * 4 and not yf.any() and not yb.any()
    a_in = np.array([-1270, 6350, 19050, 3175])          # a = -0.1, 0.5, 1.5, 0.25
    s, e, yf, yb = u.step(2, a_in, zeros)
    assert s.tolist() == [0, 128, 254, 64, 254]           # 2 H with H = 0, 64, 127, 32; bias
    assert yb.tolist() == [[0, 64, 127, 32], [0] * 4, [16] * 4]
    assert not yf.any()
    fb_in = np.array([1000, 1000, 1000, -500])           # B e = fb / (2 w_scale e_scale)
    s, e, yf, yb = u.step(3, zeros, fb_in)               # = 0.1, 0.1, 0.1, -0.05
    assert e.tolist() == [0, 20, 0, -10]                  # gate 0,1,0,1 -> E = 0, 10, 0, -5
    assert yf.tolist() == [[0, 10, 0, 0], [0, 0, 0, 5], [16] * 4]
    assert s.tolist() == [0] * 5
    _, e, yf, _ = u.step(4, zeros, zeros)                # third factors held to the end
    assert e.tolist() == [0] * 4 and yf[0].tolist() == [0, 10, 0, 0]


def test_output_unit_error_code():
    """z = (0, 0): softmax (0.5, 0.5), label 0: e = (-0.5, 0.5), E = (-50, 50)."""
    enc = SimpleNamespace(h_scale=127.0, e_scale=101.0, w_scale=50.0, g_scale=0.0)
    u = codes.OutputUnits(2, 2, 2, enc, True)
    u.step(1, np.zeros(2, dtype=np.int32), 0)
    e, y = u.step(2, np.zeros(2, dtype=np.int32), 0)
    # -50.5 -> -50 and 50.5 -> 50 (half to even); payload 2 E
    assert e.tolist() == [-100, 100]
    assert y.tolist() == [[0, 50], [50, 0], [0, 0]]
    assert u.pred == 0 and abs(u.loss - np.log(2)) < 1e-12


def test_fixed_codes_are_integers():
    u = codes.HiddenUnits(3, 4, 2, 3, ENC, ENC, True)
    rng = np.random.default_rng(0)
    for k in range(1, 5):
        outs = u.step(k, rng.integers(-20000, 20000, 3), rng.integers(-20000, 20000, 3))
        for o in outs:
            assert np.issubdtype(np.asarray(o).dtype, np.integer), (k, o)
