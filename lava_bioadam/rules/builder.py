"""Map physical N1 hyperparameters to Lava sum-of-products rules and encodings.

Integer units (``fixed_pt``)::

    x1 = round(X_SCALE h)            h in [0, 1]         (payload p = 2 x1)
    y1 = round(y1_scale e)           e signed error      (third factor, bap off)
    y2 = round(y2_scale |e|)
    t  = t_scale m,  d = d_scale r,  w = w_scale w_phys

Products (``s`` = Lava's product shift, see ``fixed.widths.product_shift``)::

    dt = +c_tg x0 x1 y1           (s=3)   g / tau_m
         -c_tm u0 t               (s=0)   -m / tau_m
    dd = +c_dc u0                 (s=0)   1 / tau_r
         -c_dg x0 x1 y2 d         (s=12)  -r |g| / tau_r
         -c_de u0 d               (s=0)   -eps r / tau_r
    dw = -c_wg u0 t d             (s=7)   -eta m r
         -c_wl u0 w               (s=0)   -lam w            (only if lam > 0)

The float model evaluates the same strings without the shifts; it gets the same
physics by dividing the encoding of one factor of each shifted product by 2**s
(``y1``, ``y2``) or by multiplying the updated variable by 2**s (``w``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from lava_bioadam.errors import RuleError
from lava_bioadam.fixed import widths as W
from lava_bioadam.rules.params import RuleParams

X_SCALE = W.X_MAX          # x1 = round(127 h)
QUANT_TOL = 0.25           # largest relative error accepted for a physical constant

#: value range of each factor as the engine sees it (after our own clipping)
FACTOR_RANGE = {"x1": (0, W.X_MAX), "x2": (0, W.X_MAX), "y1": (W.Y_MIN, W.Y_MAX), "y2": (0, W.Y_MAX),
                "y3": (W.Y_MIN, W.Y_MAX), "t": (W.T_MIN, W.T_MAX),
                "d": (W.D_MIN, W.D_MAX), "w": (W.W_MIN, W.W_MAX)}


def _candidates():
    for e in range(W.EXP_MIN, W.EXP_MAX + 1):
        for m in range(1, W.MANT_MAX + 1):
            yield m * 2.0 ** e, m, e


def quantize(value: float, mode: str = "nearest") -> tuple[int, int]:
    """Positive ``value`` as ``(mant, exp)`` with ``mant*2**exp`` representable.

    mode: ``nearest`` (in log scale), ``floor`` (largest <= value) or ``ceil``
    (smallest >= value; the smallest representable if value is below it).
    Raises ``RuleError`` if nothing fits.
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
    while m % 2 == 0 and e < W.EXP_MAX:   # canonical: odd mantissa
        m, e = m // 2, e + 1
    return m, e


@dataclass(frozen=True)
class Product:
    """One product of a rule: ``sign * mant * 2^exp * dep * factors``."""

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
        return W.product_shift(self.factors)

    def term(self) -> str:
        """Lava string of this product, with its sign in front."""
        sign = "-" if self.mant < 0 else "+"
        parts = [] if abs(self.mant) == 1 else [str(abs(self.mant))]
        parts.append(f"2^{self.exp}")
        parts.append(self.dep)
        parts.extend(self.factors)
        return f"{sign} " + " * ".join(parts)

    def int32_max(self) -> int:
        """Largest |int32 product| before Lava's shift."""
        v = abs(self.mant)
        for f in self.factors:
            lo, hi = FACTOR_RANGE[f]
            v *= max(abs(lo), abs(hi))
        return v

    def acc_max(self) -> int:
        """Largest |contribution| in accumulator units (1/128 of a state unit)."""
        return (self.int32_max() >> self.shift) << (self.exp + W.EXP_OFFSET)


