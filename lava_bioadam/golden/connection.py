"""L2: integer golden model of one ``LearningDense`` (``fixed_pt``) with a 3F rule.

Bit-exact with Lava 0.10's ``PyLearningDenseModelBitApproximate`` +
``LearningConnectionModelBitApproximate`` for the features the project uses:
graded pre spikes in OVERWRITE mode, third factors ``y1..y3`` set by the post unit
with ``bap`` off, ``x0``/``u0`` dependencies, traces ``x1``, ``x2``, ``y1..y3`` with
constant taus, MIXED sign mode. With
``signed_pre=True`` (or :class:`GoldenSignedLearningDense`) it models the project's
``SignedLearningDense`` (``fixed_pt``) instead: a payload ``p > 0`` sets
``x1 = min(round(p/2), 127), x2 = 0``, ``p < 0`` sets ``x1 = 0`` and ``x2`` from
``|p|``. Vectorised numpy; no Lava import.

Scaling constants are applied as Lava's engine applies them (``-8 * 2^e`` as
``-4 * 2^(e+1)``); other dependencies, factors and targets are refused at
construction. For everything else Lava's ``LearningDense`` does (other spike and
sign modes, post spikes, impulses, ``y0``/``u_k`` dependencies) use
:class:`lava_bioadam.golden.loihi_dense.GoldenLoihiDense`.

Use: per time step read :attr:`a_out` (what the connection sends this step), then
call :meth:`step` with the presynaptic payload and the post unit's ``y``; the
learning epoch runs inside :meth:`step` every ``t_epoch`` steps, as in Lava.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from lava_bioadam.engine import widths
from lava_bioadam.engine.rule_strings import lava_scaling
from lava_bioadam.errors import RuleError
from lava_bioadam.golden.learning_engine import (product_series, round_and_saturate,
                                                 trace_history)

_FACTORS = ("x1", "x2", "y1", "y2", "y3", "w", "d", "t")
#: state names of this model -> Lava's Var names
_VAR_NAMES = {"w": "weights", "d": "tag_2", "t": "tag_1"}


def as_engine_products(products) -> tuple:
    """The products as Lava's engine applies them (scaling constants through
    :func:`~lava_bioadam.engine.rule_strings.lava_scaling`, so ``-8 * 2^e`` becomes
    ``-4 * 2^(e+1)``); a one-line ``RuleError`` for what this model does not model
    (other targets, dependencies and factors: use ``GoldenLoihiDense``)."""
    out = []
    for p in products:
        if p.target not in ("dw", "dd", "dt"):
            raise RuleError(f"product target {p.target!r} is not dw, dd or dt")
        if p.dep not in ("x0", "u0"):
            raise RuleError(f"dependency {p.dep!r} is not modelled by GoldenLearningDense "
                            f"(x0, u0 only); use golden.loihi_dense.GoldenLoihiDense")
        bad = [f for f in p.factors if f not in _FACTORS]
        if bad:
            raise RuleError(f"factor {bad[0]!r} is not modelled by GoldenLearningDense; "
                            f"use golden.loihi_dense.GoldenLoihiDense")
        mant, exp = lava_scaling(int(p.mant), int(p.exp), f"{p.target} product")
        if (mant, exp) != (p.mant, p.exp):
            p = dataclasses.replace(p, mant=mant, exp=exp)
        out.append(p)
    return tuple(out)


class GoldenLearningDense:
    """Integer state of one learning connection, shape ``(n_post, n_pre)``.

    products: iterable of objects with ``target`` ("dw"/"dt"/"dd"), ``dep``
        ("x0"/"u0"), ``factors`` (names), ``mant``, ``exp`` (e.g. ``engine.products.Product``).
    weights, tag_1, tag_2: initial ``w``, ``t``, ``d`` (integers).
    rng_seed: the learning rule's ``rng_seed`` (trace streams); the synaptic
        variable stream is Lava's constant seed ``widths.CONN_VAR_SEED``.
    x_tau, x2_tau, y_tau: trace time constants (steps) of ``x1``, ``x2`` and
        ``y1..y3``; a tau of 0 zeroes that trace at every epoch (as Lava does).
        ``x2_tau`` defaults to Lava's rule default 0 (``x2`` unused); give it the
        rule's value when ``x2`` is used.
    signed_pre: signed graded payloads (``SignedLearningDense``), see above.
    """

    def __init__(self, products, weights, tag_1=None, tag_2=None, *, t_epoch: int,
                 rng_seed: int, num_weight_bits: int = 8,
                 x_tau: float = widths.TRACE_TAU_INF, y_tau: float = widths.TRACE_TAU_INF,
                 x2_tau: float = 0.0, signed_pre: bool = False):
        w = np.asarray(weights).astype(np.int32)
        self.shape = w.shape
        n_post, n_pre = self.shape
        trunc = 8 - num_weight_bits + 1                      # MIXED sign mode
        self.w = np.clip((w >> trunc) << trunc, widths.W_MIN, widths.W_MAX).astype(np.int32)
        z = np.zeros(self.shape, dtype=np.int64)
        self.t = z.copy() if tag_1 is None else np.asarray(tag_1).astype(np.int64)
        self.d = z.copy() if tag_2 is None else np.asarray(tag_2).astype(np.int64)
        self.products = as_engine_products(products)
        self.t_epoch = int(t_epoch)
        self.x_taus = np.array([x_tau, x2_tau], dtype=float)
        self.y_taus = np.array([y_tau] * 3)[:, None]
        self.signed_pre = bool(signed_pre)
        self.uses_x2 = self.signed_pre or any("x2" in p.factors for p in self.products)
        self.x1 = np.zeros(n_pre, dtype=np.int64)
        self.x2 = np.zeros(n_pre, dtype=np.int64)
        self.y = np.zeros((3, n_post), dtype=np.int64)
        self.tx = np.zeros(n_pre, dtype=np.int64)
        self.a_buff = np.zeros(n_post, dtype=np.int32)
        self.time_step = 0
        self._x_rng = np.random.default_rng(rng_seed)
        self._y_rng = np.random.default_rng(rng_seed + 2)
        self._c_rng = np.random.default_rng(widths.CONN_VAR_SEED)
        self._x_rand = self._x_rng.random(1)[0]
        self._y_rand = self._y_rng.random(1)[0]
        self._c_rand = self._c_rng.random(1)[0]
        self.track_exact = False     # record the exact (real) update of each epoch
        self.last_exact: dict = {}
        self.last_acc: dict = {}     # accumulated update before stochastic rounding

    # -- spiking phase -----------------------------------------------------------
    @property
    def a_out(self) -> np.ndarray:
        """Dendritic input sent this step (``W p`` of the previous step), ints."""
        return self.a_buff

    def step(self, payload, y) -> None:
        """One time step: graded pre payloads ``(n_pre,)`` (0 = no spike) and the
        post unit's third factors ``y`` ``(3, n_post)`` sent this step."""
        self.time_step += 1
        p = np.asarray(payload).astype(np.int32)
        self.a_buff = self.w.dot(p)
        spiked = p.astype(bool)
        if self.signed_pre:
            mag = np.minimum(np.round(np.abs(p.astype(np.int64)) / 2), widths.X_MAX).astype(int)
            self.x1[spiked] = np.where(p > 0, mag, 0)[spiked]
            self.x2[spiked] = np.where(p < 0, mag, 0)[spiked]
        else:
            scaled = np.round(p / 2).astype(np.uint8)
            self.x1[spiked] = scaled[spiked]
        within = self.time_step % self.t_epoch or self.t_epoch
        self.tx[spiked] = within
        n = widths.RANDOM_ADVANCES_PER_STEP
        self._x_rand = self._x_rng.random(n)[-1]
        self._y_rand = self._y_rng.random(n)[-1]
        self.y = np.asarray(y).astype(np.int64).reshape(3, -1).copy()
        if self.time_step % self.t_epoch == 0:
            self._learn()

    # -- learning phase ----------------------------------------------------------
    def _histories(self):
        """Trace values at within-epoch steps 0..T: ``xh (T+1, 2, n_pre)`` (x1, x2)
        and ``yh (T+1, 3, n_post)``. Traces with tau 0 are 0 after step 0; a spike
        at step k clips both x traces to 0..127 there (Lava's impulse addition, with
        no impulse); the post units send no spikes (``bap`` off)."""
        xh = trace_history(np.stack([self.x1, self.x2]), self.x_taus, self._x_rand,
                           self.t_epoch, self.tx)
        yh = trace_history(self.y, self.y_taus[:, 0], self._y_rand, self.t_epoch,
                           np.zeros(self.y.shape[1], int))
        return xh, yh

    def _learn(self) -> None:
        self._c_rand = self._c_rng.random(1)[0]
        x0 = self.tx > 0
        xh, yh = self._histories()
        cols = np.arange(self.shape[1])
        args = {
            "x0": {"x1": xh[self.tx, 0, cols][None, :], "x2": xh[self.tx, 1, cols][None, :],
                   "y1": yh[self.tx, 0].T, "y2": yh[self.tx, 1].T, "y3": yh[self.tx, 2].T},
            "u0": {"x1": xh[-1, 0][None, :], "x2": xh[-1, 1][None, :],
                   "y1": yh[-1, 0][:, None], "y2": yh[-1, 1][:, None],
                   "y3": yh[-1, 2][:, None]},
        }
        dep_val = {"x0": x0[None, :], "u0": 1}
        state = {"w": self.w, "t": self.t, "d": self.d}
        self.x1 = xh[-1, 0].copy()
        self.x2 = xh[-1, 1].copy()
        new = {}
        for var in ("w", "d", "t"):
            prods = [p for p in self.products if p.target == "d" + var]
            if not prods:
                continue
            if self.track_exact:
                self.last_exact[var] = self._exact(prods, dep_val, args, state)
            acc = product_series(state[var] << widths.ACC_SHIFT, prods, self.shape,
                                 lambda pr, f: (dep_val[pr.dep] if f is None else
                                                state[f] if f in state else args[pr.dep][f]))
            if var == "d":
                acc = np.maximum(0, acc)
            if self.track_exact:
                self.last_acc[var] = acc / widths.ROUND_DIV - state[var]
            new[var] = round_and_saturate(_VAR_NAMES[var], acc, self._c_rand,
                                          state[var].dtype)
        for var, val in new.items():
            setattr(self, var, val)
        self.tx[:] = 0

    def _exact(self, prods, dep_val, args, state):
        """Real-valued update (state units) the products stand for: no int32 wrap,
        no shift truncation, no rounding (for the rounding-error measurement)."""
        tot = np.zeros(self.shape)
        for pr in prods:
            v = np.ones(self.shape) * dep_val[pr.dep]
            for f in pr.factors:
                v = v * (state[f] if f in state else args[pr.dep][f])
            tot += v * pr.mant * 2.0 ** pr.exp / 2.0 ** widths.product_shift(pr.factors)
        return tot

    def snapshot(self) -> dict:
        """Copies of every synaptic variable and trace (names as in Lava); ``x2``
        only when the connection uses it (signed payloads or ``x2`` in a product)."""
        snap = {"weights": self.w.copy(), "tag_1": self.t.copy(), "tag_2": self.d.copy(),
                "x1": self.x1.copy(), "y1": self.y[0].copy(), "y2": self.y[1].copy(),
                "y3": self.y[2].copy()}
        if self.uses_x2:
            snap["x2"] = self.x2.copy()
        return snap


class GoldenSignedLearningDense(GoldenLearningDense):
    """L2 model of ``SignedLearningDense`` (``fixed_pt``): signed graded payloads,
    positive part in ``x1``, negative part in ``x2``; ``x2_tau`` defaults to the
    twin rules' ``2**40``. Arguments as :class:`GoldenLearningDense`."""

    def __init__(self, products, weights, tag_1=None, tag_2=None, *, t_epoch: int,
                 rng_seed: int, x2_tau: float = widths.TRACE_TAU_INF, **kwargs):
        kwargs["signed_pre"] = True
        super().__init__(products, weights, tag_1, tag_2, t_epoch=t_epoch,
                         rng_seed=rng_seed, x2_tau=x2_tau, **kwargs)
