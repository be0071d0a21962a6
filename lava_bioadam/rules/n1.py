"""Rule family N1: synaptic Adam with the synaptic-homeostasis normaliser.

Physics (time unit: one sample; ``g = e h`` the local gradient)::

    tau_m dm/dt = g - m                    first moment, in tag_1 ``t``
    tau_r dr/dt = 1 - r (|g| + eps)        normaliser (linear form), in tag_2 ``d``
    dw/dt       = -eta m r - lam w         weight (``lam`` on twins only)

Products (``s`` = Lava's product shift, :func:`engine.widths.product_shift`;
``g+``/``g-`` the non-negative parts of ``g`` as the role sees them, e.g.
``x1 y1``/``x1 y2`` for a forward twin)::

    dw = -c_wg u0 t d           (s=7)   -eta m r
         -2^e_l u0 w y3         (s=5)   -lam w  (y3 = G, only if lam > 0)
    dd = +c_dc u0               (s=0)   +1/tau_r
         -c_dg x0 g+ d          (s=12)  -r g+ / tau_r
         -c_dg x0 g- d          (s=12)  -r g- / tau_r
         -c_de u0 d             (s=0)   -eps r / tau_r  (eps/tau_r >= 0.8 2^-7)
         -c_de u0 d y3          (s=5)   -eps r / tau_r  (below: y3 = G, see eps_product)
    dt = +c_tg x0 g+            (s=3)   +g+ / tau_m
         -c_tg x0 g-            (s=3)   -g- / tau_m
         -c_tm u0 t             (s=0)   -m / tau_m

Every gradient product is a product of non-negative magnitudes with the same
widths in both twins, so forward and feedback twins floor identically and their
tags evolve bit-identically (transposed).
"""
from __future__ import annotations

from lava_bioadam.engine import widths
from lava_bioadam.engine.constants import (GAIN_SHIFT, QUANT_TOL, check_tolerance, quantize,
                                            quantize_gain, quantize_time_constant)
from lava_bioadam.engine.products import Product, check_products, compensation, finest
from lava_bioadam.errors import RuleError
from lava_bioadam.rules.layer import (GRAD_FACTORS, SIGNAL, Encoding, LayerRules,
                                      check_role, float_scale_exponents)
from lava_bioadam.rules.params import RuleParams

X_SCALE = widths.X_MAX          # H = round(127 h)


def build_n1(p: RuleParams, role: str = "forward") -> LayerRules:
    """Constants, encodings and effective values of the N1 rule for one twin role,
    in the form ``p.form`` (``linear`` or ``multiplicative``)."""
    check_role(role)
    if p.form == "multiplicative":
        return build_n1_multiplicative(p, role)
    notes = []
    pos, neg = GRAD_FACTORS[role]
    # --- first moment m in t, error code E -------------------------------------
    m_, e_, tau_m = quantize_time_constant("tau_m", p.tau_m)
    # the |g| product of dd fixes the error code: c_dg * 127 * e_scale / 2^s = 1/tau_r
    s_dg = widths.product_shift(pos + ("d",))
    bound = 2 ** s_dg * p.e_max / (X_SCALE * widths.X_MAX * p.tau_r)
    md, ed = quantize(bound, "ceil")
    e_scale = 2 ** s_dg / (md * 2.0 ** ed * X_SCALE * p.tau_r)
    if e_scale * p.e_max < 8:
        notes.append(f"|e| is coded on only {e_scale * p.e_max:.1f} levels "
                     f"(tau_r={p.tau_r} is long); g is coarse")
    tau_r = p.tau_r
    mg, eg, t_scale = tag_constant(p, pos, e_scale, tau_m)
    # --- normaliser r in d ------------------------------------------------------
    mc, ec = quantize(widths.D_MAX / p.r_full_scale / tau_r, "floor")
    d_scale = mc * 2.0 ** ec * tau_r
    mw, ew, w_scale = weight_constant(p, t_scale, d_scale, notes)
    prods = [Product("dw", "u0", ("t", "d"), -mw, ew, "-eta m r")]
    lam, gain = predisposition(p, prods)
    eps_prod, eps, gain = eps_product(p, tau_r, gain)
    prods += [
        Product("dd", "u0", (), mc, ec, "+1/tau_r"),
        Product("dd", "x0", pos + ("d",), -md, ed, "-r g+ / tau_r"),
        Product("dd", "x0", neg + ("d",), -md, ed, "-r g- / tau_r"),
        eps_prod,
    ] + tag_products(pos, neg, mg, eg, m_, e_)
    d0 = int(round(min(p.r0 * d_scale, widths.D_MAX)))
    effective = {"eta": p.eta, "tau_m": tau_m, "tau_r": tau_r, "eps": eps, "lam": lam,
                 "r0": d0 / d_scale, "e_max": widths.X_MAX / e_scale,
                 "m_max": widths.T_MAX / t_scale, "r_max": widths.D_MAX / d_scale,
                 "w_max": widths.W_MAX / w_scale}
    fixed = Encoding(h_scale=float(X_SCALE), e_scale=e_scale, t_scale=t_scale,
                     d_scale=d_scale, w_scale=w_scale, g_scale=float(gain))
    return finish(p, role, prods, fixed, effective, d0, notes, "n1")


