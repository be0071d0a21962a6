"""Layered rate network with local learning and learned feedback (level L0).

``h_0 = x``, ``a_l = W_l [h_{l-1}; 1]``, ``h_l = f(a_l)``; hidden units are clipped
ReLU (activity in [0, 1], i.e. an unsigned graded spike), the output is linear with
softmax cross-entropy (or MSE). The bias is a synapse from an always-on unit, so
``W_l`` has shape ``(n_l, n_{l-1} + 1)``, last column the bias.

Errors: ``e_L = dLoss/da_L``; ``e_l = f'(a_l) * (B_{l+1} e_{l+1})`` where ``B_{l+1}``
has shape ``(n_l, n_{l+1})`` (the transpose of ``W_{l+1}`` without its bias column).

Feedback modes:

* ``backprop``: ``B = W^T`` (weight transport, the exact gradient).
* ``alignment``: fixed random ``B`` (feedback alignment).
* ``predisposition``: ``B`` starts independent and random and learns with the same
  rule as its forward twin (presynaptic error ``e_j``, postsynaptic activity ``h_i``:
  the same local product), plus the weight-dependent term ``-lam * w`` on both twins.
  Then ``d(W - B^T)/dt = -lam (W - B^T)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lava_bioadam.model.optimizers import Optimizer

FEEDBACK_MODES = ("backprop", "alignment", "predisposition")
LOSSES = ("cross_entropy", "mse")


def clipped_relu(a: np.ndarray) -> np.ndarray:
    """Hidden activation, activity in [0, 1]."""
    return np.clip(a, 0.0, 1.0)


def clipped_relu_grad(a: np.ndarray) -> np.ndarray:
    """Derivative of :func:`clipped_relu` (1 inside (0, 1), else 0)."""
    return ((a > 0.0) & (a < 1.0)).astype(float)


def softmax(a: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, numerically stable."""
    z = a - a.max(axis=-1, keepdims=True)
    ez = np.exp(z)
    return ez / ez.sum(axis=-1, keepdims=True)


def output_error(a: np.ndarray, target: np.ndarray, loss: str,
                 softmax_fn: Callable = softmax) -> np.ndarray:
    """``dLoss/da`` at the output; ``target`` is one-hot, same shape as ``a``.
    ``softmax_fn``: the softmax of the cross-entropy error (e.g. an approximation
    that a fixed-point output unit computes)."""
    if loss == "cross_entropy":
        return softmax_fn(a) - target
    return a - target


def loss_value(a: np.ndarray, target: np.ndarray, loss: str) -> np.ndarray:
    """Per-sample loss, ``a`` and ``target`` of shape ``(n, n_out)``."""
    if loss == "cross_entropy":
        z = a - a.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        return -(target * logp).sum(axis=-1)
    return 0.5 * ((a - target) ** 2).sum(axis=-1)


