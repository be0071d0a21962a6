"""Train one fixed-point N1 layer (64 -> 10, softmax readout) on digits.

``python -m lava_bioadam.network.train_layer CONFIG [--epochs E] [--backend lava|l2]``

Trains in Lava ``fixed_pt`` (L3; ``--backend l2`` uses the bit-exact golden model
instead), evaluates the learned integer weights on the test split in Lava
(``Dense`` fixed_pt, no learning), and reports, on the same sample order, L0 N1
with the effective hyperparameters and L0 exact Adam. With ``--rounding`` it also
measures the rounding error of every fixed-point update against the exact real
value of the same products (L2).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from lava_bioadam.fixed import neurons
from lava_bioadam.fixed import widths as W
from lava_bioadam.fixed.golden import GoldenLearningDense
from lava_bioadam.network import single_layer as sl


def schedule(y_train, epochs: int, seed: int) -> np.ndarray:
    """Sample order: a fresh permutation of the training set per epoch."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(len(y_train)) for _ in range(epochs)])


def accuracy_fixed(rules, w_int, x, y) -> float:
    """Test accuracy of integer weights with the fixed-point forward pass (numpy)."""
    pay = neurons.encode_activity(x, rules.fixed, True)
    a = pay.astype(np.int32) @ np.asarray(w_int, dtype=np.int32).T
    return float((np.argmax(a, axis=1) == y).mean())


def lava_test_accuracy(rules, w_int, x, y, timeout_s=600.0) -> float:
    """Inference in Lava fixed_pt: GradedSource -> Dense (9-bit weights, learned
    values unchanged) -> SoftmaxLearningUnit (its predictions; y ports unused)."""
    import dataclasses

    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense

    from lava_bioadam.processes.graded_source.process import GradedSource
    from lava_bioadam.processes.learning_unit.process import SoftmaxLearningUnit
    from lava_bioadam.runtime import LavaSession

    T = rules.t_epoch
    src = GradedSource(payloads=neurons.encode_activity(x, rules.fixed, True), t_sample=T)
    dense = Dense(weights=np.asarray(w_int), num_message_bits=24, num_weight_bits=9)
    unit = SoftmaxLearningUnit(shape=(w_int.shape[0],), labels=y, t_sample=T, error_step=T,
                               encodings={"fixed": dataclasses.asdict(rules.fixed),
                                          "float": dataclasses.asdict(rules.fixed)})
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(unit.a_in)
    with LavaSession(unit, Loihi2SimCfg(select_tag="fixed_pt"), timeout_s,
                     what="Lava fixed_pt inference") as s:
        s.run(len(y) * T)
        pred = np.asarray(s.get(unit.pred)).astype(int)
    return float((pred == y).mean())


def rounding_stats(rules, x, y, order, w0, rng_seed) -> dict:
    """Fixed-point update minus exact update of the same products, per variable.

    Saturated entries are excluded. Per-epoch means are the independent samples
    (one random number per epoch is shared by all synapses).
    """
    enc, T = rules.fixed, rules.t_epoch
    w_int = neurons.encode_weights(w0, enc, True)
    g = GoldenLearningDense(rules.products, w_int, None, np.full(w_int.shape, rules.d0),
                            t_epoch=T, rng_seed=rng_seed)
    g.track_exact = True
    lim = {"w": (W.W_MIN, W.W_MAX), "t": (W.T_MIN, W.T_MAX), "d": (W.D_MIN, W.D_MAX)}
    parts = ("total", "stochastic", "truncation")
    means = {(v, q): [] for v in lim for q in parts}
    sq = {(v, q): [0.0, 0] for v in lim for q in parts}
    pay = neurons.encode_activity(x, enc, True)
    zp = np.zeros(x.shape[1], dtype=np.int32)
    zy = np.zeros((3, w_int.shape[0]), dtype=np.int32)
    for s in order:
        before = {"w": g.w.copy(), "t": g.t.copy(), "d": g.d.copy()}
        for k in range(1, T + 1):
            yv = zy
            if k == T:
                e, _ = neurons.softmax_error(neurons.decode_input(g.a_out, enc), y[s])
                yv = neurons.encode_error(e, enc, True)
            g.step(pay[s] if k == 1 else zp, yv)
        for v in lim:
            new = getattr(g, v)
            du = new - before[v]
            errs = {"total": du - g.last_exact[v], "stochastic": du - g.last_acc[v],
                    "truncation": g.last_acc[v] - g.last_exact[v]}
            ok = (new > lim[v][0]) & (new < lim[v][1])
            if ok.any():
                for q, err in errs.items():
                    means[(v, q)].append(err[ok].mean())
                    sq[(v, q)][0] += float((err[ok] ** 2).sum())
                    sq[(v, q)][1] += int(ok.sum())
    out = {}
    for v in lim:
        out[v] = {}
        for q in parts:
            m = np.asarray(means[(v, q)])
            r = {"mean": float(m.mean()), "se": float(m.std(ddof=1) / np.sqrt(len(m))),
                 "rms": float(np.sqrt(sq[(v, q)][0] / sq[(v, q)][1])), "epochs": len(m),
                 "entries": sq[(v, q)][1]}
            r["z"] = r["mean"] / r["se"] if r["se"] > 0 else 0.0
            out[v][q] = r
    return out


