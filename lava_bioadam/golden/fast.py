"""The fast golden model: the integer network of :mod:`lava_bioadam.golden.network`
compiled with numba, bit-identical to it, with a replica axis.

:func:`run_fast` takes the arguments of :func:`~lava_bioadam.golden.network.run_l2`
and returns the same :class:`~lava_bioadam.golden.network.NetRun`;
:func:`run_fast_replicas` runs ``R`` independent networks (own initial weights,
random streams, data order) that share the rules, in one compiled loop.

How it is specialised: the module writes Python source for a network's
*structure* (the number of layers, and for each connection which products its
rules have, their dependencies and factors, from :mod:`lava_bioadam.engine.widths`)
into a cache folder (``$LAVA_BIOADAM_CACHE``, else ``$XDG_CACHE_HOME/lava-bioadam``
or ``~/.cache/lava-bioadam``, else a temporary folder), and numba compiles it with
``cache=True``. Every number of the rules (mantissas, exponents, constant products,
trace decay factors, the units' constants) is read at run time from
:class:`ConnConsts` and :class:`UnitConsts` arrays, so a new ``eta``, ``tau_m``,
``eps`` or range reuses the compiled code: one compilation (about 30 s) per
structure, then a load from the disk cache (under a second) in each new process.
``fold_constants=True`` writes the numbers into the source instead (one
compilation per setting). :func:`warm` compiles or loads ahead of the runs.

A product's saturation to the accumulator is always applied when the numbers are
data (the largest mantissa and exponent take every product out of range, and the
saturation changes nothing when the value is in range); folded code leaves it out
where :func:`_within_acc` proves the product in range.

Bit-exactness does not depend on the CPU: the units compute in integers only, and
every float operation of the traces (multiplication by a decay factor that numpy
computed, floor) is the numpy model's, in the same order. The per-sample loss (a
float diagnostic, not state) is computed by numpy from the output accumulators
afterwards.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path
from typing import Callable

import numpy as np

from lava_bioadam import codes
from lava_bioadam.engine import widths
from lava_bioadam.golden import fast_kernels, fast_norm
from lava_bioadam.golden.network import GoldenNetwork, NetRun, initial_weights, stack_records
from lava_bioadam.golden.run_loop import run_epochs

#: samples per compiled call (bounds the memory of the per-chunk inputs)
CHUNK = 512
#: the imports every generated module starts with (its kernels by their module name)
GENERATED_IMPORTS = ("import numpy as np\nfrom numba import njit\n"
                     "from lava_bioadam.golden import fast_kernels\n")
_FACTOR_INDEX = {"x1": 0, "x2": 1, "y1": 0, "y2": 1, "y3": 2}
#: a factor's part of a product: 0 x (pre unit), 1 y (post unit), 2 synapse
_FACTOR_PART = {"x1": 0, "x2": 0, "y1": 1, "y2": 1, "y3": 1, "w": 2, "t": 2, "d": 2}


# ----------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    """Writable folder for the generated modules (numba's cache sits beside them)."""
    cands = []
    if os.environ.get("LAVA_BIOADAM_CACHE"):
        cands.append(Path(os.environ["LAVA_BIOADAM_CACHE"]))
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cands += [Path(base) / "lava-bioadam",
              Path(tempfile.gettempdir()) / f"lava-bioadam-{os.getuid()}"]
    for d in cands:
        try:
            d.mkdir(parents=True, exist_ok=True)
            probe = d / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
            return d
        except OSError:
            continue
    raise OSError(f"no writable cache folder among {[str(c) for c in cands]}")


# ----------------------------------------------------------------------------- data
#: the arrays of one connection in the compiled code, ``C0.w``, ``C0.abuf``...:
#: ``w, t, d (n_post, n_pre, R)``; traces ``x1, x2, tx (n_pre, R)``, ``y (3, n_post,
#: R)``; ``abuf (n_post, R)`` what it sends; per epoch the trace histories ``xh
#: (T+1, 2, n_pre, R)``, ``yh (T+1, 3, n_post, R)``, the traces at the spike step
#: ``xk``, ``yk``, the selected pre units ``sel`` and each replica's ``first`` group
ConnState = namedtuple("ConnState", ("w", "t", "d", "x1", "x2", "tx", "y", "abuf", "xh",
                                     "yh", "xk", "yk", "sel", "first"))
#: the numbers of one connection's rules, read at run time: per product (rule
#: order) its mantissa ``mant``, left shift ``lsh`` (exponent + 7) and, for a
#: constant product (``u0``, no factors), its accumulator value ``cval`` (int32
#: arrays); the trace decay factors ``decay`` (cx1, cx2, cy; float64), whether
#: each x trace is live (``live``, tau != 0), and ``in_range`` (bool, 1): every
#: product is proven within the accumulator's range (:func:`_within_acc`), so the
#: learning epoch without the products' saturation gives the same result
ConnConsts = namedtuple("ConnConsts", ("mant", "lsh", "cval", "decay", "live", "in_range"))
#: the units' integer constants, one int64 array over layers 1..L each (index
#: ``l - 1``): the gains sent as y3, the bias payload, and the constants of
#: :class:`~lava_bioadam.rules.units.HiddenCode` / ``OutputCode``
UnitConsts = namedtuple("UnitConsts", ("g_in", "bias", "g_out", "a_one", "h_mant", "h_shift",
                                       "fb_max", "e_mant", "e_shift", "d_cap", "x_mant",
                                       "x_shift"))
_HIDDEN = ("a_one", "h_mant", "h_shift", "fb_max", "e_mant", "e_shift")
_OUTPUT = ("d_cap", "x_mant", "x_shift", "e_mant", "e_shift")


def _i32(v: int) -> int:
    """The int32 value numpy's wrapping int32 arithmetic gives for the integer ``v``."""
    return (int(v) + 2 ** 31) % 2 ** 32 - 2 ** 31


def _lsh(pr) -> int:
    """A product's left shift (bits): its exponent plus the engine's offset."""
    lsh = int(pr.exp) + widths.EXP_OFFSET
    if not 0 <= lsh < 32:
        raise ValueError(f"product exponent {pr.exp} outside the engine's range")
    return lsh


def _const_product(pr) -> int:
    """Accumulator value of a constant product (``u0``, no factors)."""
    v = _i32(_i32(int(pr.mant)) >> widths.product_shift(pr.factors) << _lsh(pr))
    return min(max(v, widths.ACC_MIN), widths.ACC_MAX)


def conn_consts(c, products=None) -> ConnConsts:
    """The numbers of a :class:`GoldenLearningDense`'s rules (or of ``products``, its
    rules padded by :func:`padded`) as :class:`ConnConsts`; the decay factors exactly
    as the numpy model computes them."""
    prods = c.products if products is None else products
    live = c.x_taus != 0
    cx = np.zeros(2)
    cx[live] = np.exp(-1 / c.x_taus[live][:, None])[:, 0]
    cy = np.exp(-1 / c.y_taus)[0, 0]
    return ConnConsts(
        np.array([int(p.mant) for p in prods], np.int32),
        np.array([_lsh(p) for p in prods], np.int32),
        np.array([_const_product(p) if p.dep == "u0" and not p.factors else 0
                  for p in prods], np.int32),
        np.array([cx[0], cx[1], cy]), live.astype(np.bool_),
        np.array([all(_within_acc(p, widths.product_shift(p.factors), _lsh(p)) for p in prods)]))


def unit_consts(nr) -> UnitConsts:
    """The units' integer constants of ``nr`` as :class:`UnitConsts`."""
    L, encs, units = nr.n_layers, nr.encodings("fixed"), nr.unit_codes()
    v = {f: np.zeros(L, np.int64) for f in UnitConsts._fields}
    gain = lambda enc: int(np.array([enc.g_scale]).astype(np.int32)[0])  # noqa: E731
    for l in range(1, L + 1):
        v["g_in"][l - 1] = gain(encs[l - 1])
        if l < L:
            v["g_out"][l - 1] = gain(encs[l])
            v["bias"][l - 1] = int((2 * np.array([np.rint(encs[l].h_scale)]))
                                   .astype(np.int32)[0])
        for f in (_HIDDEN if l < L else _OUTPUT):
            v[f][l - 1] = int(getattr(units[l - 1], f))
    return UnitConsts(**v)


#: the units' normaliser constants (rule family ``n2``), int64 arrays ``(2, L)``:
#: row 0 the activities into ``W_l`` (index ``l - 1``; 0 the inputs), row 1 the
#: errors of layer ``l``; fields of :class:`~lava_bioadam.rules.units.NormCode`
NormConsts = namedtuple("NormConsts", ("k", "eps_q", "mant", "shift"))


def norm_consts(nr) -> NormConsts | None:
    """The normaliser constants of ``nr`` as :class:`NormConsts`, or None where its
    units send plain codes."""
    n = nr.norm_codes()
    if n is None:
        return None
    return NormConsts(*(np.array([[getattr(c, f) for c in n[kind]] for kind in ("act", "err")],
                                 np.int64) for f in NormConsts._fields))


# ----------------------------------------------------------------------------- codegen
def _f(v: float) -> str:
    """Exact literal of a (finite) float: Python's repr reads back to the same double."""
    return repr(float(v))


def _clip(expr: str, lo: int, hi: int) -> str:
    """Source of ``expr`` saturated to ``lo..hi`` in int32."""
    return f"min(max({expr}, np.int32({lo})), np.int32({hi}))"


def _times(terms) -> str:
    """Source of the int32 product (wrapping, as numpy's) of the terms."""
    expr = terms[0]
    for t in terms[1:]:
        expr = f"np.int32({expr} * {t})"
    return f"np.int32({expr})"


def _split_product(pr) -> tuple:
    """A product's factors by what they vary with: ``(x, y, synapse)`` names. The x
    part (pre unit: x traces, the x0 condition) and the y part (post unit: y traces)
    are computed once per epoch, the synapse part (w, t, d) per synapse. int32
    multiplication that wraps is multiplication modulo 2^32, so a product does not
    depend on the order of its factors (the numpy model multiplies in rule order)."""
    if pr.dep not in ("x0", "u0"):
        raise ValueError(f"dependency {pr.dep!r} is not modelled by the fast golden model")
    parts = ([], [], [])
    for f in pr.factors:
        if f not in _FACTOR_PART:
            raise ValueError(f"factor {f!r} is not modelled by the fast golden model")
        parts[_FACTOR_PART[f]].append(f)
    return tuple(tuple(p) for p in parts)


def _within_acc(pr, shift: int, lsh: int) -> bool:
    """Whether a product's value is always within the accumulator's range, so that
    its saturation can be left out. Every factor is saturated to its clip range
    first; when no partial product can reach 2^31 in magnitude (in any order) nothing
    wraps, and interval arithmetic bounds the product exactly."""
    lo = hi = int(pr.mant)
    bound = max(1, abs(int(pr.mant)))
    for f in pr.factors:
        a, b = widths.factor_clip(f)
        bound *= max(abs(a), abs(b))
        cands = (lo * a, lo * b, hi * a, hi * b)
        lo, hi = min(cands), max(cands)
    if bound >= 2 ** 31:
        return False
    lo, hi = min(lo, 0), max(hi, 0)             # the x0 condition: a factor 0 or 1
    lo, hi = (lo >> shift) << lsh, (hi >> shift) << lsh
    return widths.ACC_MIN <= lo and hi <= widths.ACC_MAX


def _structure(products) -> tuple:
    """What the generated code of a rule set depends on when its numbers are data."""
    return tuple((p.target, p.dep, tuple(p.factors)) for p in products)


# ----------------------------------------------------------------------------- padding
# Settings of one rule family differ in structure here and there (a rounding
# compensation appears at some rates, a small decay goes through the third factor,
# a baseline's weight product drops its shift where the rate allows), and each
# structure is its own compilation. A product with mantissa 0 adds exactly 0 to
# the accumulator, which already holds a value within its range, so it changes no
# bit: rules padded with zero products to a common structure run bit-identically,
# and every setting of the family then runs one compiled module.
_TARGETS = ("dw", "dd", "dt")


def _slots(products) -> dict:
    """A rule set's structure per target: ``{target: ((dep, factors), ...)}``."""
    return {tg: tuple((p.dep, tuple(p.factors)) for p in products if p.target == tg)
            for tg in _TARGETS}


def _merge(a: tuple, b: tuple) -> tuple:
    """A shortest common supersequence of the slot sequences ``a`` and ``b``."""
    n, m = len(a), len(b)
    lcs = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            lcs[i][j] = (lcs[i + 1][j + 1] + 1 if a[i] == b[j]
                         else max(lcs[i + 1][j], lcs[i][j + 1]))
    out, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            out.append(a[i])
            i, j = i + 1, j + 1
        elif lcs[i + 1][j] >= lcs[i][j + 1]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return tuple(out) + a[i:] + b[j:]


def common_structure(rule_sets) -> tuple:
    """One structure that holds every network rules object of ``rule_sets`` (same
    depth and feedback mode): per connection (``W0..``, then ``B1..``) and target a
    common supersequence of their products' ``(dep, factors)``. Pass it as
    ``template`` to :func:`run_fast_replicas`, :func:`warm` or :func:`structure`:
    all of them then run one compiled module."""
    per = [[_slots(prods) for prods in nr.learning_products()] for nr in rule_sets]
    if not per or len({len(p) for p in per}) != 1:
        raise ValueError("common_structure needs rules of one network depth and feedback mode")
    out = []
    for m in range(len(per[0])):
        slots = {}
        for tg in _TARGETS:
            seq = ()
            for p in per:
                seq = _merge(seq, p[m][tg])
            slots[tg] = seq
        out.append(tuple((tg, slots[tg]) for tg in _TARGETS))
    return tuple(out)


def padded(products, slots) -> list | None:
    """``products`` padded with zero products (mantissa 0) to the structure ``slots``
    (one entry of :func:`common_structure`), in target order dw, dd, dt; None where
    the products are not a subsequence of it (they then run as they are)."""
    from lava_bioadam.engine.products import Product

    out, placed = [], 0
    for tg, seq in slots:
        mine = [p for p in products if p.target == tg]
        i = 0
        for dep, factors in seq:
            if i < len(mine) and (mine[i].dep, tuple(mine[i].factors)) == (dep, factors):
                out.append(mine[i])
                i += 1
            else:
                out.append(Product(tg, dep, factors, 0, 0, "padding (adds 0)"))
        placed += i
    return out if placed == len(products) else None


class _Products:
    """The products' parts of a learning epoch: the x parts ``G`` and y parts ``H``
    (keys ``(dep, factors, mantissa token)``) and the per-synapse body. A number is a
    token of the source: a literal (``fold``) or a local read from the run-time
    arrays (``M3`` mantissa, ``S3`` left shift, ``K3`` constant of product 3; ``P3``
    the mantissa times ``2^S3`` of a product without a right shift, one multiplier
    for both). ``in_range``: leave out the products' saturation (for numbers that
    :func:`_within_acc` proves in range at run time)."""

    def __init__(self, products, fold: bool, in_range: bool = False):
        self.fold, self.in_range = fold, in_range
        self.xkeys, self.ykeys, self.used = [], [], set()
        self.body, self.news = [], []
        for var in ("w", "d", "t"):
            prods = [(q, p) for q, p in enumerate(products) if p.target == "d" + var]
            if prods:
                self._target(var, prods)

    def _key(self, keys: list, key) -> int:
        if key not in keys:
            keys.append(key)
        return keys.index(key)

    def _target(self, var: str, prods) -> None:
        body = self.body
        body.append(f"acc = np.int32(s_{var} << {widths.ACC_SHIFT})")
        for q, pr in prods:
            body.extend(self._product(q, pr))
        if var == "d":
            body.append("acc = max(ZERO, acc)")
        lo, hi = {"w": (widths.W_MIN, widths.W_MAX), "d": (widths.D_MIN, widths.D_MAX),
                  "t": (widths.T_MIN, widths.T_MAX)}[var]
        body.append(f"n_{var} = fast_kernels.round_saturate(acc, thr, np.int32({lo}), "
                    f"np.int32({hi}))")
        self.news.append(var)

    def _product(self, q: int, pr) -> list:
        """Source lines adding product ``q`` to ``acc``."""
        xs, ys, vs = _split_product(pr)
        shift, lsh = widths.product_shift(pr.factors), _lsh(pr)
        if pr.dep == "u0" and not pr.factors:            # a constant product
            c = f"np.int32({_const_product(pr)})" if self.fold else f"K{q}"
            return [f"acc = np.int32(min(max(acc + {c}, ACC_LO), ACC_HI))"]
        if self.fold:
            mant = None if pr.mant == 1 else f"np.int32({int(pr.mant)})"
        else:
            mant = f"P{q}" if shift == 0 else f"M{q}"
        terms = []
        if pr.dep == "x0" or xs:             # x part, with the mantissa if no y part
            terms.append(f"G{self._key(self.xkeys, (pr.dep, xs, None if ys else mant))}")
            mant = mant if ys else None
        if ys:                                # y part, with the mantissa
            terms.append(f"H{self._key(self.ykeys, (pr.dep, ys, mant))}")
            mant = None
        self.used.update(vs)
        out = [f"c = {_times(terms + [f'f_{f}' for f in vs] + ([mant] if mant else []))}"]
        if shift:
            out.append(f"c = np.int32(c >> {shift})")
        if not self.fold and shift:  # lsh < 32: the mask says so, keeps the shift int32
            out.append(f"c = np.int32(c << (S{q} & 31))")
        elif self.fold and lsh:
            out.append(f"c = np.int32(c << {lsh})")
        if not (self.in_range or self.fold and _within_acc(pr, shift, lsh)):
            out.append("c = min(max(c, ACC_LO), ACC_HI)")
        return out + ["acc = np.int32(min(max(np.int32(acc + c), ACC_LO), ACC_HI))"]

    def x_part(self, n_: int) -> str:
        """Source of ``g2[n_, q]``: an x part of pre unit ``q``."""
        dep, xs, mant = self.xkeys[n_]
        src = "xk2" if dep == "x0" else "xT2"
        terms = (["on"] if dep == "x0" else []) + [
            _clip(f"{src}[{_FACTOR_INDEX[f]}, q]", *widths.factor_clip(f)) for f in xs]
        terms += [mant] if mant else ([] if terms else ["np.int32(1)"])
        return f"g2[{n_}, q] = {_times(terms)}"

    def y_part(self, n_: int) -> str:
        """Source of ``h[n_, j, r]``: a y part of post unit ``j``."""
        dep, ys, mant = self.ykeys[n_]
        src = "yk" if dep == "x0" else "yT"
        terms = [_clip(f"{src}[{_FACTOR_INDEX[f]}, j, r]", *widths.factor_clip(f)) for f in ys]
        return f"h[{n_}, j, r] = {_times(terms + ([mant] if mant else []))}"

    def synapse_body(self) -> list:
        """The per-synapse lines, ``{A}``/``{S}``/``{P}`` left to format: read the
        state and the x parts, saturate the factors, add the products, write back
        where selected (a blend with the mask ``G{nx}``, not a branch)."""
        nx = len(self.xkeys)
        return ([f"s_{v} = {v}{{A}}[{{S}}]" for v in ("w", "t", "d")]
                + [f"G{n_} = g{{A}}[{n_}, {{P}}]" for n_ in range(nx + 1)]
                + [f"f_{f} = {_clip(f's_{f}', *widths.factor_clip(f))}" for f in sorted(self.used)]
                + self.body
                + [f"{v}{{A}}[{{S}}] = s_{v} ^ ((s_{v} ^ n_{v}) & G{nx})" for v in self.news])


def _learn_source(name: str, products, fold: bool = False, in_range: bool = False) -> str:
    """A compiled learning epoch of one connection with these products, for the
    synapses whose pre unit is selected (``sel``, or all): traces at the spike
    step ``xk (2, n_pre, R)``, ``yk (3, n_post, R)`` and at the epoch's end
    ``xT``, ``yT`` (see :func:`fast_kernels.spike_group`); the products' numbers
    from ``mant``, ``lsh``, ``cval`` (:class:`ConnConsts`), or, with ``fold``, from
    ``products`` as literals (then the arrays are not read). ``in_range``: without
    the products' saturation (see :class:`_Products`).

    The x parts of the products (with the x0 condition) and the selection mask go
    into ``g (n_x + 1, n_pre R)``, the y parts (times the mantissa) into
    ``h (n_y, n_post, R)``; the synapse loop then runs over the contiguous axis
    ``n_pre R``, branch-free and in int32, so that LLVM vectorises it."""
    P = _Products(products, fold, in_range)
    nx, nh = len(P.xkeys), len(P.ykeys)
    out = ["@njit(cache=True)",
           f"def {name}(w, t, d, tx, xk, yk, xT, yT, sel, all_sel, thr, mant, lsh, cval):",
           "    n_post, n_pre, R = w.shape",
           "    M = n_pre * R",
           f"    ACC_LO, ACC_HI = np.int32({widths.ACC_MIN}), np.int32({widths.ACC_MAX})",
           "    ZERO = np.int32(0)"]
    if not fold:
        out += [f"    M{q}, S{q}, K{q} = mant[{q}], lsh[{q}], cval[{q}]"
                for q in range(len(products))]
        out += [f"    P{q} = np.int32(M{q} << (S{q} & 31))" for q, p in enumerate(products)
                if widths.product_shift(p.factors) == 0]
    out += [f"    {a}2 = {a}.reshape(n_post, M)" for a in ("w", "t", "d")]
    out += ["    tx1, sel1 = tx.reshape(M), sel.reshape(M)",
            "    xk2, xT2 = xk.reshape(2, M), xT.reshape(2, M)",
            f"    g2 = np.empty(({nx + 1}, M), np.int32)",
            f"    h = np.empty(({max(1, nh)}, n_post, R), np.int32)",
            "    for q in range(M):",
            "        on = np.int32(1 if tx1[q] > 0 else 0)"]
    out += ["        " + P.x_part(n_) for n_ in range(nx)]
    out.append(f"        g2[{nx}, q] = -1 if all_sel or sel1[q] != 0 else 0")
    if nh:
        out += ["    for j in range(n_post):", "        for r in range(R):"]
        out += ["            " + P.y_part(n_) for n_ in range(nh)]
    return "\n".join(out + _synapse_loops(P.synapse_body(), nx, nh)) + "\n"


def _synapse_loops(body: list, nx: int, nh: int) -> list:
    """The synapse loop over the contiguous axis. One replica: a row's synapses, the
    y parts scalars. Fewer than REPLICA_LANES (fast_kernels) replicas: a row's
    synapses times its replicas, the y parts a row repeated along that axis (a loop
    over so few replicas would not vectorise). More: the replicas of one synapse."""
    ind = " " * 16
    lanes = fast_kernels.REPLICA_LANES
    flat = [ln.format(A="2", S="j, q", P="q") for ln in body]
    nested = [ln.format(A="", S="j, i, r", P="i, r") for ln in body]
    out = [f"    g = g2.reshape({nx + 1}, n_pre, R)",
           f"    hr = np.empty(({max(1, nh)}, M if R < {lanes} else 1), np.int32)",
           "    for j in range(n_post):", "        if R == 1:"]
    out += [f"            H{n_} = h[{n_}, j, 0]" for n_ in range(nh)]
    out += ["            for q in range(M):"] + [ind + ln for ln in flat]
    out += [f"        elif R < {lanes}:"]
    if nh:
        out += ["            for i in range(n_pre):", "                for r in range(R):"]
        out += [ind + f"    hr[{n_}, i * R + r] = h[{n_}, j, r]" for n_ in range(nh)]
    out += ["            for q in range(M):"]
    out += [ind + f"H{n_} = hr[{n_}, q]" for n_ in range(nh)]
    out += [ind + ln for ln in flat]
    out += ["        else:", "            for i in range(n_pre):", "                for r in range(R):"]
    out += [ind + f"    H{n_} = h[{n_}, j, r]" for n_ in range(nh)]
    out += [ind + "    " + ln for ln in nested]
    return out


class _Spec:
    """What the generated source of a network depends on: the number of layers, the
    rule structure of each connection and, with ``fold``, every number besides."""

    def __init__(self, nr, net: GoldenNetwork, fold: bool = False, template=None):
        self.nr, self.fold = nr, bool(fold)
        self.L, self.T = nr.n_layers, nr.t_sample
        self.conns = list(net.W) + [c for c in net.B if c is not None]   # W0.., B1..
        if template is not None and len(template) != len(self.conns):
            raise ValueError(f"template is for {len(template)} connections, the network "
                             f"has {len(self.conns)}")
        prods = [list(c.products) for c in self.conns]
        if template is not None and not self.fold:
            prods = [padded(p, slots) or p for p, slots in zip(prods, template)]
        self.rule_of, self.rule_sets = [], []
        seen = []
        for p in prods:
            key = tuple(p) if self.fold else _structure(p)
            if key not in seen:
                seen.append(key)
                self.rule_sets.append(tuple(p))
            self.rule_of.append(seen.index(key))
        self.kc = tuple(conn_consts(c, p) for c, p in zip(self.conns, prods))
        self.units = unit_consts(nr)
        self.nc = norm_consts(nr)

    def _num(self, name: str, literal, expr: str) -> str:
        """``name = <the number>``: a literal when folded, else read from the data."""
        return f"    {name} = {literal if self.fold else expr}"

    def _constants(self) -> list:
        """Locals of every number the network step reads (the units' constants, the
        decay factors), named as in :class:`UnitConsts` / :class:`ConnConsts`."""
        U, out = self.units, []
        for l in range(1, self.L + 1):
            for f in ("g_in",) + (("bias", "g_out") + _HIDDEN if l < self.L else _OUTPUT):
                out.append(self._num(f"{f.upper()}_{l}", int(getattr(U, f)[l - 1]),
                                     f"U.{f}[{l - 1}]"))
        for m, kc in enumerate(self.kc):
            for i, nm in enumerate(("CX1", "CX2", "CY")):
                out.append(self._num(f"{nm}_{m}", _f(kc.decay[i]), f"KC[{m}].decay[{i}]"))
            for i in range(2):
                out.append(self._num(f"LIVE{i + 1}_{m}", bool(kc.live[i]), f"KC[{m}].live[{i}]"))
            if not self.fold:
                out.append(f"    IN_RANGE_{m} = KC[{m}].in_range[0]")
        if self.nc is not None:
            for row, kind in enumerate(("ACT", "ERR")):
                for i in range(self.L):
                    for f in NormConsts._fields:
                        out.append(self._num(f"{kind}_{f.upper()}_{i}",
                                             int(getattr(self.nc, f)[row, i]),
                                             f"NC.{f}[{row}, {i}]"))
        return out

    def _norm(self, kind: str, i: int) -> str:
        """The constants of normaliser ``kind`` (``ACT``/``ERR``) ``i``, as arguments."""
        return ", ".join(f"{kind}_{f.upper()}_{i}" for f in NormConsts._fields)

    def _unit_steps(self) -> list:
        """Step ``k`` of the output and hidden units (errors, activities, the third
        factors each sends to its connections)."""
        L, sch, I = self.L, self.nr.schedule, " " * 12
        errL, C = sch["err_step"][L], f"C{L - 1}"
        out = [I + f"sent_e{L} = k == {errL}",
               I + f"if sent_e{L}:",
               I + f"    fast_kernels.output_error({C}.abuf, labels[s], D_CAP_{L}, X_MANT_{L}, "
                   f"X_SHIFT_{L}, E_MANT_{L}, E_SHIFT_{L}, oE, oe, zs[s], preds[s])"]
        oE = "oE"
        if self.nc is not None:     # the output's normalised errors, sent at errL + 1
            out.append(I + f"sent_e{L} = fast_norm.norm_send(k, {errL}, oE, False, nu[3][0], "
                           f"nu[0][0], {self._norm('ERR', L - 1)}, nu[3][1], oe) or sent_e{L}")
            oE = "nu[3][1]"
        out.append(I + f"fast_kernels.third_factors({C}.y, k, {errL}, True, {oE}, G_IN_{L})")
        for l in range(1, L):
            fb = f"C{L + l - 1}"
            H, E, so, eo = (f"hu[{l - 1}][{q}]" for q in range(4))
            consts = ", ".join(f"{f.upper()}_{l}" for f in ("a_one", "h_mant", "h_shift"))
            consts += f", BIAS_{l}, " + ", ".join(f"{f.upper()}_{l}" for f in _HIDDEN[3:])
            out += [I + f"sent_s{l}, sent_e{l} = fast_kernels.hidden_step("
                        f"k, {sch['fwd_step'][l]}, "
                        f"{sch['err_step'][l]}, C{l - 1}.abuf, {fb}.abuf, ha[{l - 1}], {H}, "
                        f"{E}, {so}, {eo}, {consts})"]
            if self.nc is not None:
                # normalised activities (with the bias unit) and errors, each sent one
                # step after the plain payload; the third factors carry them
                nu = f"nu[2][{l - 1}]"
                out += [I + f"sent_s{l} = fast_norm.norm_send(k, {sch['fwd_step'][l]}, {so}, "
                            f"True, {nu}[0], nu[0][0], {self._norm('ACT', l)}, {nu}[1], {so}) "
                            f"or sent_s{l}",
                        I + f"sent_e{l} = fast_norm.norm_send(k, {sch['err_step'][l]}, {E}, "
                            f"False, {nu}[2], nu[0][0], {self._norm('ERR', l - 1)}, {nu}[3], "
                            f"{eo}) or sent_e{l}"]
                E, H = f"{nu}[3]", f"{nu}[1][:-1]"
            out += [I + f"fast_kernels.third_factors(C{l - 1}.y, k, {sch['err_step'][l]}, True, "
                        f"{E}, G_IN_{l})",
                    I + f"fast_kernels.third_factors({fb}.y, k, {sch['fwd_step'][l]}, False, {H}, "
                        f"G_OUT_{l})"]
        return out

    def _conn_steps(self) -> list:
        """Step ``k`` of every connection, with the payload it receives this step."""
        L, I = self.L, " " * 12
        step = lambda c, src, has, signed: (  # noqa: E731
            I + f"fast_kernels.conn_step({c}.w, {c}.x1, {c}.x2, {c}.tx, {c}.abuf, {src}, "
                f"{has}, k, {signed})")
        if self.nc is None:
            out = [step("C0", "payload[s]", "k == 1", False)]
        else:   # the inputs' normalised payload at step 2
            out = [I + "sent_in = fast_norm.norm_send(k, 1, payload[s], True, nu[1][0], "
                       f"nu[0][0], {self._norm('ACT', 0)}, nu[1][1], nu[1][2])",
                   step("C0", "payload[s] if k == 1 else nu[1][2]", "k == 1 or sent_in", False)]
        out += [step(f"C{l}", f"hu[{l - 1}][2]", f"sent_s{l}", False) for l in range(1, L)]
        out += [step(f"C{L + m - 1}", "oe" if m + 1 == L else f"hu[{m}][3]",
                     f"sent_e{m + 1}", True) for m in range(1, L)]
        return out

    def _epoch(self, m: int) -> list:
        """Connection ``m``'s learning epoch at the sample's last step: trace
        histories, then the products for each group of pre units by spike step."""
        I, T, c = " " * 16, self.T, f"C{m}"
        layer = m if m < self.L else m - self.L + 1
        head = [f"fast_kernels.histories({c}.x1, {c}.x2, {c}.tx, {c}.y, {c}.xh, {c}.yh, {c}.xk, "
                f"CX1_{m}, CX2_{m}, CY_{m}, LIVE1_{m}, LIVE2_{m}, xr[s, {layer}], "
                f"yr[s, {layer}])",
                f"for v in range(1, {T + 1}):",
                f"    some, every = fast_kernels.spike_group({c}.tx, {c}.yh, v, {c}.sel, {c}.yk, "
                f"{c}.first)",
                "    if some:"]
        learn = ["        " + line for line in self._learn_call(m)]
        return [I + line for line in head + learn + [f"{c}.tx[:, :] = 0"]]

    def _learn_call(self, m: int) -> list:
        """Connection ``m``'s learning epoch: with the numbers as data, the code
        without the products' saturation where the numbers prove it needless."""
        c, T = f"C{m}", self.T
        args = (f"({c}.w, {c}.t, {c}.d, {c}.tx, {c}.xk, {c}.yk, {c}.xh[{T}], {c}.yh[{T}], "
                f"{c}.sel, every, thr, KC[{m}].mant, KC[{m}].lsh, KC[{m}].cval)")
        name = f"learn_{self.rule_of[m]}"
        if self.fold:
            return [name + args]
        return [f"if IN_RANGE_{m}:", f"    {name}_in_range{args}", "else:", f"    {name}{args}"]

    def source(self) -> str:
        g = [GENERATED_IMPORTS]
        norm = self.nc is not None
        if norm:
            g.append("from lava_bioadam.golden import fast_norm\n")
        for q, prods in enumerate(self.rule_sets):
            g.append(_learn_source(f"learn_{q}", prods, self.fold))
            if not self.fold:
                g.append(_learn_source(f"learn_{q}_in_range", prods, False, True))
        r = ["@njit(cache=True)",
             "def run(n, payload, labels, xr, yr, cr, zs, preds, conns, ha, hu, out, KC, U"
             + (", nu, NC):" if norm else "):"),
             "    oE, oe = out"]
        r += [f"    C{m} = conns[{m}]" for m in range(len(self.conns))]
        r += self._constants()
        r += ["    for s in range(n):",
              f"        for k in range(1, {self.T + 1}):",
              "            if k == 1:",
              "                oE[:, :] = 0"]
        if norm:    # every normaliser updates once per sample: the count of samples
            r.append("                nu[0][0] += 1")
        r += self._unit_steps() + self._conn_steps()
        r += [f"            if k == {self.T}:",
              "                thr = fast_kernels.round_threshold(cr[s])"]
        for m in range(len(self.conns)):
            r += self._epoch(m)
        return "\n".join(g + r) + "\n"


_MODULES: dict = {}     # source key -> the loaded module
_READY: set = set()     # keys whose code this process has compiled or loaded


def compiled(spec: _Spec):
    """The generated module of ``spec`` (written once per source, loaded once per
    process; numba compiles or loads its functions at their first call)."""
    src = spec.source()
    import numba

    kern = Path(fast_kernels.__file__).read_bytes()
    if getattr(spec, "nc", None) is not None:       # an n2 network's code calls fast_norm
        kern += Path(fast_norm.__file__).read_bytes()
    key = hashlib.sha256(src.encode() + kern + numba.__version__.encode()).hexdigest()[:16]
    if key in _MODULES:
        return _MODULES[key]
    d = cache_dir()
    path = d / f"fastnet_{key}.py"
    if not path.exists() or path.read_text() != src:
        tmp = d / f".fastnet_{key}.{os.getpid()}.tmp"
        tmp.write_text(src)
        os.replace(tmp, path)
    name = f"lava_bioadam_fastnet_{key}"
    spec_ = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec_)
    sys.modules[name] = mod
    spec_.loader.exec_module(mod)
    mod.FASTNET_KEY = key
    _MODULES[key] = mod
    return mod