def tag_constant(p: RuleParams, pos: tuple, e_scale: float, tau_m: float,
                 h_scale: float = X_SCALE):
    """Constant of ``+g+/tau_m`` and the tag scale it implies: ``(mant, exp, t_scale)``
    for traces of ``h_scale`` (presynaptic) and ``e_scale`` (postsynaptic) codes per
    unit of their signals."""
    s_tg = widths.product_shift(pos)
    t_target = widths.T_MAX / p.m_max
    mg, eg = quantize(2 ** s_tg * t_target / (h_scale * e_scale * tau_m), "floor")
    t_scale = mg * 2.0 ** eg * h_scale * e_scale * tau_m / 2 ** s_tg
    return mg, eg, t_scale


def tag_products(pos, neg, mg: int, eg: int, m_: int, e_: int) -> list:
    """The ``dt`` products: the first moment of ``g = g+ - g-`` with rate ``1/tau_m``.

    At ``1/tau_m = 1`` the decay ``-u0 t`` alone could exceed the accumulator at
    ``t = -257``; it is then written as two products of half the rate (the
    accumulator saturates after each product, and each half fits), and it comes
    first: the tag is replaced by the new gradient, and a gradient product added to
    a full old tag would saturate the accumulator before the decay removes the old
    tag (leaving a tag near 0 instead of the gradient). Slower decays keep the
    gradient products first."""
    grads = [Product("dt", "x0", pos, mg, eg, "+g+ / tau_m"),
             Product("dt", "x0", neg, -mg, eg, "-g- / tau_m")]
    decay = Product("dt", "u0", ("t",), -m_, e_, "-m / tau_m")
    if decay.acc_max() > widths.ACC_MAX and m_ == 1:
        half = Product("dt", "u0", ("t",), -1, e_ - 1, "-m / tau_m (half)")
        return [half, half] + grads
    return grads + [decay]


def predisposition(p: RuleParams, prods: list) -> tuple[float, int]:
    """Append ``-lam w`` as ``-2^e u0 w y3`` (gain ``y3 = G``) if ``p.lam > 0``;
    returns ``(represented lam, G)``."""
    if p.lam <= 0:
        return 0.0, 0
    el, gain, lam = quantize_gain(p.lam)
    check_tolerance("lam", p.lam, lam)
    prods.append(Product("dw", "u0", ("w", "y3"), -1, el,
                         f"-lam w (predisposition, y3 = G = {gain})"))
    return lam, gain


