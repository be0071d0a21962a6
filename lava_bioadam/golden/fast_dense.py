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
from lava_bioadam.golden.fast import GENERATED_IMPORTS, _lsh, _times, compiled, is_cached
from lava_bioadam.golden.learning_engine import _RANGES

_SYN = {"w": "s_w", "d": "s_d", "t": "s_t"}
_X_TRACES, _Y_TRACES = ("x1", "x2"), ("y1", "y2", "y3")
#: the step index a trace is read at, per dependency: the pre unit's spike step,
#: the post unit's, the epoch's end
_AT = {"x0": "txi", "y0": "tyj", "u": "T"}
_READY: set = set()


def _factor_source(q: int, n: int, f, dep: str) -> str:
    """Source of factor ``n`` of product ``q``: its value plus its constant ``F{q}_{n}``
    (run-time data), ``sgn`` applied, saturated to its width, as int32."""
    if f.var in ("x0", "y0"):
        val = f.var.upper()
    elif f.var in _SYN:
        val = _SYN[f.var]
    elif f.var in _X_TRACES:
        val = f"xh[{_AT[dep]}, {_X_TRACES.index(f.var)}, i]"
    else:
        val = f"yh[{_AT[dep]}, {_Y_TRACES.index(f.var)}, j]"
    val = f"np.int64({val}) + F{q}_{n}"
    if f.sgn:
        val = f"np.int64(np.sign({val}))"
    lo, hi = widths.factor_clip(f.var)
    return f"np.int32(min(max({val}, np.int64({lo})), np.int64({hi})))"


class DenseSpec:
    """The generated source of a rule set's compiled ``GoldenLoihiDense`` (the
    products in rule order, targets ``dw``, ``dd``, ``dt``)."""

    def __init__(self, rules: dict):
        self.rules = rules
        self.products = [p for t in ("dw", "dd", "dt") for p in rules.get(t, ())]

    def structure(self) -> tuple:
        return tuple((p.target, p.dep, tuple((f.var, f.sgn) for f in p.factors))
                     for p in self.products)

    def _target(self, var: str, q0: int, prods) -> list:
        """Lines computing ``n_<var>`` of one synapse from the old values."""
        # the accumulator has the variable's dtype: int32 (wraps) for w, int64 for tags
        cast = "np.int32" if var == "w" else "np.int64"
        out = [f"acc = {cast}({_SYN[var]} << {widths.ACC_SHIFT})"]
        for q, pr in enumerate(prods, q0):
            dep = {"x0": "X0", "y0": "Y0", "u": "U"}[pr.dep]
            terms = [dep] + [_factor_source(q, n, f, pr.dep) for n, f in enumerate(pr.factors)]
            out += [f"c = {_times(terms + [f'M{q}'])}",
                    f"c = np.int32(c >> {widths.product_shift([f.var for f in pr.factors])})",
                    f"c = np.int32(c << (S{q} & 31))",
                    "c = min(max(c, ACC_LO), ACC_HI)",
                    f"acc = min(max({cast}(acc + c), ACC_LO), ACC_HI)"]
        if var == "w":
            out += ["if WMODE == 1:", "    acc = max(ZERO, acc)",
                    "elif WMODE == 2:", "    acc = min(ZERO, acc)"]
            lo, hi = "WLO", "WHI"
        else:
            if var == "d":
                out.append("acc = max(ZERO, acc)")
            lo, hi = (f"np.int32({v})" for v in _RANGES[{"d": "tag_2", "t": "tag_1"}[var]])
        return out + [f"n_{var} = fast_kernels.round_saturate(np.int32(acc), thr, {lo}, {hi})"]

    def source(self) -> str:
        body, q, targets = [], 0, []
        for t in ("dw", "dd", "dt"):
            prods = self.rules.get(t, ())
            if prods:
                body += self._target(t[1], q, prods)
                targets.append(t[1])
                q += len(prods)
        consts = [f"    M{q}, S{q} = mant[{q}], lsh[{q}]" for q in range(len(self.products))]
        consts += [f"    F{q}_{n} = np.int64(fconst[{q}, {n}])"
                   for q, p in enumerate(self.products) for n in range(len(p.factors))]
        learn = ["@njit(cache=True)",
                 "def learn(w, tg2, tg1, xh, yh, tx, ty, u, thr, mant, lsh, fconst, WMODE, "
                 "WLO, WHI):",
                 "    n_post, n_pre = w.shape",
                 "    T = xh.shape[0] - 1",
                 f"    ACC_LO, ACC_HI = np.int32({widths.ACC_MIN}), np.int32({widths.ACC_MAX})",
                 "    ZERO = np.int32(0)",
                 "    U = np.int32(u)"] + consts + [
                 "    for j in range(n_post):",
                 "        tyj = ty[j]",
                 "        Y0 = np.int32(tyj > 0)",
                 "        for i in range(n_pre):",
                 "            txi = tx[i]",
                 "            X0 = np.int32(txi > 0)",
                 "            s_w, s_d, s_t = w[j, i], tg2[j, i], tg1[j, i]"]
        learn += ["            " + ln for ln in body]
        learn += [f"            {dict(w='w', d='tg2', t='tg1')[v]}[j, i] = n_{v}"
                  for v in targets]
        return GENERATED_IMPORTS + "\n".join(learn) + "\n\n" + _RUN