def is_cached(mod, function: str = "run") -> bool:
    """Whether numba's disk cache holds the compiled ``function`` of ``mod`` (the
    network step; a later process loads it in well under a second instead of
    compiling)."""
    path = Path(mod.__file__)
    roots = [path.parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        roots.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    pattern = f"{path.stem}.{function}-*.nbi"
    return any(any(r.rglob(pattern)) for r in roots if r.is_dir())


def structure(nr, fold_constants: bool = False, template=None) -> tuple[str, bool]:
    """``(key, cached)``: the key of the compiled module that runs ``nr`` (one per
    network depth and rule structure, or per ``template``, see
    :func:`common_structure`) and whether numba's disk cache already holds its
    compiled code; nothing is compiled. Lets a caller compile each structure once,
    for example in parallel workers, before many runs of it."""
    W0, B0 = initial_weights(nr, 0)
    mod = compiled(_Spec(nr, GoldenNetwork(nr, W0, B0, 0), fold_constants, template))
    return mod.FASTNET_KEY, mod.FASTNET_KEY in _READY or is_cached(mod)


def describe(nr) -> str:
    """``64-64-10, family n1``: the network a compiled module is for."""
    return f"{'-'.join(map(str, nr.sizes))}, family {nr.forward[0].family}"


# ----------------------------------------------------------------------------- driver
class FastNetwork:
    """``R`` replicas of the integer network in compiled form.

    nr: the rules (shared); W0s, B0s: per replica physical initial weights (as
    :func:`~lava_bioadam.golden.network.initial_weights`); rng_seeds: per replica
    trace-stream seeds (``run_l2``'s ``rng_seed``). The initial state is taken from
    :class:`GoldenNetwork` objects, so both models start identically.
    fold_constants: compile the rules' numbers into the code (one compilation per
    setting, for long single runs) instead of reading them at run time (one
    compilation per network depth and rule structure, the default).
    template: run the rules padded to this structure (:func:`common_structure`), so
    that settings of other structures share the compiled module (bit-identical);
    ignored with ``fold_constants``, whose code is per setting anyway.
    ``startup``: what getting the compiled code took (see :func:`warm`).
    """

    def __init__(self, nr, W0s, B0s, rng_seeds, fold_constants: bool = False,
                 template=None):
        t0 = time.perf_counter()
        self.nr = nr
        self.R = R = len(rng_seeds)
        if not (len(W0s) == len(B0s) == R) or R < 1:
            raise ValueError("need one W0, B0 and rng_seed per replica (at least one)")
        nets = [GoldenNetwork(nr, W0s[r], B0s[r], int(rng_seeds[r])) for r in range(R)]
        self.spec = _Spec(nr, nets[0], fold_constants, template)
        self.L, self.T = nr.n_layers, nr.t_sample
        self.uses_x2 = [c.uses_x2 for c in self.spec.conns]
        self.conns = tuple(self._conn_state([(list(n.W) + [c for c in n.B if c is not None])[m]
                                             for n in nets])
                           for m in range(len(self.spec.conns)))
        sizes = nr.sizes
        self.ha = tuple(np.zeros((sizes[l], R), np.int32) for l in range(1, self.L))
        self.hu = tuple((np.zeros((sizes[l], R), np.int32), np.zeros((sizes[l], R), np.int32),
                         np.zeros((sizes[l] + 1, R), np.int32),
                         np.zeros((sizes[l], R), np.int32)) for l in range(1, self.L))
        self.out = (np.zeros((sizes[-1], R), np.int32), np.zeros((sizes[-1], R), np.int32))
        # n2: the normalisers' state: (sample count,), (inputs: s, normalised codes,
        # payload), per hidden layer (activities: s, codes; errors: s, codes), output
        z64 = lambda n: np.zeros((n, R), np.int64)  # noqa: E731
        z32 = lambda n: np.zeros((n, R), np.int32)  # noqa: E731
        self.nu = None if self.spec.nc is None else (
            np.zeros(1, np.int64), (z64(sizes[0] + 1), z32(sizes[0] + 1), z32(sizes[0] + 1)),
            tuple((z64(sizes[l] + 1), z32(sizes[l] + 1), z64(sizes[l]), z32(sizes[l]))
                  for l in range(1, self.L)),
            (z64(sizes[-1]), z32(sizes[-1])))
        self.encs = nr.encodings("fixed")
        n_adv = self.T * widths.RANDOM_ADVANCES_PER_STEP
        self._n_adv = n_adv
        # the trace and synaptic-variable streams of the numpy model's connections,
        # as they stand after construction (a layer's twins draw the same streams)
        self._x_rng = [[n.W[l]._x_rng for n in nets] for l in range(self.L)]
        self._y_rng = [[n.W[l]._y_rng for n in nets] for l in range(self.L)]
        self._c_rng = nets[0].W[0]._c_rng
        self.mod = compiled(self.spec)
        self.startup = self._ready(t0)

    def _conn_state(self, per) -> ConnState:
        """The compiled code's state of one connection from its replicas' numpy models."""
        R, T = len(per), self.T
        n_post, n_pre = per[0].shape
        st = {a: np.stack([np.asarray(getattr(c, a)) for c in per], -1).astype(np.int32)
              for a in ("w", "t", "d", "x1", "x2", "tx", "y")}
        z = lambda *s: np.zeros(s, np.int32)  # noqa: E731
        return ConnState(**st, abuf=z(n_post, R), xh=z(T + 1, 2, n_pre, R),
                         yh=z(T + 1, 3, n_post, R), xk=z(2, n_pre, R), yk=z(3, n_post, R),
                         sel=z(n_pre, R), first=z(R))

    def _ready(self, t0: float) -> dict:
        """Compile the network step or load it from the disk cache (numba does either
        at the first call: a call over no samples), once per process and module. A
        compilation is announced on stderr. Returns ``{"seconds", "compiled",
        "cache", "fold_constants"}``: the time since ``t0``, whether this call
        compiled."""
        key, compiling = self.mod.FASTNET_KEY, False
        if key not in _READY:
            compiling = not is_cached(self.mod)
            if compiling:
                what = "with its constants compiled in" if self.spec.fold else (
                    "once per shape; cached in " + str(Path(self.mod.__file__).parent))
                print(f"compiling the emulator for {describe(self.nr)} ({what})",
                      file=sys.stderr, flush=True)
            m0, R = self.nr.sizes, self.R
            self._call(np.zeros((0, m0[0] + 1, R), np.int32), np.zeros((0, R), np.int64),
                       np.zeros((0, self.L, R)), np.zeros((0, self.L, R)), np.zeros(0),
                       np.zeros((0, m0[-1], R), np.int64), np.zeros((0, R), np.int64))
            _READY.add(key)
        return {"seconds": round(time.perf_counter() - t0, 3), "compiled": compiling,
                "cache": str(Path(self.mod.__file__).parent),
                "fold_constants": self.spec.fold}

    def _call(self, payload, labels, xr, yr, cr, zs, preds) -> None:
        extra = () if self.nu is None else (self.nu, self.spec.nc)
        self.mod.run(len(payload), payload, labels, xr, yr, cr, zs, preds, self.conns,
                     self.ha, self.hu, self.out, self.spec.kc, self.spec.units, *extra)

    def __getstate__(self):
        """Picklable (a checkpoint): everything but the compiled module."""
        st = dict(self.__dict__)
        st.pop("mod")
        return st

    def __setstate__(self, st):
        self.__dict__.update(st)
        self.mod = compiled(self.spec)     # from the disk cache
        self.startup = self._ready(time.perf_counter())

    def _streams(self, m: int):
        """The next ``m`` samples' epoch random numbers: trace streams
        ``(m, L, R)`` (x and y) and the synaptic-variable stream ``(m,)``."""
        def draw(rngs):
            out = np.empty((m, self.L, self.R))
            for l, row in enumerate(rngs):
                for r, g in enumerate(row):
                    out[:, l, r] = g.random(m * self._n_adv)[self._n_adv - 1::self._n_adv]
            return out
        return draw(self._x_rng), draw(self._y_rng), self._c_rng.random(m)

    def run_chunk(self, payload, labels):
        """Present ``m`` samples: ``payload (m, n_0 + 1, R)`` ints (with bias),
        ``labels (m, R)``. Returns ``(pred (m, R), A (m, n_L, R))``, ``A`` the output
        accumulators."""
        m = payload.shape[0]
        xr, yr, cr = self._streams(m)
        payload = np.ascontiguousarray(payload, dtype=np.int32)
        labels = np.ascontiguousarray(labels, dtype=np.int64)
        zs = np.zeros((m, self.nr.sizes[-1], self.R), dtype=np.int64)
        preds = np.zeros((m, self.R), dtype=np.int64)
        self._call(payload, labels, xr, yr, cr, zs, preds)
        return preds, zs

    def snapshot(self, r: int = 0) -> dict:
        """Replica ``r``'s state in :meth:`GoldenNetwork.snapshot`'s form."""
        out = []
        for m, c in enumerate(self.conns):
            i64 = lambda a: a.astype(np.int64)  # noqa: E731  (the numpy model's dtypes)
            snap = {"weights": c.w[..., r].copy(), "tag_1": i64(c.t[..., r]),
                    "tag_2": i64(c.d[..., r]), "x1": i64(c.x1[..., r]),
                    "y1": i64(c.y[0, :, r]), "y2": i64(c.y[1, :, r]),
                    "y3": i64(c.y[2, :, r])}
            if self.uses_x2[m]:
                snap["x2"] = i64(c.x2[..., r])
            out.append(snap)
        return {"W": out[:self.L], "B": [None] + out[self.L:]}

    def weights(self, r: int = 0):
        snap = self.snapshot(r)
        return ([c["weights"] for c in snap["W"]],
                [None if c is None else c["weights"] for c in snap["B"]])


def _loss(acc, labels, enc) -> np.ndarray:
    """Per-sample cross-entropy from the output accumulators ``acc (n, n_out)``
    (numpy, as ``codes.OutputUnits``)."""
    p = codes.softmax(codes.decode_forward(acc, enc))
    return -np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-300))


