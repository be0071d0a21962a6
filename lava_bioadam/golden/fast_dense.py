""":class:`~lava_bioadam.golden.loihi_dense.GoldenLoihiDense` compiled with numba:
``GoldenLoihiDense(..., compiled=True)``, bit-identical to the numpy model.

The code is generated and cached as the network emulator's
(:func:`lava_bioadam.golden.fast.compiled`: a module per rule *structure* in
``$LAVA_BIOADAM_CACHE``, compiled once by numba and loaded from the disk cache by
later processes): the source depends only on which products the rule strings have
(target, dependency, factors and which are ``sgn``); every number (mantissas,
exponents, factor constants, the ``u`` decimation, the trace decay factors and
impulses, sign mode, spike mode, weight exponent) is read at run time. The
rule-independent pieces (the spiking phase, the trace histories, the stochastic
rounding) are :mod:`lava_bioadam.golden.fast_kernels`. The random numbers are drawn
by the numpy model's own generators before each compiled call, so the two paths
can be mixed on one object.
"""
from __future__ import annotations

import time

import numpy as np

from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError
from lava_bioadam.golden import fast_kernels
from lava_bioadam.golden.fast import GENERATED_IMPORTS, _lsh, _times, compiled, is_cached
from lava_bioadam.golden.learning_engine import _RANGES

_SYN = {"w": "s_w", "d": "s_d", "t": "s_t"}
_X_TRACES, _Y_TRACES = ("x1", "x2"), ("y1", "y2", "y3")
#: the largest magnitude of an initial weight or tag and of a factor constant the
#: compiled learning loop takes (it computes in int32; the learned values stay
#: within -257..255)
VALUE_LIMIT = 2 ** 20
_READY: set = set()


def _part(f, dep: str) -> str:
    """What a factor's value varies with: ``"i"`` the pre unit, ``"j"`` the post
    unit, ``"ij"`` both (a trace read at the other side's spike step), ``"syn"`` the
    synapse's own variables."""
    if f.var in _SYN:
        return "syn"
    if f.var == "x0" or f.var in _X_TRACES and dep != "y0":
        return "i"
    if f.var == "y0" or f.var in _Y_TRACES and dep != "x0":
        return "j"
    return "ij"


def _value(f, dep: str) -> str:
    """Source of a unit factor's value (int64) in the loops of :meth:`DenseSpec.source`
    (``txi``/``X0`` of pre unit ``i``, ``tyj``/``Y0`` of post unit ``j``): a trace at the
    step its dependency names (``x0`` the pre unit's spike step, ``y0`` the post
    unit's, ``u`` the epoch's end)."""
    if f.var in ("x0", "y0"):
        return f.var.upper()
    at = {"x0": "txi", "y0": "tyj", "u": "T"}[dep]
    if f.var in _X_TRACES:
        return f"xh[{at}, {_X_TRACES.index(f.var)}, i]"
    return f"yh[{at}, {_Y_TRACES.index(f.var)}, j]"


def _unit_factor(q: int, n: int, f, dep: str) -> str:
    """A unit factor plus its constant ``F{q}_{n}``, saturated to its width, as int32."""
    lo, hi = widths.factor_clip(f.var)
    return (f"np.int32(min(max(np.int64({_value(f, dep)}) + F{q}_{n}, np.int64({lo})), "
            f"np.int64({hi})))")


def _syn_factor(q: int, n: int, f) -> str:
    """A synaptic factor (``w``, ``d``, ``t``, or its ``sgn``) in int32 (exact: the
    values and constants are within :data:`VALUE_LIMIT`)."""
    val = f"np.int32({_SYN[f.var]} + F{q}_{n})"
    if f.sgn:                       # -1, 0, 1: within every factor's width
        return f"np.int32(np.sign({val}))"
    lo, hi = widths.factor_clip(f.var)
    return f"min(max({val}, np.int32({lo})), np.int32({hi}))"