@dataclass(frozen=True)
class Encoding:
    """Scales from physical units to one precision's units.

    ``payload = payload_scale * h``; ``y1 = y1_scale * e``; ``y2 = y2_scale * |e|``;
    ``t = t_scale * m``; ``d = d_scale * r``; ``w = w_scale * w_phys``; the post unit
    receives ``a = a_scale * (W h)``.
    """

    payload_scale: float
    y1_scale: float
    y2_scale: float
    t_scale: float
    d_scale: float
    w_scale: float

    @property
    def a_scale(self) -> float:
        return self.w_scale * self.payload_scale


@dataclass(frozen=True)
class TwinEncoding:
    """Scales of the twin roles ("forward", "feedback"), physical -> units.

    Same values for both twins of a layer. Fixed point (integer codes)::

        H = round(h_scale h), h in [0, 1], h_scale = 127   (activity code 0..127)
        E = clip(round(e_scale e), -127, 127)                 (signed error code)
        t = t_scale m,  d = d_scale r,  w = w_scale w_phys     (connection units)

    Activity units send graded payloads ``2 H`` (so ``x1 = H``); error units send
    ``y1 = max(E, 0)``, ``y2 = max(-E, 0)`` to a forward twin and payloads ``2 E``
    to a feedback twin (``SignedLearningDense``). Floating point: the same
    formulas without rounding or clipping, with scales ``2**rho`` times the fixed
    ones (``LayerRules.rho``), which absorbs the fixed-point product shifts.
    """

    h_scale: float      # activity code per unit activity
    e_scale: float      # error code per unit error (dLoss/da)
    t_scale: float      # tag_1 units per unit first moment m
    d_scale: float      # tag_2 units per unit normaliser r
    w_scale: float      # weight units per unit physical weight
    g_scale: float = 0.0  # predisposition gain sent as y3 (fixed: integer G)

    @property
    def payload_scale(self) -> float:
        """Activity payload per unit activity (``p = 2 H``)."""
        return 2.0 * self.h_scale

    @property
    def e_payload_scale(self) -> float:
        """Error payload per unit error, to a feedback twin (``p = 2 E``)."""
        return 2.0 * self.e_scale

    @property
    def y3(self) -> float:
        """Predisposition gain ``G`` the post units send as ``y3`` (0: no lam)."""
        return self.g_scale

    @property
    def a_scale_h(self) -> float:
        """Dendritic input ``W p`` of a forward twin per unit of physical ``W h``."""
        return self.w_scale * self.payload_scale

    @property
    def a_scale_e(self) -> float:
        """Dendritic input ``B p`` of a feedback twin per unit of physical ``B e``."""
        return self.w_scale * self.e_payload_scale


@dataclass(frozen=True)
class LayerRules:
    """Everything one N1 learning layer needs; both precisions come from here."""

    params: RuleParams                  # as requested
    effective: dict                     # physical values the constants represent
    products: tuple                     # Product, in dw, dd, dt order
    fixed: Encoding
    float: Encoding
    t_epoch: int
    d0: int                             # initial tag_2 (integer units)
    notes: tuple = field(default=())
    role: str = "single"                # "single", "forward" or "feedback"
    rho: dict = field(default_factory=dict)  # log2(float scale / fixed scale), twins

    def rule_string(self, target: str) -> str:
        terms = [p.term() for p in self.products if p.target == target]
        s = " ".join(terms)
        return s[2:] if s.startswith("+ ") else s

    @property
    def dw(self) -> str:
        return self.rule_string("dw")

    @property
    def dt(self) -> str:
        return self.rule_string("dt")

    @property
    def dd(self) -> str:
        return self.rule_string("dd")


def _check_products(prods) -> None:
    """Reject products that can wrap Lava's int32 product or saturate the accumulator."""
    for pr in prods:
        if pr.int32_max() > W.INT32_MAX:
            raise RuleError(f"{pr.target} product '{pr.term()}' can overflow Lava's int32 "
                            f"product ({pr.int32_max()} > 2^31-1)")
        if pr.acc_max() > W.ACC_MAX:
            raise RuleError(
                f"{pr.target} product '{pr.term()}' can saturate the 16-bit accumulator "
                f"(up to {pr.acc_max()} > {W.ACC_MAX} units, i.e. more than 256 state "
                f"units per sample): lower the rate or widen m_max / r_max / w_max")


