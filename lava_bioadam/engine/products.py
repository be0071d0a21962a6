"""One product of a sum-of-products rule and its bit budget on the engine.

Lava's fixed-point engine multiplies a product's constant mantissa and factors in
int32 (wrapping silently), shifts right by :func:`widths.product_shift`, left by
``exp + 7`` and saturates to the 16-bit accumulator. :meth:`Product.int32_max` and
:meth:`Product.acc_max` bound both; :func:`check_products` rejects a rule that can
wrap or saturate.
"""
from __future__ import annotations

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


def rule_string(products, target: str) -> str:
    """Lava rule string of the products of ``target`` ("dw", "dd", "dt"); "" if none."""
    s = " ".join(p.term() for p in products if p.target == target)
    return s[2:] if s.startswith("+ ") else s
