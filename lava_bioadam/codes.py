"""Per-step arithmetic of the network's learning units, shared by L2 and L1/L3.

The Lava process models of :mod:`lava_bioadam.processes.hidden_unit` and
:mod:`lava_bioadam.processes.output_unit` hold one of these objects and call its
``step`` every time step; the integer golden model of the network calls the very
same objects, so both levels run literally the same neuron code.

Codes (``fixed``: integers; float: the float encoding's scales, no rounding):

* activity ``h`` in [0, 1] -> ``H = round(h * h_scale)``, payload ``2 H``; every
  population also has an always-on bias unit (``h = 1``);
* error ``e`` -> ``E = clip(round(e * e_scale), -127, 127)``, payload ``2 E``
  (signed: the feedback connection is a ``SignedLearningDense``);
* third factors to the forward connection (unit is its post side):
  ``y1 = E+``, ``y2 = E-``; to the feedback connection of the layer above (unit is
  its post side): ``y1 = H``; to both, ``y3 = G``, the predisposition gain of that
  connection's rule (a constant neuromodulatory signal; the ``-lam w`` product is
  ``w * y3``, which lets ``lam`` go below the engine's smallest rate 2^-7).

An encoding is any object with ``h_scale``, ``e_scale``, ``w_scale``, ``g_scale``
(physical -> connection units, ``g_scale`` = G; see ``lava_bioadam.rules``).

Units act at the steps of :func:`lava_bioadam.rules.network.schedule`. Third factors are held from the step they are computed to the end
of the sample, so every connection sees them at its learning epoch (step ``T``).
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.engine import widths as W
from lava_bioadam.model.network import softmax

E_MAX_CODE = W.X_MAX  # 127: |E| and H fit 7-bit traces


def _dtype(fixed):
    return np.int32 if fixed else float


def activity_code(h, enc, fixed: bool) -> np.ndarray:
    """Code ``H`` of activities ``h`` in [0, 1] (int32 if ``fixed``)."""
    v = np.clip(np.asarray(h, dtype=float), 0.0, 1.0) * enc.h_scale
    return np.rint(v).astype(np.int32) if fixed else v


def error_code(e, enc, fixed: bool) -> np.ndarray:
    """Code ``E`` of signed errors (int32 saturated to +-127 if ``fixed``)."""
    v = np.asarray(e, dtype=float) * enc.e_scale
    if fixed:
        return np.clip(np.rint(v), -E_MAX_CODE, E_MAX_CODE).astype(np.int32)
    return v


def activity_payload(codes, enc, fixed: bool) -> np.ndarray:
    """Graded payloads ``2 H`` plus the always-on bias unit, shape ``(..., n + 1)``."""
    codes = np.asarray(codes)
    bias = np.full(codes.shape[:-1] + (1,), enc.h_scale)
    if fixed:
        bias = np.rint(bias)
    return (2 * np.concatenate([codes, bias], axis=-1)).astype(_dtype(fixed))


def input_payload(x, enc, fixed: bool) -> np.ndarray:
    """Payloads of input samples ``x`` ``(n_samples, n_in)`` in [0, 1], with bias."""
    return activity_payload(activity_code(x, enc, fixed), enc, fixed)


def decode_forward(a, enc) -> np.ndarray:
    """Physical ``W [h; 1]`` from a forward connection's output (payload ``2 H``)."""
    return np.asarray(a, dtype=float) / (2.0 * enc.w_scale * enc.h_scale)


def decode_feedback(a, enc) -> np.ndarray:
    """Physical ``B e`` from a feedback connection's output (payload ``2 E``)."""
    return np.asarray(a, dtype=float) / (2.0 * enc.w_scale * enc.e_scale)


def third_factors_error(E, enc, fixed: bool) -> np.ndarray:
    """``(3, n)``: ``y1 = E+``, ``y2 = E-``, ``y3 = G`` (gain of ``enc``)."""
    E = np.asarray(E)
    y = np.zeros((3,) + E.shape, dtype=_dtype(fixed))
    y[0] = np.maximum(E, 0)
    y[1] = np.maximum(-E, 0)
    y[2] = enc.g_scale
    return y


def third_factors_activity(H, enc, fixed: bool) -> np.ndarray:
    """``(3, n)``: ``y1 = H``, ``y2 = 0``, ``y3 = G`` (gain of ``enc``)."""
    H = np.asarray(H)
    y = np.zeros((3,) + H.shape, dtype=_dtype(fixed))
    y[0] = H
    y[2] = enc.g_scale
    return y


def encode_weights(w_phys, enc, fixed: bool) -> np.ndarray:
    """Connection weights from physical weights ``(n_post, n_pre)``.

    fixed: ``round(w_scale w)``, made even (Lava drops the LSB of initial weights
    at 8 weight bits, MIXED sign) and saturated to -256..254 (int32).
    """
    w = np.asarray(w_phys, dtype=float) * enc.w_scale
    if fixed:
        w = 2 * np.rint(w / 2)
        return np.clip(w, W.W_MIN, W.W_MAX - 1).astype(np.int32)
    return w


