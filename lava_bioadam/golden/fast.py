"""The fast golden model: the integer network of :mod:`lava_bioadam.golden.network`
compiled with numba, bit-identical to it, with a replica axis.

:func:`run_fast` takes the arguments of :func:`~lava_bioadam.golden.network.run_l2`
and returns the same :class:`~lava_bioadam.golden.network.NetRun`;
:func:`run_fast_replicas` runs ``R`` independent networks (own initial weights,
random streams, data order) that share the rules, in one compiled loop.

How it is specialised: for each :class:`~lava_bioadam.rules.network.NetworkRules`
the module writes Python source with the rules' products unrolled (factors, int32
wraps, shifts, saturations from :mod:`lava_bioadam.engine.widths`), the schedule
and the encodings' constants, into a cache folder (``$LAVA_BIOADAM_CACHE``, else
``$XDG_CACHE_HOME/lava-bioadam`` or ``~/.cache/lava-bioadam``, else a temporary
folder), and numba compiles it with ``cache=True``: a later run with the same rules
loads the machine code instead of compiling (about 10 s) again.

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
from pathlib import Path
from typing import Callable

import numpy as np

from lava_bioadam import codes
from lava_bioadam.engine import widths as W
from lava_bioadam.golden import fast_kernels
from lava_bioadam.golden.network import GoldenNetwork, NetRun, stack_records

#: samples per compiled call (bounds the memory of the per-chunk inputs)
CHUNK = 512
#: arrays of one connection, in this order, in the compiled code's state tuple
_STATE_FIELDS = ("w", "t", "d", "x1", "x2", "tx", "y", "abuf", "xh", "yh", "xk", "yk",
                 "sel", "first")
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


def _f(v: float) -> str:
    """Exact literal of a float."""
    return f"float.fromhex({float(v).hex()!r})"


# ----------------------------------------------------------------------------- codegen
def _i32(v: int) -> int:
    """The int32 value numpy's wrapping int32 arithmetic gives for the integer ``v``."""
    return (int(v) + 2 ** 31) % 2 ** 32 - 2 ** 31


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
        a, b = W.factor_clip(f)
        bound *= max(abs(a), abs(b))
        cands = (lo * a, lo * b, hi * a, hi * b)
        lo, hi = min(cands), max(cands)
    if bound >= 2 ** 31:
        return False
    lo, hi = min(lo, 0), max(hi, 0)             # the x0 condition: a factor 0 or 1
    lo, hi = (lo >> shift) << lsh, (hi >> shift) << lsh
    return W.ACC_MIN <= lo and hi <= W.ACC_MAX


