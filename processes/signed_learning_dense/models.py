"""fixed_pt and floating_pt models of :class:`SignedLearningDense`.

Both reuse Lava's ``LearningDense`` models and change only how a presynaptic graded
spike sets the presynaptic traces (positive part -> ``x1``, negative part -> ``x2``).
"""
import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import (PyLearningDenseModelBitApproximate,
                                    PyLearningDenseModelFloat)

from lava_bioadam.engine.widths import X_MAX
from lava_bioadam.processes.signed_learning_dense.process import SignedLearningDense


@implements(proc=SignedLearningDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySignedLearningDenseModelBitApproximate(PyLearningDenseModelBitApproximate):
    """Integer model: ``x1 = min(round(p/2), 127)`` for ``p > 0``, ``x2`` likewise
    for ``-p`` when ``p < 0`` (round half to even, as stock Lava)."""

    # The parent is registered for LearningDense; this subclass implements only
    # SignedLearningDense (Lava's decorator refuses to re-register otherwise).
    implements_process = None
    implements_protocol = None

    def _process_pre_spikes(self, s_in: np.ndarray) -> None:
        p = np.asarray(s_in).astype(np.int64)
        spiked = p != 0
        mag = np.minimum(np.round(np.abs(p) / 2), X_MAX).astype(int)
        pos, neg = p > 0, p < 0
        self.x1[spiked] = np.where(pos, mag, 0)[spiked]
        self.x2[spiked] = np.where(neg, mag, 0)[spiked]
        self.tx[spiked] = self._within_epoch_time_step()


@implements(proc=SignedLearningDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySignedLearningDenseModelFloat(PyLearningDenseModelFloat):
    """Float model: ``x1 = max(p, 0)/2``, ``x2 = max(-p, 0)/2`` on a spike."""

    implements_process = None
    implements_protocol = None

    def _process_pre_spikes(self, s_in: np.ndarray) -> None:
        p = np.asarray(s_in, dtype=float)
        spiked = p != 0
        self.x1[spiked] = np.maximum(p, 0.0)[spiked] / 2
        self.x2[spiked] = np.maximum(-p, 0.0)[spiked] / 2
        self.tx[spiked] = self._within_epoch_time_step()
