"""One product of a sum-of-products rule and its bit budget on the engine.

Lava's fixed-point engine multiplies a product's constant mantissa and factors in
int32 (wrapping silently), shifts right by :func:`widths.product_shift`, left by
``exp + 7`` and saturates to the 16-bit accumulator. :meth:`Product.int32_max` and
:meth:`Product.acc_max` bound both; :func:`check_products` rejects a rule that can
wrap or saturate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError

#: value range of each factor as the engine sees it (after the units' own clipping)
FACTOR_RANGE = {"x1": (0, widths.X_MAX), "x2": (0, widths.X_MAX),
                "y1": (widths.Y_MIN, widths.Y_MAX), "y2": (0, widths.Y_MAX),
                "y3": (widths.Y_MIN, widths.Y_MAX), "t": (widths.T_MIN, widths.T_MAX),
                "d": (widths.D_MIN, widths.D_MAX), "w": (widths.W_MIN, widths.W_MAX)}


@dataclass(frozen=True)
class Product:
    """One product of a rule: ``mant * 2^exp * dep * factors`` (``mant`` signed)."""

    target: str            # "dw", "dt" or "dd"
    dep: str               # "x0" or "u0"
    factors: tuple         # names, e.g. ("x1", "y1")
    mant: int              # signed mantissa, -8..7
    exp: int               # user exponent, -7..8
    meaning: str = ""
    fixed_only: bool = False  # a rounding compensation: fixed_pt rule strings only

    @property
    def coef(self) -> float:
        return self.mant * 2.0 ** self.exp

    @property
    def shift(self) -> int:
        return widths.product_shift(self.factors)

    def term(self) -> str:
        """Lava string of this product, with its sign in front."""
        sign = "-" if self.mant < 0 else "+"
        parts = [] if abs(self.mant) == 1 else [str(abs(self.mant))]
        parts.append(f"2^{self.exp}")
        parts.append(self.dep)
        parts.extend(self.factors)
        return f"{sign} " + " * ".join(parts)

    def width(self) -> int:
        """Sum of the factor widths plus the mantissa's (bits)."""
        return sum(widths.FACTOR_WIDTH[f] for f in self.factors) + widths.W_MANT

    def int32_max(self) -> int:
        """Largest |int32 product| before Lava's shift."""
        v = abs(self.mant)
        for f in self.factors:
            lo, hi = FACTOR_RANGE[f]
            v *= max(abs(lo), abs(hi))
        return v

    def acc_max(self) -> int:
        """Largest |contribution| in accumulator units (1/128 of a state unit)."""
        return (self.int32_max() >> self.shift) << (self.exp + widths.EXP_OFFSET)


def finest(pr: Product) -> Product:
    """The same product with the same constant value written with the largest
    mantissa (``|mant| <= 7``, int32 product within range) and the smallest exponent.

    Lava floors a product at ``2^(exp + 7)`` accumulator units (its shift comes
    before the exponent), so ``4 * 2^-6`` loses at most 2 units where ``2^-4`` loses
    up to 8: the same rate with a quarter of the truncation. Products without a
    shift are exact and stay as they are."""
    if pr.shift == 0:
        return pr
    m, e = int(pr.mant), int(pr.exp)
    while (e > widths.EXP_MIN and abs(2 * m) <= widths.MANT_MAX
           and Product(pr.target, pr.dep, pr.factors, 2 * m, e - 1).int32_max()
           <= widths.INT32_MAX):
        m, e = 2 * m, e - 1
    return pr if m == pr.mant else Product(pr.target, pr.dep, pr.factors, m, e, pr.meaning,
                                           pr.fixed_only)


def _twos(n: int) -> int:
    """Number of trailing zero bits of the integer ``n != 0``."""
    n, k = abs(int(n)), 0
    while n % 2 == 0:
        n, k = n // 2, k + 1
    return k


def floor_loss(pr: Product, constants: dict | None = None) -> float:
    """Expected truncation of ``pr`` (accumulator units, >= 0) on an update where its
    factors are nonzero, with the fraction the shift discards spread uniformly over
    the values the int32 product can take: ``(1 - 2^-b) / 2`` of the product's unit
    ``2^(exp + 7)``, where ``b`` bits below that unit are not always zero.
    ``constants``: factors with a fixed value (e.g. ``{"y3": G}``), whose trailing
    zero bits count like the mantissa's."""
    known = int(pr.mant)
    for f in pr.factors:
        if constants and f in constants:
            known *= int(constants[f])
    bits = pr.shift - _twos(known) if known else 0
    if bits <= 0:
        return 0.0
    return (1.0 - 2.0 ** -bits) / 2 * 2.0 ** (pr.exp + widths.EXP_OFFSET)


def compensation(prods, target: str, constants: dict | None = None) -> Product | None:
    """The constant ``u0`` product that returns, on average, what Lava's floor takes
    from the ``u0`` products of ``target``: their :func:`floor_loss` summed and
    rounded to whole accumulator units (ties down), or None if that is 0. It is a
    fixed-point correction (``fixed_only``): the floating_pt engine does not floor."""
    loss = sum(floor_loss(pr, constants) for pr in prods
               if pr.target == target and pr.dep == "u0" and not pr.fixed_only)
    units = math.ceil(loss - 0.5)
    if units < 1:
        return None
    m, e = units, widths.EXP_MIN
    while m > widths.MANT_MAX and m % 2 == 0:
        m, e = m // 2, e + 1
    if m > widths.MANT_MAX:
        m, e = (m + 1) // 2, e + 1
    return Product(target, "u0", (), m, e,
                   f"+{m * 2 ** (e - widths.EXP_MIN)} accumulator units: rounding compensation "
                   f"of the floored products", fixed_only=True)


def check_products(prods, may_saturate=()) -> None:
    """Reject products that can wrap Lava's int32 product or saturate the accumulator
    (except those in ``may_saturate``, whose saturation is part of a rule's design)."""
    for pr in prods:
        if pr.int32_max() > widths.INT32_MAX:
            raise RuleError(f"{pr.target} product '{pr.term()}' can overflow Lava's int32 "
                            f"product ({pr.int32_max()} > 2^31-1)")
        if pr.acc_max() > widths.ACC_MAX and pr not in may_saturate:
            raise RuleError(
                f"{pr.target} product '{pr.term()}' can saturate the 16-bit accumulator "
                f"(up to {pr.acc_max()} > {widths.ACC_MAX} units, i.e. more than 256 state "
                f"units per sample): lower the rate or widen m_max / r_max / w_max")


def rule_string(products, target: str, precision: str = "fixed") -> str:
    """Lava rule string of the products of ``target`` ("dw", "dd", "dt"); "" if none.
    ``precision`` ``float`` leaves out the fixed-point rounding compensations."""
    s = " ".join(p.term() for p in products if p.target == target
                 and not (precision == "float" and getattr(p, "fixed_only", False)))
    return s[2:] if s.startswith("+ ") else s
