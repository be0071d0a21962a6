"""Differential test of the golden ``LearningDense`` against Lava's ``fixed_pt`` model.

:func:`random_case` draws, from one seed, a valid ``LearningDense`` set-up and its
input streams: rule kind (2F/3F), 1-3 rule strings of 1-4 products (dependencies
``x0``/``y0``/``u<k>``, trace, synaptic, ``sgn`` and dependency factors with
constants, mantissas -8..10 in every literal form, exponents -7..8), impulses with
fractional parts, taus (0, small, large), shape, ``t_epoch``, binary or graded
spikes in every ``GradedSpikeCfg`` (multi-spikes, negative and large payloads),
post spikes, third factors, sign modes, ``num_weight_bits``, ``weight_exp`` and
initial values outside the learned ranges. :func:`compare_case` runs both models
and counts the differing entries of every Var after every epoch and of ``a_out``
at every step.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.engine import widths
from lava_bioadam.engine.rule_strings import parse_rules
from lava_bioadam.errors import RuleError
from lava_bioadam.golden.loihi_dense import GoldenLoihiDense, LearningRuleSpec

_FACTORS = ("x1", "x2", "y1", "y2", "y3", "w", "d", "t")


def _literal(rng) -> str:
    """A scaling literal in one of Lava's forms (may be refused; caller retries)."""
    m = int(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16]))
    e = int(rng.integers(widths.EXP_MIN, widths.EXP_MAX + 1))
    form = rng.integers(4)
    if form == 0:
        return f"{m}*2^{e}"
    if form == 1:
        return f"2^{e}"
    if form == 2:
        return str(m)
    return ""


def _factor(rng) -> str:
    v = str(rng.choice(_FACTORS))
    r = rng.random()
    c = int(rng.integers(-40, 41))
    if r < 0.5:
        return v
    if r < 0.7:
        return f"({v} {'+' if c >= 0 else '-'} {abs(c)})"
    if r < 0.8:
        return f"({c} + {v})" if c >= 0 else f"(-{v} + {-c})"
    if r < 0.9 and v in ("w", "d", "t"):
        return f"sgn({v}{'' if c == 0 else f' + {c}' if c > 0 else f' - {-c}'})"
    return str(rng.choice(["x0", "y0"]))


def _product(rng, k: int) -> str:
    dep = str(rng.choice(["x0", "y0", f"u{k}"], p=[0.45, 0.2, 0.35]))
    parts = [p for p in (_literal(rng), dep) if p]
    parts += [_factor(rng) for _ in range(rng.integers(0, 4))]
    return " * ".join(parts)


def random_rule_strings(rng) -> dict:
    """1-3 parseable rule strings ``{dw|dd|dt: str}`` sharing one ``u<k>``."""
    k = int(rng.choice([0, 0, 0, 1, 2]))
    targets = [t for t in ("dw", "dd", "dt") if rng.random() < 0.6] or ["dw"]
    out = {}
    for t in targets:
        for _ in range(50):
            prods = [_product(rng, k) for _ in range(rng.integers(1, 5))]
            s = prods[0]
            for p in prods[1:]:
                s += (" - " if rng.random() < 0.4 else " + ") + p
            if rng.random() < 0.3:
                s = "-" + s
            try:
                parse_rules(**{t: s})
            except RuleError:
                continue
            out[t] = s
            break
    return out or {"dw": "x0 * x1"}


def _tau(rng) -> float:
    return float(rng.choice([0, 1, 2, 3, 5, 8, 20, 100, 2 ** 16 - 1]))


def _impulse(rng) -> float:
    return float(rng.choice([0, 0, 1, 3, 10.5, 24, 40.25, 127.75]))