class HiddenUnits:
    """A hidden population of ``n`` clipped-ReLU units (plus a bias unit).

    enc_in: encoding of the forward connection into this layer (``W_l``) and of the
        feedback connection carrying this layer's error back (``B_l``): decodes
        ``a_in``, codes ``E``.
    enc_out: encoding of ``W_{l+1}`` / ``B_{l+1}``: codes ``H``, decodes ``fb_in``.
    """

    def __init__(self, n: int, t_sample: int, fwd_step: int, err_step: int, enc_in,
                 enc_out, fixed: bool):
        self.n, self.t_sample = int(n), int(t_sample)
        self.fwd_step, self.err_step = int(fwd_step), int(err_step)
        self.enc_in, self.enc_out, self.fixed = enc_in, enc_out, bool(fixed)
        dt = _dtype(fixed)
        self.zero_s = np.zeros(self.n + 1, dtype=dt)
        self.zero_e = np.zeros(self.n, dtype=dt)
        self.zero_y = np.zeros((3, self.n), dtype=dt)
        self.a = np.zeros(self.n)          # physical pre-activation of this sample
        self.H = np.zeros(self.n, dtype=dt)
        self.E = np.zeros(self.n, dtype=dt)

    def step(self, k: int, a_in, fb_in):
        """Within-sample step ``k`` (1..T) with this step's inputs; returns
        ``(s_out (n+1,), e_out (n,), y_fwd (3, n), y_fb (3, n))``."""
        s_out, e_out = self.zero_s, self.zero_e
        if k == 1:
            self.H = self.zero_e.copy()
            self.E = self.zero_e.copy()
        if k == self.fwd_step:
            self.a = decode_forward(a_in, self.enc_in)
            self.H = activity_code(self.a, self.enc_out, self.fixed)
            s_out = activity_payload(self.H, self.enc_out, self.fixed)
        if k == self.err_step:
            grad = ((self.a > 0.0) & (self.a < 1.0)).astype(float)
            e = grad * decode_feedback(fb_in, self.enc_out)
            self.E = error_code(e, self.enc_in, self.fixed)
            e_out = (2 * self.E).astype(self.E.dtype)
        y_fwd = (third_factors_error(self.E, self.enc_in, self.fixed) if k >= self.err_step
                 else self.zero_y)
        y_fb = (third_factors_activity(self.H, self.enc_out, self.fixed) if k >= self.fwd_step
                else self.zero_y)
        return s_out, e_out, y_fwd, y_fb


class OutputUnits:
    """The output population: softmax cross-entropy error ``softmax(z) - onehot``.

    enc: encoding of the forward connection into the output (``W_L``) and of the
        feedback ``B_L``. Records, per sample, the prediction ``argmax z`` and the
        loss ``-log softmax(z)[label]`` of the forward pass before learning.
    """

    def __init__(self, n: int, t_sample: int, err_step: int, enc, fixed: bool):
        self.n, self.t_sample, self.err_step = int(n), int(t_sample), int(err_step)
        self.enc, self.fixed = enc, bool(fixed)
        dt = _dtype(fixed)
        self.zero_e = np.zeros(self.n, dtype=dt)
        self.zero_y = np.zeros((3, self.n), dtype=dt)
        self.E = self.zero_e.copy()
        self.pred, self.loss = -1, float("nan")

    def step(self, k: int, a_in, label: int):
        """Returns ``(e_out (n,), y (3, n))``; sets ``pred`` and ``loss`` at the
        error step."""
        e_out = self.zero_e
        if k == 1:
            self.E = self.zero_e.copy()
        if k == self.err_step:
            z = decode_forward(a_in, self.enc)
            p = softmax(z)
            self.pred = int(np.argmax(z))
            self.loss = float(-np.log(max(p[int(label)], 1e-300)))
            p[int(label)] -= 1.0
            self.E = error_code(p, self.enc, self.fixed)
            e_out = (2 * self.E).astype(self.E.dtype)
        y = (third_factors_error(self.E, self.enc, self.fixed) if k >= self.err_step
             else self.zero_y)
        return e_out, y


def forward_batch(x, weights, encs, fixed: bool, weight_exp: int = 0):
    """Batched forward pass of the coded network, the same arithmetic as the units.

    x: ``(n_samples, n_in)`` in [0, 1]; weights: connection-unit matrices
    ``W_l`` ``(n_l, n_{l-1} + 1)``; encs: their encodings. Returns the physical
    output pre-activations ``(n_samples, n_out)``.
    """
    payload = input_payload(x, encs[0], fixed)
    for l, (w, enc) in enumerate(zip(weights, encs)):
        acc = payload.astype(np.int64 if fixed else float) @ np.asarray(w).T
        if fixed and weight_exp:
            acc = acc << weight_exp if weight_exp > 0 else acc >> -weight_exp
        a = decode_forward(acc, enc)
        if l == len(weights) - 1:
            return a
        codes = activity_code(a, encs[l + 1], fixed)
        payload = activity_payload(codes, encs[l + 1], fixed)
    raise ValueError("no layers")


def evaluate(x, labels, weights, encs, fixed: bool) -> dict:
    """Test accuracy and mean cross-entropy of the coded network."""
    z = forward_batch(x, weights, encs, fixed)
    p = softmax(z)
    labels = np.asarray(labels, dtype=int)
    loss = -np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-300))
    return {"accuracy": float((z.argmax(axis=1) == labels).mean()), "loss": float(loss.mean())}