def _check_tol(name, want, got):
    if abs(got / want - 1.0) > QUANT_TOL:
        raise RuleError(
            f"rules.{name}={want:.4g} is not representable: nearest per-sample constant "
            f"gives {got:.4g} (constants are mant*2^exp, mant 1..7, exp -7..8, so the "
            f"smallest rate is 2^-7 per sample); choose a value near {got:.4g}")


def _build_single(p: RuleParams) -> LayerRules:
    """Role "single": one layer whose post unit sends ``y1 = e``, ``y2 = |e|``."""
    notes = []
    # --- first moment m in t --------------------------------------------------
    m_, e_ = quantize(1.0 / p.tau_m)
    c_tm = m_ * 2.0 ** e_
    tau_m = 1.0 / c_tm
    _check_tol("tau_m", p.tau_m, tau_m)
    y1_scale = W.Y_MAX / p.e_max
    s_tg = W.product_shift(("x1", "y1"))
    t_target = W.T_MAX / p.m_max
    mg, eg = quantize(2 ** s_tg * t_target / (X_SCALE * y1_scale * tau_m), "floor")
    c_tg = mg * 2.0 ** eg
    t_scale = c_tg * X_SCALE * y1_scale * tau_m / 2 ** s_tg
    # --- normaliser r in d ----------------------------------------------------
    s_dg = W.product_shift(("x1", "y2", "d"))
    bound = 2 ** s_dg * p.e_max / (X_SCALE * W.Y_MAX * p.tau_r)
    md, ed = quantize(bound, "ceil")
    c_dg = md * 2.0 ** ed
    y2_scale = 2 ** s_dg / (c_dg * X_SCALE * p.tau_r)
    if y2_scale * p.e_max < 8:
        notes.append(f"|e| is coded on only {y2_scale * p.e_max:.1f} levels in y2 "
                     f"(tau_r={p.tau_r} is long); |g| in r is coarse")
    tau_r = p.tau_r
    d_target = W.D_MAX / p.r_full_scale
    mc, ec = quantize(d_target / tau_r, "floor")
    c_dc = mc * 2.0 ** ec
    d_scale = c_dc * tau_r
    me, ee, eps = _eps_constant(p, tau_r)
    mw, ew, w_scale = _weight_constant(p, t_scale, d_scale, notes)
    s_wg = W.product_shift(("t", "d"))
    lam = 0.0
    prods = [Product("dw", "u0", ("t", "d"), -mw, ew, "-eta m r")]
    if p.lam > 0:
        ml, el = quantize(p.lam)
        lam = ml * 2.0 ** el
        _check_tol("lam", p.lam, lam)
        prods.append(Product("dw", "u0", ("w",), -ml, el, "-lam w (predisposition)"))
    prods += [
        Product("dd", "u0", (), mc, ec, "+1/tau_r"),
        Product("dd", "x0", ("x1", "y2", "d"), -md, ed, "-r |g| / tau_r"),
        Product("dd", "u0", ("d",), -me, ee, "-eps r / tau_r"),
        Product("dt", "x0", ("x1", "y1"), mg, eg, "+g / tau_m"),
        Product("dt", "u0", ("t",), -m_, e_, "-m / tau_m"),
    ]
    _check_products(prods)
    d0 = int(round(min(p.r0 * d_scale, W.D_MAX)))
    effective = {"eta": p.eta, "tau_m": tau_m, "tau_r": tau_r, "eps": eps, "lam": lam,
                 "r0": d0 / d_scale, "m_max": W.T_MAX / t_scale,
                 "r_max": W.D_MAX / d_scale, "w_max": W.W_MAX / w_scale}
    fixed = Encoding(payload_scale=2 * X_SCALE, y1_scale=y1_scale, y2_scale=y2_scale,
                     t_scale=t_scale, d_scale=d_scale, w_scale=w_scale)
    flt = Encoding(payload_scale=2 * X_SCALE, y1_scale=y1_scale / 2 ** s_tg,
                   y2_scale=y2_scale / 2 ** s_dg, t_scale=t_scale, d_scale=d_scale,
                   w_scale=w_scale * 2 ** s_wg)
    return LayerRules(params=p, effective=effective, products=tuple(prods), fixed=fixed,
                      float=flt, t_epoch=p.t_epoch, d0=d0, notes=tuple(notes))


