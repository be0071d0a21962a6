"""Per-step arithmetic of the network's learning units, shared by L2 and L1/L3.

The Lava process models of :mod:`lava_bioadam.processes.hidden_unit` and
:mod:`lava_bioadam.processes.output_unit` hold one of these objects and call its
``step`` every time step; the integer golden model of the network calls the very
same objects, so both levels run literally the same neuron code.

Codes (float: the float encoding's scales, no rounding; fixed point: integers, which
the units below compute from their inputs up to the rounding of their constants):

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

Fixed point (``fixed``), the units compute in integers only, from the dendritic
sums ``A`` they receive and the integer constants of
:mod:`lava_bioadam.rules.units` (a ``HiddenCode`` / ``OutputCode``, or any object
with the same fields): decoding is a multiply and a rounding shift, the clipped
ReLU and its gate compare ``A`` with the accumulator value of 1, and the output
error is :func:`lava_bioadam.engine.neuron.softmax_q` minus the one-hot label.
Only the per-sample ``loss`` (a diagnostic, not state) is a float.

Units act at the steps of :func:`lava_bioadam.rules.network.schedule`. Third factors are held from the step they are computed to the end
of the sample, so every connection sees them at its learning epoch (step ``T``).
"""
from __future__ import annotations

import numpy as np

from lava_bioadam.engine import neuron
from lava_bioadam.engine import widths
from lava_bioadam.model.network import softmax

E_MAX_CODE = widths.X_MAX  # 127: |E| and H fit 7-bit traces


def _dtype(fixed):
    return np.int32 if fixed else float


def _unit_constants(fixed: bool, code, kind: str, which: str):
    """``code``; a ``ValueError`` if fixed-point ``kind`` units come without their
    integer constants (``which``: the object they need)."""
    if fixed and code is None:
        raise ValueError(f"fixed-point {kind} units need their integer constants (code=; "
                         f"constants= of the Lava process): {which} of "
                         f"NetworkRules.unit_codes()")
    return code


def _zero_signals(n: int, fixed: bool):
    """Zero codes ``(n,)`` and zero third factors ``(3, n)`` of a population."""
    dt = _dtype(fixed)
    return np.zeros(n, dtype=dt), np.zeros((3, n), dtype=dt)


def activity_code(h, enc, fixed: bool) -> np.ndarray:
    """Code ``H`` of activities ``h`` in [0, 1] (int32 if ``fixed``)."""
    v = np.clip(np.asarray(h, dtype=float), 0.0, 1.0) * enc.h_scale
    return np.rint(v).astype(np.int32) if fixed else v


def error_code(e, enc) -> np.ndarray:
    """Float code ``E = e e_scale`` of signed errors (float units)."""
    return np.asarray(e, dtype=float) * enc.e_scale


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


# -- integer unit arithmetic (fixed point) -----------------------------------------
def accumulate(a_in) -> np.ndarray:
    """Dendritic sums as the unit keeps them: saturated to ``NEURON_ACC_BITS``
    (int64)."""
    return neuron.saturate(a_in, widths.NEURON_ACC_BITS)


def activity_from_acc(A, code) -> np.ndarray:
    """Clipped ReLU: activity code ``H = min((clip(A, 0, a_one) h_mant) >> h_shift,
    127)`` (rounded), int32."""
    a = np.clip(np.asarray(A, dtype=np.int64), 0, code.a_one)
    return np.minimum(neuron.mul_shift(a, code.h_mant, code.h_shift),
                      E_MAX_CODE).astype(np.int32)


def relu_gate(A, code) -> np.ndarray:
    """Clipped-ReLU derivative on the accumulator: ``0 < A < a_one`` (bool)."""
    A = np.asarray(A)
    return (A > 0) & (A < code.a_one)


def error_from_feedback(fb, gate, code) -> np.ndarray:
    """Error code ``E = gate ? sat127((clip(fb, +-fb_max) e_mant) >> e_shift) : 0``
    (rounded), int32."""
    f = np.clip(np.asarray(fb, dtype=np.int64), -code.fb_max, code.fb_max)
    E = np.clip(neuron.mul_shift(f, code.e_mant, code.e_shift), -E_MAX_CODE, E_MAX_CODE)
    return np.where(gate, E, 0).astype(np.int32)