def random_case(seed: int) -> dict:
    """A valid ``LearningDense`` case: ``{"conn": keywords, "s_in", "bap", "y"}``."""
    rng = np.random.default_rng(seed)
    kind = "3F" if rng.random() < 0.6 else "2F"
    T = int(rng.integers(1, 5))
    spec = LearningRuleSpec(kind=kind, t_epoch=T, rng_seed=int(rng.integers(0, 2 ** 20)),
                            x1_impulse=_impulse(rng), x1_tau=_tau(rng),
                            x2_impulse=_impulse(rng), x2_tau=_tau(rng),
                            **random_rule_strings(rng))
    if kind == "2F":
        for y in ("y1", "y2", "y3"):
            setattr(spec, f"{y}_impulse", _impulse(rng))
            setattr(spec, f"{y}_tau", _tau(rng))
    n_post, n_pre = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    sign = str(rng.choice(widths.SIGN_MODES, p=[0.6, 0.2, 0.2]))
    lo, hi = {"mixed": (-256, 256), "excitatory": (0, 256), "inhibitory": (-255, 1)}[sign]
    if rng.random() < 0.15:
        lo, hi = lo - 60 * (lo < 0), hi + 60 * (hi > 1)   # outside the learned range
    weights = rng.integers(lo, hi, (n_post, n_pre))
    tag_1 = rng.integers(-257, 256, (n_post, n_pre))
    tag_2 = rng.integers(0, 256, (n_post, n_pre))
    if rng.random() < 0.15:
        tag_1, tag_2 = tag_1 * 2, tag_2 - 30
    graded = rng.random() < 0.75
    conn = {"weights": weights, "tag_1": tag_1, "tag_2": tag_2, "learning_rule": spec,
            "num_message_bits": int(rng.choice([8, 24])) if graded else 0,
            "graded_spike_cfg": str(rng.choice(widths.GRADED_CFGS)),
            "sign_mode": sign, "weight_exp": int(rng.integers(-2, 3)),
            "num_weight_bits": int(rng.choice([8, 8, 7, 6]))}
    n_steps = T * int(rng.integers(2, 6)) + int(rng.integers(0, 2))
    spikes = rng.random((n_steps, n_pre)) < rng.uniform(0.2, 0.9)
    if graded:
        pay = rng.integers(1, 255, (n_steps, n_pre))
        odd = rng.random(pay.shape)
        pay[odd < 0.05] = -rng.integers(1, 40, (odd < 0.05).sum())
        pay[odd > 0.95] = rng.integers(255, 511, (odd > 0.95).sum())
        s_in = np.where(spikes, pay, 0)
    else:
        s_in = spikes.astype(int)
    bap = rng.random((n_steps, n_post)) < rng.uniform(0.0, 0.6)
    y = rng.integers(widths.Y_MIN, widths.Y_MAX + 1, (n_steps, 3, n_post))
    return {"conn": conn, "s_in": s_in.astype(np.int32), "bap": bap, "y": y}


def run_golden(case: dict, compiled: bool = False):
    """Golden run of a case: ``(snapshots after each epoch, a_out per step)``;
    ``compiled``: ``GoldenLoihiDense(compiled=True)``, one step per call."""
    g = GoldenLoihiDense(**case["conn"], compiled=compiled)
    snaps, a_out = [], []
    for k in range(len(case["s_in"])):
        a_out.append(g.a_buff.copy())
        g.step(case["s_in"][k], case["bap"][k], case["y"][k])
        if g.time_step % g.spec.t_epoch == 0:
            snaps.append(g.snapshot())
    return snaps, np.array(a_out)


def compare_case(case: dict, timeout_s: float = 120.0, compiled: bool = False) -> dict:
    """Run a case in Lava and in the golden model (``compiled``: the compiled one);
    ``{var: differing entries}`` summed over epochs (``a_out`` over steps), plus
    ``"epochs"``."""
    from lava_bioadam.lava.loihi_dense import run_learning_dense_lava

    lava_snaps, lava_out = run_learning_dense_lava(case["conn"], case["s_in"], case["bap"],
                                                   case["y"], timeout_s)
    gold_snaps, gold_out = run_golden(case, compiled)
    diff = {v: 0 for v in lava_snaps[0]} if lava_snaps else {}
    for a, b in zip(lava_snaps, gold_snaps):
        for v in a:
            diff[v] += int(np.sum(np.asarray(a[v], float) != np.asarray(b[v], float)))
    diff["a_out"] = int(np.sum(lava_out.reshape(gold_out.shape) != gold_out))
    diff["epochs"] = len(lava_snaps)
    return diff