ROLES = ("single", "forward", "feedback")

#: gradient factors of the twin roles: (positive part, negative part) of g = e*h
TWIN_GRAD_FACTORS = {"forward": (("x1", "y1"), ("x1", "y2")),
                     "feedback": (("x1", "y1"), ("x2", "y1"))}
#: physical signal each trace carries in a twin role (h activity, e error)
TWIN_SIGNAL = {"forward": {"x1": "h", "y1": "e", "y2": "e", "y3": "g"},
               "feedback": {"x1": "e", "x2": "e", "y1": "h", "y3": "g"}}
TWIN_SIGNALS_TEXT = {
    "forward": "LearningDense; pre payload 2H (x1 = H), post y1 = E+, y2 = E-, "
               "y3 = G (predisposition gain), bap off",
    "feedback": "SignedLearningDense; pre payload 2E (x1 = E+, x2 = E-), post y1 = H, "
                "y3 = G (predisposition gain), bap off"}
#: right shift of the predisposition product w * y3 (widths 9 + 7 + 4 - 15)
LAM_SHIFT = W.W_WEIGHTS_S + W.W_TRACE + W.W_MANT - W.W_ACC_U


def quantize_lam(lam: float) -> tuple[int, int, float]:
    """Predisposition rate as ``2^exp * G / 2^LAM_SHIFT`` (product ``u0 * w * y3``
    with the gain ``y3 = G`` in 1..127 sent by the post units): ``(exp, G, lam)``.
    Rates below the engine's 2^-7 per epoch become reachable (down to 2^-12); the
    largest ``G`` that fits gives the finest resolution. ``G`` a multiple of
    ``2^LAM_SHIFT`` makes the product exact; otherwise the shift floors it (a bias
    of at most one accumulator unit, 1/128 weight unit, per sample)."""
    best = None
    for exp in range(W.EXP_MIN, W.EXP_MAX + 1):
        G = int(round(lam * 2 ** LAM_SHIFT / 2.0 ** exp))
        if 1 <= G <= W.X_MAX:
            got = 2.0 ** exp * G / 2 ** LAM_SHIFT
            key = (abs(got / lam - 1) > 0.02, -G)
            if best is None or key < best[0]:
                best = (key, exp, G, got)
    if best is None:
        raise RuleError(f"rules.lam={lam:.3g} per sample is outside the representable "
                        f"range {2.0 ** (W.EXP_MIN - LAM_SHIFT):.3g}..."
                        f"{W.X_MAX * 2.0 ** (W.EXP_MAX - LAM_SHIFT):.3g}")
    return best[1], best[2], best[3]
#: the float model's h/e exponents are split evenly (see ``float_scale_exponents``)
RHO_SPLIT = 0


