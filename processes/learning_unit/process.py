"""Postsynaptic learning units: compute the error locally, send third factors."""
import numpy as np

from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var


class SoftmaxLearningUnit(AbstractProcess):
    """Output population with softmax readout that teaches its input synapses.

    Each step it receives the dendritic input ``a_in`` (``W p`` in connection
    units). At step ``error_step`` of sample ``s`` it decodes ``z = a / a_scale``,
    computes ``e = softmax(z) - onehot(labels[s])``, stores ``argmax(z)`` in
    ``pred[s]`` and sends ``y1 = e``, ``y2 = |e|`` (scaled, see
    ``lava_bioadam.fixed.neurons.encode_error``) and ``y3 = 0``; at the other steps
    ``y = 0``. ``s_out_bap`` is always False (so negative ``y`` survive). All four
    learning ports are sent every step (a ``LearningDense`` blocks otherwise).

    shape: ``(n,)``. labels: ``(n_samples,)`` ints. encodings: dict with keys
    ``fixed`` and ``float``, each a dict of ``rules.Encoding`` fields.
    t_sample: steps per sample. error_step: 1-based step within the sample.
    Vars: ``labels``, ``pred`` (-1 until computed), ``z`` (last decoded input).
    """

    def __init__(self, *, shape, labels, encodings: dict, t_sample: int,
                 error_step: int, name=None):
        labels = np.asarray(labels, dtype=int)
        super().__init__(shape=shape, encodings=encodings, t_sample=int(t_sample),
                         error_step=int(error_step), name=name)
        self.a_in = InPort(shape=shape)
        self.s_out_bap = OutPort(shape=shape)
        self.s_out_y1 = OutPort(shape=shape)
        self.s_out_y2 = OutPort(shape=shape)
        self.s_out_y3 = OutPort(shape=shape)
        self.labels = Var(shape=labels.shape, init=labels)
        self.pred = Var(shape=labels.shape, init=-1)
        self.z = Var(shape=shape, init=0)
