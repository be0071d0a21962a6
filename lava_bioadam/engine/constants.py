"""Scaling constants ``mant * 2**exp`` of the learning engine.

A product's constant has a mantissa in ``MANT_MIN..MANT_MAX`` and an exponent in
``EXP_MIN..EXP_MAX`` (:mod:`lava_bioadam.engine.widths`); the smallest positive
per-epoch rate is ``2**-7``. :func:`quantize` picks a representable constant for a
physical rate; :func:`quantize_gain` a rate that a product with a constant gain
factor (a third factor ``y3 = G`` sent by the post unit) reaches below ``2**-7``.
"""
from __future__ import annotations

import math

from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError


def _candidates():
    for e in range(widths.EXP_MIN, widths.EXP_MAX + 1):
        for m in range(1, widths.MANT_MAX + 1):
            yield m * 2.0 ** e, m, e


def quantize(value: float, mode: str = "nearest") -> tuple[int, int]:
    """Positive ``value`` as ``(mant, exp)`` with ``mant*2**exp`` representable.

    mode: ``nearest`` (in log scale), ``floor`` (largest <= value) or ``ceil``
    (smallest >= value). Raises ``RuleError`` if nothing fits.
    """
    if not value > 0 or not math.isfinite(value):
        raise RuleError(f"cannot represent {value!r} as mantissa*2^exp")
    cands = sorted(_candidates())
    if mode == "floor":
        ok = [c for c in cands if c[0] <= value * (1 + 1e-12)]
        if not ok:
            raise RuleError(f"{value:.3g} is below the smallest scaling constant 2^-7")
        v, m, e = ok[-1]
    elif mode == "ceil":
        ok = [c for c in cands if c[0] >= value * (1 - 1e-12)]
        if not ok:
            raise RuleError(f"{value:.3g} is above the largest scaling constant 7*2^8")
        v, m, e = ok[0]
    else:
        v, m, e = min(cands, key=lambda c: (abs(math.log(c[0] / value)), c[2]))
    while m % 2 == 0 and e < widths.EXP_MAX:   # canonical: odd mantissa
        m, e = m // 2, e + 1
    return m, e


#: right shift of a product of one synaptic variable and one trace (9 + 7 + 4 - 15)
GAIN_SHIFT = widths.W_WEIGHTS_S + widths.W_TRACE + widths.W_MANT - widths.W_ACC_U


def quantize_gain(rate: float, name: str = "lam") -> tuple[int, int, float]:
    """Rate of a product ``2^exp * var * y3`` with a constant gain ``y3 = G`` in
    1..127: ``(exp, G, represented rate)``, rate ``= 2^exp G / 2^GAIN_SHIFT``.

    Reaches rates below the engine's ``2^-7`` per epoch (down to ``2^-12``); the
    largest ``G`` within 2 % gives the finest resolution. ``G`` a multiple of
    ``2^GAIN_SHIFT`` makes the product exact; otherwise the shift floors it (at most
    one accumulator unit, 1/128 state unit, per epoch)."""
    best = None
    for exp in range(widths.EXP_MIN, widths.EXP_MAX + 1):
        G = int(round(rate * 2 ** GAIN_SHIFT / 2.0 ** exp))
        if 1 <= G <= widths.X_MAX:
            got = 2.0 ** exp * G / 2 ** GAIN_SHIFT
            key = (abs(got / rate - 1) > 0.02, -G)
            if best is None or key < best[0]:
                best = (key, exp, G, got)
    if best is None:
        raise RuleError(f"rules.{name}={rate:.3g} per sample is outside the representable "
                        f"range {2.0 ** (widths.EXP_MIN - GAIN_SHIFT):.3g}..."
                        f"{widths.X_MAX * 2.0 ** (widths.EXP_MAX - GAIN_SHIFT):.3g}")
    return best[1], best[2], best[3]


#: largest relative error accepted between a physical constant and its representation
QUANT_TOL = 0.25


def check_tolerance(name: str, want: float, got: float) -> None:
    """``RuleError`` if the represented ``got`` is more than ``QUANT_TOL`` off ``want``."""
    if abs(got / want - 1.0) > QUANT_TOL:
        raise RuleError(
            f"rules.{name}={want:.4g} is not representable: nearest per-sample constant "
            f"gives {got:.4g} (constants are mant*2^exp, mant 1..7, exp -7..8, so the "
            f"smallest rate is 2^-7 per sample); choose a value near {got:.4g}")


def quantize_time_constant(name: str, tau: float) -> tuple[int, int, float]:
    """Decay rate ``1/tau`` per sample as ``mant * 2^exp``: ``(mant, exp, represented
    tau)``; ``RuleError`` (naming ``rules.<name>``) if it is more than ``QUANT_TOL``
    off."""
    m, e = quantize(1.0 / tau)
    got = 1.0 / (m * 2.0 ** e)
    check_tolerance(name, tau, got)
    return m, e, got
