"""L0 on the Loihi schedule: the float64 reference model run with the *effective*
hyperparameters of the fixed-point rules, explicit Euler (every variable from the
values before the sample, as a learning epoch computes), no quantisation.

States are physical (``weights`` = w, ``tag_1`` = m, ``tag_2`` = r), so L1 is
compared with L0 after :meth:`~lava_bioadam.rules.layer.Encoding.to_physical`.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.golden.network import NetRun, stack_records
from lava_bioadam.model.network import Network, loss_value
from lava_bioadam.model.optimizers import Optimizer, SynapticN1, SynapticN2


def reference_optimizer(rules, shape) -> Optimizer:
    """The float64 optimizer that the fixed-point ``rules`` represent: N1 in the
    rules' form, N1 with a frozen normaliser for the ``momentum`` and ``sgd``
    families (``sgd``: ``tau_m = 1``, the tag is the last gradient), N2 with the
    units' warm-up for ``n2``."""
    e = rules.effective
    if rules.family == "n2":
        return SynapticN2(shape, eta=e["eta"], tau_m=e["tau_m"], tau_n=e["tau_n"],
                          eps=e["eps"], warmup=True, order="explicit", lam=e["lam"])
    if rules.family == "n1":
        return SynapticN1(shape, eta=e["eta"], tau_m=e["tau_m"], tau_r=e["tau_r"],
                          eps=e["eps"], r0=e["r0"], form=rules.params.form,
                          r_min=e.get("r_min", 0.0), order="explicit", lam=e["lam"])
    return SynapticN1(shape, eta=e["eta"], tau_m=e.get("tau_m", 1.0), r0=e["r0"],
                      form="frozen", order="explicit", lam=e["lam"])


def _state(opt, w) -> dict:
    """Physical state of a connection (N2 has no normaliser per synapse: ``tag_2``
    holds its constant 1)."""
    r = opt.r.copy() if hasattr(opt, "r") else np.ones_like(opt.m)
    return {"weights": w.copy(), "tag_1": opt.m.copy(), "tag_2": r}


def run_l0(nr, x, labels, W0, B0, record: bool = False) -> NetRun:
    """The network of ``nr`` in float64 over samples ``x`` (presentation order)."""
    nr.check_inputs(x, labels)
    L = nr.n_layers
    opt_w = [reference_optimizer(nr.forward[l], W0[l].shape) for l in range(L)]
    opt_b = [None] + [reference_optimizer(nr.feedback[l], B0[l].shape) if nr.feedback[l]
                      else None for l in range(1, L)]
    net = Network(nr.sizes, [np.array(w, float) for w in W0],
                  [None] + [np.array(b, float) for b in B0[1:]], nr.mode, "cross_entropy",
                  opt_w, opt_b)
    eye = np.eye(nr.sizes[-1])
    n = len(labels)
    pred, loss, records = np.full(n, -1), np.zeros(n), []

    def snap():
        return {"W": [_state(o, w) for o, w in zip(net.opt_w, net.weights)],
                "B": [None if o is None else _state(o, b)
                      for o, b in zip(net.opt_b, net.feedback)]}

    for s in range(n):
        _, as_ = net.forward(x[s])
        target = eye[int(labels[s])]
        pred[s] = int(np.argmax(as_[-1]))
        loss[s] = float(loss_value(as_[-1][None], target[None], "cross_entropy")[0])
        net.train_sample(x[s], target)
        if record:
            records.append(snap())
    run = NetRun(pred, loss, snap())
    if record:
        run.states = stack_records(records)
    return run


def run_twin_l0(rules, h, e, w0) -> dict:
    """One twin in float64. Forward (``w0`` physical ``(n_e, n_h)``): pre ``h``, post
    ``e``, gradient ``outer(e, h)``; feedback (``(n_h, n_e)``): pre ``e``, post ``h``.
    Returns physical ``weights``, ``tag_1`` (m), ``tag_2`` (r) after every sample."""
    opt = reference_optimizer(rules, np.shape(w0))
    w, out = np.array(w0, dtype=float), []
    for s in range(np.shape(h)[0]):
        hs = np.clip(h[s], 0.0, 1.0)
        pre, post = (hs, e[s]) if rules.role == "forward" else (e[s], hs)
        w = opt.step(w, pre, post)
        out.append(_state(opt, w))
    return {v: np.stack([o[v] for o in out]) for v in ("weights", "tag_1", "tag_2")}
