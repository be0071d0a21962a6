"""Networks as Lava process graphs (L1 ``floating_pt``, L3 ``fixed_pt``).

:func:`build_lava` makes the graph (for composing with your own processes);
:func:`run_lava` runs it through :class:`~lava_bioadam.lava.runtime.LavaSession` and
returns the same :class:`~lava_bioadam.golden.network.NetRun` as the golden model.
Connections: ``W_l`` stock ``LearningDense``; ``B_l`` a ``SignedLearningDense``
(predisposition) or a fixed ``Dense`` (alignment); every one MIXED sign mode.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from typing import Callable

import numpy as np
from lava.magma.core.learning.constants import GradedSpikeCfg
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense, LearningDense
from lava.utils.weightutils import SignMode

from lava_bioadam import codes
from lava_bioadam.engine import widths
from lava_bioadam.errors import UserError
from lava_bioadam.golden.network import (CONN_VARS, NetRun, conn_init, input_normaliser,
                                         unit_norms)
from lava_bioadam.golden.run_loop import run_epochs
from lava_bioadam.lava.rules import make_lava_rule
from lava_bioadam.lava.runtime import LavaSession
from lava_bioadam.processes.graded_source.process import GradedSource
from lava_bioadam.processes.hidden_unit.process import HiddenLearningUnit
from lava_bioadam.processes.output_unit.process import OutputLearningUnit
from lava_bioadam.processes.recording import models as recording
from lava_bioadam.processes.resume import models as resume
from lava_bioadam.processes.signed_learning_dense.process import SignedLearningDense
from lava_bioadam.rules.network import NetworkRules

PRECISIONS = {"fixed": "fixed_pt", "float": "floating_pt"}
#: arguments every connection of the project shares
CONN_KW = dict(num_message_bits=widths.MSG_BITS, num_weight_bits=widths.WEIGHT_BITS,
               sign_mode=SignMode.MIXED)


def run_cfg(precision: str) -> Loihi2SimCfg:
    """Lava's CPU simulator selecting the ``fixed_pt`` or ``floating_pt`` models."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be 'fixed' or 'float', got {precision!r}")
    return Loihi2SimCfg(select_tag=PRECISIONS[precision])


def learning_connection(rules, w, t, d, rng_seed: int, name=None, precision: str = "fixed"):
    """``LearningDense`` (forward role) or ``SignedLearningDense`` (feedback role)
    with ``rules``' Lava rule (for ``precision``) and the project's message, weight
    and sign settings."""
    cls = LearningDense if rules.role == "forward" else SignedLearningDense
    return cls(weights=w, tag_1=t, tag_2=d,
               learning_rule=make_lava_rule(rules, rng_seed, precision),
               graded_spike_cfg=GradedSpikeCfg.OVERWRITE, name=name, **CONN_KW)


def connect_third_factors(unit, conn, prefix: str = "s_out") -> None:
    """Connect a post unit's learning ports ``{prefix}_bap``, ``{prefix}_y1..y3`` to a
    learning connection's ``s_in_bap``, ``s_in_y1..y3``."""
    getattr(unit, f"{prefix}_bap").connect(conn.s_in_bap)
    for i in (1, 2, 3):
        getattr(unit, f"{prefix}_y{i}").connect(getattr(conn, f"s_in_y{i}"))


def read_vars(session, conn, names=CONN_VARS) -> dict | None:
    """The named Vars of one connection through ``session`` (numpy copies)."""
    if conn is None:
        return None
    return {k: np.asarray(session.get(getattr(conn, k))).copy() for k in names
            if hasattr(conn, k)}


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

    def run_cfg(self) -> Loihi2SimCfg:
        return run_cfg(self.precision)

    def read(self, session, names=CONN_VARS) -> dict:
        """Every connection's Vars through ``session`` (numpy copies)."""
        return {"W": [read_vars(session, c, names) for c in self.W],
                "B": [read_vars(session, c, names) for c in self.B]}


def _enc_dict(enc) -> dict:
    return {k: float(getattr(enc, k))
            for k in ("h_scale", "e_scale", "w_scale", "g_scale", "n_scale")}


def _enc_dicts(rules) -> dict:
    return {"fixed": _enc_dict(rules.fixed), "float": _enc_dict(rules.float)}


#: the Vars a checkpoint of a Lava run keeps per learning connection: every state
#: that outlives a sample (``tx``, ``ty`` and the dependencies are reset every
#: learning epoch; ``a_buff`` holds the last step's dendritic sums)
STATE_VARS = CONN_VARS + ("a_buff",)
#: of those, the ones a connection takes as constructor arguments
INIT_VARS = ("weights", "tag_1", "tag_2")


def _continued(rules, w_phys, precision, state):
    """Initial ``(weights, tag_1, tag_2)``: from the physical weights, or from the
    Vars ``state`` of a checkpoint."""
    if state is None:
        return conn_init(rules, w_phys, precision)
    return tuple(state[k] for k in INIT_VARS)


