"""Float64 reference optimizers (level L0), one object per weight matrix.

Every optimizer sees only what a synapse can see: the presynaptic factor ``pre``
(shape ``(n_pre,)``) and the postsynaptic factor ``post`` (shape ``(n_post,)``)
of the sample; the local gradient is ``g = outer(post, pre)`` (shape
``(n_post, n_pre)``, same as the weight matrix). ``step(w, pre, post)`` returns the
updated weights and keeps the synaptic state (``m``, ``v``, ``r``...) on the object.

Time is measured in samples: a sample is presented for ``dt`` (default 1) and the
gradient is constant while it is presented. The continuous-time rules integrate
their ODEs with ``substeps`` Euler steps per sample.

``order`` selects the Euler scheme of the continuous-time rules:

* ``"semi_implicit"``: state (m, v, r) first, then w with the new state. With one
  step per sample this is exactly textbook Adam's order.
* ``"explicit"``: every variable from the values before the step. This is what a
  Loihi learning epoch computes (``dw``, ``dt``, ``dd`` all read pre-epoch values).

``lam`` is the predisposition rate (1/sample): ``dw/dt`` gains ``-lam * w``.
``lam_mask`` (same shape as w, or broadcastable) limits it to synapses that have a
feedback twin (e.g. not bias synapses).
"""
from __future__ import annotations

import numpy as np

ORDERS = ("semi_implicit", "explicit")