class DenseSpec:
    """The generated source of a rule set's compiled ``GoldenLoihiDense`` (the
    products in rule order, targets ``dw``, ``dd``, ``dt``).

    Each product is split as the emulator's (:mod:`lava_bioadam.golden.fast`): int32
    multiplication that wraps is multiplication modulo 2^32, so the factors can be
    multiplied in any grouping. The pre-unit part (``PX[q, i]``, with an ``x0``
    dependency) is computed once per epoch, the post-unit part with the mantissa
    (``PY{q}``, with a ``y0`` or ``u`` dependency) once per row, the traces read at
    the other side's spike step into rows ``CR[m, i]`` (a y trace at the pre unit's
    spike step from the row's table ``YV[m, step]`` of the ``T + 1`` steps); the
    synapse loop then runs in int32 over contiguous rows, branch-free, which LLVM
    can vectorise. The source depends only on the structure: the numbers are the
    arguments ``mant``, ``lsh`` (exponent + 7) and ``fconst``."""

    def __init__(self, rules: dict):
        self.rules = rules
        self.products = [p for t in ("dw", "dd", "dt") for p in rules.get(t, ())]

    def _product(self, q: int, pr, px: dict, cross: list, ytab: list) -> list:
        """Lines adding product ``q`` to ``acc``; ``px``, ``cross``, ``ytab`` collect
        its parts."""
        i_part = [_unit_factor(q, n, f, pr.dep) for n, f in enumerate(pr.factors)
                  if _part(f, pr.dep) == "i"]
        if pr.dep == "x0":
            i_part.insert(0, "X0")
        terms = []
        if i_part:
            px[q] = _times(i_part)
            terms.append(f"PX[{len(px) - 1}, i]")
        terms.append(f"PY{q}")
        for n, f in enumerate(pr.factors):
            part = _part(f, pr.dep)
            if part == "ij" and f.var in _Y_TRACES:       # read at the pre spike step
                ytab.append(_unit_factor(q, n, f, pr.dep).replace("txi", "v"))
                cross.append(f"YV[{len(ytab) - 1}, txi]")
                terms.append(f"CR[{len(cross) - 1}, i]")
            elif part == "ij":                             # read at the post spike step
                cross.append(_unit_factor(q, n, f, pr.dep))
                terms.append(f"CR[{len(cross) - 1}, i]")
            elif part == "syn":
                terms.append(_syn_factor(q, n, f))
        return [f"c = {_times(terms)}",
                f"c = np.int32(c >> {widths.product_shift([f.var for f in pr.factors])})",
                f"c = np.int32(c << (S{q} & 31))",
                "c = min(max(c, ACC_LO), ACC_HI)",
                "acc = min(max(np.int32(acc + c), ACC_LO), ACC_HI)"]

    def _y_part(self, q: int, pr) -> str:
        """``PY{q} = ...``: the post-unit part of product ``q`` times its mantissa."""
        terms = {"x0": [], "y0": ["Y0"], "u": ["U"]}[pr.dep] + [
            _unit_factor(q, n, f, pr.dep) for n, f in enumerate(pr.factors)
            if _part(f, pr.dep) == "j"]
        return f"PY{q} = {_times(terms + [f'M{q}'])}"

    def source(self) -> str:
        body, px, cross, ytab, targets, q = [], {}, [], [], [], 0
        for t in ("dw", "dd", "dt"):
            var = t[1]
            if not self.rules.get(t):
                continue
            targets.append(var)
            body.append(f"acc = np.int32({_SYN[var]} << {widths.ACC_SHIFT})")
            for pr in self.rules[t]:
                body += self._product(q, pr, px, cross, ytab)
                q += 1
            if var == "w":          # the sign mode's bounds (-32769..32767 for MIXED)
                body.append("acc = min(max(acc, WALO), WAHI)")
                lo, hi = "WLO", "WHI"
            else:
                if var == "d":
                    body.append("acc = max(ZERO, acc)")
                lo, hi = (f"np.int32({v})" for v in _RANGES[{"d": "tag_2", "t": "tag_1"}[var]])
            body.append(f"n_{var} = fast_kernels.round_saturate(acc, thr, {lo}, {hi})")
        P = self.products
        used = {f.var for p in P for f in p.factors} | set(targets)
        arr = {"w": "w", "d": "tg2", "t": "tg1"}
        out = ["@njit(cache=True)",
               "def learn(w, tg2, tg1, xh, yh, tx, ty, u, thr, mant, lsh, fconst, WALO, "
               "WAHI, WLO, WHI):",
               "    n_post, n_pre = w.shape",
               "    T = xh.shape[0] - 1",
               f"    ACC_LO, ACC_HI = np.int32({widths.ACC_MIN}), np.int32({widths.ACC_MAX})",
               "    ZERO = np.int32(0)",
               "    U = np.int32(u)"]
        out += [f"    M{q}, S{q} = mant[{q}], lsh[{q}]" for q in range(len(P))]
        out += [f"    F{q}_{n} = fconst[{q}, {n}]" for q, p in enumerate(P)
                for n in range(len(p.factors))]
        out += [f"    PX = np.empty(({max(1, len(px))}, n_pre), np.int32)",
                f"    CR = np.empty(({max(1, len(cross))}, n_pre), np.int32)",
                f"    YV = np.empty(({max(1, len(ytab))}, T + 1), np.int32)",
                "    for i in range(n_pre):",
                "        txi = tx[i]",
                "        X0 = np.int32(txi > 0)"]
        out += [f"        PX[{m}, i] = {src}" for m, src in enumerate(px.values())]
        out += ["    for j in range(n_post):",
                "        tyj = ty[j]",
                "        Y0 = np.int32(tyj > 0)"]
        out += [f"        {self._y_part(q, p)}" for q, p in enumerate(P)]
        if ytab:            # the y traces at each step a pre unit may spike at
            out += ["        for v in range(T + 1):"]
            out += [f"            YV[{m}, v] = {src}" for m, src in enumerate(ytab)]
        if cross:
            out += ["        for i in range(n_pre):", "            txi = tx[i]"]
            out += [f"            CR[{m}, i] = {src}" for m, src in enumerate(cross)]
        out += ["        for i in range(n_pre):"]
        out += [f"            {_SYN[v]} = {arr[v]}[j, i]" for v in ("w", "d", "t") if v in used]
        out += ["            " + ln for ln in body]
        out += [f"            {arr[v]}[j, i] = n_{v}" for v in targets]
        return GENERATED_IMPORTS + "\n".join(out) + "\n"