def _set_state(conn, state) -> None:
    """Start ``conn``'s remaining Vars (traces, ``a_buff``) from a checkpoint."""
    if state is not None:
        for k, v in state.items():
            if k not in INIT_VARS and hasattr(conn, k):
                getattr(conn, k).init = np.array(v)


def build_lava(nr: NetworkRules, W0, B0, labels, precision: str = "fixed", x=None,
               rng_seed: int = 0, state: dict | None = None) -> LavaNetwork:
    """Build the process graph. With ``x`` (samples in presentation order) a
    ``GradedSource`` streams them; without, connect your own process to
    ``net.W[0].s_in`` (graded payloads ``2 H`` plus the bias unit, sent at the first
    step of each sample). ``labels``: one per sample, in the same order.
    ``state``: every connection's :data:`STATE_VARS` as :meth:`LavaNetwork.read`
    gives them; the learning connections then start from it instead of ``W0``,
    ``B0`` (a fixed feedback ``Dense`` keeps ``B0``)."""
    run_cfg(precision)  # validates precision
    fixed = precision == "fixed"
    L, T, sch = nr.n_layers, nr.t_sample, nr.schedule
    W, B = [], [None]
    sw, sb = (state["W"], state["B"]) if state else ([None] * L, [None] * L)
    for l in range(L):
        w, t, d = _continued(nr.forward[l], W0[l], precision, sw[l])
        W.append(learning_connection(nr.forward[l], w, t, d, rng_seed + l, f"W{l + 1}",
                                     precision))
        _set_state(W[-1], sw[l])
        if l >= 1:
            if nr.feedback[l] is not None:
                b, t, d = _continued(nr.feedback[l], B0[l], precision, sb[l])
                B.append(learning_connection(nr.feedback[l], b, t, d, rng_seed + l,
                                             f"B{l + 1}", precision))
                _set_state(B[-1], sb[l])
            else:
                b, _, _ = conn_init(nr.forward[l], B0[l], precision)
                B.append(Dense(weights=b, name=f"B{l + 1}", **CONN_KW))
                _set_state(B[-1], sb[l])
    source = None
    if x is not None:
        pay = codes.input_payload(x, nr.encodings(precision)[0], fixed)
        norm_in = input_normaliser(nr, precision)
        source = GradedSource(payloads=pay, t_sample=T, send_step=1, name="input",
                              resend=None if norm_in is None
                              else codes.normalised_payloads(pay, norm_in))
        source.s_out.connect(W[0].s_in)
    units = [u.as_dict() for u in nr.unit_codes()]
    norms = [None if n is None else (n.as_dict() if not isinstance(n, tuple) else
                                     {"act": n[0].as_dict(), "err": n[1].as_dict()})
             for n in unit_norms(nr)]
    hidden = [HiddenLearningUnit(shape=(nr.sizes[l],), t_sample=T, fwd_step=sch["fwd_step"][l],
                                 err_step=sch["err_step"][l],
                                 encodings_in=_enc_dicts(nr.forward[l - 1]),
                                 encodings_out=_enc_dicts(nr.forward[l]),
                                 constants=units[l - 1], norm=norms[l], name=f"hidden{l}")
              for l in range(1, L)]
    output = OutputLearningUnit(shape=(nr.sizes[-1],), labels=labels, t_sample=T,
                                err_step=sch["err_step"][L], encodings=_enc_dicts(nr.forward[-1]),
                                constants=units[-1], norm=norms[L], name="output")
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


#: samples per blocking run when progress is reported (each run costs a few ms)
PROGRESS_CHUNK = 50


