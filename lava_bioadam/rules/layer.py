"""What every rule family produces for one connection: products, encodings, the
effective physical hyperparameters, and the float scales that let Lava's
``floating_pt`` engine run the same rule strings.

Roles: a layer ``l`` with learned feedback has two twin connections that see the
same local product ``e_j h_i``:

* ``forward`` (``W_l``, stock ``LearningDense``): presynaptic activity ``x1 = H``,
  postsynaptic error ``y1 = E+``, ``y2 = E-``;
* ``feedback`` (``B_l``, ``SignedLearningDense``): presynaptic error ``x1 = E+``,
  ``x2 = E-``, postsynaptic activity ``y1 = H``.

Both get ``y3 = G``, a constant gain sent by the post unit (the predisposition
term's factor). A network without feedback twins, or its first layer, uses the
``forward`` role alone; a single learning layer is a one-layer network.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lava_bioadam.engine.products import rule_string
from lava_bioadam.errors import RuleError
from lava_bioadam.rules.params import RuleParams

ROLES = ("forward", "feedback")

#: gradient factors of each role: (positive part, negative part) of g = e*h
GRAD_FACTORS = {"forward": (("x1", "y1"), ("x1", "y2")),
                "feedback": (("x1", "y1"), ("x2", "y1"))}
#: physical signal each trace carries (h activity, e error, g gain)
SIGNAL = {"forward": {"x1": "h", "y1": "e", "y2": "e", "y3": "g"},
          "feedback": {"x1": "e", "x2": "e", "y1": "h", "y3": "g"}}
#: the same for a family whose units send normalised codes (``n2``): every trace of
#: the local product carries a signal divided by its own RMS (``n``)
NORMALISED_SIGNAL = {"forward": {"x1": "n", "y1": "n", "y2": "n", "y3": "g"},
                     "feedback": {"x1": "n", "x2": "n", "y1": "n", "y3": "g"}}
SIGNALS_TEXT = {
    "forward": "LearningDense; pre payload 2H (x1 = H), post y1 = E+, y2 = E-, "
               "y3 = G (predisposition gain), bap off",
    "feedback": "SignedLearningDense; pre payload 2E (x1 = E+, x2 = E-), post y1 = H, "
                "y3 = G (predisposition gain), bap off"}


def check_role(role: str) -> str:
    if role not in ROLES:
        raise RuleError(f"rules role must be one of {list(ROLES)}, got {role!r}")
    return role


@dataclass(frozen=True)
class Encoding:
    """Scales from physical units to connection units; same for both twins.

    Fixed point (integer codes)::

        H = round(h_scale h), h in [0, 1], h_scale = 127   (activity code 0..127)
        E = clip(round(e_scale e), -127, 127)                 (signed error code)
        t = t_scale m,  d = d_scale r,  w = w_scale w_phys     (connection units)

    Activity units send graded payloads ``2 H`` (so ``x1 = H``); error units send
    ``y1 = max(E, 0)``, ``y2 = max(-E, 0)`` to a forward twin and payloads ``2 E``
    to a feedback twin. Floating point: the same formulas without rounding or
    clipping, with scales ``2**rho`` times the fixed ones (``LayerRules.rho``), which
    absorbs the fixed-point product shifts.
    """

    h_scale: float      # activity code per unit activity
    e_scale: float      # error code per unit error (dLoss/da)
    t_scale: float      # tag_1 units per unit first moment m
    d_scale: float      # tag_2 units per unit normaliser r
    w_scale: float      # weight units per unit physical weight
    g_scale: float = 0.0  # predisposition gain sent as y3 (fixed: integer G)
    n_scale: float = 0.0  # normalised trace code per unit signal/RMS (n2; 0: none)

    @property
    def payload_scale(self) -> float:
        """Activity payload per unit activity (``p = 2 H``)."""
        return 2.0 * self.h_scale

    def scaled(self, rho: dict) -> "Encoding":
        """This encoding with every scale ``v`` multiplied by ``2**rho[v]``."""
        return Encoding(**{f"{v}_scale": getattr(self, f"{v}_scale") * 2.0 ** rho.get(v, 0)
                           for v in ("h", "e", "t", "d", "w", "g", "n")})

    def to_physical(self, state: dict) -> dict:
        """Connection-unit ``weights``/``tag_1``/``tag_2`` -> physical w, m, r."""
        return {"weights": state["weights"] / self.w_scale,
                "tag_1": state["tag_1"] / self.t_scale,
                "tag_2": state["tag_2"] / self.d_scale}


@dataclass(frozen=True)
class LayerRules:
    """Everything one learning connection needs; both precisions come from here."""

    params: RuleParams                  # as requested
    effective: dict                     # physical values the constants represent
    products: tuple                     # Product, in dw, dd, dt order
    fixed: Encoding
    float: Encoding
    t_epoch: int
    d0: int                             # initial tag_2 (integer units)
    role: str                           # "forward" or "feedback"
    rho: dict                           # log2(float scale / fixed scale) per signal
    family: str = "n1"                  # rule family (module under lava_bioadam.rules)
    notes: tuple = field(default=())

    def rule_string(self, target: str, precision: str = "fixed") -> str:
        """Lava rule string of ``target``; ``precision`` ``float`` leaves out the
        fixed-point rounding compensations."""
        return rule_string(self.products, target, precision)

    @property
    def dw(self) -> str:
        return self.rule_string("dw")

    @property
    def dt(self) -> str:
        return self.rule_string("dt")

    @property
    def dd(self) -> str:
        return self.rule_string("dd")


#: the float model's h/e exponents are split evenly (see ``float_scale_exponents``)
RHO_SPLIT = 0


def float_scale_exponents(products, signal_of: dict, split: int = RHO_SPLIT,
                          pins: dict | None = None) -> dict:
    """Exponents ``rho_v = log2(float scale / fixed scale)`` of the signals
    ``h, e, t, d, w`` (and ``g``, ``n`` when used) that let the float model run the SAME
    rule strings.

    A product's fixed-point value is ``coef * prod(ints) / 2**shift``; the float
    model computes ``coef * prod(floats)``. With ``float = 2**rho * int`` for every
    factor, product ``P`` updating variable ``v`` needs
    ``rho_v - sum(rho_f for f in P.factors) = P.shift``. These equations plus
    ``rho_h - rho_e = split`` (and ``rho_v = pins[v]`` for the signals a family
    pins, e.g. a constant ``d``) must have one integer solution, else ``RuleError``.
    Signals no product constrains get exponent 0.
    """
    names = ["h", "e", "t", "d", "w", "g", "n"]
    col = {n: i for i, n in enumerate(names)}
    rows, rhs = [], []
    for pr in products:
        if getattr(pr, "fixed_only", False):
            continue
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
    for v, val in (pins or {}).items():
        row = np.zeros(len(names))
        row[col[v]] = 1
        rows.append(row)
        rhs.append(val)
    a, b = np.array(rows), np.array(rhs, dtype=float)
    used = np.abs(a).sum(axis=0) > 0
    sol, _, rank, _ = np.linalg.lstsq(a[:, used], b, rcond=None)
    rho = np.zeros(len(names))
    rho[used] = np.rint(sol)
    if rank < used.sum() or not np.allclose(a @ rho, b):
        raise RuleError("the float model cannot compensate the fixed-point product "
                        "shifts of these products with per-signal scales (the shifts are "
                        "inconsistent); change the products")
    # n (normalised codes) only for the families whose traces carry it
    return {n: int(rho[col[n]]) for n in names if n != "n" or used[col[n]]}