def output_error_code(A, label: int, code) -> np.ndarray:
    """Output error code of ``softmax(z) - onehot(label)`` from the accumulators
    ``A`` (n,): base-2 exponents ``x = (min(max A - A, d_cap) x_mant) >> x_shift``,
    :func:`~lava_bioadam.engine.neuron.softmax_q`, minus ``2**SOFTMAX_P_BITS`` at
    the label, times ``e_mant >> e_shift``, saturated to +-127. int32."""
    A = np.asarray(A, dtype=np.int64)
    d = np.minimum(A.max() - A, code.d_cap)
    p = neuron.softmax_q(neuron.mul_shift(d, code.x_mant, code.x_shift))
    p[int(label)] -= 2 ** widths.SOFTMAX_P_BITS
    return np.clip(neuron.mul_shift(p, code.e_mant, code.e_shift),
                   -E_MAX_CODE, E_MAX_CODE).astype(np.int32)


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
        return np.clip(w, widths.W_MIN, widths.W_MAX - 1).astype(np.int32)
    return w


class Normaliser:
    """A population's running mean square and normalised codes (rule family ``n2``).

    code: its :class:`~lava_bioadam.rules.units.NormCode`. Fixed point: the integer
    microcode of :mod:`lava_bioadam.engine.neuron` on integer codes. Float: the same
    formulas in float64, codes of ``scale`` per unit of signal in, ``out_scale`` per
    unit of signal/RMS out, no rounding. ``step(c)`` is one sample's update (the
    ``count``-th); state ``s`` (``(n,)``) and ``count``.
    """

    def __init__(self, n: int, code, fixed: bool, scale: float = 1.0, out_scale: float = 1.0):
        self.code, self.fixed = code, bool(fixed)
        self.scale, self.out_scale = float(scale), float(out_scale)
        self.s = np.zeros(int(n), dtype=np.int64 if self.fixed else float)
        self.count = 0

    def step(self, c) -> np.ndarray:
        """Normalised codes of this sample's codes ``c`` (int32 if fixed)."""
        self.count += 1
        if self.fixed:
            self.s = neuron.mean_square_update(self.s, c, self.count, self.code.k)
            return neuron.normalised_code(c, self.s, self.code.eps_q, self.code.mant,
                                          self.code.shift)
        j = neuron.warmup_shift(self.count, self.code.k)
        c = np.asarray(c, dtype=float)
        self.s = self.s + (c * c - self.s) / 2.0 ** j
        return c / (np.sqrt(self.s) + self.code.eps * self.scale) * self.out_scale

    def codes_of(self, payload) -> np.ndarray:
        """The codes ``payload / 2`` of graded payloads ``2 c``."""
        payload = np.asarray(payload)
        return payload // 2 if self.fixed else payload / 2

    def payload(self, payload) -> np.ndarray:
        """One sample's normalised payload ``2 step(payload / 2)``."""
        return 2 * self.step(self.codes_of(payload))


def normalised_payloads(payloads, norm: Normaliser) -> np.ndarray:
    """The normalised payloads (:meth:`Normaliser.payload`) of a population's
    payloads ``(n_samples, n)`` in presentation order (the inputs' second payload,
    rule family ``n2``); advances ``norm``."""
    payloads = np.asarray(payloads)
    return np.stack([norm.payload(p) for p in payloads]) if len(payloads) else payloads.copy()


def _normaliser(n: int, code, fixed: bool, enc, signal: str):
    """The :class:`Normaliser` of ``n`` units of ``signal`` (``h`` or ``e``) coded by
    ``enc``, or None without ``code``."""
    if code is None:
        return None
    return Normaliser(n, code, fixed, getattr(enc, f"{signal}_scale"), enc.n_scale)