class Optimizer:
    """Base class: state lives on the object; ``step`` returns new weights."""

    def __init__(self, shape: tuple[int, int], lam: float = 0.0, lam_mask=None):
        self.shape = tuple(shape)
        self.lam = float(lam)
        self.lam_mask = 1.0 if lam_mask is None else np.asarray(lam_mask, dtype=float)
        self.t = 0  # samples seen

    def step(self, w: np.ndarray, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _decay(self, w: np.ndarray) -> np.ndarray:
        """Predisposition term ``-lam * w`` per unit time (masked)."""
        return -self.lam * self.lam_mask * w


def _check_order(order: str) -> str:
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    return order


class SGD(Optimizer):
    """Plain stochastic gradient descent: ``w -= lr * g``."""

    def __init__(self, shape, lr: float, lam: float = 0.0, lam_mask=None):
        super().__init__(shape, lam, lam_mask)
        self.lr = float(lr)

    def step(self, w, pre, post):
        self.t += 1
        g = np.outer(post, pre)
        return w - self.lr * g + self._decay(w)


class Adam(Optimizer):
    """Textbook Adam (Kingma & Ba 2014), the ``torch.optim.Adam`` formula.

    ``w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)``
    (without bias correction both factors are 1).
    """

    def __init__(self, shape, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, bias_correction: bool = True, lam: float = 0.0,
                 lam_mask=None):
        super().__init__(shape, lam, lam_mask)
        self.lr, self.beta1, self.beta2, self.eps = float(lr), float(beta1), float(beta2), float(eps)
        self.bias_correction = bool(bias_correction)
        self.m = np.zeros(self.shape)
        self.v = np.zeros(self.shape)

    def step(self, w, pre, post):
        self.t += 1
        g = np.outer(post, pre)
        self.m = self.beta1 * self.m + (1.0 - self.beta1) * g
        self.v = self.beta2 * self.v + (1.0 - self.beta2) * g * g
        bc1 = 1.0 - self.beta1 ** self.t if self.bias_correction else 1.0
        bc2 = 1.0 - self.beta2 ** self.t if self.bias_correction else 1.0
        denom = np.sqrt(self.v) / np.sqrt(bc2) + self.eps
        return w - (self.lr / bc1) * self.m / denom + self._decay(w)


class _ContinuousTime(Optimizer):
    """Shared sub-stepping of the continuous-time synaptic rules.

    Subclasses implement ``_state_rates(pre, post)`` (d(state)/dt for the sample's
    constant gradient, as a dict of state name -> rate; or override ``_advance``)
    and ``_weight_rate(w)`` from the current state.
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, shape, eta: float, dt: float = 1.0, substeps: int = 1,
                 order: str = "semi_implicit", lam: float = 0.0, lam_mask=None):
        super().__init__(shape, lam, lam_mask)
        if substeps < 1:
            raise ValueError(f"substeps must be >= 1, got {substeps}")
        self.eta, self.dt, self.substeps = float(eta), float(dt), int(substeps)
        self.order = _check_order(order)
        self.steps = 0  # Euler steps taken (drives the global bias-correction gains)

    @property
    def h(self) -> float:
        """Euler step (samples)."""
        return self.dt / self.substeps

    def step(self, w, pre, post):
        self.t += 1
        pre = np.asarray(pre, dtype=float)
        post = np.asarray(post, dtype=float)
        h = self.h
        for _ in range(self.substeps):
            if self.order == "explicit":
                dw = self._weight_rate(w) + self._decay(w)
                self._advance(pre, post, h)
                w = w + h * dw
            else:
                self._advance(pre, post, h)
                w = w + h * (self._weight_rate(w) + self._decay(w))
        return w

    def _advance(self, pre, post, h):
        self.steps += 1
        for name, rate in self._state_rates(pre, post).items():
            setattr(self, name, getattr(self, name) + h * rate)

    @staticmethod
    def gain(tau: float, h: float, steps: int) -> float:
        """Global bias-correction gain: a unit that integrates ``tau dc/dt = 1 - c``
        from 0 with the same Euler steps; ``1 - (1 - h/tau)^steps``, -> 1 - exp(-t/tau)."""
        return 1.0 - (1.0 - h / tau) ** steps


class SynapticAdam(_ContinuousTime):
    """Synaptic Adam in continuous time (docs/model.md).

    ``tau_m dm/dt = g - m``, ``tau_v dv/dt = g^2 - v``,
    ``dw/dt = -eta * m_hat / (sqrt(v_hat) + eps)`` (``- lam w``).
    One semi-implicit Euler step per sample with ``beta1 = 1 - dt/tau_m``,
    ``beta2 = 1 - dt/tau_v`` and ``lr = eta * dt`` is textbook Adam.
    """

    def __init__(self, shape, eta: float, tau_m: float = 10.0, tau_v: float = 1000.0,
                 eps: float = 1e-8, bias_correction: bool = True, **kw):
        super().__init__(shape, eta, **kw)
        self.tau_m, self.tau_v, self.eps = float(tau_m), float(tau_v), float(eps)
        self.bias_correction = bool(bias_correction)
        self.m = np.zeros(self.shape)
        self.v = np.zeros(self.shape)

    @classmethod
    def from_adam(cls, shape, lr, beta1=0.9, beta2=0.999, eps=1e-8, dt=1.0, **kw):
        """The continuous-time rule whose one-step-per-sample Euler is ``Adam(lr, ...)``."""
        return cls(shape, eta=lr / dt, tau_m=dt / (1.0 - beta1), tau_v=dt / (1.0 - beta2),
                   eps=eps, dt=dt, **kw)

    def _state_rates(self, pre, post):
        g = np.outer(post, pre)
        return {"m": (g - self.m) / self.tau_m, "v": (g * g - self.v) / self.tau_v}

    def _weight_rate(self, w):
        if self.bias_correction and self.steps > 0:
            c1 = self.gain(self.tau_m, self.h, self.steps)
            c2 = self.gain(self.tau_v, self.h, self.steps)
        else:
            c1 = c2 = 1.0
        return -self.eta / c1 * self.m / (np.sqrt(self.v) / np.sqrt(c2) + self.eps)


class SynapticN1(_ContinuousTime):
    """N1, synaptic homeostasis normaliser (docs/model.md), per synapse.

    ``tau_m dm/dt = g - m`` and ``dw/dt = -eta * m * r`` (``- lam w``), with the
    normaliser ``r`` (1/gradient units, starts at ``r0``) in one of two forms:

    * ``linear``: ``tau_r dr/dt = 1 - r (|g| + eps)``. Relaxes with
      time constant ``tau_r / (|g| + eps)`` and grows at most ``1/tau_r`` per sample,
      so reaching ``1/|g|`` for a small gradient takes ``~tau_r/|g|`` samples.
    * ``multiplicative``: ``tau_r dr/dt = r (1 - r (|g| + eps))`` (synaptic scaling
      is multiplicative). Same fixed point, relaxes with ``tau_r`` whatever the
      gradient's scale and grows geometrically, so it adapts across orders of
      magnitude; needs ``r0 > 0`` and ``tau_r`` of several samples for stability.
      ``r_min`` adds a constant drive ``r_min / tau_r`` (so ``r = 0`` is not
      absorbing); ``r`` is clipped at 0, as the engine's unsigned ``d``.

    * ``frozen``: ``r`` stays at ``r0``: momentum SGD with rate ``eta r0`` (the
      baseline that isolates the normaliser).

    Both adaptive forms settle at ``r = 1/(E|g| + eps)`` for slowly varying
    statistics. No division: Loihi-expressible (``d`` holds ``r``).
    """

    FORMS = ("linear", "multiplicative", "frozen")

    def __init__(self, shape, eta: float, tau_m: float = 10.0, tau_r: float = 10.0,
                 eps: float = 1e-2, r0: float = 0.0, form: str = "linear",
                 r_min: float = 0.0, **kw):
        super().__init__(shape, eta, **kw)
        self.r_min = float(r_min)
        if form not in self.FORMS:
            raise ValueError(f"N1 form must be one of {self.FORMS}, got {form!r}")
        if form == "multiplicative" and r0 <= 0:
            raise ValueError("multiplicative N1 needs r0 > 0 (r = 0 is a fixed point)")
        self.tau_m, self.tau_r, self.eps, self.form = float(tau_m), float(tau_r), float(eps), form
        self.m = np.zeros(self.shape)
        self.r = np.full(self.shape, float(r0))

    def _state_rates(self, pre, post):
        g = np.outer(post, pre)
        drive = 1.0 - self.r * (np.abs(g) + self.eps)
        if self.form == "frozen":
            drive = 0.0 * drive
        elif self.form == "multiplicative":
            drive = self.r * drive + self.r_min
        return {"m": (g - self.m) / self.tau_m, "r": drive / self.tau_r}

    def _advance(self, pre, post, h):
        super()._advance(pre, post, h)
        if self.form == "multiplicative":   # as the engine's d >= 0 (Euler may undershoot)
            self.r = np.maximum(self.r, 0.0)

    def _weight_rate(self, w):
        return -self.eta * self.m * self.r


class SynapticN2(_ContinuousTime):
    """N2, factored RMS normaliser (docs/model.md), per neuron.

    Each neuron keeps a running mean square of its own signal,
    ``tau_n ds/dt = signal^2 - s``, and sends ``signal / (sqrt(s_hat) + eps)``
    (``s_hat = s / c``, c the global bias-correction gain when enabled). Synapses
    integrate ``tau_m dm/dt = pre_n * post_n - m`` and ``dw/dt = -eta * m`` (``- lam w``).
    Equals Adam's per-synapse normaliser when activity and error are uncorrelated.

    ``warmup``: instead of the bias correction, the mean square weighs the ``k``-th
    sample by ``1 / min(2**ceil(log2 k), tau_n)`` (the mean of the samples so far,
    approximately, until ``tau_n``): what the engine's integer units compute
    (``tau_n`` a power of two there).

    ``code``: ``(code_max, levels)``: each neuron sends its normalised signal as a
    signed integer code over ``+-code_max`` (``round(v levels / code_max)``, clipped
    to ``+-levels``, and at least one level where the signal is not 0: a 0 payload is
    no spike), as the engine's units send it (``levels`` 127: 7 bits); None
    (default): exact float64.
    """

    def __init__(self, shape, eta: float, tau_m: float = 10.0, tau_n: float = 1000.0,
                 eps: float = 1e-8, bias_correction: bool = True, code: tuple | None = None,
                 warmup: bool = False, **kw):
        super().__init__(shape, eta, **kw)
        self.tau_m, self.tau_n, self.eps = float(tau_m), float(tau_n), float(eps)
        self.bias_correction = bool(bias_correction) and not warmup
        self.warmup = bool(warmup)
        if code is not None and not (code[0] > 0 and int(code[1]) >= 1):
            raise ValueError(f"code must be (code_max > 0, levels >= 1) or None, got {code!r}")
        self.code = code
        n_post, n_pre = self.shape
        self.m = np.zeros(self.shape)
        self.s_pre = np.zeros(n_pre)
        self.s_post = np.zeros(n_post)

    def _normalised(self, signal, s):
        c = self.gain(self.tau_n, self.h, self.steps) if self.bias_correction else 1.0
        v = signal / (np.sqrt(s / c) + self.eps)
        if self.code is None:
            return v
        top, levels = self.code
        q = levels / top
        n = np.clip(np.round(v * q), -levels, levels)
        return np.where((n == 0) & (signal != 0), np.sign(signal), n) / q

    def _advance(self, pre, post, h):
        # Neurons first: each updates its mean square and sends its normalised
        # signal; synapses then integrate the product of the two normalised signals.
        self.steps += 1
        if self.warmup:     # the k-th step weighs 2**-ceil(log2 k) until that is h/tau_n
            rate = max(h / self.tau_n, 2.0 ** -(self.steps - 1).bit_length())
            self.s_pre = self.s_pre + rate * (pre * pre - self.s_pre)
            self.s_post = self.s_post + rate * (post * post - self.s_post)
        else:
            self.s_pre = self.s_pre + h * (pre * pre - self.s_pre) / self.tau_n
            self.s_post = self.s_post + h * (post * post - self.s_post) / self.tau_n
        prod = np.outer(self._normalised(post, self.s_post), self._normalised(pre, self.s_pre))
        self.m = self.m + h * (prod - self.m) / self.tau_m

    def _weight_rate(self, w):
        return -self.eta * self.m


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "synaptic_adam": SynapticAdam,
              "n1": SynapticN1, "n2": SynapticN2}


def make_optimizer(name: str, shape, **params) -> Optimizer:
    """Build an optimizer by config name (``sgd``, ``adam``, ``synaptic_adam``, ``n1``, ``n2``)."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}") from None
    return cls(shape, **params)
