"""Rule families ``momentum`` and ``sgd``: the non-adaptive baselines on the same
engine, schedule and encoding as N1, so that a comparison isolates the normaliser.

``momentum`` is the N1 rule with the normaliser frozen (no ``dd`` products,
``d = d0`` constant)::

    tau_m dm/dt = g - m                    first moment, in tag_1 ``t`` (as N1)
    dw/dt       = -eta r0 m - lam w        (r0 = d0 / d_scale, constant)

    dw = -c_wg u0 t d           (s=7)   -eta m r0
    dt = +c_tg x0 g+ - c_tg x0 g- - c_tm u0 t   (as N1)

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
from lava_bioadam.rules.layer import GRAD_FACTORS, Encoding, LayerRules, check_role
from lava_bioadam.rules.n1 import (X_SCALE, finish, predisposition, tag_constant,
                                   tag_products, weight_constant)
from lava_bioadam.rules.params import RuleParams


#: float/fixed scale exponent of the activity and error codes (as N1's, 127 -> ~2)
FLOAT_CODE_EXP = -6


def _error_scale(p: RuleParams) -> float:
    return widths.X_MAX / p.e_max


def build_momentum(p: RuleParams, role: str = "forward") -> LayerRules:
    """N1 with the normaliser frozen at ``r0``: momentum SGD, rate ``eta r0``."""
    check_role(role)
    notes = []
    pos, neg = GRAD_FACTORS[role]
    m_, e_, tau_m = quantize_time_constant("tau_m", p.tau_m)
    e_scale = _error_scale(p)
    mg, eg, t_scale = tag_constant(p, pos, e_scale, tau_m)
    d_scale = widths.D_MAX / p.r_full_scale
    d0 = int(round(min(p.r0 * d_scale, widths.D_MAX)))
    if d0 < 1:
        raise RuleError(f"rules.r0={p.r0:g} is coded as d = 0 (d_scale {d_scale:.3g}): raise "
                        f"r0 or r_max")
    mw, ew, w_scale = weight_constant(p, t_scale, d_scale, notes)
    prods = [Product("dw", "u0", ("t", "d"), -mw, ew, "-eta m r0")]
    lam, gain = predisposition(p, prods)
    prods += tag_products(pos, neg, mg, eg, m_, e_)
    effective = {"eta": p.eta, "tau_m": tau_m, "lam": lam, "r0": d0 / d_scale,
                 "e_max": widths.X_MAX / e_scale, "m_max": widths.T_MAX / t_scale,
                 "w_max": widths.W_MAX / w_scale}
    fixed = Encoding(h_scale=float(X_SCALE), e_scale=e_scale, t_scale=t_scale,
                     d_scale=d_scale, w_scale=w_scale, g_scale=float(gain))
    # no dd product: d is a constant, and nothing fixes the float scale of the
    # activity and error codes; use N1's (float h, e of about 2 at full scale)
    return finish(p, role, prods, fixed, effective, d0, notes, "momentum",
                  pins={"d": 0, "h": FLOAT_CODE_EXP})


def build_sgd(p: RuleParams, role: str = "forward") -> LayerRules:
    """Plain SGD: the momentum rule with ``tau_m = 1`` (the tag holds the last
    gradient, ``t = g``) and ``m_max = e_max`` (so the tag does not saturate)."""
    q = dataclasses.replace(p, tau_m=1.0, m_max=max(p.m_max, p.e_max))
    r = build_momentum(q, role)
    effective = {k: v for k, v in r.effective.items() if k not in ("tau_m", "m_max")}
    return dataclasses.replace(r, params=p, effective=effective, family="sgd")