def float_scale_exponents(products, signal_of: dict, split: int = RHO_SPLIT) -> dict:
    """Exponents ``rho_v = log2(float scale / fixed scale)`` of the signals
    ``h, e, t, d, w`` that let the float model run the SAME rule strings.

    A product's fixed-point value is ``coef * prod(ints) / 2**shift``; the float
    model computes ``coef * prod(floats)``. With ``float = 2**rho * int`` for every
    factor, product ``P`` updating variable ``v`` needs
    ``rho_v - sum(rho_f for f in P.factors) = P.shift``. These equations plus
    ``rho_h - rho_e = split`` must have one integer solution, else ``RuleError``.
    """
    import numpy as np

    names = ["h", "e", "t", "d", "w"]
    if any(signal_of.get(f) == "g" for pr in products for f in pr.factors):
        names.append("g")  # the predisposition gain y3, when a product uses it
    col = {n: i for i, n in enumerate(names)}
    rows, rhs = [], []
    for pr in products:
        row = np.zeros(len(names))
        row[col[pr.target[1:]]] += 1
        for f in pr.factors:
            row[col[signal_of.get(f, f)]] -= 1
        rows.append(row)
        rhs.append(pr.shift)
    row = np.zeros(len(names))
    row[col["h"]], row[col["e"]] = 1, -1
    rows.append(row)
    rhs.append(split)
    a, b = np.array(rows), np.array(rhs, dtype=float)
    sol, _, rank, _ = np.linalg.lstsq(a, b, rcond=None)
    rho = np.rint(sol)
    if rank < len(names) or not np.allclose(a @ rho, b):
        raise RuleError("the float model cannot compensate the fixed-point product "
                        "shifts of these products with per-signal scales (the shifts are "
                        "inconsistent); change the products")
    return {n: int(rho[col[n]]) for n in names}


def _build_twin(p: RuleParams, role: str) -> LayerRules:
    """Roles "forward"/"feedback": all gradient products are non-negative magnitudes
    (``E+``/``E-`` split), identical widths and shifts in both twins."""
    notes = []
    pos, neg = TWIN_GRAD_FACTORS[role]
    # --- first moment m in t, error code E -------------------------------------
    m_, e_ = quantize(1.0 / p.tau_m)
    c_tm = m_ * 2.0 ** e_
    tau_m = 1.0 / c_tm
    _check_tol("tau_m", p.tau_m, tau_m)
    # the |g| product of dd fixes the error code: c_dg * 127 * e_scale / 2^s = 1/tau_r
    s_dg = W.product_shift(pos + ("d",))
    assert s_dg == W.product_shift(neg + ("d",))
    bound = 2 ** s_dg * p.e_max / (X_SCALE * W.X_MAX * p.tau_r)
    md, ed = quantize(bound, "ceil")
    c_dg = md * 2.0 ** ed
    e_scale = 2 ** s_dg / (c_dg * X_SCALE * p.tau_r)
    if e_scale * p.e_max < 8:
        notes.append(f"|e| is coded on only {e_scale * p.e_max:.1f} levels "
                     f"(tau_r={p.tau_r} is long); g is coarse")
    tau_r = p.tau_r
    s_tg = W.product_shift(pos)
    t_target = W.T_MAX / p.m_max
    mg, eg = quantize(2 ** s_tg * t_target / (X_SCALE * e_scale * tau_m), "floor")
    c_tg = mg * 2.0 ** eg
    t_scale = c_tg * X_SCALE * e_scale * tau_m / 2 ** s_tg
    # --- normaliser r in d ------------------------------------------------------
    d_target = W.D_MAX / p.r_full_scale
    mc, ec = quantize(d_target / tau_r, "floor")
    c_dc = mc * 2.0 ** ec
    d_scale = c_dc * tau_r
    me, ee, eps = _eps_constant(p, tau_r)
    mw, ew, w_scale = _weight_constant(p, t_scale, d_scale, notes)
    lam, gain = 0.0, 0
    prods = [Product("dw", "u0", ("t", "d"), -mw, ew, "-eta m r")]
    if p.lam > 0:
        el, gain, lam = quantize_lam(p.lam)
        _check_tol("lam", p.lam, lam)
        prods.append(Product("dw", "u0", ("w", "y3"), -1, el,
                             f"-lam w (predisposition, y3 = G = {gain})"))
    prods += [
        Product("dd", "u0", (), mc, ec, "+1/tau_r"),
        Product("dd", "x0", pos + ("d",), -md, ed, "-r g+ / tau_r"),
        Product("dd", "x0", neg + ("d",), -md, ed, "-r g- / tau_r"),
        Product("dd", "u0", ("d",), -me, ee, "-eps r / tau_r"),
        Product("dt", "x0", pos, mg, eg, "+g+ / tau_m"),
        Product("dt", "x0", neg, -mg, eg, "-g- / tau_m"),
        Product("dt", "u0", ("t",), -m_, e_, "-m / tau_m"),
    ]
    _check_products(prods)
    rho = float_scale_exponents(prods, TWIN_SIGNAL[role])
    rho.setdefault("g", 0)
    d0 = int(round(min(p.r0 * d_scale, W.D_MAX)))
    effective = {"eta": p.eta, "tau_m": tau_m, "tau_r": tau_r, "eps": eps, "lam": lam,
                 "r0": d0 / d_scale, "e_max": W.X_MAX / e_scale,
                 "m_max": W.T_MAX / t_scale, "r_max": W.D_MAX / d_scale,
                 "w_max": W.W_MAX / w_scale}
    fixed = TwinEncoding(h_scale=float(X_SCALE), e_scale=e_scale, t_scale=t_scale,
                         d_scale=d_scale, w_scale=w_scale, g_scale=float(gain))
    flt = TwinEncoding(**{f"{v}_scale": getattr(fixed, f"{v}_scale") * 2.0 ** rho[v]
                          for v in ("h", "e", "t", "d", "w", "g")})
    for v in ("h", "e"):
        full = getattr(flt, f"{v}_scale") * (1.0 if v == "h" else p.e_max)
        if not 2.0 ** -8 <= full <= 2.0 ** 8:
            raise RuleError(f"float trace for {v} would reach {full:.3g} at full scale "
                            f"(rho_{v}={rho[v]}); outside the sensible range 2^-8..2^8")
    return LayerRules(params=p, effective=effective, products=tuple(prods), fixed=fixed,
                      float=flt, t_epoch=p.t_epoch, d0=d0, notes=tuple(notes), role=role,
                      rho=rho)


