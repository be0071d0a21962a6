"""Rule families ``momentum`` and ``sgd``: the non-adaptive baselines on the same
engine, schedule and encoding as N1, so that a comparison isolates the normaliser.

``momentum`` is the N1 rule with the normaliser frozen at ``r0`` (no ``dd``
products)::

    tau_m dm/dt = g - m                    first moment, in tag_1 ``t`` (as N1)
    dw/dt       = -eta r0 m - lam w        (r0 constant)

    dw = -c_w u0 t              (s=0)   -eta r0 m
    dt = +c_tg x0 g+ - c_tg x0 g- - c_tm u0 t   (as N1)

The constant ``r0`` is folded into ``c_w``: a product of ``t`` alone has no shift,
so the weight update is exact (N1's ``t d`` product is shifted by 7 bits and
floors). ``tag_2`` keeps ``d0 = r0 d_scale`` and is never updated. Where
``eta r0`` is below the engine's smallest constant per tag unit (``2^-7``), the
rule keeps N1's form ``-c_wg u0 t d`` (shift 7) with ``d = d0``; so does
``rounding: floor``.

``sgd`` is the same rule with ``tau_m = 1``: the tag holds the gradient of the
sample, ``t = g``, and ``dw = -eta r0 g`` (one sample later, as every ``dw`` reads
the tag before its epoch). A direct ``dw = -c x0 x1 y1`` product cannot reach small
rates: its shift is only 3, so its smallest constant ``2^-7`` moves a weight by
about 16 units at full-scale ``g``.

The error code ``E = e_scale e`` has ``e_scale = 127 / e_max`` (N1 fixes it through
its ``dd`` product instead). ``eta`` here is the rate per unit ``r0``: the update is
``eta r0 m``, as N1 with ``r = r0``.
"""
from __future__ import annotations

import dataclasses

from lava_bioadam.engine import widths
from lava_bioadam.engine.constants import quantize_time_constant
from lava_bioadam.engine.products import Product
from lava_bioadam.errors import RuleError
from lava_bioadam.rules.layer import (GRAD_FACTORS, NORMALISED_SIGNAL, Encoding, LayerRules,
                                      check_role)
from lava_bioadam.rules.n1 import (X_SCALE, finish, predisposition, tag_constant,
                                   tag_products, weight_constant)
from lava_bioadam.rules.params import RuleParams


#: float/fixed scale exponent of the activity and error codes (as N1's, 127 -> ~2)
FLOAT_CODE_EXP = -6


def _error_scale(p: RuleParams) -> float:
    return widths.X_MAX / p.e_max


def build_momentum(p: RuleParams, role: str = "forward") -> LayerRules:
    """N1 with the normaliser frozen at ``r0``: momentum SGD, rate ``eta r0``."""
    return momentum_rules(p, role, "momentum")


def momentum_rules(p: RuleParams, role: str, family: str, n_scale: float = 0.0) -> LayerRules:
    """The momentum products and encodings of ``family``. ``n_scale > 0``: the units
    send every trace of the local product as a normalised code (``n_scale`` codes per
    unit of signal/RMS, both sides; ``p.e_max`` and ``p.m_max`` then in those units),
    and their own activity and error codes keep ``h_scale = 127`` and ``e_scale =
    127 / e_max`` of the raw signals."""
    check_role(role)
    notes = []
    pos, neg = GRAD_FACTORS[role]
    m_, e_, tau_m = quantize_time_constant("tau_m", p.tau_m)
    e_scale = _error_scale(p)
    if n_scale:
        mg, eg, t_scale = tag_constant(p, pos, n_scale, tau_m, n_scale)
    else:
        mg, eg, t_scale = tag_constant(p, pos, e_scale, tau_m)
    d_scale = widths.D_MAX / p.r_full_scale
    d0 = int(round(min(p.r0 * d_scale, widths.D_MAX)))
    if not p.r0 > 0:
        raise RuleError(f"rules.r0={p.r0:g}: the {p.rule} rule updates weights at rate "
                        f"eta r0; use r0 > 0")
    if (p.rounding != "floor"
            and p.eta * p.r0 * (widths.W_MAX / p.w_max) / t_scale >= 2.0 ** widths.EXP_MIN):
        # exact: r0 folded into the constant of a product of t alone (no shift)
        mw, ew, w_scale = weight_constant(p, t_scale / p.r0, 1.0, notes, ("t",))
        prods = [Product("dw", "u0", ("t",), -mw, ew, "-eta r0 m")]
        r0 = p.r0
        d0 = max(d0, 1)
        d_scale = d0 / r0          # tag_2 (unused by the products) reads r0 exactly
    else:
        # below the engine's smallest constant per t unit: t d0, shift 7 (floors)
        if d0 < 1:
            raise RuleError(f"rules.r0={p.r0:g} is coded as d = 0 (d_scale {d_scale:.3g}): "
                            f"raise r0 or r_max")
        mw, ew, w_scale = weight_constant(p, t_scale, d_scale, notes)
        prods = [Product("dw", "u0", ("t", "d"), -mw, ew, "-eta m r0")]
        r0 = d0 / d_scale
    lam, gain = predisposition(p, prods)
    tags = tag_products(pos, neg, mg, eg, m_, e_)
    prods += tags
    effective = {"eta": p.eta, "tau_m": tau_m, "lam": lam, "r0": r0,
                 "e_max": widths.X_MAX / e_scale, "m_max": widths.T_MAX / t_scale,
                 "w_max": widths.W_MAX / w_scale}
    fixed = Encoding(h_scale=float(X_SCALE), e_scale=e_scale, t_scale=t_scale,
                     d_scale=d_scale, w_scale=w_scale, g_scale=float(gain), n_scale=n_scale)
    # no dd product: d is a constant, and nothing fixes the float scale of the
    # activity and error codes; use N1's (float h, e of about 2 at full scale)
    pins = {"d": 0, "h": FLOAT_CODE_EXP}
    if not n_scale:
        return finish(p, role, prods, fixed, effective, d0, notes, family, pins=pins)
    # normalised codes reach NORM_CODE_MAX^2 = 256 RMS^2 (a rare input firing): far
    # beyond any useful tag range, so the tag's gradient products may saturate
    pins["n"] = FLOAT_CODE_EXP
    grads = [pr for pr in tags if pr.dep == "x0"]
    return finish(p, role, prods, fixed, effective, d0, notes, family, pins=pins,
                  signals=NORMALISED_SIGNAL[role], may_saturate=grads)


def build_sgd(p: RuleParams, role: str = "forward") -> LayerRules:
    """Plain SGD: the momentum rule with ``tau_m = 1`` (the tag holds the last
    gradient, ``t = g``) and ``m_max = e_max`` (so the tag does not saturate)."""
    q = dataclasses.replace(p, tau_m=1.0, m_max=max(p.m_max, p.e_max))
    r = build_momentum(q, role)
    effective = {k: v for k, v in r.effective.items() if k not in ("tau_m", "m_max")}
    return dataclasses.replace(r, params=p, effective=effective, family="sgd")