def _learn_source(name: str, products) -> str:
    """A compiled learning epoch of one connection with these products, for the
    synapses whose pre unit is selected (``sel``, or all): traces at the spike
    step ``xk (2, n_pre, R)``, ``yk (3, n_post, R)`` and at the epoch's end
    ``xT``, ``yT`` (see :func:`fast_kernels.spike_group`).

    The x parts of the products (with the x0 condition) and the selection mask go
    into ``g (n_x + 1, n_pre R)``, the y parts (times the mantissa) into
    ``h (n_y, n_post, R)``; the synapse loop then runs over the contiguous axis
    ``n_pre R``, branch-free and in int32, so that LLVM vectorises it."""
    xkeys, ykeys, body, news, used = [], [], [], [], set()
    ranges = {"w": (W.W_MIN, W.W_MAX), "d": (W.D_MIN, W.D_MAX), "t": (W.T_MIN, W.T_MAX)}
    for var in ("w", "d", "t"):
        prods = [p for p in products if p.target == "d" + var]
        if not prods:
            continue
        body.append(f"acc = np.int32(s_{var} << {W.ACC_SHIFT})")
        for pr in prods:
            xs, ys, vs = _split_product(pr)
            lsh = int(pr.exp) + W.EXP_OFFSET
            if lsh < 0:
                raise ValueError(f"product exponent {pr.exp} below the engine's range")
            shift, mant, terms = W.product_shift(pr.factors), int(pr.mant), []
            if pr.dep == "u0" and not pr.factors:    # a constant product: known here
                c = min(max(_i32(_i32(mant) >> shift << lsh), W.ACC_MIN), W.ACC_MAX)
                body.append(f"acc = np.int32(min(max(acc + np.int32({c}), ACC_LO), ACC_HI))")
                continue
            if pr.dep == "x0" or xs:             # x part, with the mantissa if no y part
                key = (pr.dep, xs, 1 if ys else mant)
                xkeys += [key] if key not in xkeys else []
                terms.append(f"G{xkeys.index(key)}")
                mant = mant if ys else 1
            if ys:                                # y part, with the mantissa
                key = (pr.dep, ys, mant)
                ykeys += [key] if key not in ykeys else []
                terms.append(f"H{ykeys.index(key)}")
                mant = 1
            used.update(vs)
            terms += [f"f_{f}" for f in vs] + ([f"np.int32({mant})"] if mant != 1 else [])
            body.append(f"c = {_times(terms)}")
            if shift:
                body.append(f"c = np.int32(c >> {shift})")
            if lsh:
                body.append(f"c = np.int32(c << {lsh})")
            if not _within_acc(pr, shift, lsh):
                body.append("c = min(max(c, ACC_LO), ACC_HI)")
            body.append("acc = np.int32(min(max(np.int32(acc + c), ACC_LO), ACC_HI))")
        if var == "d":
            body.append("acc = max(ZERO, acc)")
        lo, hi = ranges[var]
        body.append(f"n_{var} = K.round_saturate(acc, thr, np.int32({lo}), np.int32({hi}))")
        news.append(var)
    nx, nh = len(xkeys), len(ykeys)
    # the selection as a mask (-1 selected, 0 not): a blend, not a branch
    body = ([f"f_{f} = {_clip(f's_{f}', *W.factor_clip(f))}" for f in sorted(used)]
            + body + [f"{v}{{A}}[{{S}}] = s_{v} ^ ((s_{v} ^ n_{v}) & G{nx})" for v in news])
    body = ([f"s_{v} = {v}{{A}}[{{S}}]" for v in ("w", "t", "d")]
            + [f"G{n_} = g{{A}}[{n_}, {{P}}]" for n_ in range(nx + 1)] + body)
    out = ["@njit(cache=True)",
           f"def {name}(w, t, d, tx, xk, yk, xT, yT, sel, all_sel, thr):",
           "    n_post, n_pre, R = w.shape",
           "    M = n_pre * R",
           f"    ACC_LO, ACC_HI = np.int32({W.ACC_MIN}), np.int32({W.ACC_MAX})",
           "    ZERO = np.int32(0)"]
    out += [f"    {a}2 = {a}.reshape(n_post, M)" for a in ("w", "t", "d")]
    out += ["    tx1, sel1 = tx.reshape(M), sel.reshape(M)",
            "    xk2, xT2 = xk.reshape(2, M), xT.reshape(2, M)",
            f"    g2 = np.empty(({nx + 1}, M), np.int32)",
            f"    h = np.empty(({max(1, nh)}, n_post, R), np.int32)",
            "    for q in range(M):",
            "        on = np.int32(1 if tx1[q] > 0 else 0)"]
    for n_, (dep, xs, mant) in enumerate(xkeys):
        src = "xk2" if dep == "x0" else "xT2"
        terms = (["on"] if dep == "x0" else []) + [
            f"{_clip(f'{src}[{_FACTOR_INDEX[f]}, q]', *W.factor_clip(f))}" for f in xs]
        if mant != 1 or not terms:
            terms.append(f"np.int32({mant})")
        out.append(f"        g2[{n_}, q] = {_times(terms)}")
    out.append(f"        g2[{nx}, q] = -1 if all_sel or sel1[q] != 0 else 0")
    if ykeys:
        out += ["    for j in range(n_post):", "        for r in range(R):"]
        for n_, (dep, ys, mant) in enumerate(ykeys):
            src = "yk" if dep == "x0" else "yT"
            terms = [f"{_clip(f'{src}[{_FACTOR_INDEX[f]}, j, r]', *W.factor_clip(f))}"
                     for f in ys] + ([f"np.int32({mant})"] if mant != 1 else [])
            out.append(f"            h[{n_}, j, r] = {_times(terms)}")
    # the synapse loop runs over the contiguous axis. One replica: a row's synapses,
    # the y parts scalars. Fewer than REPLICA_LANES (fast_kernels) replicas: a row's
    # synapses times its replicas, the y parts a row repeated along that axis (a loop
    # over so few replicas would not vectorise). More: the replicas of one synapse
    ind = " " * 16
    flat = [ln.format(A="2", S="j, q", P="q") for ln in body]
    nested = [ln.format(A="", S="j, i, r", P="i, r") for ln in body]
    out += [f"    g = g2.reshape({nx + 1}, n_pre, R)",
            f"    hr = np.empty(({max(1, nh)}, M if R < {fast_kernels.REPLICA_LANES} else 1), np.int32)",
            "    for j in range(n_post):", "        if R == 1:"]
    out += [f"            H{n_} = h[{n_}, j, 0]" for n_ in range(nh)]
    out += ["            for q in range(M):"] + [ind + ln for ln in flat]
    out += [f"        elif R < {fast_kernels.REPLICA_LANES}:"]
    if nh:
        out += ["            for i in range(n_pre):", "                for r in range(R):"]
        out += [ind + f"    hr[{n_}, i * R + r] = h[{n_}, j, r]" for n_ in range(nh)]
    out += ["            for q in range(M):"]
    out += [ind + f"H{n_} = hr[{n_}, q]" for n_ in range(nh)]
    out += [ind + ln for ln in flat]
    out += ["        else:", "            for i in range(n_pre):", "                for r in range(R):"]
    out += [ind + f"    H{n_} = h[{n_}, j, r]" for n_ in range(nh)]
    out += [ind + "    " + ln for ln in nested]
    return "\n".join(out) + "\n"