def train(params, epochs=5, seed=0, backend="lava", rounding=False, init_scale=0.1,
          adam_lr=0.01):
    """Returns a dict of measured numbers (accuracies, timings, rounding)."""
    from lava_bioadam.data import load_digits_split
    from lava_bioadam.model.optimizers import Adam
    from lava_bioadam.rules import build_rules

    rules = build_rules(params)
    xtr, ytr, xte, yte = load_digits_split(0)
    order = schedule(ytr, epochs, seed)
    h, lab = xtr[order], ytr[order]
    w0 = sl.initial_weights(rules, 10, 64, seed, init_scale)
    res = {"epochs": epochs, "seed": seed, "backend": backend, "samples": len(order),
           "effective": rules.effective}
    t0 = time.time()
    if backend == "lava":
        run = sl.run_lava(rules, h, lab, w0, rng_seed=seed, precision="fixed", record=False)
        w_fixed = run.final["weights"]
        l2 = sl.run_l2(rules, h, lab, w0, rng_seed=seed, record=False)
        res["l3_equals_l2_final_weights"] = bool(np.array_equal(w_fixed, l2.final["weights"]))
    else:
        run = sl.run_l2(rules, h, lab, w0, rng_seed=seed, record=False)
        w_fixed = run.final["weights"]
    res["train_seconds"] = time.time() - t0
    res["train_acc_online"] = float((run.pred == lab).mean())
    res["test_acc_fixed_numpy"] = accuracy_fixed(rules, w_fixed, xte, yte)
    if backend == "lava":
        res["test_acc_fixed_lava"] = lava_test_accuracy(rules, w_fixed, xte, yte)
    l0 = sl.run_l0(rules, h, lab, w0, record=False)
    res["test_acc_l0_n1"] = float((np.argmax(xte @ l0.final["weights"].T, 1) == yte).mean())
    opt, w = Adam((10, 64), lr=adam_lr), w0.copy()
    for s in range(len(lab)):
        e, _ = neurons.softmax_error(w @ h[s], lab[s])
        w = opt.step(w, h[s], e)
    res["adam_lr"] = adam_lr
    res["test_acc_l0_adam"] = float((np.argmax(xte @ w.T, 1) == yte).mean())
    if rounding:
        res["rounding"] = rounding_stats(rules, xtr, ytr, order, w0, seed)
    return res


def main(argv=None) -> int:
    from lava_bioadam.errors import UserError
    from lava_bioadam.config import load_config

    ap = argparse.ArgumentParser(prog="python -m lava_bioadam.network.train_layer")
    ap.add_argument("config")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backend", choices=("lava", "l2"), default="lava")
    ap.add_argument("--rounding", action="store_true")
    ap.add_argument("--adam-lr", type=float, default=0.01)
    a = ap.parse_args(argv)
    try:
        params = load_config(a.config).rules
        res = train(params, a.epochs, a.seed, a.backend, a.rounding, adam_lr=a.adam_lr)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
