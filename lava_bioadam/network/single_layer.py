"""One N1 learning layer (softmax readout) at every verification level.

Schedule per sample (``T = t_epoch`` steps, one learning epoch per sample):
step 1 the source sends the sample's graded payloads; the connection forwards
``W p`` at step 2, where the post unit computes its error and sends the third
factors; the epoch's learning runs at the end of step ``T``.

* :func:`run_l0`: float64 reference (``model.optimizers.SynapticN1``, explicit order)
* :func:`run_lava`: L1 (``precision="float"``) or L3 (``"fixed"``), through
  ``runtime.LavaSession``
* :func:`run_l2`: integer golden model (no Lava)

All return a :class:`LayerRun`; ``states`` holds one snapshot per sample (or only
the final one) with connection-unit arrays named as Lava's Vars.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from lava_bioadam.fixed import neurons
from lava_bioadam.fixed.golden import GoldenLearningDense
from lava_bioadam.network.wiring import connect_third_factors

STATE_NAMES = ("weights", "tag_1", "tag_2", "x1", "y1", "y2", "y3")


@dataclass
class LayerRun:
    """Result of one run: per-sample snapshots and predictions."""

    states: dict = field(default_factory=dict)   # name -> (n_records, ...) array
    pred: np.ndarray | None = None               # (n_samples,) argmax before learning
    final: dict = field(default_factory=dict)    # name -> final array


def initial_weights(rules, n_post: int, n_pre: int, seed: int, scale: float = 0.1):
    """Physical initial weights that the fixed-point encoding represents exactly."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, scale, size=(n_post, n_pre))
    return neurons.encode_weights(w, rules.fixed, True) / rules.fixed.w_scale


def _stack(records):
    return {k: np.stack([r[k] for r in records]) for k in records[0]}


def run_l2(rules, h, labels, w0, rng_seed: int, record: bool = True) -> LayerRun:
    """Integer golden model of the layer; ``w0`` physical (n_post, n_pre)."""
    enc, T = rules.fixed, rules.t_epoch
    pay = neurons.encode_activity(h, enc, True)
    w_int = neurons.encode_weights(w0, enc, True)
    g = GoldenLearningDense(rules.products, w_int, None, np.full(w_int.shape, rules.d0),
                            t_epoch=T, rng_seed=rng_seed)
    n_post, n_pre = w_int.shape
    zero_p = np.zeros(n_pre, dtype=np.int32)
    zero_y = np.zeros((3, n_post), dtype=np.int32)
    preds, records = np.full(len(labels), -1), []
    for s in range(len(labels)):
        for k in range(1, T + 1):
            y = zero_y
            if k == T:
                z = neurons.decode_input(g.a_out, enc)
                e, preds[s] = neurons.softmax_error(z, labels[s])
                y = neurons.encode_error(e, enc, True)
            g.step(pay[s] if k == 1 else zero_p, y)
        if record:
            records.append(g.snapshot())
    run = LayerRun(pred=preds, final=g.snapshot())
    if record:
        run.states = _stack(records)
    return run


def run_l0(rules, h, labels, w0, record: bool = True) -> LayerRun:
    """Float64 reference with the *effective* hyperparameters of ``rules``.

    States are returned in physical units: ``weights`` = w, ``tag_1`` = m,
    ``tag_2`` = r.
    """
    from lava_bioadam.model.optimizers import SynapticN1

    eff = rules.effective
    opt = SynapticN1(w0.shape, eta=eff["eta"], tau_m=eff["tau_m"], tau_r=eff["tau_r"],
                     eps=eff["eps"], r0=eff["r0"], form="linear", order="explicit",
                     lam=eff["lam"])
    w = np.array(w0, dtype=float)
    preds, records = np.full(len(labels), -1), []
    for s in range(len(labels)):
        hs = np.clip(h[s], 0.0, 1.0)
        e, preds[s] = neurons.softmax_error(w @ hs, labels[s])
        w = opt.step(w, hs, e)
        if record:
            records.append({"weights": w.copy(), "tag_1": opt.m.copy(),
                            "tag_2": opt.r.copy()})
    run = LayerRun(pred=preds, final={"weights": w, "tag_1": opt.m.copy(),
                                      "tag_2": opt.r.copy()})
    if record:
        run.states = _stack(records)
    return run


