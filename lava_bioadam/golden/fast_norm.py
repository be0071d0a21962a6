"""Compiled (numba) normaliser of the units of rule family ``n2``
(:class:`lava_bioadam.codes.Normaliser` in fixed point), for the generated network
step of :mod:`lava_bioadam.golden.fast`. A module of its own: only the ``n2``
modules import it, so the compiled code of the other families does not change."""
from __future__ import annotations

import numpy as np
from numba import njit

from lava_bioadam.engine import neuron
from lava_bioadam.engine import widths

_X_MAX = widths.X_MAX
_MS_FRAC = widths.NORM_MS_FRAC
_N, _K = neuron.N, neuron.K
_SUM_BITS = widths.SOFTMAX_SUM_BITS
_RECIP = neuron.RECIP.copy()


@njit(cache=True, inline="always")
def _normalised(c, s, eps_q, mant, shift):
    """``neuron.normalised_code`` of one code ``c`` with mean square ``s`` (int64)."""
    root = np.int64(0)
    for b in range(15, -1, -1):
        t = root | (np.int64(1) << b)
        if t * t <= s:
            root = t
    den = root + eps_q
    lead = 0
    for b in range(1, _SUM_BITS):
        if (den >> b) > 0:
            lead += 1
    dn = den >> (lead - _N) if lead >= _N else den << (_N - lead)
    r0 = _RECIP[(dn >> (_N - _K)) - (1 << _K)]
    t = (dn * r0) >> _N
    rr = (r0 * ((np.int64(2) << _N) - t) + (np.int64(1) << (_N - 1))) >> _N
    sh = _N + lead + shift
    v = (np.int64(c) * mant * rr + ((np.int64(1) << sh) >> 1)) >> sh
    v = min(max(v, -_X_MAX), _X_MAX)
    if v == 0 and c != 0:
        v = 1 if c > 0 else -1
    return v


@njit(cache=True)
def norm_send(k, step, src, half, s, count, tau_shift, eps_q, mant, shift, out, buf):
    """A population's normaliser at step ``k``: at ``step`` the codes of ``src (n, R)``
    (``src >> 1`` where ``half``: payloads ``2 H``) update the mean squares ``s``
    (int64, the ``count``-th update) and give the normalised codes ``out``; at
    ``step + 1`` it sends them, ``buf = 2 out``, and returns True."""
    n, R = out.shape
    if k == step:
        j = 0
        while j < tau_shift and (np.int64(1) << j) < count:
            j += 1
        for i in range(n):
            for r in range(R):
                c = np.int64(src[i, r] >> 1) if half else np.int64(src[i, r])
                sv = s[i, r]
                sv = sv + ((((c * c) << _MS_FRAC) - sv + ((np.int64(1) << j) >> 1)) >> j)
                s[i, r] = sv
                out[i, r] = _normalised(c, sv, eps_q, mant, shift)
    if k == step + 1:
        for i in range(n):
            for r in range(R):
                buf[i, r] = 2 * out[i, r]
        return True
    return False
