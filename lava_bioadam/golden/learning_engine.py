"""The arithmetic of Lava 0.10's fixed-point learning engine, in numpy, once.

Both golden connection models run it: :class:`~lava_bioadam.golden.loihi_dense.GoldenLoihiDense`
(the complete ``LearningDense``) and
:class:`~lava_bioadam.golden.connection.GoldenLearningDense` (the subset the
package's networks use). Widths, ranges and rounding modes come from
:mod:`lava_bioadam.engine.widths`.

* traces: stochastic exponential decay, impulses at the spike step
  (:func:`trace_history`);
* products: int32 product of the dependency, the clipped factors and the mantissa,
  arithmetic right shift by :func:`~lava_bioadam.engine.widths.product_shift`, left
  shift by ``exp + 7``, saturated to the accumulator, accumulated in order
  (:func:`product_series`);
* synaptic variables: stochastic rounding to a multiple of ``ROUND_DIV`` and
  saturation to each variable's range (:func:`round_and_saturate`).
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.engine import widths

#: range of each synaptic variable after an update, per sign mode of the weights
_RANGES = {"weights": {"mixed": (widths.W_MIN, widths.W_MAX), "excitatory": (0, widths.W_MAX),
                       "inhibitory": (-widths.W_MAX, 0)},
           "tag_2": (widths.D_MIN, widths.D_MAX), "tag_1": (widths.T_MIN, widths.T_MAX)}


def stochastic_round(values, rand, frac):
    """``values + (rand < frac)`` as ints (Lava's stochastic rounding)."""
    return (values + np.asarray(rand < frac).astype(int)).astype(int)


def decay_traces(values, taus, rand):
    """One step of stochastic exponential decay ``x exp(-1/tau)``, rounded with ``rand``."""
    v = np.exp(-1 / taus) * values
    return stochastic_round(np.floor(v), rand, v % 1)


def add_impulse(values, rand, imp_int, imp_frac):
    """Impulse addition: integer part, stochastic fractional part, clip to 0..127."""
    return np.clip(stochastic_round(values + imp_int, rand, imp_frac), 0, widths.X_MAX)


def trace_history(start, taus, decay_rand, t_epoch: int, spike_step, impulse_rand=0,
                  imp_int=0, imp_frac=0) -> np.ndarray:
    """Values of a group of traces at the within-epoch steps ``0..t_epoch``.

    start ``(k, n)``: the traces (k per neuron) at the epoch's start; taus ``(k,)``
    (0: the trace is cleared); spike_step ``(n,)``: each neuron's spike step in the
    epoch (0 = none), where the impulse ``imp_int + imp_frac / 256`` (per trace,
    ``(k, 1)`` or scalars) is added and the traces clipped to 0..127. Returns
    ``(t_epoch + 1, k, n)`` ints."""
    h = np.zeros((t_epoch + 1,) + np.shape(start), int)
    h[0] = start
    taus = np.asarray(taus, dtype=float)
    live = taus != 0
    for t in range(1, t_epoch + 1):
        h[t][live] = decay_traces(h[t - 1][live], taus[live][:, None], decay_rand)
        ids = np.where(spike_step == t)[0]
        h[t][:, ids] = add_impulse(h[t][:, ids], impulse_rand, imp_int, imp_frac)
    return h


def product_series(acc, prods, shape, value_of) -> np.ndarray:
    """Lava's product series: each product's int32 value (wrapping), shifted right by
    :func:`~lava_bioadam.engine.widths.product_shift` (floor) and left by
    ``exp + 7``, saturated and added to the accumulator ``acc`` in order.

    prods: objects with ``dep``, ``mant``, ``exp`` and ``factors`` (names, or objects
    whose ``var`` is the name); value_of(pr, f): the value of factor ``f`` of
    product ``pr`` (``f`` None: its dependency), broadcastable to ``shape``; the
    engine clips it to the factor's width."""
    for pr in prods:
        cur = np.ones(shape, dtype=np.int32)
        cur *= value_of(pr, None)
        names = []
        for f in pr.factors:
            name = getattr(f, "var", f)
            names.append(name)
            lo, hi = widths.factor_clip(name)
            cur *= np.clip(value_of(pr, f), lo, hi).astype(np.int32)
        cur *= int(pr.mant)
        cur = np.right_shift(cur, widths.product_shift(names))
        cur = np.left_shift(cur, int(pr.exp) + widths.EXP_OFFSET)
        cur = np.clip(cur, widths.ACC_MIN, widths.ACC_MAX)
        acc = np.clip(acc + cur, widths.ACC_MIN, widths.ACC_MAX)
    return acc


def round_syn_var(acc, rand, dtype):
    """Stochastic rounding of an integer accumulator to a multiple of ``ROUND_DIV``:
    ``floor(acc / 128) + (rand < frac)`` (the fraction is exact in float64)."""
    acc = np.asarray(acc)
    frac = (acc & (widths.ROUND_DIV - 1)) / widths.ROUND_DIV
    q = (acc >> widths.ROUND_SHIFT) + (rand < frac)
    return (q * widths.ROUND_DIV).astype(dtype)


def round_and_saturate(var: str, acc, rand, dtype, sign_mode: str = "mixed"):
    """New value of synaptic variable ``var`` (``weights``, ``tag_2``, ``tag_1``) from
    its accumulator: the sign of the weights kept, ``tag_2 >= 0``, stochastic
    rounding with ``rand``, back to variable units, saturated to the range."""
    if var == "weights" and sign_mode == "excitatory":
        acc = np.maximum(0, acc)
    elif var == "weights" and sign_mode == "inhibitory":
        acc = np.minimum(0, acc)
    elif var == "tag_2":
        acc = np.maximum(0, acc)
    v = round_syn_var(acc, rand, dtype) >> widths.ACC_SHIFT
    lo, hi = _RANGES[var][sign_mode] if var == "weights" else _RANGES[var]
    if var == "weights":
        return np.clip(v.astype(np.int32), lo, hi).astype(np.int32)
    return np.clip(v, lo, hi)