class _Spec:
    """Everything the generated source of a network depends on (beyond shapes)."""

    def __init__(self, nr, net: GoldenNetwork):
        self.nr = nr
        L = nr.n_layers
        self.L, self.T = L, nr.t_sample
        self.conns = list(net.W) + [c for c in net.B if c is not None]   # W0.., B1..
        self.rule_of = []
        rule_sets = []
        for c in self.conns:
            key = tuple(c.products)
            if key not in rule_sets:
                rule_sets.append(key)
            self.rule_of.append(rule_sets.index(key))
        self.rule_sets = rule_sets

    def source(self) -> str:
        nr, L, T = self.nr, self.L, self.T
        encs = nr.encodings("fixed")
        sch = nr.schedule
        g = ["import numpy as np", "from numba import njit",
             "from lava_bioadam.golden import fast_kernels as K", ""]
        for q, prods in enumerate(self.rule_sets):
            g.append(_learn_source(f"learn_{q}", prods))
        # constants of each connection's traces
        for m, c in enumerate(self.conns):
            # the decay factors exactly as the numpy model computes them
            live = c.x_taus != 0
            cx = np.zeros(2)
            cx[live] = np.exp(-1 / c.x_taus[live][:, None])[:, 0]
            cy = np.exp(-1 / c.y_taus)[0, 0]
            g.append(f"CX1_{m} = {_f(cx[0])}; CX2_{m} = {_f(cx[1])}; CY_{m} = {_f(cy)}")
            g.append(f"LIVE1_{m} = {bool(live[0])}; LIVE2_{m} = {bool(live[1])}")
        gain = lambda enc: int(np.array([enc.g_scale]).astype(np.int32)[0])  # noqa: E731
        units = nr.unit_codes()
        for l in range(1, L + 1):
            e_in, u = encs[l - 1], units[l - 1]
            g.append(f"G_IN_{l} = {gain(e_in)}")
            if l < L:
                e_out = encs[l]
                bias = int((2 * np.array([np.rint(e_out.h_scale)])).astype(np.int32)[0])
                g.append(f"BIAS_{l} = {bias}; G_OUT_{l} = {gain(e_out)}")
                g.append(f"HC_{l} = ({u.a_one}, {u.h_mant}, {u.h_shift}, {u.fb_max}, "
                         f"{u.e_mant}, {u.e_shift})")
            else:
                g.append(f"OC = ({u.d_cap}, {u.x_mant}, {u.x_shift}, {u.e_mant}, {u.e_shift})")
        nB = len(self.conns) - L
        idx_B = {m: L + m - 1 for m in range(1, L)} if nB else {}
        r = ["", "@njit(cache=True)",
             "def run(n, payload, labels, xr, yr, cr, zs, preds, conns, ha, hu, out):",
             "    oE, oe = out"]
        for m in range(len(self.conns)):
            r.append(f"    C{m} = conns[{m}]")
        r += ["    for s in range(n):",
              f"        for k in range(1, {T + 1}):",
              "            if k == 1:",
              "                oE[:, :] = 0"]
        I = " " * 12
        errL = sch["err_step"][L]
        r += [I + f"sent_e{L} = k == {errL}",
              I + f"if sent_e{L}:",
              I + f"    K.output_error(C{L - 1}[7], labels[s], OC[0], OC[1], OC[2], OC[3], "
                  "OC[4], oE, oe, zs[s], preds[s])",
              I + f"K.third_factors(C{L - 1}[6], k, {errL}, True, oE, G_IN_{L})"]
        for l in range(1, L):
            fb = idx_B[l]
            H, E, so, eo = (f"hu[{l - 1}][{q}]" for q in range(4))
            r += [I + f"sent_s{l}, sent_e{l} = K.hidden_step(k, {sch['fwd_step'][l]}, "
                      f"{sch['err_step'][l]}, C{l - 1}[7], C{fb}[7], ha[{l - 1}], {H}, {E}, "
                      f"{so}, {eo}, HC_{l}[0], HC_{l}[1], HC_{l}[2], BIAS_{l}, HC_{l}[3], "
                      f"HC_{l}[4], HC_{l}[5])",
                  I + f"K.third_factors(C{l - 1}[6], k, {sch['err_step'][l]}, True, {E}, "
                      f"G_IN_{l})",
                  I + f"K.third_factors(C{fb}[6], k, {sch['fwd_step'][l]}, False, {H}, "
                      f"G_OUT_{l})"]
        # connection steps (the payload each connection receives this step)
        r.append(I + "K.conn_step(C0[0], C0[3], C0[4], C0[5], C0[7], payload[s], k == 1, k, "
                     "0, False)")
        for l in range(1, L):
            r.append(I + f"K.conn_step(C{l}[0], C{l}[3], C{l}[4], C{l}[5], C{l}[7], "
                         f"hu[{l - 1}][2], sent_s{l}, k, 0, False)")
        for m, cidx in idx_B.items():
            src = "oe" if m + 1 == L else f"hu[{m}][3]"
            r.append(I + f"K.conn_step(C{cidx}[0], C{cidx}[3], C{cidx}[4], C{cidx}[5], "
                         f"C{cidx}[7], {src}, sent_e{m + 1}, k, 0, True)")
        r.append(I + f"if k == {T}:")
        r.append(I + "    thr = K.round_threshold(cr[s])")
        for cidx in range(len(self.conns)):
            layer = cidx if cidx < L else cidx - L + 1
            c = f"C{cidx}"
            r += [I + f"    K.histories({c}[3], {c}[4], {c}[5], {c}[6], {c}[8], {c}[9], "
                      f"{c}[10], CX1_{cidx}, CX2_{cidx}, CY_{cidx}, LIVE1_{cidx}, "
                      f"LIVE2_{cidx}, xr[s, {layer}], yr[s, {layer}])",
                  I + f"    for v in range(1, {T + 1}):",
                  I + f"        some, every = K.spike_group({c}[5], {c}[9], v, {c}[12], "
                      f"{c}[11], {c}[13])",
                  I + "        if some:",
                  I + f"            learn_{self.rule_of[cidx]}({c}[0], {c}[1], {c}[2], "
                      f"{c}[5], {c}[10], {c}[11], {c}[8][{T}], {c}[9][{T}], {c}[12], "
                      "every, thr)",
                  I + f"    {c}[5][:, :] = 0"]
        return "\n".join(g + r) + "\n"


