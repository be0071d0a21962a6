"""Compiled (numba) pieces of the fast golden model, one function per piece of
:mod:`lava_bioadam.golden.connection` and :mod:`lava_bioadam.codes`.

Every array has a trailing replica axis ``R``: connection states ``(n_post, n_pre, R)``,
traces and unit states ``(n, R)``, all int32; arithmetic that the numpy model does
in int32 wraps here the same way (``np.int32(...)`` of the exact value). Float operations are the numpy model's,
in the same order (IEEE double, no fast-math); the units compute in integers only.

The rule-specific learning epoch (the products) is generated from the rules by
:mod:`lava_bioadam.golden.fast`; these helpers are rule-independent.
"""
from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from numba import njit

from lava_bioadam.engine import neuron
from lava_bioadam.engine import widths

#: LLVM's loop vectoriser gives up on a loop that needs more than 8 run-time
#: checks that its arrays do not overlap (numba cannot tell LLVM that they never
#: do); a learning loop writes w, t, d and reads the epoch's x parts, selection
#: mask and y parts besides, so it needs more. Set on import, before any compile.
VECTORIZE_MEMORY_CHECKS = 64
llvm.set_option("lava-bioadam", f"-runtime-memory-check-threshold={VECTORIZE_MEMORY_CHECKS}")

#: from this many replicas the loops over synapses run over the replicas of a
#: synapse (one AVX2 vector of int32); below it a replica loop is too short to
#: vectorise, and they run over a row (the learning loop: a row's synapses times
#: its replicas; the weighted sum: each replica's row in turn)
REPLICA_LANES = 8

_X_MAX = widths.X_MAX
_E_MAX = widths.X_MAX          # |E| codes, as codes.E_MAX_CODE
_ROUND_DIV = widths.ROUND_DIV
_ROUND_BITS = widths.ROUND_DIV.bit_length() - 1
_ACC_SHIFT = widths.ACC_SHIFT
# the units' integer arithmetic (lava_bioadam.engine.neuron)
_ACC_LIM = widths.NEURON_ACC_MAX
_F, _F_MASK, _X_CAP = neuron.F, 2 ** neuron.F - 1, neuron.X_CAP
_N, _K, _Q = neuron.N, neuron.K, neuron.Q
_ONE_P = 2 ** neuron.Q
_SUM_BITS = widths.SOFTMAX_SUM_BITS
_EXP2, _RECIP = neuron.EXP2.copy(), neuron.RECIP.copy()


@njit(cache=True)
def conn_step(w, x1, x2, tx, abuf, p, has_p, k, signed_pre):
    """One time step of a connection: ``abuf = w p`` (int32), and the graded
    payloads ``p (n_pre, R)`` set ``x1``/``x2`` and the spike step ``tx = k`` of
    every pre unit with ``p != 0``."""
    n_post, n_pre, R = w.shape
    if not has_p:
        abuf[:, :] = 0
        return
    # int32 sums that wrap (numpy's int32 dot): modulo 2^32, so in any order
    if R < REPLICA_LANES:                      # each replica's rows in turn
        for r in range(R):
            pr = np.ascontiguousarray(p[:, r])
            for j in range(n_post):
                s = np.int32(0)
                for i in range(n_pre):
                    s = np.int32(s + np.int32(w[j, i, r] * pr[i]))
                abuf[j, r] = s
    else:
        for j in range(n_post):
            for r in range(R):
                abuf[j, r] = 0
            for i in range(n_pre):
                for r in range(R):
                    abuf[j, r] = np.int32(abuf[j, r] + np.int32(w[j, i, r] * p[i, r]))
    for i in range(n_pre):
        for r in range(R):
            v = p[i, r]
            if v == 0:
                continue
            if signed_pre:
                mag = min(np.int32(np.rint(abs(v) / 2)), _X_MAX)
                x1[i, r] = mag if v > 0 else 0
                x2[i, r] = mag if v < 0 else 0
            else:
                x1[i, r] = np.int32(np.rint(v / 2)) & 0xFF
            tx[i, r] = k


