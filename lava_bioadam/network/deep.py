"""Multilayer networks with learned feedback, at every verification level.

A network ``sizes = (n_0, ..., n_L)`` has forward connections ``W_l`` (stock
``LearningDense``, shape ``(n_l, n_{l-1} + 1)``, last column from the always-on
bias unit) and, for ``l >= 2``, feedback connections ``B_l`` (shape
``(n_{l-1}, n_l)``) that carry the error of layer ``l`` back to layer ``l - 1``:

* ``predisposition``: ``B_l`` is a ``SignedLearningDense`` learning with the twin
  rule of ``W_l`` (same constants, same random streams, the ``-lam w`` term on both);
* ``alignment``: ``B_l`` is a fixed ``Dense`` (feedback alignment).

The per-sample schedule is in :mod:`lava_bioadam.fixed.units` (``T = 2 L`` steps,
one learning epoch per sample). Levels:

* :func:`run_l2`: integer golden model (numpy, the fast emulator),
* :func:`run_lava`: Lava ``fixed_pt`` (L3) or ``floating_pt`` (L1),
* :func:`run_l0`: float64 reference on the same schedule (explicit Euler, the
  effective hyperparameters of the rules, no quantisation).

All runners take the same inputs (samples in presentation order, initial physical
weights) and return a :class:`NetRun`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lava_bioadam.fixed import neurons, units
from lava_bioadam.fixed.golden import GoldenLearningDense
from lava_bioadam.fixed.widths import TRACE_TAU_INF
from lava_bioadam.network.wiring import connect_third_factors
from lava_bioadam.rules import RuleParams, build_rules

FEEDBACK = ("predisposition", "alignment")
CONN_VARS = ("weights", "tag_1", "tag_2", "x1", "x2", "y1", "y2", "y3")


@dataclass
class NetworkRules:
    """Rules of every connection of a network; ``feedback[0]`` is None (the first
    layer's errors go nowhere), and all of ``feedback`` is None for alignment."""

    sizes: tuple
    mode: str
    forward: list
    feedback: list
    schedule: dict

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def t_sample(self) -> int:
        return self.schedule["t_sample"]

    def encodings(self, precision: str) -> list:
        """Encoding of each forward connection (``"fixed"`` or ``"float"``)."""
        return [getattr(r, precision) for r in self.forward]


def build_network_rules(params: RuleParams, sizes, mode: str = "predisposition") -> NetworkRules:
    """Forward and feedback rules of a network from one set of physical
    hyperparameters; ``lam`` applies to the twins only (``W_l``, ``B_l``, l >= 2)."""
    if mode not in FEEDBACK:
        raise ValueError(f"feedback must be one of {FEEDBACK} on Loihi, got {mode!r}")
    sizes = tuple(int(s) for s in sizes)
    L = len(sizes) - 1
    sched = units.schedule(L)
    base = dataclasses.replace(params, t_epoch=sched["t_sample"])
    no_lam = dataclasses.replace(base, lam=0.0)
    forward, feedback = [], [None]
    for l in range(1, L + 1):
        twin = mode == "predisposition" and l >= 2
        forward.append(build_rules(base if twin else no_lam, "forward"))
        if l >= 2:
            feedback.append(build_rules(base, "feedback") if twin else None)
    return NetworkRules(sizes, mode, forward, feedback, sched)


def initial_weights(nr: NetworkRules, seed: int, init_scale: float = 1.0):
    """Physical initial weights ``(W, B)`` that the fixed-point encoding represents
    exactly: uniform in ``+-init_scale/sqrt(n_in)``, bias column 0, ``B_l``
    independent of ``W_l``. ``B[0]`` is None."""
    rng = np.random.default_rng(seed)
    W, B = [], [None]
    for l, (n_in, n_out) in enumerate(zip(nr.sizes[:-1], nr.sizes[1:])):
        enc = nr.forward[l].fixed
        bound = init_scale / np.sqrt(n_in)
        w = rng.uniform(-bound, bound, (n_out, n_in + 1))
        w[:, -1] = 0.0
        W.append(neurons.encode_weights(w, enc, True) / enc.w_scale)
        if l >= 1:
            b = rng.uniform(-bound, bound, (n_in, n_out))
            B.append(neurons.encode_weights(b, enc, True) / enc.w_scale)
    return W, B


def conn_init(rules, w_phys, precision: str):
    """Initial ``(weights, tag_1, tag_2)`` of a connection in its precision's units."""
    enc = getattr(rules, precision)
    w_int = neurons.encode_weights(w_phys, rules.fixed, True)
    if precision == "fixed":
        return w_int, np.zeros(w_int.shape, dtype=int), np.full(w_int.shape, rules.d0)
    w = w_int / rules.fixed.w_scale * enc.w_scale
    d = np.full(w.shape, rules.d0 / rules.fixed.d_scale * enc.d_scale)
    return w, np.zeros(w.shape), d


@dataclass
class NetRun:
    """Result of a run.

    pred, loss: ``(n_samples,)`` training-time prediction and loss of each sample
    (its forward pass before learning). final: ``{"W": [...], "B": [...]}`` of
    per-connection dicts (connection units, names as Lava's Vars). states: the same
    per recorded sample, stacked (only when recording). epochs: what ``on_epoch``
    returned after each epoch.
    """

    pred: np.ndarray
    loss: np.ndarray
    final: dict
    states: dict = field(default_factory=dict)
    epochs: list = field(default_factory=list)


def _stack(records):
    out = {}
    for side in ("W", "B"):
        out[side] = []
        for l in range(len(records[0][side])):
            if records[0][side][l] is None:
                out[side].append(None)
            else:
                out[side].append({k: np.stack([r[side][l][k] for r in records])
                                  for k in records[0][side][l]})
    return out


# ----------------------------------------------------------------------------- L2
class GoldenNetwork:
    """The integer golden model of the whole network, stepped like Lava."""

    def __init__(self, nr: NetworkRules, W0, B0, rng_seed: int):
        self.nr = nr
        L, T = nr.n_layers, nr.t_sample
        encs = nr.encodings("fixed")
        self.encs = encs
        self.W = []
        self.B = [None]
        for l in range(L):
            w, t, d = conn_init(nr.forward[l], W0[l], "fixed")
            self.W.append(GoldenLearningDense(nr.forward[l].products, w, t, d, t_epoch=T,
                                              rng_seed=rng_seed + l))
            if l >= 1:
                rules = nr.feedback[l] or nr.forward[l]
                b, t, d = conn_init(rules, B0[l], "fixed")
                prods = nr.feedback[l].products if nr.feedback[l] else ()
                self.B.append(GoldenLearningDense(prods, b, t, d, t_epoch=T,
                                                  rng_seed=rng_seed + l, signed_pre=True,
                                                  x2_tau=TRACE_TAU_INF))
        sch = nr.schedule
        self.hidden = [units.HiddenUnits(nr.sizes[l], T, sch["fwd_step"][l], sch["err_step"][l],
                                         encs[l - 1], encs[l], True) for l in range(1, L)]
        self.out = units.OutputUnits(nr.sizes[-1], T, sch["err_step"][L], encs[-1], True)
        self._zero_in = np.zeros(nr.sizes[0] + 1, dtype=np.int32)

    def sample(self, payload, label: int) -> None:
        """Present one sample (input payload with bias, shape ``(n_0 + 1,)``)."""
        L = self.nr.n_layers
        for k in range(1, self.nr.t_sample + 1):
            s_in = [payload if k == 1 else self._zero_in]
            e_out, y_fwd, y_fb = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
            for l, unit in enumerate(self.hidden, start=1):
                s, e_out[l], y_fwd[l], y_fb[l] = unit.step(k, self.W[l - 1].a_out,
                                                           self.B[l].a_out)
                s_in.append(s)
            e_out[L], y_fwd[L] = self.out.step(k, self.W[L - 1].a_out, label)
            for l in range(1, L + 1):
                self.W[l - 1].step(s_in[l - 1], y_fwd[l])
                if l >= 2:
                    self.B[l - 1].step(e_out[l], y_fb[l - 1])

    def snapshot(self) -> dict:
        return {"W": [c.snapshot() for c in self.W],
                "B": [None if c is None else c.snapshot() for c in self.B]}

    def weights(self):
        return [c.w.copy() for c in self.W], [None if c is None else c.w.copy() for c in self.B]


def run_l2(nr, x, labels, W0, B0, rng_seed: int = 0, record: bool = False,
           epoch_size: int | None = None, on_epoch: Callable | None = None) -> NetRun:
    """Integer golden model over the samples ``x`` (presentation order), labels.

    ``on_epoch(weights, feedback_weights)`` (connection units) is called every
    ``epoch_size`` samples; its results are collected in ``NetRun.epochs``."""
    net = GoldenNetwork(nr, W0, B0, rng_seed)
    payload = units.input_payload(x, net.encs[0], True)
    n = len(labels)
    pred, loss, records, epochs = np.full(n, -1), np.zeros(n), [], []
    for s in range(n):
        net.sample(payload[s], int(labels[s]))
        pred[s], loss[s] = net.out.pred, net.out.loss
        if record:
            records.append(net.snapshot())
        if on_epoch and epoch_size and (s + 1) % epoch_size == 0:
            epochs.append(on_epoch(*net.weights()))
    run = NetRun(pred, loss, net.snapshot(), epochs=epochs)
    if record:
        run.states = _stack(records)
    return run


# ----------------------------------------------------------------------------- L0
def run_l0(nr, x, labels, W0, B0, record: bool = False) -> NetRun:
    """Float64 reference on the Loihi schedule: explicit-Euler N1 with the rules'
    effective hyperparameters; activities and errors unquantised. States are in
    physical units (``weights`` = w, ``tag_1`` = m, ``tag_2`` = r)."""
    from lava_bioadam.model.network import Network
    from lava_bioadam.model.optimizers import SynapticN1

    def opt(rules, shape):
        e = rules.effective
        return SynapticN1(shape, eta=e["eta"], tau_m=e["tau_m"], tau_r=e["tau_r"],
                          eps=e["eps"], r0=e["r0"], form="linear", order="explicit",
                          lam=e["lam"])

    L = nr.n_layers
    opt_w = [opt(nr.forward[l], W0[l].shape) for l in range(L)]
    opt_b = [None] + [opt(nr.feedback[l], B0[l].shape) if nr.feedback[l] else None
                      for l in range(1, L)]
    net = Network(nr.sizes, [np.array(w, float) for w in W0],
                  [None] + [np.array(b, float) for b in B0[1:]], nr.mode, "cross_entropy",
                  opt_w, opt_b)
    eye = np.eye(nr.sizes[-1])
    n = len(labels)
    pred, loss, records = np.full(n, -1), np.zeros(n), []

    def snap():
        def one(o, w):
            return {"weights": w.copy(), "tag_1": o.m.copy(), "tag_2": o.r.copy()}
        return {"W": [one(o, w) for o, w in zip(net.opt_w, net.weights)],
                "B": [None if o is None else one(o, b) for o, b in zip(net.opt_b, net.feedback)]}

    for s in range(n):
        _, as_ = net.forward(x[s])
        pred[s] = int(np.argmax(as_[-1]))
        p = units.softmax(as_[-1])
        loss[s] = -np.log(max(p[int(labels[s])], 1e-300))
        net.train_sample(x[s], eye[int(labels[s])])
        if record:
            records.append(snap())
    run = NetRun(pred, loss, snap())
    if record:
        run.states = _stack(records)
    return run


def to_physical(states: dict, nr: NetworkRules, precision: str) -> dict:
    """Connection-unit ``weights``/``tag_1``/``tag_2`` of every connection -> physical."""
    out = {"W": [], "B": []}
    for side, rules_list in (("W", nr.forward), ("B", nr.feedback)):
        for l, st in enumerate(states[side]):
            rules = rules_list[l]
            if st is None or rules is None:
                out[side].append(None)
                continue
            enc = getattr(rules, precision)
            out[side].append({"weights": st["weights"] / enc.w_scale,
                              "tag_1": st["tag_1"] / enc.t_scale,
                              "tag_2": st["tag_2"] / enc.d_scale})
    return out


# ----------------------------------------------------------------------------- Lava
@dataclass
class LavaNetwork:
    """The Lava processes of a network (attributes for composing and monitoring):
    ``source`` (GradedSource or None), ``hidden`` (HiddenLearningUnit per hidden
    layer), ``output`` (OutputLearningUnit), ``W`` (LearningDense per layer),
    ``B`` (feedback connection per layer, ``B[0]`` None)."""

    rules: NetworkRules
    precision: str
    source: object
    hidden: list
    output: object
    W: list
    B: list

    def run_cfg(self):
        from lava.magma.core.run_configs import Loihi2SimCfg
        return Loihi2SimCfg(select_tag="fixed_pt" if self.precision == "fixed" else "floating_pt")

    def read(self, session, names=CONN_VARS) -> dict:
        """Every connection's Vars through ``session`` (numpy copies)."""
        def one(conn):
            if conn is None:
                return None
            return {k: np.asarray(session.get(getattr(conn, k))).copy() for k in names
                    if hasattr(conn, k)}
        return {"W": [one(c) for c in self.W], "B": [one(c) for c in self.B]}


def build_lava(nr: NetworkRules, W0, B0, labels, precision: str = "fixed", x=None,
               rng_seed: int = 0) -> LavaNetwork:
    """Build the process graph. With ``x`` (samples in presentation order) a
    ``GradedSource`` streams them; without, connect your own process to
    ``net.W[0].s_in`` (graded payloads ``2 H`` plus the bias unit, sent at the first
    step of each sample). ``labels``: one per sample, in the same order."""
    from lava.magma.core.learning.constants import GradedSpikeCfg
    from lava.proc.dense.process import Dense, LearningDense

    from lava_bioadam.processes.graded_source.process import GradedSource
    from lava_bioadam.processes.hidden_unit.process import HiddenLearningUnit
    from lava_bioadam.processes.output_unit.process import OutputLearningUnit
    from lava_bioadam.processes.signed_learning_dense.process import SignedLearningDense
    from lava_bioadam.rules import make_lava_rule

    if precision not in ("fixed", "float"):
        raise ValueError(f"precision must be 'fixed' or 'float', got {precision!r}")
    fixed = precision == "fixed"
    L, T, sch = nr.n_layers, nr.t_sample, nr.schedule
    encs = nr.encodings(precision)

    def enc_dicts(rules):
        return {"fixed": _enc_dict(rules.fixed), "float": _enc_dict(rules.float)}

    W, B = [], [None]
    for l in range(L):
        w, t, d = conn_init(nr.forward[l], W0[l], precision)
        W.append(LearningDense(weights=w, tag_1=t, tag_2=d,
                               learning_rule=make_lava_rule(nr.forward[l], rng_seed + l),
                               num_message_bits=24, graded_spike_cfg=GradedSpikeCfg.OVERWRITE,
                               name=f"W{l + 1}"))
        if l >= 1:
            if nr.feedback[l] is not None:
                b, t, d = conn_init(nr.feedback[l], B0[l], precision)
                B.append(SignedLearningDense(
                    weights=b, tag_1=t, tag_2=d, name=f"B{l + 1}",
                    learning_rule=make_lava_rule(nr.feedback[l], rng_seed + l)))
            else:
                b, _, _ = conn_init(nr.forward[l], B0[l], precision)
                B.append(Dense(weights=b, num_message_bits=24, name=f"B{l + 1}"))
    source = None
    if x is not None:
        source = GradedSource(payloads=units.input_payload(x, encs[0], fixed), t_sample=T,
                              send_step=1, name="input")
        source.s_out.connect(W[0].s_in)
    hidden = []
    for l in range(1, L):
        u = HiddenLearningUnit(shape=(nr.sizes[l],), t_sample=T, fwd_step=sch["fwd_step"][l],
                               err_step=sch["err_step"][l],
                               encodings_in=enc_dicts(nr.forward[l - 1]),
                               encodings_out=enc_dicts(nr.forward[l]), name=f"hidden{l}")
        hidden.append(u)
    output = OutputLearningUnit(shape=(nr.sizes[-1],), labels=labels, t_sample=T,
                                err_step=sch["err_step"][L], encodings=enc_dicts(nr.forward[-1]),
                                name="output")
    posts = hidden + [output]
    for l in range(1, L + 1):
        post = posts[l - 1]
        W[l - 1].a_out.connect(post.a_in)
        connect_third_factors(post, W[l - 1])
        if l < L:
            post.s_out.connect(W[l].s_in)
            B[l].a_out.connect(post.fb_in)
            if nr.feedback[l] is not None:
                connect_third_factors(post, B[l], "fb_out")
        if l >= 2:
            post.e_out.connect(B[l - 1].s_in)
    return LavaNetwork(nr, precision, source, hidden, output, W, B)


def _enc_dict(enc) -> dict:
    return {k: float(getattr(enc, k)) for k in ("h_scale", "e_scale", "w_scale", "g_scale")}


def run_lava(nr, x, labels, W0, B0, rng_seed: int = 0, precision: str = "fixed",
             record: bool = False, epoch_size: int | None = None,
             on_epoch: Callable | None = None, timeout_s: float = 3600.0) -> NetRun:
    """Run the network in Lava (through ``runtime.LavaSession``). ``record``: read
    every connection after every sample (slow; for verification). ``on_epoch`` as
    in :func:`run_l2`, called with the weights read from Lava."""
    from lava_bioadam.runtime import LavaSession

    net = build_lava(nr, W0, B0, labels, precision, x=x, rng_seed=rng_seed)
    n, T = len(labels), nr.t_sample
    records, epochs = [], []
    with LavaSession(net.W[0], net.run_cfg(), timeout_s,
                     what=f"Lava {precision} network {list(nr.sizes)}") as sess:
        if record:
            for _ in range(n):
                sess.run(T)
                records.append(net.read(sess))
        else:
            chunk = epoch_size or n
            done = 0
            while done < n:
                step = min(chunk, n - done)
                sess.run(step * T)
                done += step
                if on_epoch and epoch_size and done % epoch_size == 0:
                    st = net.read(sess, ("weights",))
                    epochs.append(on_epoch([c["weights"] for c in st["W"]],
                                           [None if c is None else c["weights"] for c in st["B"]]))
        final = net.read(sess)
        pred = np.asarray(sess.get(net.output.pred)).astype(int)
        loss = np.asarray(sess.get(net.output.loss)).astype(float)
    run = NetRun(pred, loss, final, epochs=epochs)
    if record:
        run.states = _stack(records)
    return run
