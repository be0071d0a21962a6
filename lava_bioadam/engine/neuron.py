"""Integer building blocks of the fixed-point units: decode constants and the
output unit's softmax without an exponential or a division.

A unit decodes an integer input ``x`` into another unit system with a constant
``mant * 2**-shift`` (``mant`` an unsigned ``NEURON_MANT_BITS``-bit mantissa, like
``Dense``'s ``weight_exp`` on a weight): ``(x * mant + 2**(shift-1)) >> shift``,
one multiply, one add and one arithmetic shift (round half up). Widths live in
:mod:`lava_bioadam.engine.widths`.

The softmax of integer base-2 exponents ``x >= 0`` (units of ``2**-SOFTMAX_EXP_FRAC``,
``x_i`` the distance of unit ``i`` from the largest input) is computed as

1. ``u_i = EXP2[x_i & 31] >> (x_i >> 5)``: ``2**-x_i`` in units of ``2**-12``;
2. ``S = sum u_i`` (at least ``2**12``, the largest input contributes it);
3. leading one ``L`` of ``S``, ``Sn = S >> (L - 11)`` in ``2**11..2**12-1``;
4. ``r0 = RECIP[(Sn >> 6) - 32]``, one Newton step ``r = r0 (2**12 - Sn r0 / 2**11)``:
   ``r ~= 2**22 / Sn``;
5. ``p_i = u_i r >> (L + 11 - 12)`` (rounded): ``u_i / S`` in units of ``2**-12``.
"""
from __future__ import annotations

import math

import numpy as np

from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError

F = widths.SOFTMAX_EXP_FRAC
P = widths.SOFTMAX_ONE_BITS
N = widths.SOFTMAX_NORM_BITS
K = widths.SOFTMAX_RECIP_INDEX
Q = widths.SOFTMAX_P_BITS
#: exponent from which ``2**-x`` rounds to 0 in units of ``2**-P``
X_CAP = (P + 1) << F
#: ``2**-f/2**F`` in units of ``2**-P`` (``2**F`` entries, the first ``2**P``)
EXP2 = np.array([round(2.0 ** (P - f / 2 ** F)) for f in range(2 ** F)], dtype=np.int64)
#: ``2**2N / Sn`` at the middle of each of the ``2**K`` mantissa intervals
RECIP = np.array([round(2.0 ** (2 * N) / (2 ** N + (j + 0.5) * 2 ** (N - K)))
                  for j in range(2 ** K)], dtype=np.int64)
#: largest number of output units whose sum of ``2**-x`` terms fits SOFTMAX_SUM_BITS
MAX_OUTPUTS = (2 ** widths.SOFTMAX_SUM_BITS - 1) // 2 ** P


def decode_constant(ratio: float, name: str) -> tuple[int, int]:
    """``(mant, shift)`` with ``mant * 2**-shift`` nearest ``ratio`` (> 0),
    ``mant`` in ``2**(NEURON_MANT_BITS-1)..2**NEURON_MANT_BITS-1``; ``RuleError``
    naming ``name`` if the shift falls outside ``0..NEURON_SHIFT_MAX``."""
    if not ratio > 0 or not math.isfinite(ratio):
        raise RuleError(f"{name}: cannot decode with the constant {ratio!r}")
    shift = widths.NEURON_MANT_BITS - 1 - math.floor(math.log2(ratio))
    mant = round(ratio * 2.0 ** shift)
    if mant >= 2 ** widths.NEURON_MANT_BITS:
        mant, shift = mant // 2, shift - 1
    if not 0 <= shift <= widths.NEURON_SHIFT_MAX:
        raise RuleError(f"{name}: the constant {ratio:.4g} needs a shift of {shift}, "
                        f"outside 0..{widths.NEURON_SHIFT_MAX}")
    return int(mant), int(shift)


def mul_shift(x, mant: int, shift: int) -> np.ndarray:
    """``(x * mant + 2**(shift-1)) >> shift``: ``x mant 2**-shift`` rounded half up
    (int64 array)."""
    return (np.asarray(x, dtype=np.int64) * mant + ((1 << shift) >> 1)) >> shift


def saturate(x, bits: int) -> np.ndarray:
    """``x`` clipped to the signed ``bits``-bit range (int64 array)."""
    lim = 2 ** (bits - 1) - 1
    return np.clip(np.asarray(x, dtype=np.int64), -lim, lim)


def leading_one(s) -> np.ndarray:
    """Position of the highest set bit of positive ``s`` (< 2**SOFTMAX_SUM_BITS),
    by comparisons only."""
    s = np.asarray(s, dtype=np.int64)
    return ((s[..., None] >> np.arange(1, widths.SOFTMAX_SUM_BITS)) > 0).sum(axis=-1)


