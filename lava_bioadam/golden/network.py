"""L2: the integer golden model of a whole network, stepped like Lava.

A network (:class:`~lava_bioadam.rules.network.NetworkRules`) of learning
connections (:class:`~lava_bioadam.golden.connection.GoldenLearningDense`) and the
units of :mod:`lava_bioadam.codes`. Also what every level's driver shares: the
initial weights, the initial connection state, and the :class:`NetRun` result.

All runners (:func:`run_l2`, :func:`lava_bioadam.lava.network.run_lava`,
:func:`lava_bioadam.verify.reference.run_l0`) take the same inputs (samples in
presentation order, labels, initial physical weights) and return a :class:`NetRun`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lava_bioadam import codes
from lava_bioadam.engine.widths import TRACE_TAU_INF
from lava_bioadam.golden.connection import GoldenLearningDense
from lava_bioadam.golden.run_loop import run_epochs
from lava_bioadam.rules.network import NetworkRules

CONN_VARS = ("weights", "tag_1", "tag_2", "x1", "x2", "y1", "y2", "y3")


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
        W.append(codes.encode_weights(w, enc, True) / enc.w_scale)
        if l >= 1:
            b = rng.uniform(-bound, bound, (n_in, n_out))
            B.append(codes.encode_weights(b, enc, True) / enc.w_scale)
    return W, B


def conn_init(rules, w_phys, precision: str):
    """Initial ``(weights, tag_1, tag_2)`` of a connection in its precision's units."""
    enc = getattr(rules, precision)
    w_int = codes.encode_weights(w_phys, rules.fixed, True)
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
    returned after each epoch. meta: facts about the run itself (e.g. the compiled
    emulator's ``emulator_startup``).
    """

    pred: np.ndarray
    loss: np.ndarray
    final: dict
    states: dict = field(default_factory=dict)
    epochs: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def stack_records(records) -> dict:
    """Per-sample snapshots ``[{"W": [...], "B": [...]}, ...]`` -> stacked arrays."""
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


def unit_norms(nr: NetworkRules) -> list:
    """Per layer ``0..L`` the normaliser constants its units take (``norm=`` of
    :class:`~lava_bioadam.codes.HiddenUnits`: ``(act, err)``; of the output units:
    ``err``); all None unless the family's units send normalised codes."""
    n = nr.norm_codes()
    L = nr.n_layers
    if n is None:
        return [None] * (L + 1)
    return [None] + [(n["act"][l], n["err"][l - 1]) for l in range(1, L)] + [n["err"][L - 1]]


def input_normaliser(nr: NetworkRules, precision: str):
    """The input population's :class:`~lava_bioadam.codes.Normaliser` (inputs and the
    bias unit; the driver sends its normalised payload at step 2), or None."""
    n = nr.norm_codes()
    if n is None:
        return None
    enc = getattr(nr.forward[0], precision)
    return codes.Normaliser(nr.sizes[0] + 1, n["act"][0], precision == "fixed", enc.h_scale,
                            enc.n_scale)


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
                self.B.append(GoldenLearningDense(nr.feedback_products(l), b, t, d, t_epoch=T,
                                                  rng_seed=rng_seed + l, signed_pre=True,
                                                  x2_tau=TRACE_TAU_INF))
        sch = nr.schedule
        units = nr.unit_codes()
        norm = unit_norms(nr)
        self.hidden = [codes.HiddenUnits(nr.sizes[l], T, sch["fwd_step"][l], sch["err_step"][l],
                                         encs[l - 1], encs[l], True, units[l - 1], norm[l])
                       for l in range(1, L)]
        self.out = codes.OutputUnits(nr.sizes[-1], T, sch["err_step"][L], encs[-1], True,
                                     units[-1], norm[L])
        self.norm_in = input_normaliser(nr, "fixed")
        self._zero_in = np.zeros(nr.sizes[0] + 1, dtype=np.int32)

    def sample(self, payload, label: int) -> None:
        """Present one sample (input payload with bias, shape ``(n_0 + 1,)``)."""
        L = self.nr.n_layers
        resend = None if self.norm_in is None else self.norm_in.payload(payload)
        for k in range(1, self.nr.t_sample + 1):
            s_in = [payload if k == 1 else resend if k == 2 and resend is not None
                    else self._zero_in]
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
           epoch_size: int | None = None, on_epoch: Callable | None = None,
           progress: Callable | None = None, on_checkpoint: Callable | None = None,
           state: dict | None = None) -> NetRun:
    """Integer golden model over the samples ``x`` (presentation order), labels.

    ``on_epoch(weights, feedback_weights)`` (connection units) is called every
    ``epoch_size`` samples; its results are collected in ``NetRun.epochs``.
    ``progress(samples_done, correct_predictions_so_far)`` after every sample.
    ``on_checkpoint(state)`` after each ``on_epoch``: ``state`` (the live network,
    samples done, predictions and losses so far) continues the run bit for bit when
    passed back as ``state`` (with the same ``x``, ``labels``)."""
    nr.check_inputs(x, labels)
    n = len(labels)
    if state is None:
        net, start, correct = GoldenNetwork(nr, W0, B0, rng_seed), 0, 0
        pred, loss = np.full(n, -1), np.zeros(n)
    else:
        net, start, correct = state["net"], state["done"], state["correct"]
        pred, loss = state["pred"].copy(), state["loss"].copy()
    payload = codes.input_payload(x, net.encs[0], True)
    records = []

    def advance(s, e):
        nonlocal correct
        net.sample(payload[s], int(labels[s]))          # e == s + 1
        pred[s], loss[s] = net.out.pred, net.out.loss
        correct += int(pred[s] == labels[s])
        if record:
            records.append(net.snapshot())
        return correct

    epochs = run_epochs(
        n, advance, start=start, epoch_size=epoch_size, progress=progress,
        on_epoch=on_epoch and (lambda done: on_epoch(*net.weights())),
        on_checkpoint=on_checkpoint,
        checkpoint=lambda done: {"net": net, "done": done, "correct": correct, "pred": pred,
                                 "loss": loss})
    run = NetRun(pred, loss, net.snapshot(), epochs=epochs)
    if record:
        run.states = stack_records(records)
    return run


def to_physical(states: dict, nr: NetworkRules, precision: str) -> dict:
    """Connection-unit ``weights``/``tag_1``/``tag_2`` of every connection -> physical."""
    return {side: [None if st is None or rules is None
                   else getattr(rules, precision).to_physical(st)
                   for st, rules in zip(states[side], rules_list)]
            for side, rules_list in (("W", nr.forward), ("B", nr.feedback))}
