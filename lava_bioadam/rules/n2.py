"""Rule family N2 on the engine: per-neuron RMS normalisers in the units, momentum
in the synapses.

Physics (time unit: one sample)::

    s_i      running mean square of unit i's own signal (activity or error),
             tau_n = 2^k samples (the first 2^k samples: their mean, approximately)
    sig_n    = sig / (sqrt(s) + eps), sent as a 7-bit code over +-NORM_CODE_MAX
    tau_m dm/dt = pre_n post_n - m        first moment, in tag_1 ``t``
    dw/dt       = -eta m - lam w          (``lam`` on twins only)

The units (:class:`lava_bioadam.codes.Normaliser`) compute ``s`` and ``sig_n`` in
integers (:func:`lava_bioadam.engine.neuron.normalised_code`); the synapses run
the ``momentum`` products (:func:`lava_bioadam.rules.sgd.momentum_rules`) on the
normalised traces: ``x1`` holds the presynaptic unit's normalised activity (or
error, feedback twin), which each unit sends again one step after its plain
payload; ``y1``/``y2`` the postsynaptic unit's normalised error (or activity). The
plain payloads still drive the dendritic sums, so the forward and backward passes
are N1's.

``m_max`` is in units of the normalised code's range (the tag saturates at
``m_max * NORM_CODE_MAX``; default 0.25: at 4, in units of RMS^2); ``e_max`` sets
the units' plain error code, as in the other families; ``tau_n`` is rounded to a
power of two.
"""
from __future__ import annotations

import dataclasses
import math

from lava_bioadam.engine import widths
from lava_bioadam.errors import RuleError
from lava_bioadam.rules.layer import LayerRules
from lava_bioadam.rules.params import RuleParams
from lava_bioadam.rules.sgd import momentum_rules

#: normalised trace codes per unit of signal/RMS
N_SCALE = widths.X_MAX / widths.NORM_CODE_MAX


def tau_n_shift(tau_n: float) -> int:
    """``k`` with ``2**k`` nearest ``tau_n`` (log scale); ``RuleError`` outside
    ``1..2**NORM_TAU_SHIFT_MAX``."""
    k = round(math.log2(tau_n))
    if not 0 <= k <= widths.NORM_TAU_SHIFT_MAX:
        raise RuleError(f"rules.tau_n={tau_n:g}: the units' mean square runs over 2^k "
                        f"samples, k in 0..{widths.NORM_TAU_SHIFT_MAX} (1..4096)")
    return k


def build_n2(p: RuleParams, role: str = "forward") -> LayerRules:
    """Constants, encodings and effective values of the engine's N2 for one twin
    role (the units' normaliser constants: :func:`lava_bioadam.rules.units.norm_code`)."""
    k = tau_n_shift(p.tau_n)
    # r_max 8: where eta is below the exact weight product's smallest constant, the
    # momentum rule's t d product with d = 32 reaches 8 times lower rates
    q = dataclasses.replace(p, r0=1.0, r_max=8.0, m_max=p.m_max * widths.NORM_CODE_MAX)
    r = momentum_rules(q, role, "n2", n_scale=N_SCALE)
    effective = {"eta": r.effective["eta"], "tau_m": r.effective["tau_m"],
                 "tau_n": float(2 ** k), "eps": p.eps, "lam": r.effective["lam"],
                 "e_max": r.effective["e_max"],
                 "m_max": r.effective["m_max"] / widths.NORM_CODE_MAX,
                 "w_max": r.effective["w_max"]}
    return dataclasses.replace(r, params=p, effective=effective)