def _decay_factors(taus) -> tuple:
    """``(c, live)``: each trace's decay factor as the numpy model computes it
    (``np.exp(-1 / taus[live][:, None])``, the same array expression) and tau != 0."""
    taus = np.asarray(taus, dtype=float)
    live = taus != 0
    c = np.zeros(len(taus))
    c[live] = np.exp(-1 / taus[live][:, None])[:, 0]
    return c, live


def _draws(rnd, n: int) -> tuple:
    """The next ``n`` steps of a ``_TraceRandom`` (two advances a step): its decay and
    impulse numbers at each step's end and the impulse number after the first
    advance; the generator's state left as ``n`` steps of the numpy model leave it."""
    dec = rnd._decay.random(2 * n).reshape(n, 2)
    if rnd._impulse is not None:
        imp = np.array([rnd._impulse.integers(0, widths.IMPULSE_RAND_MAX, size=1, dtype=int)[0]
                        for _ in range(2 * n)], np.int64).reshape(n, 2)
    else:
        imp = np.full((n, 2), rnd.impulse, np.int64)
    if n:
        rnd.decay, rnd.impulse = dec[-1, 1], imp[-1, 1]
    return dec[:, 1].copy(), imp[:, 1].copy(), imp[:, 0].copy()


class CompiledDense:
    """The compiled code and run-time numbers of one ``GoldenLoihiDense``."""

    def __init__(self, g):
        t0 = time.perf_counter()
        self.spec = DenseSpec(g.rules)
        prods = self.spec.products
        nf = max([len(p.factors) for p in prods] + [1])
        self.mant = np.array([int(p.mant) for p in prods], np.int32)
        self.lsh = np.array([_lsh(p) for p in prods], np.int32)
        self.fconst = np.zeros((len(prods), nf), np.int64)
        for q, p in enumerate(prods):
            self.fconst[q, :len(p.factors)] = [int(f.const) for f in p.factors]
        for name, v in (("factor constants", self.fconst), ("weights", g.weights),
                        ("tag_1", g.tag_1), ("tag_2", g.tag_2)):
            if v.size and np.abs(v).max() > VALUE_LIMIT:
                raise RuleError(f"compiled=True takes {name} up to 2^20 in magnitude (it "
                                f"computes in int32); use the numpy model (compiled=False)")
        self.fconst = self.fconst.astype(np.int32)
        self.cx, self.xlive = _decay_factors(g._x_taus)
        self.cy, self.ylive = _decay_factors(g._y_taus)
        self.x_int, self.x_frac = (np.asarray(a, np.int64) for a in g._x_imp)
        self.y_int, self.y_frac = (np.asarray(a, np.int64) for a in g._y_imp)
        # the accumulator's bounds before rounding: the sign mode keeps the weights' sign
        self.walo, self.wahi = (np.int32(widths.ACC_MIN if g.sign_mode != "excitatory" else 0),
                                np.int32(widths.ACC_MAX if g.sign_mode != "inhibitory" else 0))
        self.wlo, self.whi = (np.int32(v) for v in _RANGES["weights"][g.sign_mode])
        self.cfg = widths.GRADED_CFGS.index(g.graded_cfg)
        T = g.spec.t_epoch
        self.xh = np.zeros((T + 1, 2, g.shape[1]), np.int64)
        self.yh = np.zeros((T + 1, 3, g.shape[0]), np.int64)
        self.mod = compiled(self.spec)
        self.startup = self._ready(g, t0)

    def _ready(self, g, t0: float) -> dict:
        """Compile or load the learning epoch (a call on copies of the state), once
        per process and module; ``{"seconds", "compiled"}``."""
        key, compiling = self.mod.FASTNET_KEY, False
        if key not in _READY:
            compiling = not is_cached(self.mod, "learn")
            self._learn(np.array(g.weights, np.int32), g.tag_2.astype(np.int32),
                        g.tag_1.astype(np.int32), np.zeros_like(g.tx, np.int64),
                        np.zeros_like(g.ty, np.int64), 0, 0.5)
            _READY.add(key)
        return {"seconds": round(time.perf_counter() - t0, 3), "compiled": compiling}

    def _learn(self, w, tg2, tg1, tx, ty, u: int, rand: float) -> None:
        self.mod.learn(w, tg2, tg1, self.xh, self.yh, tx, ty, u,
                       fast_kernels.round_threshold(rand), self.mant, self.lsh, self.fconst,
                       self.walo, self.wahi, self.wlo, self.whi)

    def call(self, g, s, bap, y, record: bool):
        """Run ``len(s)`` steps of ``g`` in place: the steps of each epoch in one
        compiled call (:func:`fast_kernels.dense_steps`, with the trace histories at
        the epoch's end), then the learning epoch. With ``record`` the Vars after each
        epoch as arrays ``(weights, tag_2, tag_1, x, y, a_buff)`` with a leading epoch
        axis, in the numpy model's dtypes."""
        n, T = len(s), g.spec.t_epoch
        n_post, n_pre = g.shape
        t0 = g.time_step
        n_ep = (t0 + n) // T - t0 // T
        xdec, ximp, _ = _draws(g._x_rand, n)
        ydec, yimp, yimp_mid = _draws(g._y_rand, n)
        cr = g._c_rng.random(n_ep)
        if n_ep:
            g._c_rand = cr[-1]
        binary = g.num_message_bits == 0
        wrap32 = not binary and np.result_type(np.int32, s.dtype) == np.int32
        # int32 where the values fit (an int32 dot, or spikes): no conversion, a faster dot
        s = np.ascontiguousarray((s != 0) if binary else s,
                                 np.int32 if binary or wrap32 else np.int64)
        bap, y = np.ascontiguousarray(bap, np.bool_), np.ascontiguousarray(y, np.int64)
        w = g.weights = np.ascontiguousarray(g.weights, np.int32)
        x, yt, tx, ty = (np.ascontiguousarray(getattr(g, a), np.int64)
                         for a in ("x", "y", "tx", "ty"))
        y0 = np.ascontiguousarray(g.y0, np.bool_)
        tg2, tg1 = g.tag_2.astype(np.int32), g.tag_1.astype(np.int32)
        abuf = np.asarray(g.a_buff, np.int64).copy()
        # a_buff in the numpy model's dtype: int32 for an int32 dot, else int64
        ab_dtype = (np.int32 if wrap32 else np.int64) if n else g.a_buff.dtype
        m = n_ep if record else 0
        rec = (np.empty((m, n_post, n_pre), np.int32), np.empty((m, n_post, n_pre), np.int64),
               np.empty((m, n_post, n_pre), np.int64), np.empty((m, 2, n_pre), np.int64),
               np.empty((m, 3, n_post), np.int64), np.empty((m, n_post), ab_dtype))
        three_f, e, k = g.spec.kind == "3F", 0, 0
        while k < n:
            k1 = min(n, k + T - (t0 + k) % T)
            end = (t0 + k1) % T == 0
            fast_kernels.dense_steps(k, k1, t0, T, s, binary, wrap32, g.weight_exp, self.cfg,
                                     bap, y, three_f, w, x, yt, tx, ty, y0, abuf, self.x_int,
                                     self.x_frac, self.y_int, self.y_frac, yimp_mid, end,
                                     self.cx, self.xlive, xdec[k1 - 1], ximp[k1 - 1], self.cy,
                                     self.ylive, ydec[k1 - 1], yimp[k1 - 1], self.xh, self.yh)
            if end:
                # Lava's u: 1 in every 2^k-th epoch
                u = int(g.k is not None and (t0 + k1) // T % 2 ** g.k == 0)
                self._learn(w, tg2, tg1, tx, ty, u, cr[e])
                x[:] = self.xh[T]
                if not three_f:
                    yt[:] = self.yh[T]
                tx[:], ty[:], y0[:] = 0, 0, False
                if record:
                    for r, v in zip(rec, (w, tg2, tg1, x, yt, abuf)):
                        r[e] = v
                e += 1
            k = k1
        g.time_step = t0 + n
        g.x, g.y, g.tx, g.ty, g.y0 = x, yt, tx, ty, y0
        g.tag_2, g.tag_1 = tg2.astype(int), tg1.astype(int)
        g.a_buff = abuf.astype(ab_dtype)
        return rec


def check_inputs(s_in) -> np.ndarray:
    """The payloads as an integer (or bool) array; ``RuleError`` otherwise."""
    s = np.asarray(s_in)
    if s.dtype.kind not in "biu":
        raise RuleError(f"compiled=True takes integer (or bool) payloads s_in, got dtype "
                        f"{s.dtype} (use np.int32, the dtype of a fixed-point graded port)")
    return s
