"""Integer constants of the fixed-point units, derived from the encodings.

A unit receives a dendritic sum ``A`` in the units of its input connection and
codes activities and errors in the units of the connections it feeds; each such
change of units is one decode constant ``mant * 2**-shift``
(:func:`lava_bioadam.engine.neuron.decode_constant`). Every input is clipped
before its multiply to the range beyond which the result saturates anyway, so
every product fits ``NEURON_PRODUCT_BITS``. ``lava_bioadam.codes`` runs the units
from these constants.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from lava_bioadam.engine import neuron
from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError
from lava_bioadam.rules.n2 import N_SCALE, tau_n_shift

CODE_MAX = widths.X_MAX                       # 127: largest |H|, |E|
PRODUCT_MAX = 2 ** (widths.NEURON_PRODUCT_BITS - 1) - 1


class _UnitConstants:
    """A population's integer constants, as keyword arguments of its Lava model."""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class HiddenCode(_UnitConstants):
    """Constants of a hidden population (all integers).

    ``a_one``: accumulator value of pre-activation 1 (``2 w_scale h_scale`` of the
    input connection, rounded): the clipped ReLU saturates there and its gate is
    open for ``0 < A < a_one``. ``h_mant, h_shift``: ``A`` -> activity code ``H``.
    ``fb_max``: feedback sums beyond ``+-fb_max`` saturate the error code.
    ``e_mant, e_shift``: feedback sum -> error code ``E``.
    """

    a_one: int
    h_mant: int
    h_shift: int
    fb_max: int
    e_mant: int
    e_shift: int


@dataclass(frozen=True)
class OutputCode(_UnitConstants):
    """Constants of the output population (all integers).

    ``d_cap``: accumulator distances from the largest input beyond which a unit's
    ``2**-x`` is 0. ``x_mant, x_shift``: distance -> base-2 exponent ``x`` in units
    of ``2**-SOFTMAX_EXP_FRAC`` (``log2(e) / (2 w_scale h_scale)``).
    ``e_mant, e_shift``: ``softmax - onehot`` in units of ``2**-SOFTMAX_P_BITS`` ->
    error code ``E``.
    """

    d_cap: int
    x_mant: int
    x_shift: int
    e_mant: int
    e_shift: int


@dataclass(frozen=True)
class NormCode(_UnitConstants):
    """Constants of a population's normaliser (rule family ``n2``).

    ``k``: the mean square runs over ``2**k`` samples; ``eps``: the floor added to
    the RMS (units of the signal); ``eps_q``: it in units of ``2**-(MS_FRAC/2)``
    code; ``mant, shift``: normalised codes per ``code / den`` unit (``N_SCALE
    2**(MS_FRAC/2)``). The integer units use ``k``, ``eps_q``, ``mant``, ``shift``;
    the float units ``k`` and ``eps`` with their encoding's scales.
    """

    k: int
    eps: float
    eps_q: int
    mant: int
    shift: int


def norm_code(eps: float, tau_n: float, code_scale: float, name: str) -> NormCode:
    """Normaliser constants of a population whose codes have ``code_scale`` per unit
    of signal."""
    half = 2 ** (widths.NORM_MS_FRAC // 2)
    eps_q = round(eps * code_scale * half)
    if eps_q < 1:
        raise RuleError(f"{name}: eps={eps:.3g} is below the normaliser's resolution "
                        f"(1/{code_scale * half:.0f} of the signal's unit); raise eps")
    if eps_q + half * widths.X_MAX >= 2 ** widths.SOFTMAX_SUM_BITS:
        raise RuleError(f"{name}: eps={eps:.3g} exceeds the normaliser's range")
    mant, shift = neuron.decode_constant(N_SCALE * half, f"{name} normalised code")
    return NormCode(tau_n_shift(tau_n), float(eps), int(eps_q), mant, shift)


def _cap(top: int, mant: int, shift: int) -> int:
    """Smallest input whose decode ``mul_shift(., mant, shift)`` reaches ``top``."""
    return math.ceil((top - 0.5) * 2 ** shift / mant)


def _check_fits(name: str, x_max: int, mant: int, shift: int) -> None:
    if x_max * mant + (1 << shift) > PRODUCT_MAX:
        raise RuleError(f"{name}: the product of {x_max} and {mant} does not fit "
                        f"{widths.NEURON_PRODUCT_BITS} bits")


def hidden_code(enc_in, enc_out, name: str = "hidden") -> HiddenCode:
    """Constants of a hidden population between the forward connection ``enc_in``
    (``W_l``, also ``B_l``) and ``enc_out`` (``W_{l+1}``, ``B_{l+1}``)."""
    den_fwd = 2.0 * enc_in.w_scale * enc_in.h_scale
    a_one = int(round(den_fwd))
    if not 1 <= a_one <= widths.NEURON_ACC_MAX:
        raise RuleError(f"{name}: pre-activation 1 is {den_fwd:.4g} accumulator units, "
                        f"outside 1..2^{widths.NEURON_ACC_BITS - 1}")
    h_mant, h_shift = neuron.decode_constant(enc_out.h_scale / den_fwd, f"{name} activity")
    _check_fits(f"{name} activity", a_one, h_mant, h_shift)
    e_mant, e_shift = neuron.decode_constant(
        enc_in.e_scale / (2.0 * enc_out.w_scale * enc_out.e_scale), f"{name} error")
    fb_max = min(_cap(CODE_MAX + 1, e_mant, e_shift), widths.NEURON_ACC_MAX)
    _check_fits(f"{name} error", fb_max, e_mant, e_shift)
    return HiddenCode(a_one, h_mant, h_shift, fb_max, e_mant, e_shift)


def output_code(enc, n: int, name: str = "output") -> OutputCode:
    """Constants of an output population of ``n`` units after the forward
    connection ``enc``."""
    if not 1 <= n <= neuron.MAX_OUTPUTS:
        raise RuleError(f"{name}: {n} output units; the softmax sum fits "
                        f"{widths.SOFTMAX_SUM_BITS} bits for at most {neuron.MAX_OUTPUTS}")
    den = 2.0 * enc.w_scale * enc.h_scale
    x_mant, x_shift = neuron.decode_constant(math.log2(math.e) * 2 ** widths.SOFTMAX_EXP_FRAC / den,
                                             f"{name} exponent")
    d_cap = min(_cap(neuron.X_CAP, x_mant, x_shift), widths.NEURON_ACC_MAX)
    _check_fits(f"{name} exponent", d_cap, x_mant, x_shift)
    e_mant, e_shift = neuron.decode_constant(enc.e_scale / 2 ** widths.SOFTMAX_P_BITS,
                                             f"{name} error")
    _check_fits(f"{name} error", 2 ** widths.SOFTMAX_P_BITS, e_mant, e_shift)
    return OutputCode(d_cap, x_mant, x_shift, e_mant, e_shift)
