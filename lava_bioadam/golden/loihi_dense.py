"""L2 model of Lava 0.10's ``LearningDense`` (``fixed_pt``), bit for bit, no Lava.

:class:`GoldenLoihiDense` takes the arguments of Lava's process (``weights``,
``tag_2``, ``tag_1``, ``learning_rule``, ``num_message_bits``, ``graded_spike_cfg``,
``weight_exp``, ``num_weight_bits``, ``sign_mode``) and reproduces, per time step,
what ``PyLearningDenseModelBitApproximate`` computes: the dendritic sum ``a_buff``,
the traces ``x1, x2, y1, y2, y3``, the spike times ``tx, ty`` and, every ``t_epoch``
steps, the learning epoch of ``weights``, ``tag_2`` (d) and ``tag_1`` (t).

Modelled: two- and three-factor rules (:class:`LearningRuleSpec` or a Lava
``Loihi2FLearningRule`` / ``Loihi3FLearningRule`` object), every rule string
:mod:`lava_bioadam.engine.rule_strings` reads (dependencies ``x0``, ``y0``,
``u<k>``; trace, synaptic-variable, ``sgn`` and dependency factors with constants),
impulses (integer and fractional parts, stochastic rounding), trace taus
(0 = trace cleared), binary (``num_message_bits=0``) and graded spikes in every
``GradedSpikeCfg``, multi-spikes within an epoch, post spikes (``bap``), sign
modes MIXED / EXCITATORY / INHIBITORY, ``num_weight_bits``, ``weight_exp`` and
initial values outside the learned ranges (Lava truncates, it does not clip).
Refused with :class:`~lava_bioadam.errors.RuleError` at construction: see
:func:`check_supported` and ``docs/golden_engine.md``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_bioadam.engine import widths
from lava_bioadam.engine.rule_strings import parse_rules
from lava_bioadam.errors import RuleError
from lava_bioadam.golden.learning_engine import (add_impulse, product_series,
                                                 round_and_saturate, trace_history)

#: rule kinds and the Lava classes they stand for
RULE_KINDS = {"2F": "Loihi2FLearningRule", "3F": "Loihi3FLearningRule"}
SNAPSHOT_VARS = ("weights", "tag_1", "tag_2", "x0", "tx", "x1", "x2", "y0", "ty",
                 "y1", "y2", "y3", "a_buff")
_SYN_VAR = {"w": "weights", "d": "tag_2", "t": "tag_1"}
_PRE, _POST = ("x1", "x2"), ("y1", "y2", "y3")


@dataclass
class LearningRuleSpec:
    """Lava's ``Loihi2FLearningRule`` / ``Loihi3FLearningRule`` arguments, without Lava.

    kind: ``"2F"`` (post traces from ``bap`` impulses) or ``"3F"`` (the post unit
        sends ``y1..y3``; y impulses 0 and y taus ``2^16 - 1``, as Lava fixes them).
    dw, dd, dt: rule strings (None = variable not learned).
    impulses (>= 0, fractional parts in 1/256) and taus (>= 0, steps); Lava's
    defaults are 0. t_epoch: steps per learning epoch. rng_seed: required (Lava
    draws a random one for None, which no model can reproduce; a Lava rule object
    holds the seed it drew, which :meth:`from_lava` reads).
    """

    kind: str = "3F"
    dw: str | None = None
    dd: str | None = None
    dt: str | None = None
    x1_impulse: float = 0.0
    x1_tau: float = 0.0
    x2_impulse: float = 0.0
    x2_tau: float = 0.0
    y1_impulse: float = 0.0
    y1_tau: float = 0.0
    y2_impulse: float = 0.0
    y2_tau: float = 0.0
    y3_impulse: float = 0.0
    y3_tau: float = 0.0
    t_epoch: int = 1
    rng_seed: int | None = None

    def __post_init__(self):
        if self.kind not in RULE_KINDS:
            raise RuleError(f"rule kind must be one of {sorted(RULE_KINDS)}, got "
                            f"{self.kind!r}")
        if self.kind == "3F":
            for y in _POST:
                setattr(self, f"{y}_impulse", 0.0)
                setattr(self, f"{y}_tau", float(widths.Y_TAU_3F))

    @classmethod
    def from_lava(cls, rule) -> "LearningRuleSpec":
        """Spec of a Lava rule object (read by attribute; Lava is not imported)."""
        names = {c.__name__ for c in type(rule).__mro__}
        kind = [k for k, n in RULE_KINDS.items() if n in names]
        if not kind:
            raise RuleError(f"learning_rule {type(rule).__name__} is not modelled: "
                            f"use Loihi2FLearningRule or Loihi3FLearningRule")
        vals = {"dw": rule.dw_str, "dd": rule.dd_str, "dt": rule.dt_str,
                "t_epoch": rule.t_epoch, "rng_seed": rule.rng_seed}
        for tr in _PRE + _POST:
            vals[f"{tr}_impulse"] = getattr(rule, f"{tr}_impulse")
            vals[f"{tr}_tau"] = getattr(rule, f"{tr}_tau")
        spec = cls(kind=kind[0], **vals)
        for tr in _POST:          # the taus and impulses the rule really holds
            setattr(spec, f"{tr}_impulse", vals[f"{tr}_impulse"])
            setattr(spec, f"{tr}_tau", vals[f"{tr}_tau"])
        return spec


def _name_of(mode, names=()) -> str:
    """Lower-case name of an enum member (Lava's ``SignMode``/``GradedSpikeCfg``), a
    string, or a plain int indexing ``names`` (``GradedSpikeCfg`` is an IntEnum)."""
    if isinstance(mode, (int, np.integer)) and not hasattr(mode, "name") \
            and 0 <= mode < len(names):
        return names[mode]
    return (getattr(mode, "name", None) or str(mode)).lower()


def check_supported(spec: LearningRuleSpec, sign_mode: str, graded_cfg: str,
                    weights, tags, num_weight_bits, weight_exp) -> None:
    """``RuleError`` naming the first feature the golden model does not model."""
    if spec.rng_seed is None:
        raise RuleError("rng_seed=None is not modelled (Lava draws a random seed): "
                        "give the learning rule an rng_seed")
    if int(spec.t_epoch) != spec.t_epoch or spec.t_epoch < 1:
        raise RuleError(f"t_epoch must be a positive integer, got {spec.t_epoch!r}")
    for tr in _PRE + _POST:
        if getattr(spec, f"{tr}_impulse") < 0 or getattr(spec, f"{tr}_tau") < 0:
            raise RuleError(f"{tr} impulse and tau must be >= 0 (Lava refuses them)")
    if sign_mode not in widths.SIGN_MODES:
        raise RuleError(f"sign_mode {sign_mode.upper()} is not modelled (Lava's learning "
                        f"engine supports MIXED, EXCITATORY, INHIBITORY)")
    if graded_cfg not in widths.GRADED_CFGS:
        raise RuleError(f"graded_spike_cfg {graded_cfg!r} is not modelled")
    if not 1 <= int(num_weight_bits) <= widths.WEIGHT_BITS:
        raise RuleError(f"num_weight_bits must be 1..8, got {num_weight_bits}")
    if abs(int(weight_exp)) > 31:
        raise RuleError(f"weight_exp must be within -31..31, got {weight_exp}")
    for name, v in tags.items():
        v = np.asarray(v)
        if not np.all(np.isfinite(v)) or np.any(v != np.round(v)):
            raise RuleError(f"non-integer {name} is not modelled (fixed_pt casts it)")
    if np.asarray(weights).ndim != 2:
        raise RuleError("weights must be a 2-D (n_post, n_pre) matrix")


class _TraceRandom:
    """Lava's trace random numbers: a decay stream (uniform) and an impulse stream
    (ints 0..127), one number each, advanced together ``n`` times per call.

    The impulse number only decides the rounding of an impulse's fractional part;
    with ``needs_impulse=False`` (no fractional parts) it is never drawn: the
    results are the same and the stream is not used anywhere else."""

    def __init__(self, seed_decay: int, seed_impulse: int, needs_impulse: bool = True):
        self._decay = np.random.default_rng(seed_decay)
        self._impulse = np.random.default_rng(seed_impulse) if needs_impulse else None
        self.impulse = 0
        self.advance(1)

    def advance(self, n: int) -> None:
        self.decay = self._decay.random(n)[-1]
        if self._impulse is not None:
            for _ in range(n):   # one call per advance: integer draws are buffered per call
                self.impulse = self._impulse.integers(0, widths.IMPULSE_RAND_MAX, size=1,
                                                      dtype=int)[0]


def _split_impulses(imp):
    imp = np.asarray(imp, dtype=float)
    whole = np.floor(imp)
    return whole.astype(int), np.round((imp - whole) * 2 ** widths.W_TRACE_FRAC).astype(int)


class _Lazy(dict):
    """A dict that computes a missing ``(name, dep)`` entry with ``fn`` once."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        self[key] = value = self.fn(*key)
        return value


class GoldenLoihiDense:
    """Lava ``LearningDense`` (``fixed_pt``) of shape ``(n_post, n_pre)`` in numpy.

    Arguments as Lava's process (keywords; enums may be Lava's or their names):
    weights ``(n_post, n_pre)`` integers, tag_2 / tag_1 (default 0),
    learning_rule (:class:`LearningRuleSpec` or a Lava rule object),
    num_message_bits (0 = binary spikes, Lava's default), graded_spike_cfg
    (default ``USE_REGULAR_IMPULSE``), weight_exp (0), num_weight_bits (8),
    sign_mode (``MIXED``). ``name`` and ``log_config`` are accepted and ignored.

    Per time step call :meth:`step` with the presynaptic spikes/payloads and, for
    the post side, ``bap`` (and ``y`` for 3F rules); :attr:`a_buff` is then what the
    connection sends on ``a_out`` at the next step. :meth:`snapshot` returns every
    Var under Lava's name.
    """

    def __init__(self, *, weights, tag_2=None, tag_1=None, learning_rule=None,
                 num_message_bits: int = 0, graded_spike_cfg="use_regular_impulse",
                 weight_exp: int = 0, num_weight_bits: int = 8, sign_mode="mixed",
                 name=None, log_config=None, compiled: bool = False):
        if learning_rule is None:
            raise RuleError("learning_rule is required (a LearningDense without a rule "
                            "is a Dense)")
        spec = (learning_rule if isinstance(learning_rule, LearningRuleSpec)
                else LearningRuleSpec.from_lava(learning_rule))
        self.sign_mode, self.graded_cfg = (_name_of(sign_mode),
                                           _name_of(graded_spike_cfg, widths.GRADED_CFGS))
        w = np.asarray(weights)
        tags = {"weights": w,
                "tag_2": np.zeros(w.shape) if tag_2 is None else np.asarray(tag_2),
                "tag_1": np.zeros(w.shape) if tag_1 is None else np.asarray(tag_1)}
        check_supported(spec, self.sign_mode, self.graded_cfg, w, tags,
                        num_weight_bits, weight_exp)
        self.spec = spec
        self.rules = parse_rules(spec.dw, spec.dd, spec.dt)
        # Lava's decimation exponent: the one ``k`` of the rule set's ``u`` products
        self.k = next((p.k for ps in self.rules.values() for p in ps if p.dep == "u"), None)
        self.shape = w.shape
        n_post, n_pre = self.shape
        self.weights = tags["weights"].astype(np.int32)
        self.tag_2 = np.broadcast_to(tags["tag_2"], self.shape).astype(int)
        self.tag_1 = np.broadcast_to(tags["tag_1"], self.shape).astype(int)
        self.num_message_bits = int(num_message_bits)
        self.weight_exp = int(weight_exp)
        self.num_weight_bits = int(num_weight_bits)
        self._weights_set = False
        self.x0, self.tx = np.zeros(n_pre, bool), np.zeros(n_pre, int)
        self.y0, self.ty = np.zeros(n_post, bool), np.zeros(n_post, int)
        self.x = np.zeros((2, n_pre), int)          # x1, x2
        self.y = np.zeros((3, n_post), int)         # y1, y2, y3
        self.a_buff = np.zeros(n_post, np.int32)
        self.time_step = 0
        x1_imp = 0.0 if self.graded_cfg != "use_regular_impulse" else spec.x1_impulse
        self._x_imp = _split_impulses([x1_imp, spec.x2_impulse])
        self._y_imp = _split_impulses([getattr(spec, f"{y}_impulse") for y in _POST])
        self._x_taus = np.array([spec.x1_tau, spec.x2_tau])
        self._y_taus = np.array([getattr(spec, f"{y}_tau") for y in _POST])
        seed = int(spec.rng_seed)
        off = widths.TRACE_SEED_OFFSETS
        self._x_rand = _TraceRandom(seed + off["x_decay"], seed + off["x_impulse"],
                                    bool(np.any(self._x_imp[1])))
        self._y_rand = _TraceRandom(seed + off["y_decay"], seed + off["y_impulse"],
                                    bool(np.any(self._y_imp[1])))
        self._c_rng = np.random.default_rng(widths.CONN_VAR_SEED)
        self._c_rand = self._c_rng.random(1)[0]
        self._compiled = None
        if compiled:
            from lava_bioadam.golden.fast_dense import CompiledDense
            self._compiled = CompiledDense(self)

    @property
    def startup(self) -> dict | None:
        """``compiled=True``: ``{"seconds", "compiled"}``, what getting the compiled
        code took at construction (whether numba compiled it or loaded it from the
        cache); None for the numpy model."""
        return None if self._compiled is None else dict(self._compiled.startup)

    # -- spiking phase ---------------------------------------------------------------
    def step(self, s_in, bap=None, y=None) -> None:
        """One time step. s_in ``(n_pre,)``: payloads (int32) or spikes (bool/0-1);
        bap ``(n_post,)`` bool post spikes (default none); y ``(3, n_post)`` third
        factors a 3F rule's post unit sends (default zeros; ignored for 2F)."""
        if self._compiled is not None:
            self._run_compiled(np.asarray(s_in)[None], None if bap is None else
                               np.asarray(bap)[None], None if y is None else np.asarray(y)[None],
                               record=False)
            return
        self.time_step += 1
        self._set_weights()
        s = np.asarray(s_in)
        if self.num_message_bits > 0:
            acc = self.weights.dot(s)
        else:
            s = s.astype(bool)
            acc = self.weights[:, s].sum(axis=1)
        self.a_buff = (np.left_shift(acc, self.weight_exp) if self.weight_exp > 0
                       else np.right_shift(acc, -self.weight_exp))
        n_post = self.shape[0]
        self._pre_spikes(s)
        bap = np.zeros(n_post, bool) if bap is None else np.asarray(bap).astype(bool)
        if np.any(bap & (self.ty > 0)):       # a multi-spike rounds with this number
            self._advance_trace_randoms(1)
            self._post_spikes(bap)
            self._advance_trace_randoms(1)
        else:
            self._post_spikes(bap)
            self._advance_trace_randoms(2)
        if self.spec.kind == "3F":
            y = np.zeros((3, n_post), int) if y is None else np.asarray(y)
            self.y = self.y.copy()
            self.y[:] = np.reshape(y, (3, n_post))
        if self.time_step % self.spec.t_epoch == 0:
            self._learn()

    def _set_weights(self) -> None:
        """Lava truncates the weights to ``num_weight_bits`` at the first step."""
        if not self._weights_set:
            self.weights = self._truncate(self.weights)
            self._weights_set = True

    def _truncate(self, w):
        inhib = self.sign_mode == "inhibitory"
        w = -w if inhib else w.copy()
        n = widths.WEIGHT_BITS - self.num_weight_bits + int(self.sign_mode == "mixed")
        w = (w >> n) << n
        return -w if inhib else w

    def _within_epoch(self) -> int:
        return self.time_step % self.spec.t_epoch or self.spec.t_epoch

    def _advance_trace_randoms(self, n: int) -> None:
        """Lava advances both trace generators twice per step."""
        self._x_rand.advance(n)
        self._y_rand.advance(n)

    def _pre_spikes(self, s) -> None:
        spiked = s.astype(bool)
        multi = (self.tx > 0) & spiked
        scaled = np.round(s / 2).astype(np.uint8)
        update_t, x2_idx = spiked, multi
        imp_int, imp_frac = self._x_imp
        cfg = self.graded_cfg
        if cfg == "use_regular_impulse":
            self.x[0, multi] = add_impulse(self.x[0, multi], 0, imp_int[0], imp_frac[0])
        elif cfg == "overwrite":
            self.x[0, spiked] = scaled[spiked]
        else:
            sums = (self.x[0] + scaled).astype(np.uint8)
            if cfg == "add_with_saturation":
                self.x[0] = np.clip(sums, 0, widths.X_MAX)
            else:
                over = sums > widths.X_MAX
                update_t, x2_idx = update_t & over, x2_idx & over
                sums[over] -= widths.X_MAX
                self.x[0] = sums
        self.x[1, x2_idx] = add_impulse(self.x[1, x2_idx], 0, imp_int[1], imp_frac[1])
        self.tx[update_t] = self._within_epoch()

    def _post_spikes(self, bap) -> None:
        self.y0[bap] = True
        multi = (self.ty > 0) & bap
        imp_int, imp_frac = self._y_imp
        self.y[:, multi] = add_impulse(self.y[:, multi], self._y_rand.impulse,
                                       imp_int[:, None], imp_frac[:, None])
        self.ty[bap] = self._within_epoch()

    # -- learning phase --------------------------------------------------------------
    def _histories(self):
        """Traces at within-epoch steps 0..T: ``xh (T+1, 2, n_pre)``,
        ``yh (T+1, 3, n_post)``: decay, then impulses at the spike steps."""
        return [trace_history(start, taus, rnd.decay, self.spec.t_epoch, t_sp, rnd.impulse,
                              imp_i[:, None], imp_f[:, None])
                for start, taus, rnd, (imp_i, imp_f), t_sp in (
                    (self.x, self._x_taus, self._x_rand, self._x_imp, self.tx),
                    (self.y, self._y_taus, self._y_rand, self._y_imp, self.ty))]

    def _trace_values(self, xh, yh) -> dict:
        """``{(trace, dep): value}`` as the engine evaluates a trace with a dependency
        (broadcastable to ``(n_post, n_pre)``), computed when first asked for."""
        tx, ty = self.tx, self.ty
        pre, post = np.arange(self.shape[1]), np.arange(self.shape[0])

        def value(name, dep):
            if name in _PRE:
                i = _PRE.index(name)
                return {"x0": lambda: xh[tx, i, pre][None, :], "y0": lambda: xh[ty, i],
                        "u": lambda: xh[-1, i][None, :]}[dep]()
            i = _POST.index(name)
            return {"x0": lambda: yh[tx, i].T, "y0": lambda: yh[ty, i, post][:, None],
                    "u": lambda: yh[-1, i][:, None]}[dep]()

        return _Lazy(value)

    def _learn(self) -> None:
        self._c_rand = self._c_rng.random(1)[0]
        self.x0, self.y0 = self.tx > 0, self.ty > 0
        xh, yh = self._histories()
        self.x = xh[-1].copy()
        if self.spec.kind == "2F":
            self.y = yh[-1].copy()
        u = 0
        if self.k is not None:
            u = int(int(self.time_step / self.spec.t_epoch) % 2 ** self.k == 0)
        args = {"x0": self.x0[None, :], "y0": self.y0[:, None], "u": u,
                "w": self.weights, "d": self.tag_2, "t": self.tag_1,
                "traces": self._trace_values(xh, yh)}
        new = {}
        for target, prods in self.rules.items():
            var = _SYN_VAR[target[1]]
            old = getattr(self, var)
            acc = product_series(old << widths.ACC_SHIFT, prods, self.shape,
                                 lambda pr, f: (args[pr.dep] if f is None
                                                else self._factor(f, pr.dep, args)))
            new[var] = round_and_saturate(var, acc, self._c_rand, old.dtype, self.sign_mode)
        for var, val in new.items():
            setattr(self, var, val)
        self.x0, self.y0 = np.zeros_like(self.x0), np.zeros_like(self.y0)
        self.tx, self.ty = np.zeros_like(self.tx), np.zeros_like(self.ty)

    def _factor(self, f, dep, args):
        if f.var in ("x0", "y0"):
            val = args[f.var] + f.const
        elif f.var in args:
            val = args[f.var] + f.const
            if f.sgn:
                val = np.sign(val)
        else:
            val = args["traces"][(f.var, dep)] + f.const
        return val

    # -- Vars a user may set before the first step (Lava: ``conn.x1.init = ...``) -------
    def set_trace(self, name: str, value) -> None:
        """Set trace ``x1``, ``x2``, ``y1``, ``y2`` or ``y3`` (integers, per neuron)."""
        names = _PRE + _POST
        if name not in names:
            raise RuleError(f"set_trace: name must be one of {names}, got {name!r}")
        arr, i = (self.x, _PRE.index(name)) if name in _PRE else (self.y, _POST.index(name))
        arr[i] = np.broadcast_to(np.asarray(value).astype(int), arr[i].shape)

    # -- read-out --------------------------------------------------------------------
    def snapshot(self) -> dict:
        """Copies of every Var under Lava's name (``x1``, ``x2``, ``y1..y3`` split)."""
        snap = {"weights": self.weights, "tag_1": self.tag_1, "tag_2": self.tag_2,
                "x0": self.x0, "tx": self.tx, "y0": self.y0, "ty": self.ty,
                "a_buff": self.a_buff}
        snap.update({n: self.x[i] for i, n in enumerate(_PRE)})
        snap.update({n: self.y[i] for i, n in enumerate(_POST)})
        return {k: np.array(v, copy=True) for k, v in snap.items()}

    def run(self, s_in, bap=None, y=None, record: bool = True) -> list:
        """Run ``n_steps`` steps (``s_in (n_steps, n_pre)``, ``bap (n_steps, n_post)``,
        ``y (n_steps, 3, n_post)``); the snapshot after every learning epoch
        (``record=False``: none, ``[]``; read :meth:`snapshot` at the end)."""
        if self._compiled is not None:
            return self._run_compiled(s_in, bap, y, record)
        out = []
        for k in range(len(s_in)):
            self.step(s_in[k], None if bap is None else bap[k], None if y is None else y[k])
            if record and self.time_step % self.spec.t_epoch == 0:
                out.append(self.snapshot())
        return out

    def _run_compiled(self, s_in, bap=None, y=None, record: bool = True) -> list:
        """:meth:`run` in the compiled code: the steps of each epoch in one call."""
        from lava_bioadam.golden.fast_dense import check_inputs

        s = check_inputs(s_in)
        n, (n_post, n_pre) = len(s), self.shape
        bap = np.zeros((n, n_post), bool) if bap is None else np.asarray(bap).astype(bool)
        y = (np.zeros((n, 3, n_post), np.int64) if y is None or self.spec.kind == "2F"
             else np.reshape(y, (n, 3, n_post)))
        self._set_weights()
        rw, rt2, rt1, rx, ry, rab = self._compiled.call(self, np.reshape(s, (n, n_pre)),
                                                        np.reshape(bap, (n, n_post)), y,
                                                        record)
        out = []
        for e in range(len(rw)):
            snap = {"weights": rw[e], "tag_1": rt1[e], "tag_2": rt2[e],
                    "x0": np.zeros(n_pre, bool), "tx": np.zeros(n_pre, int),
                    "y0": np.zeros(n_post, bool), "ty": np.zeros(n_post, int),
                    "a_buff": rab[e]}
            snap.update({nm: rx[e, i] for i, nm in enumerate(_PRE)})
            snap.update({nm: ry[e, i] for i, nm in enumerate(_POST)})
            out.append(snap)
        return out