def reciprocal(x) -> tuple[np.ndarray, np.ndarray]:
    """``(r, lead)`` for positive integers ``x`` (< 2**SOFTMAX_SUM_BITS): ``lead`` the
    leading one of ``x``, ``r ~= 2**(2N) / xn`` where ``xn`` is ``x`` shifted to
    ``2**N..2**(N+1)-1`` (``N = SOFTMAX_NORM_BITS``), by a table and one Newton step;
    so ``1 / x ~= r 2**-(N + lead)``. Steps 3-4 of the softmax above."""
    x = np.asarray(x, dtype=np.int64)
    lead = leading_one(x)
    xn = np.where(lead >= N, x >> np.maximum(lead - N, 0), x << np.maximum(N - lead, 0))
    r0 = RECIP[(xn >> (N - K)) - 2 ** K]
    t = (xn * r0) >> N
    return (r0 * ((2 << N) - t) + (1 << (N - 1))) >> N, lead


def softmax_q(x) -> np.ndarray:
    """Softmax over the last axis of integer base-2 exponents ``x`` (``>= 0``,
    units of ``2**-F``, 0 at the largest input), in units of ``2**-Q`` (int64)."""
    x = np.minimum(np.asarray(x, dtype=np.int64), X_CAP)
    u = EXP2[x & (2 ** F - 1)] >> (x >> F)
    r, lead = reciprocal(u.sum(axis=-1, keepdims=True))
    sh = lead + N - Q
    return (u * r + ((1 << sh) >> 1)) >> sh


def approx_softmax(z) -> np.ndarray:
    """Float front end of :func:`softmax_q`: the same approximation of
    ``softmax(z)`` over the last axis of float ``z``, with the exponents
    ``x = round((max z - z) log2(e) 2**F)`` exact instead of decoded from an
    integer accumulator."""
    z = np.asarray(z, dtype=float)
    x = np.rint((z.max(axis=-1, keepdims=True) - z) * (math.log2(math.e) * 2 ** F))
    return softmax_q(np.minimum(x, X_CAP).astype(np.int64)) / 2.0 ** Q


# -- N2 units: a code divided by its own running RMS ---------------------------------
MS_FRAC = widths.NORM_MS_FRAC


def warmup_shift(n: int, k: int) -> int:
    """``min(ceil(log2 n), k)``: the right shift of the ``n``-th mean-square update
    (``n >= 1``) over ``2**k`` samples (:func:`mean_square_update`)."""
    return min((int(n) - 1).bit_length(), int(k))


def mean_square_update(s, c, n: int, k: int) -> np.ndarray:
    """Running mean square of codes ``c`` after the ``n``-th update (``n >= 1``):
    ``s + ((c**2 << MS_FRAC) - s) / 2**j`` (rounded half up), ``j = min(ceil(log2 n),
    k)``: the mean of the samples so far while ``n <= 2**k`` (approximately: the
    weight of the newest sample is ``2**-ceil(log2 n)`` rather than ``1/n``), then an
    exponential average over ``2**k`` samples. ``s`` in units of ``2**-MS_FRAC``
    code**2 (int64)."""
    j = warmup_shift(n, k)
    s = np.asarray(s, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    return s + ((((c * c) << MS_FRAC) - s + ((1 << j) >> 1)) >> j)


def isqrt(s) -> np.ndarray:
    """``floor(sqrt(s))`` of integers ``0 <= s < 2**(2 * 16)``, bit by bit (int64)."""
    s = np.asarray(s, dtype=np.int64)
    r = np.zeros_like(s)
    for b in range(15, -1, -1):
        t = r | (1 << b)
        r = np.where(t * t <= s, t, r)
    return r


def normalised_code(c, s, eps_q: int, mant: int, shift: int) -> np.ndarray:
    """``c / (sqrt(s) + eps)`` as a 7-bit code: ``den = isqrt(s) + eps_q`` (units of
    ``2**-(MS_FRAC/2)`` code, ``eps_q >= 1``), ``(c mant r) >> (N + lead + shift)``
    rounded half up with ``(r, lead) = reciprocal(den)``, clipped to ``+-X_MAX``,
    and at least 1 in magnitude where ``c != 0`` (a zero payload is no spike).
    ``mant 2**-shift``: output codes per ``c / den`` unit, i.e. ``Q 2**(MS_FRAC/2)``
    for ``Q`` codes per unit of the normalised signal. int32."""
    c = np.asarray(c, dtype=np.int64)
    r, lead = reciprocal(np.asarray(isqrt(s), dtype=np.int64) + int(eps_q))
    sh = N + lead + int(shift)
    v = (c * int(mant) * r + ((1 << sh) >> 1)) >> sh
    v = np.clip(v, -widths.X_MAX, widths.X_MAX)
    v = np.where((v == 0) & (c != 0), np.sign(c), v)
    return v.astype(np.int32)
