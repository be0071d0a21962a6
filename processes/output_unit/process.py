"""Output learning units of a network: softmax readout, error sent back."""
import numpy as np

from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var


class OutputLearningUnit(AbstractProcess):
    """Output layer of ``n`` units with softmax cross-entropy, for networks.

    At ``err_step`` of sample ``s`` it decodes ``z`` from ``a_in``, stores
    ``argmax z`` in ``pred[s]`` and the loss in ``loss[s]``, computes
    ``e = softmax(z) - onehot(labels[s])``, sends it as signed graded spikes on
    ``e_out`` (to the feedback connection ``B_L``) and holds the third factors
    ``y1 = E+``, ``y2 = E-``, ``y3 = G`` (predisposition gain) on ``s_out_y1..y3``
    to the end of the sample (``bap`` False). See ``lava_bioadam.codes``.

    shape: ``(n,)``; labels: ``(n_samples,)``; encodings: ``{"fixed", "float"}``
    dicts with ``h_scale``, ``e_scale``, ``w_scale`` of ``W_L``. constants: the
    integer constants of the ``fixed_pt`` model (``OutputCode.as_dict()`` of
    ``NetworkRules.unit_codes()[-1]``), which computes in integers only. norm: rule
    family ``n2``: the ``NormCode.as_dict()`` of the errors (third factors carry
    normalised codes, the error payload is sent again, normalised, one step later);
    None: plain codes.
    """

    def __init__(self, *, shape, labels, t_sample: int, err_step: int, encodings: dict,
                 constants: dict | None = None, norm: dict | None = None, name=None):
        labels = np.asarray(labels, dtype=int)
        super().__init__(shape=shape, t_sample=int(t_sample), err_step=int(err_step),
                         encodings=encodings, constants=constants, norm=norm, name=name)
        self.a_in = InPort(shape=shape)
        self.e_out = OutPort(shape=shape)
        self.s_out_bap = OutPort(shape=shape)
        self.s_out_y1 = OutPort(shape=shape)
        self.s_out_y2 = OutPort(shape=shape)
        self.s_out_y3 = OutPort(shape=shape)
        self.labels = Var(shape=labels.shape, init=labels)
        self.pred = Var(shape=labels.shape, init=-1)
        self.loss = Var(shape=labels.shape, init=0.0)