@njit(cache=True, inline="always")
def _decay(v, c, rand):
    """``floor(c v) + (rand < frac(c v))``. ``f - floor(f)`` equals numpy's
    ``f % 1`` bit for bit (both are one rounding of the same real number); ``v = 0``
    gives 0 (``rand >= 0``), so there is no branch."""
    f = c * v
    fl = np.floor(f)
    return np.int32(fl) + np.int32(rand < f - fl)


@njit(cache=True)
def histories(x1, x2, tx, y, xh, yh, xk, cx1, cx2, cy, live1, live2, xr, yr):
    """Trace values at within-epoch steps ``0..T`` into ``xh (T+1, 2, n_pre, R)``
    and ``yh (T+1, 3, n_post, R)``, as ``GoldenLearningDense._histories``, and the
    x traces at each pre unit's spike step ``tx`` into ``xk (2, n_pre, R)``; then
    ``x1``/``x2`` take their step-``T`` values. ``xr``/``yr (R,)``: the epoch's
    trace random numbers. Each step is one loop over the contiguous axis (pre or
    post units times replicas), which vectorises."""
    T = xh.shape[0] - 1
    n_pre, R = x1.shape
    n_post = y.shape[1]
    M, N = n_pre * R, n_post * R
    xh2 = xh.reshape(T + 1, 2, M)
    yh2 = yh.reshape(T + 1, 3, N)
    x11, x21, tx1, xk2 = x1.reshape(M), x2.reshape(M), tx.reshape(M), xk.reshape(2, M)
    y2 = y.reshape(3, N)
    # the random numbers along the contiguous axis (replica fastest)
    xrq = np.empty((n_pre, R))
    yrq = np.empty((n_post, R))
    for i in range(n_pre):
        xrq[i] = xr
    for j in range(n_post):
        yrq[j] = yr
    xrq, yrq = xrq.reshape(M), yrq.reshape(N)
    zero, top = np.int32(0), np.int32(_X_MAX)
    for q in range(M):
        xh2[0, 0, q] = x11[q]
        xh2[0, 1, q] = x21[q]
    for k in range(1, T + 1):
        for q in range(M):
            a = _decay(xh2[k - 1, 0, q], cx1, xrq[q]) if live1 else zero
            b = _decay(xh2[k - 1, 1, q], cx2, xrq[q]) if live2 else zero
            hit = tx1[q] == k
            xh2[k, 0, q] = min(max(a, zero), top) if hit else a
            xh2[k, 1, q] = min(max(b, zero), top) if hit else b
    for q in range(M):
        x11[q] = xh2[T, 0, q]
        x21[q] = xh2[T, 1, q]
        xk2[0, q] = xh2[tx1[q], 0, q]
        xk2[1, q] = xh2[tx1[q], 1, q]
    for f in range(3):
        for q in range(N):
            yh2[0, f, q] = y2[f, q]
        for k in range(1, T + 1):
            for q in range(N):
                yh2[k, f, q] = _decay(yh2[k - 1, f, q], cy, yrq[q])


@njit(cache=True)
def round_threshold(rand):
    """Integer form of the epoch's rounding random number: for an integer ``m`` in
    ``0..127``, ``rand < m / 128`` exactly when ``m > floor(128 rand)``."""
    return np.int32(np.floor(rand * _ROUND_DIV))


@njit(cache=True, inline="always")
def round_saturate(acc, thr, lo, hi):
    """Stochastic rounding of an accumulator value to a state value (the numpy
    model's ``floor(acc / 128) + (rand < frac)``, one random number per epoch, as
    :func:`round_threshold` ``thr``), then saturation to ``lo..hi``."""
    # acc / ROUND_DIV is exact: its floor is acc >> 7, its fraction (acc & 127) / 128;
    # int32 throughout (|acc| < 2^16), no branch: the learning loop vectorises
    q = np.int32((acc >> _ROUND_BITS) + np.int32((acc & (_ROUND_DIV - 1)) > thr))
    return min(max(np.int32(np.int32(q * _ROUND_DIV) >> _ACC_SHIFT), lo), hi)


