"""Rules and schedule of a whole network from one set of physical hyperparameters.

A network ``sizes = (n_0, ..., n_L)`` has forward connections ``W_l`` (shape
``(n_l, n_{l-1} + 1)``, last column from the always-on bias unit) and, for
``l >= 2``, feedback connections ``B_l`` (shape ``(n_{l-1}, n_l)``):
``predisposition`` makes ``B_l`` the learning twin of ``W_l`` (same constants, the
``-lam w`` term on both); ``alignment`` makes it a fixed ``Dense``. A single
learning layer is the network ``(n_0, n_1)``.

Schedule (``T = 2 L`` steps per sample, one learning epoch per sample): the input
is sent at step 1, hidden layer ``l`` receives ``W_l h_{l-1}`` and sends ``h_l`` at
step ``l + 1``, the output computes its error at step ``L + 1`` and hidden layer
``l`` receives ``B_{l+1} e_{l+1}`` at step ``2 L + 1 - l``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from lava_bioadam.errors import RuleError
from lava_bioadam.rules.n1 import build_n1
from lava_bioadam.rules.n2 import build_n2
from lava_bioadam.rules.params import RuleParams
from lava_bioadam.rules.sgd import build_momentum, build_sgd
from lava_bioadam.rules.units import hidden_code, norm_code, output_code

FEEDBACK = ("predisposition", "alignment")
#: rule family (``RuleParams.rule``) -> builder ``(params, role) -> LayerRules``
BUILDERS = {"n1": build_n1, "momentum": build_momentum, "sgd": build_sgd, "n2": build_n2}


def build_rules(params: RuleParams, role: str = "forward"):
    """The :class:`~lava_bioadam.rules.layer.LayerRules` of one connection in
    ``role`` ("forward" or "feedback") for the family ``params.rule``."""
    if params.rule not in BUILDERS:
        raise RuleError(f"rules.rule {params.rule} runs on the float64 reference only "
                        f"(--backend reference); the fixed-point backends take "
                        f"{', '.join(BUILDERS)}")
    return BUILDERS[params.rule](params, role)


def schedule(n_layers: int) -> dict:
    """Steps (1-based, within a sample) of a network with ``n_layers`` weight layers:
    ``t_sample``, ``fwd_step[l]`` and ``err_step[l]`` for units of layer ``l``
    (1..L; layer L is the output)."""
    L = int(n_layers)
    return {"t_sample": 2 * L,
            "fwd_step": {l: l + 1 for l in range(1, L + 1)},
            "err_step": {l: 2 * L + 1 - l for l in range(1, L + 1)}}


@dataclass
class NetworkRules:
    """Rules of every connection of a network; ``feedback[0]`` is None (the first
    layer's errors go nowhere), and all of ``feedback`` is None for alignment."""

    sizes: tuple
    mode: str
    forward: list
    feedback: list
    schedule: dict

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def t_sample(self) -> int:
        return self.schedule["t_sample"]

    def feedback_products(self, l: int) -> tuple:
        """The products of feedback connection ``B_{l+1}`` (index ``l`` of
        ``feedback``, ``l >= 1``); empty where it does not learn (alignment)."""
        return self.feedback[l].products if self.feedback[l] else ()

    def learning_products(self) -> list:
        """The products of every connection: ``W_1..W_L``, then ``B_2..B_L``
        (:meth:`feedback_products`)."""
        return ([r.products for r in self.forward]
                + [self.feedback_products(l) for l in range(1, self.n_layers)])

    def encodings(self, precision: str) -> list:
        """Encoding of each forward connection (``"fixed"`` or ``"float"``)."""
        return [getattr(r, precision) for r in self.forward]

    def unit_codes(self) -> list:
        """Integer constants of the fixed-point units of layers ``1..L`` (index
        ``l - 1``): :class:`~lava_bioadam.rules.units.HiddenCode` of each hidden
        layer, :class:`~lava_bioadam.rules.units.OutputCode` of the output."""
        encs = self.encodings("fixed")
        L = self.n_layers
        return ([hidden_code(encs[l - 1], encs[l], f"hidden layer {l}") for l in range(1, L)]
                + [output_code(encs[-1], self.sizes[-1])])

    def norm_codes(self) -> dict | None:
        """The units' normaliser constants (:class:`~lava_bioadam.rules.units.NormCode`)
        where the family's units send normalised codes (``n2``), else None:
        ``{"act": [...], "err": [...]}``, index ``l - 1`` for ``W_l``: ``act`` of its
        presynaptic activities (layer ``l - 1``; 0 the inputs), ``err`` of its
        postsynaptic errors (layer ``l``). ``B_l`` uses ``W_l``'s, its twin."""
        if self.forward[0].family != "n2":
            return None
        act = [norm_code(r.params.eps, r.params.tau_n, r.fixed.h_scale,
                         f"layer {l} activity") for l, r in enumerate(self.forward)]
        err = [norm_code(r.params.eps, r.params.tau_n, r.fixed.e_scale,
                         f"layer {l + 1} error") for l, r in enumerate(self.forward)]
        return {"act": act, "err": err}

    def check_inputs(self, x, labels) -> None:
        """``ValueError`` unless ``x`` is ``(n, n_0)`` in [0, 1] and ``labels``
        ``(n,)`` integers in ``0..n_L-1``."""
        x, labels = np.asarray(x), np.asarray(labels)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"inputs must have shape (n_samples, {self.sizes[0]}) for "
                             f"network {list(self.sizes)}, got {x.shape}")
        if labels.shape != (x.shape[0],):
            raise ValueError(f"need one label per sample: {x.shape[0]} samples, labels "
                             f"of shape {labels.shape}")
        if x.size and (not np.isfinite(x).all() or x.min() < 0 or x.max() > 1):
            raise ValueError("inputs must be finite activities in [0, 1]")
        if labels.size and (labels.min() < 0 or labels.max() >= self.sizes[-1]
                            or not np.issubdtype(labels.dtype, np.integer)):
            raise ValueError(f"labels must be integers in 0..{self.sizes[-1] - 1}")


def build_network_rules(params: RuleParams, sizes, mode: str = "predisposition") -> NetworkRules:
    """Forward and feedback rules of a network; ``lam`` applies to the twins only
    (``W_l``, ``B_l``, l >= 2); ``params.layers`` changes single layers (a layer
    and its feedback twin alike)."""
    if mode not in FEEDBACK:
        raise RuleError(f"feedback must be one of {list(FEEDBACK)} on Loihi, got {mode!r}")
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise RuleError(f"a network needs at least two layer sizes >= 1, got {list(sizes)}")
    L = len(sizes) - 1
    if params.layers and len(params.layers) > L:
        raise RuleError(f"rules.layers has {len(params.layers)} entries but network "
                        f"{list(sizes)} has {L} layers")
    sched = schedule(L)
    forward, feedback = [], [None]
    for l in range(1, L + 1):
        base = dataclasses.replace(params.for_layer(l - 1), t_epoch=sched["t_sample"])
        no_lam = dataclasses.replace(base, lam=0.0)
        twin = mode == "predisposition" and l >= 2
        forward.append(build_rules(base if twin else no_lam, "forward"))
        if l >= 2:
            feedback.append(build_rules(base, "feedback") if twin else None)
    nr = NetworkRules(sizes, mode, forward, feedback, sched)
    nr.unit_codes()  # RuleError now if the units' integer constants do not fit
    nr.norm_codes()
    return nr