_MODULES: dict = {}


def compiled(spec: _Spec):
    """The generated, compiled module of ``spec`` (written once per source)."""
    src = spec.source()
    import numba

    kern = Path(fast_kernels.__file__).read_bytes()
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
    _MODULES[key] = mod
    return mod


# ----------------------------------------------------------------------------- driver
class FastNetwork:
    """``R`` replicas of the integer network in compiled form.

    nr: the rules (shared); W0s, B0s: per replica physical initial weights (as
    :func:`~lava_bioadam.golden.network.initial_weights`); rng_seeds: per replica
    trace-stream seeds (``run_l2``'s ``rng_seed``). The initial state is taken from
    :class:`GoldenNetwork` objects, so both models start identically.
    """

    def __init__(self, nr, W0s, B0s, rng_seeds):
        self.nr = nr
        self.R = R = len(rng_seeds)
        if not (len(W0s) == len(B0s) == R) or R < 1:
            raise ValueError("need one W0, B0 and rng_seed per replica (at least one)")
        nets = [GoldenNetwork(nr, W0s[r], B0s[r], int(rng_seeds[r])) for r in range(R)]
        self.spec = _Spec(nr, nets[0])
        self.mod = compiled(self.spec)
        self.L, self.T = nr.n_layers, nr.t_sample
        self.uses_x2 = [c.uses_x2 for c in self.spec.conns]
        conns = []
        for m in range(len(self.spec.conns)):
            per = [(list(n.W) + [c for c in n.B if c is not None])[m] for n in nets]
            c0 = per[0]
            st = [np.stack([np.asarray(getattr(c, a)) for c in per], -1).astype(np.int32)
                  for a in ("w", "t", "d", "x1", "x2", "tx", "y")]
            st.append(np.zeros((c0.shape[0], R), dtype=np.int32))          # abuf
            st.append(np.zeros((self.T + 1, 2, c0.shape[1], R), dtype=np.int32))
            st.append(np.zeros((self.T + 1, 3, c0.shape[0], R), dtype=np.int32))
            st.append(np.zeros((2, c0.shape[1], R), dtype=np.int32))      # xk
            st.append(np.zeros((3, c0.shape[0], R), dtype=np.int32))      # yk
            st.append(np.zeros((c0.shape[1], R), dtype=np.int32))         # sel
            st.append(np.zeros(R, dtype=np.int32))                        # first
            conns.append(tuple(st))
        self.conns = tuple(conns)
        sizes = nr.sizes
        self.ha = tuple(np.zeros((sizes[l], R), np.int32) for l in range(1, self.L))
        self.hu = tuple((np.zeros((sizes[l], R), np.int32), np.zeros((sizes[l], R), np.int32),
                         np.zeros((sizes[l] + 1, R), np.int32),
                         np.zeros((sizes[l], R), np.int32)) for l in range(1, self.L))
        self.out = (np.zeros((sizes[-1], R), np.int32), np.zeros((sizes[-1], R), np.int32))
        self.encs = nr.encodings("fixed")
        n_adv = self.T * W.RANDOM_ADVANCES_PER_STEP
        self._n_adv = n_adv
        # the trace and synaptic-variable streams of the numpy model's connections,
        # as they stand after construction (a layer's twins draw the same streams)
        self._x_rng = [[n.W[l]._x_rng for n in nets] for l in range(self.L)]
        self._y_rng = [[n.W[l]._y_rng for n in nets] for l in range(self.L)]
        self._c_rng = nets[0].W[0]._c_rng

    def __getstate__(self):
        """Picklable (a checkpoint): everything but the compiled module."""
        st = dict(self.__dict__)
        st.pop("mod")
        return st

    def __setstate__(self, st):
        self.__dict__.update(st)
        self.mod = compiled(self.spec)     # from the disk cache

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
        self.mod.run(m, payload, labels, xr, yr, cr, zs, preds, self.conns, self.ha, self.hu,
                     self.out)
        return preds, zs

    def snapshot(self, r: int = 0) -> dict:
        """Replica ``r``'s state in :meth:`GoldenNetwork.snapshot`'s form."""
        out = []
        for m, c in enumerate(self.conns):
            i64 = lambda a: a.astype(np.int64)  # noqa: E731  (the numpy model's dtypes)
            snap = {"weights": c[0][..., r].copy(), "tag_1": i64(c[1][..., r]),
                    "tag_2": i64(c[2][..., r]), "x1": i64(c[3][..., r]),
                    "y1": i64(c[6][0, :, r]), "y2": i64(c[6][1, :, r]),
                    "y3": i64(c[6][2, :, r])}
            if self.uses_x2[m]:
                snap["x2"] = i64(c[4][..., r])
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
                      state: dict | None = None) -> list:
    """``R`` independent runs of the golden model in one compiled loop.

    x: samples ``(n, n_0)`` shared by all replicas or ``(R, n, n_0)``; labels ``(n,)``
    or ``(R, n)``; W0s, B0s, rng_seeds: one per replica. ``on_epoch(r, W, B)`` is
    called for every replica every ``epoch_size`` samples. Returns one
    :class:`NetRun` per replica, each equal to ``run_l2`` of that replica.
    ``progress(samples_done, correct)`` (replica 0) after every compiled chunk;
    ``on_checkpoint(state)`` after the ``on_epoch`` calls of an epoch: passing
    ``state`` back (same arguments) continues the run bit for bit.
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
        net = FastNetwork(nr, W0s, B0s, rng_seeds)
        s = 0
        preds = np.zeros((n, R), dtype=np.int64)
        zs = np.zeros((n, nr.sizes[-1], R), dtype=np.int64)
    else:
        net, s = state["net"], int(state["done"])
        preds, zs = state["pred"].copy(), state["z"].copy()
        if net.R != R or preds.shape != (n, R):
            raise ValueError("the state is of another run (replicas or samples differ)")
    records = [[] for _ in range(R)]
    epochs = [[] for _ in range(R)]
    bounds = set()
    if on_epoch and epoch_size:
        bounds = set(range(epoch_size, n + 1, epoch_size))
    step = 1 if record else max(1, int(chunk))
    while s < n:
        e = min(n, s + step)
        nxt = [b for b in bounds if s < b < e]
        e = min(nxt) if nxt else e
        pay = np.stack([codes.input_payload(xr_[s:e], net.encs[0], True) for xr_ in xs], -1)
        preds[s:e], zs[s:e] = net.run_chunk(pay, lab[s:e])
        s = e
        if record:
            for r in range(R):
                records[r].append(net.snapshot(r))
        if progress:
            progress(s, int((preds[:s, 0] == lab[:s, 0]).sum()))
        if s in bounds:
            for r in range(R):
                epochs[r].append(on_epoch(r, *net.weights(r)))
            if on_checkpoint:
                on_checkpoint({"net": net, "done": s, "pred": preds, "z": zs})
    runs = []
    for r in range(R):
        run = NetRun(preds[:, r].copy(), _loss(zs[:, :, r], lab[:, r], net.encs[-1]),
                     net.snapshot(r),
                     epochs=epochs[r])
        if record:
            run.states = stack_records(records[r])
        runs.append(run)
    return runs


def run_fast(nr, x, labels, W0, B0, rng_seed: int = 0, record: bool = False,
             epoch_size: int | None = None, on_epoch: Callable | None = None,
             progress: Callable | None = None, on_checkpoint: Callable | None = None,
             state: dict | None = None) -> NetRun:
    """:func:`~lava_bioadam.golden.network.run_l2`, compiled: same arguments, same
    :class:`NetRun` (integer state bit-identical; loss equal to round-off).
    ``progress`` is called after every compiled chunk instead of every sample;
    ``on_checkpoint`` and ``state`` work as in ``run_l2`` (their states are not
    interchangeable)."""
    cb = (lambda r, Wl, Bl: on_epoch(Wl, Bl)) if on_epoch else None
    return run_fast_replicas(nr, x, labels, [W0], [B0], [rng_seed], record, epoch_size,
                             cb, progress=progress, on_checkpoint=on_checkpoint,
                             state=state)[0]
