"""Bit widths, ranges and rounding of Lava 0.10's fixed-point learning engine.

The one place where integer widths live: the learning engine's factor widths,
ranges and rounding, and the precisions of the ports and messages of the project's
processes. Values mirror ``lava.magma.core.learning.constants`` and
``LearningConnectionModelBitApproximate`` of lava-nc 0.10.0 (this module does not
import Lava; ``tests/test_engine.py::test_widths_mirror_lava`` checks the mirror).

Rounding modes used by the engine, per learning epoch:

* product: int32 multiply (wraps silently), arithmetic right shift by
  :func:`product_shift` (floor), left shift by ``exp + 7``, saturate to the
  accumulator;
* synaptic variable: ``var << ACC_SHIFT`` plus the products, saturated, then
  stochastic rounding to a multiple of ``ROUND_DIV`` with ONE uniform random number
  per epoch shared by all synapses and all three variables;
* traces: stochastic decay ``floor(x * exp(-1/tau)) + (rand < frac)`` with one
  random number per epoch and trace group.
"""
from __future__ import annotations

# -- factor widths (bits, used to size the product shift) --------------------
W_TRACE = 7            # x1, x2, y1, y2, y3
W_WEIGHTS_S = 9        # w, signed
W_TAG_2_S = 9          # d, used signed-width in products
W_TAG_1_S = 9          # t, signed
W_CONST = 8            # bare constant factor
W_MANT = 4             # scaling mantissa
W_ACC_U = 15           # accumulator magnitude bits (+ sign)
W_SYN_VAR_U = 8        # magnitude bits of w, d, t

FACTOR_WIDTH = {"x0": 1, "y0": 1, "x1": W_TRACE, "x2": W_TRACE, "y1": W_TRACE,
                "y2": W_TRACE, "y3": W_TRACE, "w": W_WEIGHTS_S, "d": W_TAG_2_S,
                "t": W_TAG_1_S, "C": W_CONST}

# -- accumulator ---------------------------------------------------------------
ACC_SHIFT = 16 - 9                     # var -> accumulator units (left shift)
ROUND_SHIFT = W_ACC_U - W_SYN_VAR_U    # log2(ROUND_DIV)
ROUND_DIV = 2 ** ROUND_SHIFT           # 128: stochastic rounding granularity
ACC_MIN = -(2 ** W_ACC_U) - 1          # -32769 (Lava's clip bounds, verbatim)
ACC_MAX = 2 ** W_ACC_U - 1             # 32767
EXP_OFFSET = 7                         # stored exponent = user exponent + 7

# -- scaling constants ---------------------------------------------------------
MANT_MIN, MANT_MAX = -8, 7
EXP_MIN, EXP_MAX = -7, 8               # user exponent, value = mant * 2**exp

# -- ranges of states after saturation ----------------------------------------
W_MIN, W_MAX = -256, 255               # weights (MIXED sign mode, 8 bits + sign)
T_MIN, T_MAX = -257, 255               # tag_1 (Lava clips at -(2**8)-1)
D_MIN, D_MAX = 0, 255                  # tag_2
X_MAX = 2 ** W_TRACE - 1               # 127, x1 after OVERWRITE + clip
Y_MIN, Y_MAX = -128, 127               # third factors sent by the post unit (bap off)
PAYLOAD_MAX = 2 * X_MAX                # largest graded payload we send (x1 = p/2)

# -- random streams --------------------------------------------------------------
CONN_VAR_SEED = 2                      # ConnVarRandom() default seed, rng_seed ignored
TRACE_TAU_INF = 2 ** 40                # "no decay" trace time constant (decay is stochastic)
RANDOM_ADVANCES_PER_STEP = 2           # TraceRandom.advance() calls per time step

INT32_MAX = 2 ** 31 - 1

# -- ports and messages of the project's processes ------------------------------
MSG_BITS = 24                          # graded payloads and dendritic sums (a_out)
THIRD_FACTOR_BITS = 8                  # y1..y3 sent by post units (-128..127)
CODE_BITS = 8                          # activity / error codes kept by units (H, E)
BAP_BITS = 1                           # back-propagating action potential flag
WEIGHT_BITS = 8                        # num_weight_bits of every connection (+ sign)


def product_shift(factors) -> int:
    """Right shift (bits) Lava applies to a product of the named factors."""
    width = sum(FACTOR_WIDTH[f] for f in factors) + W_MANT
    return max(0, width - W_ACC_U)


def factor_clip(name: str) -> tuple[int, int]:
    """Saturation Lava applies to a factor value (after adding its constant)."""
    w = FACTOR_WIDTH[name]
    return -(2 ** w), 2 ** w - 1

# -- LearningDense (Lava's full fixed-point model, lava_bioadam.golden.loihi_dense) --
W_TRACE_FRAC = 8                       # fractional bits of a trace impulse
IMPULSE_RAND_MAX = 2 ** W_TRACE        # impulse-addition random numbers: ints 0..127
TRACE_SEED_OFFSETS = {"x_decay": 0, "x_impulse": 1, "y_decay": 2, "y_impulse": 3}
Y_TAU_3F = 2 ** 16 - 1                 # y1..y3 taus a three-factor rule fixes (uint16 max)
SIGN_MODES = ("mixed", "excitatory", "inhibitory")
GRADED_CFGS = ("use_regular_impulse", "overwrite", "add_with_saturation",
               "add_without_saturation")

# -- neuron microcode of the fixed_pt units (integers only) -----------------------
# Every state a unit keeps, and every intermediate value of its step, is an integer
# of the width named here; products are formed in NEURON_PRODUCT_BITS and the
# constants are chosen so that they fit (lava_bioadam.rules.units checks this).
NEURON_ACC_BITS = MSG_BITS             # dendritic accumulator A (signed), as received
NEURON_ACC_MAX = 2 ** (NEURON_ACC_BITS - 1) - 1   # its largest magnitude
NEURON_PRODUCT_BITS = 32               # a unit's multiplier output (signed)
NEURON_MANT_BITS = 8                   # unsigned mantissa of a decode constant (128..255)
NEURON_SHIFT_MAX = 24                  # largest right shift of a decode constant
# output unit: softmax(z) - onehot without exp or division
SOFTMAX_EXP_FRAC = 5                   # fractional bits of the base-2 exponent x
SOFTMAX_ONE_BITS = 12                  # 2^-x table in units of 2^-12 (13-bit entries)
SOFTMAX_SUM_BITS = 24                  # sum of the 2^-x terms (unsigned)
SOFTMAX_NORM_BITS = 11                 # the sum, normalised, has 12 bits: 2^11..2^12-1
SOFTMAX_RECIP_INDEX = 5                # reciprocal table: 5 bits after the leading one
SOFTMAX_P_BITS = 12                    # probabilities in units of 2^-12
# N2 units: running mean square of a code and the code divided by its RMS
NORM_MS_FRAC = 8                       # fractional bits of the mean square s (even: sqrt)
NORM_TAU_SHIFT_MAX = 12                # tau_n = 2^k samples, k <= 12
NORM_CODE_MAX = 16                     # normalised signals are coded over +-16 (7 bits)