def speed_case(shape, n_steps: int = 400, seed: int = 0) -> dict:
    """The speed benchmark's case (a three-factor rule with ``x0`` and ``u0``
    products on ``w`` and ``t``, ``t_epoch`` 4, graded ``OVERWRITE`` spikes on half
    the pre units per step, random third factors), for ``shape (n_post, n_pre)``."""
    spec = LearningRuleSpec(kind="3F", dw="-3*2^-2*x0*x1*y1 + 2*x0*x1*y2 - 2^-7*u0*w*y3",
                            dt="x0*x1*(y1-8)", x1_tau=20, t_epoch=4, rng_seed=1)
    rng = np.random.default_rng(seed)
    n_post, n_pre = shape
    s_in = rng.integers(1, 255, (n_steps, n_pre)) * (rng.random((n_steps, n_pre)) < 0.5)
    y = rng.integers(0, 128, (n_steps, 3, n_post))
    conn = {"weights": rng.integers(-200, 200, shape), "learning_rule": spec,
            "num_message_bits": 24, "graded_spike_cfg": "overwrite"}
    return {"conn": conn, "s_in": s_in.astype(np.int32), "bap": np.zeros((n_steps, n_post), bool),
            "y": y.astype(np.int32)}


#: rule sets of fixed structure whose numbers :func:`covering_case` draws: every
#: dependency, every trace read at each dependency's step, ``w``/``d``/``t`` and
#: their ``sgn``, ``x0``/``y0`` factors, constants ("{A}" a scaling literal, "{c}" a
#: constant, "{k}" the decimation); "bare": products without factors, ``dw`` only.
#: The compiled model compiles once per structure, so tests of many cases use these.
COVERING_RULES = {
    "all": {"dw": "{A}*x0*(x1{c})*(y1{c}) + {A}*y0*(x2{c})*(y2{c})*w "
                  "- {A}*u{k}*(x1{c})*(y3{c})*sgn(t{c})",
            "dd": "{A}*x0*(y3{c})*(d{c}) + {A}*y0*(x0{c})*(y1{c})*(x1{c})",
            "dt": "{A}*u{k}*(t{c})*(x2{c})*(y2{c}) + {A}*x0*sgn(w{c})*(y0{c}) "
                  "+ {A}*y0*sgn(d{c})*(y3{c})"},
    "bare": {"dw": "{A}*x0 - {A}*y0 + {A}*u{k}*x1*y1"},
}


def _fill(rng, template: str, k: int) -> str:
    """``template`` with random literals (large ones too, which saturate) and constants."""
    out = template.replace("{k}", str(k))
    while "{A}" in out:
        m = int(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16]))
        e = int(rng.integers(widths.EXP_MIN, widths.EXP_MAX + 1))
        out = out.replace("{A}", f"{m}*2^{e}", 1)
    while "{c}" in out:       # not 0: Lava drops a bracketed lone x0 or y0
        c = int(rng.integers(1, 41))
        out = out.replace("{c}", f" + {c}" if rng.random() < 0.5 else f" - {c}", 1)
    return out


def covering_case(seed: int, structure: str = "all") -> dict:
    """:func:`random_case` (inputs, traces, spike and sign modes...) with the rule
    strings of ``COVERING_RULES[structure]``, numbers drawn from ``seed``."""
    case = random_case(seed)
    rng = np.random.default_rng(10 ** 6 + seed)
    k = int(rng.choice([0, 0, 1, 2]))
    spec = case["conn"]["learning_rule"]
    for _ in range(100):
        rules = {t: _fill(rng, s, k) for t, s in COVERING_RULES[structure].items()}
        try:
            parse_rules(**rules)
        except RuleError:
            continue
        break
    spec.dw, spec.dd, spec.dt = (rules.get(t) for t in ("dw", "dd", "dt"))
    return case