def _eps_constant(p: RuleParams, tau_r: float) -> tuple[int, int, float]:
    """Constant of ``-eps r / tau_r`` (product ``u0 d``): ``(mant, exp, eps)``."""
    if p.eps / tau_r < 2.0 ** (W.EXP_MIN - 1):
        raise RuleError(
            f"rules.eps/rules.tau_r = {p.eps / tau_r:.3g} per sample is below the "
            f"smallest rate 2^-7 = {2.0 ** -7:.4g} of the engine: raise eps to at least "
            f"{tau_r * 2.0 ** -7:.4g} or lower tau_r to at most {p.eps * 128:.4g}")
    me, ee = quantize(p.eps / tau_r)
    eps = me * 2.0 ** ee * tau_r
    _check_tol("eps", p.eps, eps)
    return me, ee, eps


def _weight_constant(p: RuleParams, t_scale: float, d_scale: float,
                     notes: list) -> tuple[int, int, float]:
    """Constant of ``-eta m r`` (product ``u0 t d``) and the weight scale it implies:
    ``(mant, exp, w_scale)``; a note when the weight range has to shrink."""
    s_wg = W.product_shift(("t", "d"))
    want = 2 ** s_wg * p.eta * (W.W_MAX / p.w_max) / (t_scale * d_scale)
    if want >= 2.0 ** W.EXP_MIN:
        mw, ew = quantize(want, "floor")
    else:
        mw, ew = 1, W.EXP_MIN
        if want < 2.0 ** (W.EXP_MIN - 3):
            raise RuleError(
                f"rules.eta={p.eta:.3g} is too small for this encoding: the dw product "
                f"t*d (shift {s_wg}) cannot be scaled below 2^-7 and the weight range "
                f"would shrink more than 8-fold; raise eta, m_max or r_max")
        notes.append(f"eta is small for this encoding: weight range reduced from "
                     f"w_max={p.w_max:g} to {p.w_max * want / 2.0 ** W.EXP_MIN:.3g}")
    w_scale = mw * 2.0 ** ew * t_scale * d_scale / (2 ** s_wg * p.eta)
    if w_scale < 8:
        notes.append(f"weights are coarse: {w_scale:.2f} integer steps per unit")
    return mw, ew, w_scale