def run_fast_replicas(nr, x, labels, W0s, B0s, rng_seeds, record: bool = False,
                      epoch_size: int | None = None, on_epoch: Callable | None = None,
                      chunk: int = CHUNK,
                      progress: Callable | None = None, on_checkpoint: Callable | None = None,
                      state: dict | None = None, fold_constants: bool = False,
                      template=None) -> list:
    """``R`` independent runs of the golden model in one compiled loop.

    x: samples ``(n, n_0)`` shared by all replicas or ``(R, n, n_0)``; labels ``(n,)``
    or ``(R, n)``; W0s, B0s, rng_seeds: one per replica. ``on_epoch(r, W, B)`` is
    called for every replica every ``epoch_size`` samples. Returns one
    :class:`NetRun` per replica, each equal to ``run_l2`` of that replica.
    ``progress(samples_done, correct)`` (replica 0) after every compiled chunk;
    ``on_checkpoint(state)`` after the ``on_epoch`` calls of an epoch: passing
    ``state`` back (same arguments) continues the run bit for bit.
    ``fold_constants``, ``template``: see :class:`FastNetwork`. Each run's
    ``meta["emulator_startup"]``
    says what getting the compiled code took (:func:`warm`).
    """
    R = len(rng_seeds)
    x, labels = np.asarray(x), np.asarray(labels)
    xs = [x] * R if x.ndim == 2 else list(x)
    ls = [labels] * R if labels.ndim == 1 else list(labels)
    if len(xs) != R or len(ls) != R:
        raise ValueError(f"need samples and labels for each of the {R} replicas")
    for xr_, lr_ in zip(xs, ls):
        nr.check_inputs(xr_, lr_)
    n = len(ls[0])
    if any(len(lr_) != n for lr_ in ls):
        raise ValueError("every replica needs the same number of samples")
    lab = np.stack(ls, -1).astype(np.int64)                     # (n, R)
    if state is None:
        net = FastNetwork(nr, W0s, B0s, rng_seeds, fold_constants, template)
        s = 0
        preds = np.zeros((n, R), dtype=np.int64)
        zs = np.zeros((n, nr.sizes[-1], R), dtype=np.int64)
    else:
        net, s = state["net"], int(state["done"])
        preds, zs = state["pred"].copy(), state["z"].copy()
        if net.R != R or preds.shape != (n, R):
            raise ValueError("the state is of another run (replicas or samples differ)")
    records = [[] for _ in range(R)]

    def advance(s, e):
        pay = np.stack([codes.input_payload(xr_[s:e], net.encs[0], True) for xr_ in xs], -1)
        preds[s:e], zs[s:e] = net.run_chunk(pay, lab[s:e])
        if record:
            for r in range(R):
                records[r].append(net.snapshot(r))
        return int((preds[:e, 0] == lab[:e, 0]).sum()) if progress else None

    per_epoch = run_epochs(
        n, advance, start=s, step=1 if record else chunk, epoch_size=epoch_size,
        progress=progress,
        on_epoch=on_epoch and (lambda done: [on_epoch(r, *net.weights(r)) for r in range(R)]),
        on_checkpoint=on_checkpoint,
        checkpoint=lambda done: {"net": net, "done": done, "pred": preds, "z": zs})
    epochs = [[ep[r] for ep in per_epoch] for r in range(R)]
    runs = []
    for r in range(R):
        run = NetRun(preds[:, r].copy(), _loss(zs[:, :, r], lab[:, r], net.encs[-1]),
                     net.snapshot(r), epochs=epochs[r],
                     meta={"emulator_startup": dict(net.startup)})
        if record:
            run.states = stack_records(records[r])
        runs.append(run)
    return runs