class HiddenUnits:
    """A hidden population of ``n`` clipped-ReLU units (plus a bias unit).

    enc_in: encoding of the forward connection into this layer (``W_l``) and of the
        feedback connection carrying this layer's error back (``B_l``): decodes
        ``a_in``, codes ``E``.
    enc_out: encoding of ``W_{l+1}`` / ``B_{l+1}``: codes ``H``, decodes ``fb_in``.
    code: the integer constants (``HiddenCode`` fields) of the fixed-point units;
        required if ``fixed``.
    norm: ``(act, err)`` normaliser constants (``NormCode``) of a family whose units
        send normalised codes (``n2``), else None: the activities (with the bias
        unit) and errors are then normalised (:class:`Normaliser`); the third factors
        carry the normalised codes ``Hn``, ``En``, and each payload is sent again,
        normalised, one step later (so the connections' ``x1`` holds it at the
        learning epoch; the dendritic sums of that step are not read).

    State: ``a`` the pre-activation of this sample (fixed: the accumulator ``A``,
    ``NEURON_ACC_BITS``; float: physical), ``H`` and ``E`` its codes (8 bits).
    """

    def __init__(self, n: int, t_sample: int, fwd_step: int, err_step: int, enc_in,
                 enc_out, fixed: bool, code=None, norm=None):
        self.n, self.t_sample = int(n), int(t_sample)
        self.fwd_step, self.err_step = int(fwd_step), int(err_step)
        self.enc_in, self.enc_out, self.fixed = enc_in, enc_out, bool(fixed)
        self.code = _unit_constants(self.fixed, code, "hidden", "a HiddenCode")
        self.zero_e, self.zero_y = _zero_signals(self.n, self.fixed)
        self.zero_s = np.zeros(self.n + 1, dtype=self.zero_e.dtype)
        self.a = self.zero_e.copy()
        self.H = self.zero_e.copy()
        self.E = self.zero_e.copy()
        act, err = norm if norm is not None else (None, None)
        self.norm_h = _normaliser(self.n + 1, act, self.fixed, enc_out, "h")
        self.norm_e = _normaliser(self.n, err, self.fixed, enc_in, "e")
        self.Hn, self.En = self.zero_s.copy(), self.zero_e.copy()

    def _forward(self, a_in):
        if self.fixed:
            self.a = accumulate(a_in).astype(np.int32)
            return activity_from_acc(self.a, self.code)
        self.a = decode_forward(a_in, self.enc_in)
        return activity_code(self.a, self.enc_out, False)

    def _error(self, fb_in):
        if self.fixed:
            return error_from_feedback(fb_in, relu_gate(self.a, self.code), self.code)
        grad = ((self.a > 0.0) & (self.a < 1.0)).astype(float)
        return error_code(grad * decode_feedback(fb_in, self.enc_out), self.enc_in)

    def step(self, k: int, a_in, fb_in):
        """Within-sample step ``k`` (1..T) with this step's inputs; returns
        ``(s_out (n+1,), e_out (n,), y_fwd (3, n), y_fb (3, n))``."""
        s_out, e_out = self.zero_s, self.zero_e
        norm = self.norm_h is not None
        if k == 1:
            self.H = self.zero_e.copy()
            self.E = self.zero_e.copy()
            self.Hn, self.En = self.zero_s.copy(), self.zero_e.copy()
        if k == self.fwd_step:
            self.H = self._forward(a_in)
            s_out = activity_payload(self.H, self.enc_out, self.fixed)
            if norm:
                self.Hn = self.norm_h.step(self.norm_h.codes_of(s_out))
        if norm and k == self.fwd_step + 1:
            s_out = (2 * self.Hn).astype(self.zero_s.dtype)
        if k == self.err_step:
            self.E = self._error(fb_in)
            e_out = (2 * self.E).astype(self.E.dtype)
            if norm:
                self.En = self.norm_e.step(self.E)
        if norm and k == self.err_step + 1:
            e_out = (2 * self.En).astype(self.zero_e.dtype)
        E, H = (self.En, self.Hn[:-1]) if norm else (self.E, self.H)
        y_fwd = (third_factors_error(E, self.enc_in, self.fixed) if k >= self.err_step
                 else self.zero_y)
        y_fb = (third_factors_activity(H, self.enc_out, self.fixed) if k >= self.fwd_step
                else self.zero_y)
        return s_out, e_out, y_fwd, y_fb