@njit(cache=True, inline="always")
def mul_shift(x, mant, shift):
    """``neuron.mul_shift``: ``(x mant + 2**(shift-1)) >> shift`` (int64)."""
    return (np.int64(x) * mant + ((np.int64(1) << shift) >> 1)) >> shift


@njit(cache=True, inline="always")
def saturate_acc(v):
    """A dendritic sum saturated to ``NEURON_ACC_BITS`` (``codes.accumulate``)."""
    return min(max(np.int64(v), -_ACC_LIM), _ACC_LIM)


@njit(cache=True)
def hidden_step(k, fwd_step, err_step, a_in, fb_in, a, H, E, s_out, e_out,
                a_one, h_mant, h_shift, bias_payload, fb_max, e_mant, e_shift):
    """Step ``k`` of a hidden population (``codes.HiddenUnits.step``, integers
    only; constants of ``rules.units.HiddenCode``). ``a_in``, ``fb_in (n, R)``:
    this step's inputs; ``a (n, R)`` the accumulators; fills ``s_out (n+1, R)``
    and ``e_out (n, R)``; returns whether each was sent."""
    n, R = H.shape
    sent_s, sent_e = False, False
    if k == 1:
        H[:, :] = 0
        E[:, :] = 0
    if k == fwd_step:
        for i in range(n):
            for r in range(R):
                A = saturate_acc(a_in[i, r])
                a[i, r] = A
                Hv = min(mul_shift(min(max(A, 0), a_one), h_mant, h_shift), _E_MAX)
                H[i, r] = Hv
                s_out[i, r] = 2 * Hv
        for r in range(R):
            s_out[n, r] = bias_payload
        sent_s = True
    if k == err_step:
        for i in range(n):
            for r in range(R):
                Ev = 0
                if a[i, r] > 0 and a[i, r] < a_one:
                    f = min(max(np.int64(fb_in[i, r]), -fb_max), fb_max)
                    Ev = min(max(mul_shift(f, e_mant, e_shift), -_E_MAX), _E_MAX)
                E[i, r] = Ev
                e_out[i, r] = 2 * Ev
        sent_e = True
    return sent_s, sent_e


@njit(cache=True)
def third_factors(y, k, from_step, neg, code, gain):
    """``y (3, n, R)`` a unit sends at step ``k``: zeros before ``from_step``; then
    ``(E+, E-, G)`` (``neg``) or ``(H, 0, G)`` (not ``neg``) from ``code (n, R)``."""
    n, R = code.shape
    on = k >= from_step
    for i in range(n):
        for r in range(R):
            c = code[i, r]
            if not on:
                y[0, i, r] = 0
                y[1, i, r] = 0
                y[2, i, r] = 0
            elif neg:
                y[0, i, r] = max(c, 0)
                y[1, i, r] = max(-c, 0)
                y[2, i, r] = gain
            else:
                y[0, i, r] = c
                y[1, i, r] = 0
                y[2, i, r] = gain


@njit(cache=True)
def softmax_q(x, p):
    """``neuron.softmax_q`` of the exponents ``x (n,)`` into ``p (n,)`` (int64)."""
    n = x.shape[0]
    s = np.int64(0)
    for i in range(n):
        xi = min(x[i], _X_CAP)
        p[i] = _EXP2[xi & _F_MASK] >> (xi >> _F)
        s += p[i]
    lead = 0
    for b in range(1, _SUM_BITS):
        if (s >> b) > 0:
            lead += 1
    sn = s >> (lead - _N)
    r0 = _RECIP[(sn >> (_N - _K)) - (1 << _K)]
    t = (sn * r0) >> _N
    rr = (r0 * ((np.int64(2) << _N) - t) + (np.int64(1) << (_N - 1))) >> _N
    sh = lead + _N - _Q
    for i in range(n):
        p[i] = (p[i] * rr + ((np.int64(1) << sh) >> 1)) >> sh


