"""Human-readable rules, encodings and bit budget (``lava-bioadam rules``)."""
from __future__ import annotations

from lava_bioadam.engine import widths
from lava_bioadam.rules.layer import SIGNALS_TEXT, LayerRules


def format_rules(r: LayerRules) -> str:
    """One connection's rule strings, effective values, encodings and bit budget."""
    lines = [f"Learning rules ({r.family}, Loihi3FLearningRule, same strings for fixed_pt "
             f"and floating_pt), role {r.role}"]
    for tgt in ("dw", "dd", "dt"):
        lines.append(f"  {tgt} = {r.rule_string(tgt) or '(none)'}")
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
    names = ("h_scale", "e_scale", "t_scale", "d_scale", "w_scale", "g_scale")
    for name in names + (("n_scale",) if r.fixed.n_scale else ()):
        lines.append(f"  {name:14s}               {getattr(r.fixed, name):12.6g}  "
                     f"{getattr(r.float, name):12.6g}")
    lines.append("  float/fixed scale exponents rho: " +
                 ", ".join(f"{k} {v:+d}" for k, v in r.rho.items()))
    lines.append(f"  signals ({r.role} twin): " + SIGNALS_TEXT[r.role])
    if r.fixed.n_scale:
        lines.append("  (n2: x1, x2, y1, y2 carry the normalised codes, n_scale per unit "
                     "signal/RMS; each payload is sent again, normalised, one step later)")
    lines.append("")
    lines.append("Bit budget per product (fixed_pt)")
    lines.append(f"  {'target':6s} {'product':32s} {'widths':>6s} {'shift':>5s} "
                 f"{'max|int32|':>11s} {'max|acc|':>9s}  meaning")
    for pr in r.products:
        lines.append(f"  {pr.target:6s} {pr.term():32s} {pr.width():6d} {pr.shift:5d} "
                     f"{pr.int32_max():11d} {pr.acc_max():9d}  {pr.meaning}")
    lines.append(f"  limits: int32 product <= {widths.INT32_MAX}, accumulator <= {widths.ACC_MAX} "
                 f"(= 256 state units per sample)")
    for n in r.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def format_network_rules(nr) -> str:
    """Every learning connection of a :class:`~lava_bioadam.rules.network.NetworkRules`."""
    out = []
    for l in range(nr.n_layers):
        for side, rules in (("W", nr.forward[l]), ("B", nr.feedback[l])):
            if rules is not None:
                out.append(f"=== {side}{l + 1} ({rules.role}), sizes {list(nr.sizes)}, "
                           f"{nr.mode} feedback, t_epoch {nr.t_sample} ===")
                out.append(format_rules(rules))
                out.append("")
        if l >= 1 and nr.feedback[l] is None:
            out.append(f"=== B{l + 1}: fixed Dense (feedback alignment), no learning ===")
            out.append("")
    out.append("=== integer constants of the fixed_pt units (decode: (x mant + 2^(shift-1)) "
               ">> shift) ===")
    for l, u in enumerate(nr.unit_codes(), start=1):
        kind = "output" if l == nr.n_layers else f"hidden {l}"
        out.append(f"  {kind:9s} " + ", ".join(f"{k} {v}" for k, v in u.as_dict().items()))
    norms = nr.norm_codes()
    if norms is not None:
        out.append("=== normalisers of the n2 units (mean square over 2^k samples, eps_q in "
                   "1/16 code, normalised code decode mant, shift) ===")
        for kind, codes in (("activities into W", norms["act"]),
                            ("errors of layer ", norms["err"])):
            for l, c in enumerate(codes, start=1):
                out.append(f"  {kind}{l}: " + ", ".join(f"{k} {v}"
                                                          for k, v in c.as_dict().items()))
    return "\n".join(out).rstrip() + "\n"