def run_lava(nr, x, labels, W0, B0, rng_seed: int = 0, precision: str = "fixed",
             record: bool = False, epoch_size: int | None = None,
             on_epoch: Callable | None = None, timeout_s: float = 3600.0,
             progress: Callable | None = None, on_checkpoint: Callable | None = None,
             state: dict | None = None) -> NetRun:
    """Run the network in Lava (through ``LavaSession``). ``record``: every
    connection's state after every sample, recorded inside the run (for
    verification; ``on_epoch`` and ``progress`` are not called). ``on_epoch`` as in
    :func:`lava_bioadam.golden.network.run_l2`, called with the weights read from Lava.
    ``progress(samples_done, None)`` is called every ``PROGRESS_CHUNK`` samples (the
    run is split into that many blocking runs; the result is the same).
    ``on_checkpoint(state)`` after each ``on_epoch``: every connection's Vars, the
    samples done and the predictions and losses so far; passing it back as ``state``
    (same arguments) builds the network from it and continues bit for bit, random
    streams included (:mod:`lava_bioadam.processes.resume`)."""
    nr.check_inputs(x, labels)
    n, T = len(labels), nr.t_sample
    start = 0
    if state is not None and nr.norm_codes() is not None:
        raise UserError("a Lava run of rule family n2 cannot continue from a checkpoint "
                        "(its units' mean squares are not saved); start it again, or "
                        "train on the emulator, whose checkpoints continue")
    if state is not None:
        start = int(state["done"])
        if not 0 < start <= n or len(state["pred"]) != start or state["precision"] != precision:
            raise ValueError("the state is of another run (samples or precision differ)")
        if record:
            raise ValueError("a recorded run starts from the initial weights (no state)")
        if start == n:                                 # checkpointed after the last epoch
            keep = lambda c: c and {k: v for k, v in c.items() if k in CONN_VARS}  # noqa: E731
            final = {side: [keep(c) for c in state["vars"][side]] for side in ("W", "B")}
            return NetRun(np.asarray(state["pred"]), np.asarray(state["loss"]), final)
    net = build_lava(nr, W0, B0, labels[start:], precision, x=x[start:], rng_seed=rng_seed,
                     state=state and state["vars"])
    if record:
        return _run_recorded(net, n, timeout_s)
    preds, losses = [], []
    if state is not None:
        preds, losses = [np.asarray(state["pred"])], [np.asarray(state["loss"])]
    cfg = net.run_cfg()
    if start:
        cfg = Loihi2SimCfg(select_tag=PRECISIONS[precision],
                           exception_proc_model_map=resume.continuing_models(
                               PRECISIONS[precision]))
        resume.start_continuing(start * T)
    try:
        with LavaSession(net.W[0], cfg, timeout_s,
                         what=f"Lava {precision} network {list(nr.sizes)}") as sess:
            done = start

            def outputs():
                m = done - start
                return (np.asarray(sess.get(net.output.pred))[:m].astype(int),
                        np.asarray(sess.get(net.output.loss))[:m].astype(float))

            def advance(s, e):
                nonlocal done
                sess.run((e - s) * T)
                done = e

            def epoch(_):
                st = net.read(sess, ("weights",))
                return on_epoch([c["weights"] for c in st["W"]],
                                [None if c is None else c["weights"] for c in st["B"]])

            def checkpoint(_):
                pred, loss = outputs()
                return {"vars": net.read(sess, STATE_VARS), "done": done,
                        "precision": precision, "pred": np.concatenate(preds + [pred]),
                        "loss": np.concatenate(losses + [loss])}
            epochs = run_epochs(n, advance, start=start,
                                step=PROGRESS_CHUNK if progress else n,
                                epoch_size=epoch_size, split_at_epochs=True,
                                on_epoch=on_epoch and epoch, checkpoint=checkpoint,
                                on_checkpoint=on_checkpoint, progress=progress)
            final = net.read(sess)
            pred, loss = outputs()
    finally:
        resume.stop_continuing()
    return NetRun(np.concatenate(preds + [pred]), np.concatenate(losses + [loss]), final,
                  epochs=epochs)


def _run_recorded(net: LavaNetwork, n: int, timeout_s: float) -> NetRun:
    """Run ``n`` samples in one go with the recording connection models (every
    learning connection writes its state after every sample into memory-mapped
    files), read the files once: ``NetRun.states`` as reading every Var after every
    sample would give. A fixed ``Dense`` (alignment) has constant weights."""
    nr, T = net.rules, net.rules.t_sample
    folder = tempfile.mkdtemp(prefix="lava_bioadam_rec_")
    learning = [c for c in net.W + net.B if isinstance(c, (LearningDense, SignedLearningDense))]
    try:
        for c in learning:
            recording.create_files(folder, c.name, {v: getattr(c, v).shape for v in CONN_VARS
                                                    if hasattr(c, v)}, n)
        recording.start_recording(folder)
        cfg = Loihi2SimCfg(select_tag=PRECISIONS[net.precision],
                           exception_proc_model_map=recording.recording_models(
                               PRECISIONS[net.precision]))
        with LavaSession(net.W[0], cfg, timeout_s,
                         what=f"Lava {net.precision} network {list(nr.sizes)}") as sess:
            sess.run(n * T)
            final = net.read(sess)
            pred = np.asarray(sess.get(net.output.pred)).astype(int)
            loss = np.asarray(sess.get(net.output.loss)).astype(float)
        cast = (lambda a: a.astype(np.int64)) if net.precision == "fixed" else np.array

        def states(c, fin):
            if c is None:
                return None
            if c not in learning:
                return {"weights": np.repeat(fin["weights"][None], n, axis=0)}
            return {v: cast(np.load(recording.file_of(folder, c.name, v)))
                    for v in CONN_VARS if hasattr(c, v)}
        st = {"W": [states(c, f) for c, f in zip(net.W, final["W"])],
              "B": [states(c, f) for c, f in zip(net.B, final["B"])]}
    finally:
        recording.stop_recording()
        shutil.rmtree(folder, ignore_errors=True)
    run = NetRun(pred, loss, final)
    run.states = st
    return run