def eps_product(p: RuleParams, tau_r: float, gain: int) -> tuple[Product, float, int]:
    """The ``-eps r / tau_r`` product and ``(product, represented eps, G)``.

    Where ``eps / tau_r`` is within tolerance of ``2^-7`` or above, it is ``-c u0 d``
    (shift 0). Below the engine's smallest rate it goes through the constant third
    factor ``y3 = G``: ``-c u0 d y3`` (shift 5), rate ``c G / 2^5``, down to
    ``2^-12`` per sample. ``G``
    is the predisposition gain ``gain`` when ``lam > 0`` (shared by both products),
    else chosen here. The shift floors ``c d G / 2^5``: at most one accumulator
    unit (1/128 of a ``d`` unit) less decay per sample, relatively largest at small
    ``d``, where ``|g|`` dominates ``eps`` anyway."""
    rate = p.eps / tau_r
    if rate * (1 + QUANT_TOL) >= 2.0 ** widths.EXP_MIN:
        me, ee = quantize(rate)
        eps = me * 2.0 ** ee * tau_r
        check_tolerance("eps", p.eps, eps)
        return Product("dd", "u0", ("d",), -me, ee, "-eps r / tau_r"), eps, gain
    if gain == 0:
        try:
            ee, gain, got = quantize_gain(rate, "eps/rules.tau_r")
        except RuleError:
            smallest = 2.0 ** (widths.EXP_MIN - GAIN_SHIFT)
            raise RuleError(_eps_too_small(p, tau_r, smallest)) from None
        me = 1
    else:
        lowest = 2.0 ** (widths.EXP_MIN - GAIN_SHIFT) * gain
        if rate < lowest * (1 - QUANT_TOL):
            raise RuleError(_eps_too_small(p, tau_r, lowest, gain))
        me, ee = quantize(max(rate, lowest) * 2 ** GAIN_SHIFT / gain)
        got = me * 2.0 ** ee * gain / 2 ** GAIN_SHIFT
    eps = got * tau_r
    check_tolerance("eps", p.eps, eps)
    return (Product("dd", "u0", ("d", "y3"), -me, ee, f"-eps r / tau_r (y3 = G = {gain})"),
            eps, gain)


def _eps_too_small(p: RuleParams, tau_r: float, lowest: float, gain: int = 0) -> str:
    why = (f" with the predisposition gain G = {gain} that lam = {p.lam:.3g} sets"
           if gain else "")
    return (f"rules.eps/rules.tau_r = {p.eps / tau_r:.3g} per sample is below the smallest "
            f"normaliser decay {lowest:.3g}{why}: raise eps to at least "
            f"{lowest * tau_r:.4g} or lower tau_r to at most {p.eps / lowest:.4g}"
            + (" (or lower lam)" if gain else ""))


def weight_constant(p: RuleParams, t_scale: float, d_scale: float,
                    notes: list, factors: tuple = ("t", "d")) -> tuple[int, int, float]:
    """Constant of ``-eta m r`` (product ``u0 t d``, or of ``factors``, with ``r`` in
    ``d_scale`` units) and the weight scale it implies: ``(mant, exp, w_scale)``; a
    note when the weight range has to shrink."""
    s_wg = widths.product_shift(factors)
    want = 2 ** s_wg * p.eta * (widths.W_MAX / p.w_max) / (t_scale * d_scale)
    if want >= 2.0 ** widths.EXP_MIN:
        mw, ew = quantize(want, "floor")
    else:
        mw, ew = 1, widths.EXP_MIN
        if want < 2.0 ** (widths.EXP_MIN - 3):
            raise RuleError(
                f"rules.eta={p.eta:.3g} is too small for this encoding: the dw product "
                f"{'*'.join(factors)} (shift {s_wg}) cannot be scaled below 2^-7 and the "
                f"weight range would shrink more than 8-fold; raise eta, m_max or r_max")
        notes.append(f"eta is small for this encoding: weight range reduced from "
                     f"w_max={p.w_max:g} to {p.w_max * want / 2.0 ** widths.EXP_MIN:.3g}")
    w_scale = mw * 2.0 ** ew * t_scale * d_scale / (2 ** s_wg * p.eta)
    if w_scale < 8:
        notes.append(f"weights are coarse: {w_scale:.2f} integer steps per unit")
    return mw, ew, w_scale