def symmetry(w: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Angle (degrees) between ``W`` (without bias column) and ``B^T``, and
    ``||W - B^T||_F / ||W||_F``."""
    wf = w[:, :-1].ravel()
    bf = b.T.ravel()
    cos = wf @ bf / (np.linalg.norm(wf) * np.linalg.norm(bf) + 1e-300)
    angle = float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    rel = float(np.linalg.norm(wf - bf) / (np.linalg.norm(wf) + 1e-300))
    return angle, rel


@dataclass
class Network:
    """Weights, feedback weights and their optimizers.

    ``weights[l]``: ``(n_{l+1}, n_l + 1)``; ``feedback[l]``: ``(n_l, n_{l+1})`` for
    ``l >= 1`` (``feedback[0]`` is None: the first layer's errors go nowhere).
    """

    sizes: tuple[int, ...]
    weights: list[np.ndarray]
    feedback: list[np.ndarray | None]
    mode: str = "backprop"
    loss: str = "cross_entropy"
    opt_w: list[Optimizer] = field(default_factory=list)
    opt_b: list[Optimizer | None] = field(default_factory=list)
    #: softmax of the output error (the loss values always use the exact one)
    softmax_fn: Callable = softmax

    @classmethod
    def create(cls, sizes, mode: str,
               make_opt: Callable[[tuple[int, int], np.ndarray | None], Optimizer],
               rng: np.random.Generator, loss: str = "cross_entropy", init_scale: float = 1.0,
               softmax_fn: Callable = softmax):
        """Random network. ``make_opt(shape, lam_mask)`` builds the optimizer of one
        matrix; ``lam_mask`` marks the synapses that have a feedback twin (the
        predisposition term applies to them only), None where none has one.
        ``softmax_fn``: see :func:`output_error`."""
        if mode not in FEEDBACK_MODES:
            raise ValueError(f"feedback mode must be one of {FEEDBACK_MODES}, got {mode!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        sizes = tuple(int(s) for s in sizes)
        weights, feedback, opt_w, opt_b = [], [], [], []
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            bound = init_scale / np.sqrt(n_in)
            w = rng.uniform(-bound, bound, size=(n_out, n_in + 1))
            w[:, -1] = 0.0
            weights.append(w)
            mask = None
            if mode == "predisposition" and l >= 1:
                mask = np.ones((n_out, n_in + 1))
                mask[:, -1] = 0.0  # the bias synapse has no twin
            opt_w.append(make_opt((n_out, n_in + 1), mask))
            if l == 0:
                feedback.append(None)
                opt_b.append(None)
            else:
                feedback.append(rng.uniform(-bound, bound, size=(n_in, n_out)))
                opt_b.append(make_opt((n_in, n_out), np.ones((n_in, n_out))) if mode == "predisposition" else None)
        net = cls(sizes, weights, feedback, mode, loss, opt_w, opt_b, softmax_fn)
        if mode == "backprop":
            net._transport()
        return net

    def _transport(self):
        for l in range(1, len(self.weights)):
            self.feedback[l] = self.weights[l][:, :-1].T.copy()

    # ------------------------------------------------------------------ forward
    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Activities ``h`` (``h[0] = x``) and pre-activations ``a`` for a batch
        ``x`` of shape ``(n, n_in)`` or a single sample ``(n_in,)``."""
        hs, as_ = [x], []
        for l, w in enumerate(self.weights):
            a = hs[-1] @ w[:, :-1].T + w[:, -1]
            as_.append(a)
            hs.append(a if l == len(self.weights) - 1 else clipped_relu(a))
        return hs, as_

    def errors(self, as_: list[np.ndarray], target: np.ndarray) -> list[np.ndarray]:
        """Local errors ``e_l`` of every layer (through the feedback weights)."""
        es = [output_error(as_[-1], target, self.loss, self.softmax_fn)]
        for l in range(len(self.weights) - 1, 0, -1):
            es.insert(0, clipped_relu_grad(as_[l - 1]) * (es[0] @ self.feedback[l].T))
        return es

    # ----------------------------------------------------------------- learning
    def train_sample(self, x: np.ndarray, target: np.ndarray) -> None:
        """One online step on a single sample (``x``: ``(n_in,)``, target one-hot)."""
        hs, as_ = self.forward(x)
        es = self.errors(as_, target)
        for l, w in enumerate(self.weights):
            pre = np.append(hs[l], 1.0)
            self.weights[l] = self.opt_w[l].step(w, pre, es[l])
            if self.opt_b[l] is not None:
                # Feedback synapse: presynaptic error unit j, postsynaptic unit i.
                self.feedback[l] = self.opt_b[l].step(self.feedback[l], es[l], hs[l])
        if self.mode == "backprop":
            self._transport()

    def evaluate(self, x: np.ndarray, labels: np.ndarray) -> dict:
        """Batched accuracy and mean loss on ``x`` ``(n, n_in)``, integer labels."""
        _, as_ = self.forward(x)
        target = np.eye(self.sizes[-1])[labels]
        return {"accuracy": float((as_[-1].argmax(axis=1) == labels).mean()),
                "loss": float(loss_value(as_[-1], target, self.loss).mean())}

    def symmetry(self) -> list[tuple[float, float]]:
        """(angle in degrees, relative Frobenius error) of ``W_l`` vs ``B_l^T``, l >= 1."""
        return [symmetry(self.weights[l], self.feedback[l]) for l in range(1, len(self.weights))]
