"""An ill-conditioned benchmark for the adaptive rules.

Least-absolute-deviation regression, ``y = w* . x``, on a linear unit whose input
features have scales spanning six orders of magnitude (``s_k`` log-spaced from 1 to
1e-6). Samples present one feature at a time, ``x = +-s_k e_k`` cycling over k, so
the output error ``sign(w . x - y)`` is O(1) and a synapse's gradient scales with its
feature: gradient scales span six orders too. The target weights ``w*`` are O(1);
convergence is measured in parameter space, ``max|w - w*| / max|w*|``.

Plain SGD's one learning rate must be small for the large features and is then far
too small for the small ones; Adam-like rules normalise each synapse.

``lava-bioadam ill-conditioned`` prints the table quoted in docs/model.md.
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.model.optimizers import SGD, Adam, SynapticN1, SynapticN2

N_FEATURES = 7
SCALES = np.logspace(0, -6, N_FEATURES)


def ill_conditioned_error(make_opt, steps: int = 7000, seed: int = 0) -> float:
    """Final relative parameter error of the optimizer ``make_opt(shape)``."""
    rng = np.random.default_rng(seed)
    w_star = rng.uniform(0.5, 1.5, N_FEATURES) * rng.choice([-1.0, 1.0], N_FEATURES)
    signs = rng.choice([-1.0, 1.0], steps)
    opt = make_opt((1, N_FEATURES))
    w = np.zeros((1, N_FEATURES))
    x = np.zeros(N_FEATURES)
    for t in range(steps):
        k = t % N_FEATURES
        x[:] = 0.0
        x[k] = signs[t] * SCALES[k]
        err = np.sign((w[0] - w_star) @ x)
        w = opt.step(w, x, np.array([err]))
    if not np.all(np.isfinite(w)):
        return float("inf")
    return float(np.abs(w[0] - w_star).max() / np.abs(w_star).max())


#: label -> optimizer factory; the hyperparameters used in tests and docs.
RULES = {
    "exact Adam (lr 1e-3, eps 1e-20)": lambda s: Adam(s, lr=1e-3, eps=1e-20),
    "N1 multiplicative (eta 1e-3, tau_r 10, eps 1e-9, r0 1)":
        lambda s: SynapticN1(s, eta=1e-3, tau_r=10.0, eps=1e-9, r0=1.0, form="multiplicative"),
    "N1 linear (eta 1e-3, tau_r 1, eps 1e-9)":
        lambda s: SynapticN1(s, eta=1e-3, tau_r=1.0, eps=1e-9, r0=0.0, form="linear"),
    "N2 (eta 1e-3, tau_n 100, eps 1e-20)":
        lambda s: SynapticN2(s, eta=1e-3, tau_n=100.0, eps=1e-20),
}

SGD_RATES = np.logspace(-3, 2, 11)


def best_sgd(steps: int = 7000, seed: int = 0) -> tuple[float, float]:
    """(error, learning rate) of plain SGD at the best single rate of a log grid."""
    return min((ill_conditioned_error(lambda s: SGD(s, lr), steps, seed), lr) for lr in SGD_RATES)


def ill_conditioned_table(steps: int = 7000, seeds=(0, 1, 2)) -> str:
    """Markdown table: final relative parameter error of each rule, mean over seeds."""
    lines = [f"LAD regression, feature scales 1..1e-6, {steps} samples: "
             f"max|w - w*| / max|w*| at the end (mean over seeds {list(seeds)})",
             "| rule | relative parameter error |", "|---|---|"]
    for label, make in RULES.items():
        errs = [ill_conditioned_error(make, steps, s) for s in seeds]
        lines.append(f"| {label} | {np.mean(errs):.2e} |")
    sgd = [best_sgd(steps, s) for s in seeds]
    lines.append(f"| plain SGD, best single rate of {len(SGD_RATES)} (lr {sgd[0][1]:.3g}) | "
                 f"{np.mean([e for e, _ in sgd]):.2e} |")
    return "\n".join(lines)