def finish(p: RuleParams, role: str, prods: list, fixed: Encoding, effective: dict,
           d0: int, notes: list, family: str, pins: dict | None = None,
           rho_products=None, may_saturate=(), signals: dict | None = None) -> LayerRules:
    """Check the products, derive the float encoding and assemble the rules.

    signals: the signal each trace carries (default ``SIGNAL[role]``; a family whose
    units send normalised codes: ``NORMALISED_SIGNAL[role]``);
    pins: float scale exponents a family fixes itself; rho_products: the products
    the float scales must compensate (default all); may_saturate: products whose
    accumulator saturation is part of the design. Every constant is written in its
    finest form (:func:`~lava_bioadam.engine.products.finest`), and ``dw`` gets the
    constant that returns what the floors of its ``u0`` products take on average
    (:func:`~lava_bioadam.engine.products.compensation`) unless ``p.rounding`` is
    ``floor``."""
    if p.rounding == "floor":
        prods = list(prods)
    else:
        prods = [finest(pr) for pr in prods]
        may_saturate = tuple(finest(pr) for pr in may_saturate)
        comp = compensation(prods, "dw", {"y3": fixed.g_scale})
        if comp is not None:
            at = max(i for i, pr in enumerate(prods) if pr.target == "dw") + 1
            prods.insert(at, comp)
    check_products(prods, may_saturate)
    rho = float_scale_exponents(prods if rho_products is None else rho_products,
                                signals or SIGNAL[role], pins=pins)
    flt = fixed.scaled(rho)
    for v in ("h", "e"):
        full = getattr(flt, f"{v}_scale") * (1.0 if v == "h" else p.e_max)
        if not 2.0 ** -8 <= full <= 2.0 ** 8:
            raise RuleError(f"float trace for {v} would reach {full:.3g} at full scale "
                            f"(rho_{v}={rho[v]}); outside the sensible range 2^-8..2^8")
    return LayerRules(params=p, effective=effective, products=tuple(prods), fixed=fixed,
                      float=flt, t_epoch=p.t_epoch, d0=d0, role=role, rho=rho,
                      family=family, notes=tuple(notes))