def to_physical(states: dict, enc) -> dict:
    """Connection-unit ``weights``/``tag_1``/``tag_2`` -> physical w, m, r."""
    return {"weights": states["weights"] / enc.w_scale,
            "tag_1": states["tag_1"] / enc.t_scale,
            "tag_2": states["tag_2"] / enc.d_scale}


def build_lava_layer(rules, h, labels, w0, rng_seed: int, precision: str):
    """Processes of one layer: (source, LearningDense, SoftmaxLearningUnit)."""
    from lava.magma.core.learning.constants import GradedSpikeCfg
    from lava.proc.dense.process import LearningDense

    from lava_bioadam.processes.graded_source.process import GradedSource
    from lava_bioadam.processes.learning_unit.process import SoftmaxLearningUnit
    from lava_bioadam.rules import make_lava_rule

    fixed = precision == "fixed"
    enc = rules.fixed if fixed else rules.float
    T = rules.t_epoch
    w_fixed = neurons.encode_weights(w0, rules.fixed, True)
    w_init = w_fixed if fixed else w_fixed / rules.fixed.w_scale * enc.w_scale
    d_init = np.full(w_fixed.shape, rules.d0, dtype=int if fixed else float)
    src = GradedSource(payloads=neurons.encode_activity(h, enc, fixed), t_sample=T)
    conn = LearningDense(weights=w_init, tag_1=np.zeros(w_fixed.shape), tag_2=d_init,
                         learning_rule=make_lava_rule(rules, rng_seed),
                         num_message_bits=24, graded_spike_cfg=GradedSpikeCfg.OVERWRITE)
    unit = SoftmaxLearningUnit(shape=(w_fixed.shape[0],), labels=labels,
                               encodings={"fixed": dataclasses.asdict(rules.fixed),
                                          "float": dataclasses.asdict(rules.float)},
                               t_sample=T, error_step=T)
    src.s_out.connect(conn.s_in)
    conn.a_out.connect(unit.a_in)
    connect_third_factors(unit, conn)
    return src, conn, unit


def run_lava(rules, h, labels, w0, rng_seed: int, precision: str = "fixed",
             record: bool = True, timeout_s: float = 600.0) -> LayerRun:
    """L1 (``precision="float"``) or L3 (``"fixed"``) run of the layer in Lava."""
    from lava.magma.core.run_configs import Loihi2SimCfg

    from lava_bioadam.runtime import LavaSession

    src, conn, unit = build_lava_layer(rules, h, labels, w0, rng_seed, precision)
    cfg = Loihi2SimCfg(select_tag="fixed_pt" if precision == "fixed" else "floating_pt")
    n, T = len(labels), rules.t_epoch
    names = {"weights": conn.weights, "tag_1": conn.tag_1, "tag_2": conn.tag_2,
             "x1": conn.x1, "y1": conn.y1, "y2": conn.y2, "y3": conn.y3}
    records = []
    with LavaSession(conn, cfg, timeout_s, what=f"Lava {precision} layer") as sess:
        if record:
            for _ in range(n):
                sess.run(T)
                records.append({k: np.asarray(sess.get(v)).copy() for k, v in names.items()})
        else:
            sess.run(n * T)
        final = {k: np.asarray(sess.get(v)).copy() for k, v in names.items()}
        pred = np.asarray(sess.get(unit.pred)).astype(int)
    run = LayerRun(pred=pred, final=final)
    if record:
        run.states = _stack(records)
    return run
