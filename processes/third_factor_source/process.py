"""Replays stored third factors to a three-factor learning connection."""
import numpy as np

from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var


class ThirdFactorSource(AbstractProcess):
    """Post-synaptic stand-in: at time step ``k`` (1-based) sends ``y[k - 1]`` on
    ``s_out_y1..y3`` and ``bap[k - 1]`` on ``s_out_bap`` (default ``False``, so
    negative values survive); after the stored steps it sends zeros. Drives a ``LearningDense`` in isolation (tests,
    bit-exactness checks, a user's own error signal).

    y: ``(n_steps, 3, n)`` third factors (ints -128..127 for fixed_pt).
    bap: optional ``(n_steps, n)`` post spikes (bool); default none.
    """

    def __init__(self, *, y: np.ndarray, bap: np.ndarray | None = None, name=None):
        y = np.asarray(y)
        if y.ndim != 3 or y.shape[1] != 3:
            raise ValueError(f"y must have shape (n_steps, 3, n), got {y.shape}")
        bap = np.zeros((y.shape[0], y.shape[2]), dtype=bool) if bap is None else \
            np.asarray(bap, dtype=bool)
        if bap.shape != (y.shape[0], y.shape[2]):
            raise ValueError(f"bap must have shape {(y.shape[0], y.shape[2])}, got "
                             f"{bap.shape}")
        super().__init__(name=name)
        n = y.shape[2]
        self.s_out_bap = OutPort(shape=(n,))
        self.s_out_y1 = OutPort(shape=(n,))
        self.s_out_y2 = OutPort(shape=(n,))
        self.s_out_y3 = OutPort(shape=(n,))
        self.y = Var(shape=y.shape, init=y)
        self.bap = Var(shape=bap.shape, init=bap)