#: the time-step loop (the same for every rule set): spiking phase, then every
#: ``T`` steps the trace histories and the learning epoch; the Vars after each
#: epoch into the ``r*`` records when ``record``
_RUN = '''
@njit(cache=True)
def run(n, t0, T, s, binary, wrap32, wexp, cfg, bap, yin, three_f, w, tg2, tg1, x, y, tx,
        ty, y0, abuf, x_int, x_frac, y_int, y_frac, cx, xlive, cy, ylive, xdec, ximp, ydec,
        yimp, yimp_mid, cr, has_u, k_u, mant, lsh, fconst, wmode, wlo, whi, xh, yh,
        record, rw, rt2, rt1, rx, ry, rab):
    e = 0
    for k in range(n):
        t = t0 + k + 1
        within = t % T
        if within == 0:
            within = T
        fast_kernels.dense_spikes(w, s[k], binary, wrap32, wexp, cfg, abuf, x, tx, within,
                                  x_int, x_frac)
        fast_kernels.dense_post(bap[k], y, ty, y0, within, yimp_mid[k], y_int, y_frac)
        if three_f:
            y[:, :] = yin[k]
        if t % T == 0:
            thr = fast_kernels.round_threshold(cr[e])
            fast_kernels.dense_history(x, cx, xlive, xdec[k], tx, ximp[k], x_int, x_frac, xh)
            fast_kernels.dense_history(y, cy, ylive, ydec[k], ty, yimp[k], y_int, y_frac, yh)
            u = 0
            if has_u and (t // T) % (1 << k_u) == 0:
                u = 1
            learn(w, tg2, tg1, xh, yh, tx, ty, u, thr, mant, lsh, fconst, wmode, wlo, whi)
            x[:, :] = xh[T]
            if not three_f:
                y[:, :] = yh[T]
            tx[:] = 0
            ty[:] = 0
            y0[:] = False
            if record:
                rw[e] = w
                rt2[e] = tg2
                rt1[e] = tg1
                rx[e] = x
                ry[e] = y
                rab[e] = abuf
            e += 1
'''


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
        self.cx, self.xlive = _decay_factors(g._x_taus)
        self.cy, self.ylive = _decay_factors(g._y_taus)
        self.x_int, self.x_frac = (np.asarray(a, np.int64) for a in g._x_imp)
        self.y_int, self.y_frac = (np.asarray(a, np.int64) for a in g._y_imp)
        self.wmode = widths.SIGN_MODES.index(g.sign_mode)
        self.wlo, self.whi = (np.int32(v) for v in _RANGES["weights"][g.sign_mode])
        self.cfg = widths.GRADED_CFGS.index(g.graded_cfg)
        T = g.spec.t_epoch
        self.xh = np.zeros((T + 1, 2, g.shape[1]), np.int64)
        self.yh = np.zeros((T + 1, 3, g.shape[0]), np.int64)
        self.mod = compiled(self.spec)
        self.startup = self._ready(g, t0)

    def _ready(self, g, t0: float) -> dict:
        """Compile or load the code (a call over no steps), once per process and
        module; ``{"seconds", "compiled"}``."""
        key, compiling = self.mod.FASTNET_KEY, False
        if key not in _READY:
            compiling = not is_cached(self.mod)
            n_post, n_pre = g.shape
            self.call(g, np.zeros((0, n_pre), np.int32), np.zeros((0, n_post), bool),
                      np.zeros((0, 3, n_post), np.int64), record=False)
            _READY.add(key)
        return {"seconds": round(time.perf_counter() - t0, 3), "compiled": compiling}

    def call(self, g, s, bap, y, record: bool):
        """Run ``len(s)`` steps of ``g`` in place; with ``record`` the Vars after each
        epoch as arrays ``(weights, tag_2, tag_1, x, y, a_buff)`` with a leading epoch
        axis."""
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
        s = np.ascontiguousarray((s != 0) if binary else s, np.int64)
        g.weights = np.ascontiguousarray(g.weights, np.int32)
        for a in ("tag_2", "tag_1", "x", "y", "tx", "ty"):
            setattr(g, a, np.ascontiguousarray(getattr(g, a), np.int64))
        g.y0 = np.ascontiguousarray(g.y0, np.bool_)
        abuf = np.asarray(g.a_buff, np.int64).copy()
        m = n_ep if record else 0
        rec = (np.zeros((m, n_post, n_pre), np.int32), np.zeros((m, n_post, n_pre), np.int64),
               np.zeros((m, n_post, n_pre), np.int64), np.zeros((m, 2, n_pre), np.int64),
               np.zeros((m, 3, n_post), np.int64), np.zeros((m, n_post), np.int64))
        k = g.k
        self.mod.run(n, t0, T, s, binary, wrap32, g.weight_exp, self.cfg,
                     np.ascontiguousarray(bap, np.bool_), np.ascontiguousarray(y, np.int64),
                     g.spec.kind == "3F", g.weights, g.tag_2, g.tag_1, g.x, g.y, g.tx, g.ty,
                     g.y0, abuf, self.x_int, self.x_frac, self.y_int, self.y_frac,
                     self.cx, self.xlive, self.cy, self.ylive, xdec, ximp, ydec, yimp,
                     yimp_mid, cr, k is not None, 0 if k is None else int(k), self.mant,
                     self.lsh, self.fconst, self.wmode, self.wlo, self.whi, self.xh,
                     self.yh, record, *rec)
        g.time_step = t0 + n
        # a_buff in the numpy model's dtype: int32 for an int32 dot, else int64
        g.a_buff = abuf.astype(np.int32) if wrap32 else abuf
        return rec


def check_inputs(s_in) -> np.ndarray:
    """The payloads as an integer (or bool) array; ``RuleError`` otherwise."""
    s = np.asarray(s_in)
    if s.dtype.kind not in "biu":
        raise RuleError(f"compiled=True takes integer (or bool) payloads s_in, got dtype "
                        f"{s.dtype} (use np.int32, the dtype of a fixed-point graded port)")
    return s