@njit(cache=True)
def output_error(a_in, labels, d_cap, x_mant, x_shift, e_mant, e_shift, E, e_out, z, pred):
    """Output error step (``codes.OutputUnits.step``, integers only; constants of
    ``rules.units.OutputCode``): the saturated accumulators into ``z (n, R)``,
    ``pred (R,)`` their argmax, and the error codes of
    ``codes.output_error_code`` into ``E``, ``e_out = 2 E``."""
    n, R = z.shape
    x = np.empty(n, dtype=np.int64)
    p = np.empty(n, dtype=np.int64)
    for r in range(R):
        best = 0
        for i in range(n):
            z[i, r] = saturate_acc(a_in[i, r])
            if z[i, r] > z[best, r]:
                best = i
        pred[r] = best
        top = z[best, r]
        for i in range(n):
            x[i] = mul_shift(min(top - z[i, r], d_cap), x_mant, x_shift)
        softmax_q(x, p)
        p[labels[r]] -= _ONE_P
        for i in range(n):
            Ev = min(max(mul_shift(p[i], e_mant, e_shift), -_E_MAX), _E_MAX)
            E[i, r] = Ev
            e_out[i, r] = 2 * Ev


@njit(cache=True)
def spike_group(tx, yh, v, sel, yk, first):
    """Select the pre units whose spike step is ``v`` (``sel (n_pre, R)``) and copy
    the y traces at step ``v`` into ``yk``, so that a learning epoch reads them
    without a gather. Pre units without a spike (``tx == 0``, their ``x0``
    products are 0) join each replica's first group. Returns ``(any, all)``
    selected; with one spike step per connection (this network) one group holds
    every synapse."""
    n_pre, R = tx.shape
    if v == 1:
        for r in range(R):
            f = 0
            for i in range(n_pre):
                k = tx[i, r]
                if k > 0 and (f == 0 or k < f):
                    f = k
            first[r] = f if f > 0 else 1
    some, every = False, True
    for i in range(n_pre):
        for r in range(R):
            k = tx[i, r]
            s = k == v or (k == 0 and v == first[r])
            sel[i, r] = s
            some |= s
            every &= s
    if some:
        yk[:, :, :] = yh[v]
    return some, every


# ------------------------------------------------------------ GoldenLoihiDense, compiled
# One connection (no replica axis) with everything LearningDense's fixed_pt model has:
# the spiking phase of ``loihi_dense.GoldenLoihiDense.step`` and its trace histories.
# The rule-specific learning epoch is generated by :mod:`lava_bioadam.golden.fast_dense`.

@njit(cache=True, inline="always")
def _add_impulse(v, rand, imp_int, imp_frac):
    """``learning_engine.add_impulse`` of one value (int64)."""
    return min(max(v + imp_int + np.int64(rand < imp_frac), 0), _X_MAX)