def build_rules(p: RuleParams, role: str = "single") -> LayerRules:
    """Choose mantissas/exponents and encodings for ``p``; reject what cannot work.

    role: ``"single"`` (one layer; post unit sends ``y1 = e``, ``y2 = |e|``;
    :class:`Encoding`), ``"forward"`` (twin ``W_l`` of a layer with feedback: pre
    activity ``x1 = H``, post ``y1 = E+``, ``y2 = E-``) or ``"feedback"`` (twin
    ``B_l`` on a ``SignedLearningDense``: pre error ``x1 = E+``, ``x2 = E-``, post
    ``y1 = H``). The two twin roles built from the same ``p`` have the same
    constants, shifts and :class:`TwinEncoding`, so they evolve bit-identically
    (transposed) when driven with the same H, E streams and ``rng_seed``.
    """
    if role == "single":
        return _build_single(p)
    if role not in TWIN_GRAD_FACTORS:
        raise RuleError(f"rules role must be one of {list(ROLES)}, got {role!r}")
    return _build_twin(p, role)


def format_rules(r: LayerRules) -> str:
    """Human-readable rules, encodings and bit budget."""
    lines = ["Learning rules (Loihi3FLearningRule, same strings for fixed_pt and floating_pt)"]
    if r.role != "single":
        lines[0] += f", role {r.role}"
    for tgt in ("dw", "dd", "dt"):
        lines.append(f"  {tgt} = {r.rule_string(tgt)}")
    lines.append(f"  t_epoch = {r.t_epoch} steps per sample; traces tau = 2^40 (no decay)")
    lines.append("")
    lines.append("Effective physical hyperparameters (requested -> represented)")
    req = {k: getattr(r.params, k, None) for k in r.effective}
    req["r_max"] = r.params.r_full_scale
    for k, v in r.effective.items():
        rq = req.get(k)
        rq = "-" if rq is None else f"{rq:.6g}"
        lines.append(f"  {k:6s} {rq:>10s} -> {v:.6g}")
    lines.append("")
    lines.append("Encodings (physical -> units)      fixed_pt      floating_pt")
    names = ("payload_scale", "y1_scale", "y2_scale", "t_scale", "d_scale", "w_scale")
    if r.role != "single":
        names = ("h_scale", "e_scale", "t_scale", "d_scale", "w_scale")
    for name in names:
        lines.append(f"  {name:14s}               {getattr(r.fixed, name):12.6g}  "
                     f"{getattr(r.float, name):12.6g}")
    if r.role != "single":
        lines.append("  float/fixed scale exponents rho: " +
                     ", ".join(f"{k} {v:+d}" for k, v in r.rho.items()))
        lines.append(f"  signals ({r.role} twin): " + TWIN_SIGNALS_TEXT[r.role])
    lines.append("")
    lines.append("Bit budget per product (fixed_pt)")
    lines.append(f"  {'target':6s} {'product':32s} {'widths':>6s} {'shift':>5s} "
                 f"{'max|int32|':>11s} {'max|acc|':>9s}  meaning")
    for pr in r.products:
        wsum = sum(W.FACTOR_WIDTH[f] for f in pr.factors) + W.W_MANT
        lines.append(f"  {pr.target:6s} {pr.term():32s} {wsum:6d} {pr.shift:5d} "
                     f"{pr.int32_max():11d} {pr.acc_max():9d}  {pr.meaning}")
    lines.append(f"  limits: int32 product <= {W.INT32_MAX}, accumulator <= {W.ACC_MAX} "
                 f"(= 256 state units per sample)")
    for n in r.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)
