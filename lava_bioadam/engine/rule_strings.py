"""Lava 0.10's learning-rule strings as products, parsed the way Lava parses them.

A rule string such as ``"-2^-3 * x0 * (y1 - 4) + 3 * u1 * w * sgn(t)"`` is a sum of
products. Each product becomes a :class:`RuleProduct`: the dependency (``x0``,
``y0`` or ``u``), a signed mantissa and an exponent (``mant * 2^exp``) and its
factors. This module reads strings with Lava's rules, quirks included (the result
must drive a bit-exact model):

* every literal of a product multiplies into its scaling constant; a mantissa
  whose magnitude exceeds 7 is halved (exponent + 1) while it is even, so
  ``-8 * 2^e`` becomes ``-4 * 2^(e+1)`` and ``10`` becomes ``5 * 2^1``;
* accepted after that: mantissa -8..7, exponent -7..8; otherwise an error;
* ``(var + c)`` and ``(c + var)`` add an integer constant to a factor,
  ``(-var + c)`` flips the product's sign and the constant; ``(-var)`` is ``var``;
* a second ``x0``/``y0`` in a product is a factor (width 1), ``u<k>`` a
  dependency with decimation exponent ``k`` (one digit; one ``k`` per rule set);
* ``sgn(w|d|t [+ c])`` is the sign of a synaptic variable.

Strings outside this grammar raise ``RuleError`` naming the problem. No Lava import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError

TARGETS = ("dw", "dd", "dt")
DEPENDENCIES = ("x0", "y0", "u")
TRACES = ("x1", "x2", "y1", "y2", "y3")
SYNAPTIC = ("w", "d", "t")

# token patterns, tried in this order at the start of the remaining string
_LITERALS = ((re.compile(r"(\d+)\*2\^([+-]?\d+)"), "mant_pow"),
             (re.compile(r"2\^([+-]?\d+)"), "pow"),
             (re.compile(r"\d+"), "int"))
_VARIABLE = re.compile(r"x[12]|y[123]|w|d|t")


@dataclass(frozen=True)
class RuleFactor:
    """One factor ``var + const`` (``sgn(var + const)`` if ``sgn``); ``const`` int."""

    var: str
    const: int = 0
    sgn: bool = False


@dataclass(frozen=True)
class RuleProduct:
    """``mant * 2^exp * dep * factors``; ``dep`` is ``x0``, ``y0`` or ``u``.

    ``exp`` is the user exponent (Lava stores ``exp + 7``); ``k`` the decimation
    exponent of a ``u`` dependency (``u`` is 1 every ``2^k``-th epoch)."""

    target: str
    dep: str
    mant: int
    exp: int
    factors: tuple
    k: int | None = None


@dataclass(frozen=True)
class _Lit:
    value_mant: int
    value_exp: int

    @property
    def value(self) -> int | float:
        return self.value_mant * 2 ** self.value_exp


def _closing(expr: str) -> int:
    depth = 0
    for i, ch in enumerate(expr):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i
    raise RuleError(f"rule string: missing ')' in '{expr}'")


def _tokens(expr: str) -> list:
    """Tokens of ``expr`` (spaces removed): operators, ``("dep", name)``,
    ``("u", k)``, ``("var", name)``, ``("lit", _Lit)``, ``("br"|"sgn", tokens)``."""
    out, rest = [], expr
    while rest:
        ch = rest[0]
        if ch in "+-*":
            out.append(ch)
            rest = rest[1:]
            continue
        if rest[:2] in ("x0", "y0"):
            out.append(("dep", rest[:2]))
            rest = rest[2:]
            continue
        m = re.match(r"u(\d)", rest)
        if m:
            out.append(("u", int(m.group(1))))
            rest = rest[2:]
            continue
        m = _VARIABLE.match(rest)
        if m:
            out.append(("var", m.group(0)))
            rest = rest[m.end():]
            continue
        for kind, skip in (("br", 0), ("sgn", 3)):
            if rest[skip:skip + 1] == "(" and (kind == "br" or rest.startswith("sgn(")):
                body = rest[skip:]
                end = _closing(body)
                out.append((kind, _tokens(body[1:end])))
                rest = body[end + 1:]
                break
        else:
            for pat, kind in _LITERALS:
                m = pat.match(rest)
                if m:
                    if kind == "mant_pow":
                        lit = _Lit(int(m.group(1)), int(m.group(2)))
                    elif kind == "pow":
                        lit = _Lit(1, int(m.group(1)))
                    else:
                        lit = _Lit(int(m.group(0)), 0)
                    out.append(("lit", lit))
                    rest = rest[m.end():]
                    break
            else:
                raise RuleError(f"rule string: cannot read '{rest}'")
    return out


def _sub_expression(kind: str, toks: list):
    """``(var, const, sign, literal)`` of a bracket or sgn body, read as Lava reads
    ``[+-]var[+-]const``: a ``*`` in an operator position counts as ``+``, a lone
    ``x0``/``y0`` is dropped, the sign of a lone variable is ignored."""
    kind = "sgn" if kind == "sgn" else ""
    if not toks or not isinstance(toks[0], str):
        toks = ["+"] + list(toks)
    sign = -1 if toks[0] == "-" else 1
    if len(toks) >= 3 and not isinstance(toks[2], str):
        raise RuleError(f"rule string: {kind}(...) is not of the form [+-]var[+-]const")
    if len(toks) <= 2:
        t = toks[1] if len(toks) == 2 else None
        if not isinstance(t, tuple):
            raise RuleError(f"rule string: empty {kind}(...)")
        if t[0] == "var":
            return t[1], 0, 1, None
        if t[0] == "lit":
            return None, 0, sign, t[1]
        if t[0] == "dep":
            return None, 0, 1, None
        raise RuleError(f"rule string: {kind}(...) holds something other than one "
                        f"variable or literal (nested brackets are not modelled)")
    if len(toks) != 4:
        raise RuleError(f"rule string: {kind}(...) is not of the form [+-]var[+-]const")
    a, b = toks[1], toks[3]
    if isinstance(a, tuple) and a[0] in ("var", "dep") and isinstance(b, tuple) \
            and b[0] == "lit":
        var_sign, var, c_sign, lit = toks[0], a[1], toks[2], b[1]
    elif isinstance(b, tuple) and b[0] in ("var", "dep") and isinstance(a, tuple) \
            and a[0] == "lit":
        var_sign, var, c_sign, lit = toks[2], b[1], toks[0], a[1]
    else:
        raise RuleError(f"rule string: {kind}(...) is not of the form [+-]var[+-]const")
    const = lit.value * (-1 if c_sign == "-" else 1)
    if const != int(const):
        raise RuleError(f"rule string: non-integer constant {const} in {kind}(...)")
    flip = -1 if var_sign == "-" else 1
    return var, int(const) * flip, flip, None


def _product(target: str, toks: list) -> RuleProduct:
    dep, k, mant, exp, factors = None, None, 1, 0, []
    for t in toks:
        if t in ("+", "*"):
            continue
        if t == "-":
            mant = -mant
        elif t[0] == "u":
            if dep is not None:
                raise RuleError("rule string: 'u<k>' after another dependency in one "
                                "product is not modelled")
            dep, k = "u", t[1]
        elif t[0] == "dep":
            if dep is None:
                dep = t[1]
            else:
                factors.append(RuleFactor(t[1]))
        elif t[0] == "lit":
            mant, exp = mant * t[1].value_mant, exp + t[1].value_exp
        elif t[0] == "var":
            factors.append(RuleFactor(t[1]))
        else:
            var, const, sign, lit = _sub_expression(t[0], t[1])
            if t[0] == "sgn" and var not in SYNAPTIC:
                raise RuleError("rule string: sgn(..) applies only to w, d or t")
            if t[0] == "sgn" and sign < 0:
                raise RuleError("rule string: the variable in sgn(..) cannot be negative")
            mant *= sign
            if lit is not None:
                mant, exp = mant * lit.value_mant, exp + lit.value_exp
            elif var is not None:
                factors.append(RuleFactor(var, const, t[0] == "sgn"))
    if dep is None:
        raise RuleError(f"rule string: a {target} product has no dependency "
                        f"(x0, y0 or u<k>)")
    mant, exp = lava_scaling(mant, exp, f"rule string: {target}")
    return RuleProduct(target, dep, int(mant), int(exp), tuple(factors), k)


def lava_scaling(mant: int, exp: int, what: str = "product") -> tuple:
    """A scaling constant ``mant * 2^exp`` as Lava's engine applies it: an even
    mantissa above 7 in magnitude is halved (exponent + 1) while the exponent is
    below 8; ``RuleError`` (naming ``what``) if the result is not representable."""
    while abs(mant) > widths.MANT_MAX and mant % 2 == 0 and exp < widths.EXP_MAX:
        mant, exp = mant // 2, exp + 1
    if not widths.MANT_MIN <= mant <= widths.MANT_MAX:
        raise RuleError(f"{what} mantissa {mant} is not representable "
                        f"(-8..7 after halving even values)")
    if not widths.EXP_MIN <= exp <= widths.EXP_MAX:
        raise RuleError(f"{what} exponent {exp} is outside -7..8")
    return int(mant), int(exp)


def parse_rule(target: str, rule: str) -> tuple:
    """Products of one rule string (``target`` one of dw, dd, dt), in order."""
    if target not in TARGETS:
        raise RuleError(f"rule target must be one of {TARGETS}, got {target!r}")
    toks = _tokens(re.sub(" ", "", str(rule)))
    groups, cur = [], []
    for t in toks:
        if isinstance(t, str) and t in "+-" and cur:
            groups.append(cur)
            cur = [t]
        else:
            cur.append(t)
    groups.append(cur)
    return tuple(_product(target, g) for g in groups)


def parse_rules(dw: str | None = None, dd: str | None = None,
                dt: str | None = None) -> dict:
    """``{target: products}`` of the given rule strings (None = no rule), with
    Lava's checks across them: at least one rule, one decimation ``k``."""
    given = {t: s for t, s in zip(TARGETS, (dw, dd, dt)) if s is not None}
    if not given:
        raise RuleError("a learning rule needs at least one of dw, dd, dt")
    ks = {m for s in given.values() for m in re.findall(r"u[0-9]+", s)}
    if len(ks) > 1:
        raise RuleError(f"all u<k> dependencies of a rule set must share one k, got "
                        f"{sorted(ks)}")
    return {t: parse_rule(t, s) for t, s in given.items()}