@njit(cache=True)
def dense_spikes(w, s, binary, wrap32, wexp, cfg, abuf, x, tx, within, x_int, x_frac):
    """Spiking phase of the pre side: ``abuf = W s`` shifted by ``wexp`` (int32 that
    wraps when ``wrap32``, as numpy's int32 dot; int64 sum of the spiking columns
    when ``binary``), then ``x1``/``x2``/``tx`` of the spiking pre units in
    ``GradedSpikeCfg`` ``cfg`` (index in ``widths.GRADED_CFGS``); impulses
    ``x_int``/``x_frac (2,)`` round with 0 at a second spike, as Lava does."""
    n_post, n_pre = w.shape
    for j in range(n_post):
        if binary or not wrap32:
            a = np.int64(0)
            for i in range(n_pre):
                if binary:
                    if s[i] != 0:
                        a += w[j, i]
                else:
                    a += np.int64(w[j, i]) * s[i]
            abuf[j] = a << wexp if wexp > 0 else a >> -wexp
        else:
            a32 = np.int32(0)
            for i in range(n_pre):
                a32 = np.int32(a32 + np.int32(w[j, i] * s[i]))
            abuf[j] = np.int32(a32 << wexp) if wexp > 0 else a32 >> -wexp
    for i in range(n_pre):
        v = s[i]
        spiked = v != 0
        upd, x2 = spiked, spiked and tx[i] > 0
        # numpy's round(s / 2) (half to even) cast to uint8 (modulo 256)
        sc = np.int64(np.rint(v / 2)) & 0xFF
        if cfg == 0:
            if x2:
                x[0, i] = _add_impulse(x[0, i], 0, x_int[0], x_frac[0])
        elif cfg == 1:
            if spiked:
                x[0, i] = sc
        else:
            sums = (x[0, i] + sc) & 0xFF
            if cfg == 2:
                x[0, i] = min(sums, _X_MAX)
            else:
                over = sums > _X_MAX
                upd, x2 = upd and over, x2 and over
                x[0, i] = sums - _X_MAX if over else sums
        if x2:
            x[1, i] = _add_impulse(x[1, i], 0, x_int[1], x_frac[1])
        if upd:
            tx[i] = within


@njit(cache=True)
def dense_post(bap, y, ty, y0, within, rand, y_int, y_frac):
    """Post spikes ``bap``: ``y0``, the y impulses at a second spike in the epoch
    (rounded with the impulse number ``rand``), clipped to 0..127, and ``ty``."""
    for j in range(bap.shape[0]):
        if bap[j]:
            y0[j] = True
            if ty[j] > 0:
                for f in range(3):
                    y[f, j] = _add_impulse(y[f, j], rand, y_int[f], y_frac[f])
            ty[j] = within


@njit(cache=True)
def dense_history(start, c, live, rand, spike, irand, imp_int, imp_frac, h):
    """``learning_engine.trace_history`` into ``h (T+1, K, n)``: from ``start (K, n)``
    stochastic decay by the factors ``c (K,)`` (numpy's ``exp(-1/tau)``) of the
    ``live`` traces (the others are 0), the impulses at each unit's ``spike`` step."""
    T = h.shape[0] - 1
    K, n = start.shape
    h[0] = start
    for t in range(1, T + 1):
        for a in range(K):
            for q in range(n):
                v = np.int64(0)
                if live[a]:
                    f = c[a] * h[t - 1, a, q]
                    fl = np.floor(f)
                    v = np.int64(fl) + np.int64(rand < f - fl)
                if spike[q] == t:
                    v = _add_impulse(v, irand, imp_int[a], imp_frac[a])
                h[t, a, q] = v


@njit(cache=True)
def dense_steps(k0, k1, t0, T, s, binary, wrap32, wexp, cfg, bap, yin, three_f, w, x, y, tx,
                ty, y0, abuf, x_int, x_frac, y_int, y_frac, yimp_mid, end, cx, xlive, xdec,
                ximp, cy, ylive, ydec, yimp, xh, yh):
    """Steps ``k0..k1-1`` of a stream (time steps ``t0 + k + 1``) of a connection:
    :func:`dense_spikes`, :func:`dense_post` (``yimp_mid (n,)`` each step's impulse
    number after the first advance), the third factors ``yin`` of a 3F rule; at an
    epoch's ``end`` the trace histories ``xh``, ``yh`` with the step's last random
    numbers (the learning epoch itself is generated per rule structure)."""
    for k in range(k0, k1):
        t = t0 + k + 1
        within = t % T
        if within == 0:
            within = T
        dense_spikes(w, s[k], binary, wrap32, wexp, cfg, abuf, x, tx, within, x_int, x_frac)
        dense_post(bap[k], y, ty, y0, within, yimp_mid[k], y_int, y_frac)
        if three_f:
            y[:, :] = yin[k]
    if end:
        dense_history(x, cx, xlive, xdec, tx, ximp, x_int, x_frac, xh)
        dense_history(y, cy, ylive, ydec, ty, yimp, y_int, y_frac, yh)