class OutputUnits:
    """The output population: softmax cross-entropy error ``softmax(z) - onehot``.

    enc: encoding of the forward connection into the output (``W_L``) and of the
        feedback ``B_L``. code: the integer constants (``OutputCode`` fields) of the
        fixed-point units, required if ``fixed``; they compute the error with
        :func:`output_error_code` (float units: the exact softmax). Records, per
        sample, the prediction ``argmax z`` and the loss ``-log softmax(z)[label]``
        (exact, a float diagnostic) of the forward pass before learning.
    norm: the errors' normaliser constants (``NormCode``, family ``n2``) or None: as
        :class:`HiddenUnits`' (third factors ``En``, the error payload sent again,
        normalised, one step later).
    """

    def __init__(self, n: int, t_sample: int, err_step: int, enc, fixed: bool, code=None,
                 norm=None):
        self.n, self.t_sample, self.err_step = int(n), int(t_sample), int(err_step)
        self.enc, self.fixed = enc, bool(fixed)
        self.code = _unit_constants(self.fixed, code, "output", "the OutputCode")
        self.zero_e, self.zero_y = _zero_signals(self.n, self.fixed)
        self.E = self.zero_e.copy()
        self.norm_e = _normaliser(self.n, norm, self.fixed, enc, "e")
        self.En = self.zero_e.copy()
        self.pred, self.loss = -1, float("nan")

    def step(self, k: int, a_in, label: int):
        """Returns ``(e_out (n,), y (3, n))``; sets ``pred`` and ``loss`` at the
        error step."""
        e_out = self.zero_e
        norm = self.norm_e is not None
        if k == 1:
            self.E = self.zero_e.copy()
            self.En = self.zero_e.copy()
        if norm and k == self.err_step + 1:
            e_out = (2 * self.En).astype(self.zero_e.dtype)
        if k == self.err_step:
            label = int(label)
            if self.fixed:
                A = accumulate(a_in)
                self.pred = int(np.argmax(A))
                self.E = output_error_code(A, label, self.code)
                p = softmax(decode_forward(A, self.enc))
            else:
                z = decode_forward(a_in, self.enc)
                self.pred = int(np.argmax(z))
                p = softmax(z)
                e = p.copy()
                e[label] -= 1.0
                self.E = error_code(e, self.enc)
            self.loss = float(-np.log(max(p[label], 1e-300)))
            e_out = (2 * self.E).astype(self.E.dtype)
            if norm:
                self.En = self.norm_e.step(self.E)
        y = (third_factors_error(self.En if norm else self.E, self.enc, self.fixed)
             if k >= self.err_step else self.zero_y)
        return e_out, y


def forward_batch(x, weights, encs, fixed: bool, units=None):
    """Batched forward pass of the coded network, the same arithmetic as the units.

    x: ``(n_samples, n_in)`` in [0, 1]; weights: connection-unit matrices
    ``W_l`` ``(n_l, n_{l-1} + 1)``; encs: their encodings; units: the integer
    constants of each layer's units (``NetworkRules.unit_codes()``), required if
    ``fixed``. Returns the physical output pre-activations ``(n_samples, n_out)``.
    """
    if fixed and units is None:
        raise ValueError("the fixed-point forward pass needs the units' integer constants")
    payload = input_payload(x, encs[0], fixed)
    for l, (w, enc) in enumerate(zip(weights, encs)):
        acc = payload.astype(np.int64 if fixed else float) @ np.asarray(w).T
        if fixed:
            acc = accumulate(acc)
        if l == len(weights) - 1:
            return decode_forward(acc, enc)
        if fixed:
            codes = activity_from_acc(acc, units[l])
        else:
            codes = activity_code(decode_forward(acc, enc), encs[l + 1], False)
        payload = activity_payload(codes, encs[l + 1], fixed)
    raise ValueError("no layers")


def evaluate(x, labels, weights, encs, fixed: bool, units=None) -> dict:
    """Test accuracy and mean cross-entropy of the coded network (``units``: as
    :func:`forward_batch`)."""
    z = forward_batch(x, weights, encs, fixed, units=units)
    p = softmax(z)
    labels = np.asarray(labels, dtype=int)
    loss = -np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-300))
    return {"accuracy": float((z.argmax(axis=1) == labels).mean()), "loss": float(loss.mean())}