def _pow2_constant(value: float, max_mant: int = 2) -> tuple[int, int]:
    """Smallest ``mant * 2^exp >= value`` (3 % slack) with ``mant <= max_mant``: the
    constant of a product whose int32 fits only at mantissa 1 or 2."""
    for e in range(widths.EXP_MIN, widths.EXP_MAX + 1):
        for m in range(1, max_mant + 1):
            if m * 2.0 ** e >= value * (1 - 0.03):
                return (m, e) if m % 2 or e == widths.EXP_MAX else (m // 2, e + 1)
    raise RuleError(f"{value:.3g} exceeds {max_mant}*2^{widths.EXP_MAX}, the largest constant "
                    f"whose product fits int32")


def build_n1_multiplicative(p: RuleParams, role: str) -> LayerRules:
    """N1, multiplicative form: ``tau_r dr/dt = r (1 - r (|g| + eps)) + r_min``.

    ``dd`` products, negative ones first (Lava saturates the running sum after each
    product: a positive product first would clip near ``d = 255`` before the
    negative ones are subtracted)::

        - c_de u0 d d            (s=7)   -eps r^2 / tau_r
        - c_dg x0 g+ d d         (s=21)  -r^2 g+ / tau_r
        - c_dg x0 g- d d         (s=21)  -r^2 g- / tau_r
        + c_dc u0 d              (s=0)   +r / tau_r
        + c_f u0                 (s=0)   +r_min / tau_r       (only if r_min > 0)

    ``c_dg`` has mantissa 1 or 2 (``127 * 128 * 255^2 * mant < 2^31``), so it is a
    power of two and the represented ``e_max`` lies within a factor 2 above the
    request. The ``r^2 g`` products may saturate the accumulator (a large gradient
    drives ``d`` towards 0 in one sample); ``d = 0`` is a fixed point that only
    ``r_min > 0`` leaves. The constant ``r_min`` product does not scale with ``d``:
    the float model (L1) represents it only when ``r_min = 0``.
    """
    notes = []
    pos, neg = GRAD_FACTORS[role]
    mc, ec, tau_r = quantize_time_constant("tau_r", p.tau_r)
    # eps r^2 / tau_r (u0 d d, shift 7) fixes d_scale for the requested r_max
    s_de = widths.product_shift(("d", "d"))
    me, ee = quantize(2 ** s_de * p.eps * p.r_full_scale / (widths.D_MAX * tau_r))
    c_de = me * 2.0 ** ee
    d_scale = 2 ** s_de * p.eps / (c_de * tau_r)
    check_tolerance("r_max", p.r_full_scale, widths.D_MAX / d_scale)
    # r^2 |g| / tau_r (x0 x1 y1 d d, shift 21) fixes the error code
    s_dg = widths.product_shift(pos + ("d", "d"))
    md, ed = _pow2_constant(2 ** s_dg * p.e_max / (X_SCALE * widths.X_MAX * d_scale * tau_r))
    e_scale = 2 ** s_dg / (md * 2.0 ** ed * X_SCALE * d_scale * tau_r)
    m_, e_, tau_m = quantize_time_constant("tau_m", p.tau_m)
    mg, eg, t_scale = tag_constant(p, pos, e_scale, tau_m)
    mw, ew, w_scale = weight_constant(p, t_scale, d_scale, notes)
    prods = [Product("dw", "u0", ("t", "d"), -mw, ew, "-eta m r")]
    lam, gain = predisposition(p, prods)
    g_prods = [Product("dd", "x0", pos + ("d", "d"), -md, ed, "-r^2 g+ / tau_r"),
               Product("dd", "x0", neg + ("d", "d"), -md, ed, "-r^2 g- / tau_r")]
    prods += [Product("dd", "u0", ("d", "d"), -me, ee, "-eps r^2 / tau_r")] + g_prods
    prods.append(Product("dd", "u0", ("d",), mc, ec, "+r / tau_r"))
    rho_products = list(prods)
    r_min = 0.0
    if p.r_min > 0:
        mf, ef = quantize(p.r_min * d_scale / tau_r)
        r_min = mf * 2.0 ** ef * tau_r / d_scale
        check_tolerance("r_min", p.r_min, r_min)
        prods.append(Product("dd", "u0", (), mf, ef, "+r_min / tau_r"))
        notes.append("r_min > 0: its constant product does not scale with d, so the "
                     "floating_pt model (L1) does not represent it")
    tags = tag_products(pos, neg, mg, eg, m_, e_)
    prods += tags
    rho_products += tags
    gmax = min(g_prods[0].acc_max(), widths.ACC_MAX)
    eps_acc = ((me * widths.D_MAX ** 2) >> s_de) << (ee + widths.EXP_OFFSET)
    grow = (mc * widths.D_MAX) << (ec + widths.EXP_OFFSET)
    if gmax + eps_acc - grow >= widths.D_MAX * widths.ROUND_DIV:
        r_top = widths.D_MAX / d_scale
        notes.append(f"a gradient above {(tau_r + 1 - p.eps * r_top) / r_top:.3g} at r = "
                     f"r_max drives d to 0 in one sample; "
                     + ("r_min brings it back" if r_min > 0 else
                        "r = 0 is then absorbing: set r_min > 0 or a longer tau_r"))
    d0 = int(round(min(p.r0 * d_scale, widths.D_MAX)))
    if d0 == 0:
        raise RuleError(f"rules.r0={p.r0:g} codes to d0 = 0, absorbing for the "
                        f"multiplicative form; use r0 >= {0.5 / d_scale:.3g}")
    effective = {"eta": p.eta, "tau_m": tau_m, "tau_r": tau_r,
                 "eps": c_de * d_scale * tau_r / 2 ** s_de, "lam": lam, "r0": d0 / d_scale,
                 "r_min": r_min, "e_max": widths.X_MAX / e_scale, "m_max": widths.T_MAX / t_scale,
                 "r_max": widths.D_MAX / d_scale, "w_max": widths.W_MAX / w_scale}
    fixed = Encoding(h_scale=float(X_SCALE), e_scale=e_scale, t_scale=t_scale,
                     d_scale=d_scale, w_scale=w_scale, g_scale=float(gain))
    return finish(p, role, prods, fixed, effective, d0, notes, "n1",
                  rho_products=rho_products, may_saturate=tuple(g_prods))