def run_fast(nr, x, labels, W0, B0, rng_seed: int = 0, record: bool = False,
             epoch_size: int | None = None, on_epoch: Callable | None = None,
             progress: Callable | None = None, on_checkpoint: Callable | None = None,
             state: dict | None = None, fold_constants: bool = False,
             template=None) -> NetRun:
    """:func:`~lava_bioadam.golden.network.run_l2`, compiled: same arguments, same
    :class:`NetRun` (integer state bit-identical; loss equal to round-off).
    ``progress`` is called after every compiled chunk instead of every sample;
    ``on_checkpoint`` and ``state`` work as in ``run_l2`` (their states are not
    interchangeable); ``fold_constants``, ``template`` as :class:`FastNetwork`."""
    cb = (lambda r, Wl, Bl: on_epoch(Wl, Bl)) if on_epoch else None
    return run_fast_replicas(nr, x, labels, [W0], [B0], [rng_seed], record, epoch_size,
                             cb, progress=progress, on_checkpoint=on_checkpoint,
                             state=state, fold_constants=fold_constants,
                             template=template)[0]


def warm(nr, fold_constants: bool = False, template=None) -> dict:
    """Compile the emulator for the structure of ``nr`` (network depth, rule family
    and products) or load it from the disk cache, so that every later run of that
    structure in this process starts at once, whatever its numbers (``eta``,
    ``tau_m``, ranges...). Returns ``{"seconds", "compiled", "cache",
    "fold_constants"}``.

    Call it once in a parent process before starting workers: they then load the
    cached code (about a second) instead of each compiling it (tens of seconds)."""
    W0, B0 = initial_weights(nr, 0)
    return FastNetwork(nr, [W0], [B0], [0], fold_constants, template).startup
