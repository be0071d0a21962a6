"""L0 network: feedback modes, predisposition symmetry, adaptivity, digits results."""

import numpy as np
import pytest

from lava_bioadam.app.config import config_from_dict
from lava_bioadam.app.data import load_digits_split
from lava_bioadam.model.network import clipped_relu_grad, softmax
from lava_bioadam.model.problems import RULES, best_sgd, ill_conditioned_error
from lava_bioadam.app.training import build_network, train_reference


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(0)


def test_backprop_mode_computes_the_exact_gradient():
    """With B = W^T the local errors equal dLoss/da computed by finite differences."""
    cfg = config_from_dict({"network": {"sizes": [5, 4, 3], "feedback": "backprop"},
                            "rules": {"rule": "sgd"}})
    net = build_network(cfg, 0)
    rng = np.random.default_rng(0)
    x, target = rng.uniform(0, 1, 5), np.eye(3)[1]
    net.weights[0] = rng.normal(0, 0.5, net.weights[0].shape)
    net._transport()
    hs, as_ = net.forward(x)
    es = net.errors(as_, target)

    def loss(w0):
        a1 = w0[:, :-1] @ x + w0[:, -1]
        a2 = net.weights[1][:, :-1] @ np.clip(a1, 0, 1) + net.weights[1][:, -1]
        return -np.log(softmax(a2)[1])

    num = np.zeros_like(net.weights[0])
    for idx in np.ndindex(num.shape):
        d = np.zeros_like(num)
        d[idx] = 1e-6
        num[idx] = (loss(net.weights[0] + d) - loss(net.weights[0] - d)) / 2e-6
    np.testing.assert_allclose(np.outer(es[0], np.append(x, 1.0)), num, atol=1e-7)
    assert clipped_relu_grad(np.array([-0.1, 0.5, 1.2])).tolist() == [0, 1, 0]


@pytest.mark.parametrize("rule", ["n1", "n2", "synaptic_adam", "adam", "momentum", "sgd"])
def test_predisposition_symmetry_error_decays_at_rate_lambda(rule, digits):
    """From an independent random start, W - B^T shrinks by exactly (1 - lam) per
    sample (one Euler step): both twins see the same local product."""
    lam = 0.01
    cfg = config_from_dict({"network": {"sizes": [64, 20, 10], "feedback": "predisposition"},
                            "rules": {"rule": rule, "lam": lam}})
    net = build_network(cfg, 3)
    eye = np.eye(10)

    def sym_err():
        return np.linalg.norm(net.weights[1][:, :-1] - net.feedback[1].T)

    e0 = sym_err()
    assert net.symmetry()[0][0] > 60  # independent start: far from symmetric
    n = 200
    for i in range(n):
        net.train_sample(digits.x_train[i], eye[digits.y_train[i]])
    rate = -np.log(sym_err() / e0) / n
    print(f"{rule}: fitted decay rate {rate:.6f} per sample, -log(1 - lam) = {-np.log(1 - lam):.6f}")
    np.testing.assert_allclose(rate, -np.log(1 - lam), rtol=1e-6)


def test_feedback_alignment_keeps_feedback_fixed():
    cfg = config_from_dict({"network": {"sizes": [6, 5, 3], "feedback": "alignment"}})
    net = build_network(cfg, 0)
    b0 = net.feedback[1].copy()
    rng = np.random.default_rng(0)
    for _ in range(20):
        net.train_sample(rng.uniform(0, 1, 6), np.eye(3)[rng.integers(3)])
    np.testing.assert_array_equal(net.feedback[1], b0)


def test_predisposition_only_on_synapses_with_a_twin():
    cfg = config_from_dict({"network": {"sizes": [6, 5, 3], "feedback": "predisposition"},
                            "rules": {"lam": 0.1}})
    net = build_network(cfg, 0)
    assert net.opt_w[0].lam == 0.0  # first layer: its errors go nowhere
    assert net.opt_w[1].lam == 0.1
    assert np.all(net.opt_w[1].lam_mask[:, -1] == 0)  # bias synapse has no twin
    assert net.feedback[0] is None and net.opt_b[1].lam == 0.1


def test_rules_are_adaptive_on_an_ill_conditioned_problem():
    """Feature scales span six orders: Adam, N1 (multiplicative form) and N2 converge;
    SGD at its best single rate does not come close in the same number of steps; the
    linear N1 does not either (its normaliser grows only 1/tau_r per
    sample, so it needs ~tau_r/|g| samples to adapt to a gradient of scale |g|)."""
    errs = {label: ill_conditioned_error(make) for label, make in RULES.items()}
    sgd_err, sgd_lr = best_sgd()
    print(errs, "SGD", sgd_err, sgd_lr)
    for label, err in errs.items():
        if label.startswith("N1 linear"):
            assert err > 0.5
        else:
            assert err < 0.01, label
    assert sgd_err > 0.5
    assert sgd_err > 50 * max(e for k, e in errs.items() if not k.startswith("N1 linear"))


def _mean_final(cfg, data, rule, feedback, seeds=(0, 1, 2)):
    from lava_bioadam.app.commands.compare import table_config
    c = table_config(cfg, rule, feedback)            # the settings of the table
    finals = [train_reference(c, data, s)["final"] for s in seeds]
    return (np.mean([f["test_accuracy"] for f in finals]),
            max(a for f in finals for a, _ in f["symmetry"]))


@pytest.mark.slow
def test_digits_reference_results(digits):
    """The numbers of docs/model.md: 64-64-10, 10 epochs, mean of 3 seeds (about a
    minute; slow suite)."""
    from lava_bioadam.app.config import load_config
    cfg = load_config("configs/digits.yaml")
    assert cfg.network.sizes == [64, 64, 10]
    cfg.training.epochs, cfg.training.seeds = 10, [0, 1, 2]
    adam, _ = _mean_final(cfg, digits, "adam", "backprop")
    n1, _ = _mean_final(cfg, digits, "n1", "backprop")
    n2, _ = _mean_final(cfg, digits, "n2", "backprop")
    pre, angle = _mean_final(cfg, digits, "n1", "predisposition")
    fa, fa_angle = _mean_final(cfg, digits, "n1", "alignment")
    print(f"adam {adam:.4f} n1 {n1:.4f} n2 {n2:.4f} predisposition {pre:.4f} "
          f"(angle {angle:.2e} deg) alignment {fa:.4f} (angle {fa_angle:.1f} deg)")
    assert adam >= 0.96
    assert n1 >= adam - 0.015 and n2 >= adam - 0.015
    assert angle < 1.0
    assert pre >= n1 - 0.01
    assert fa_angle > 10  # feedback alignment does not align weights to the transpose
