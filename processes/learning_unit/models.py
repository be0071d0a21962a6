"""floating_pt and fixed_pt models of :class:`SoftmaxLearningUnit`."""
import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_bioadam.fixed import neurons
from lava_bioadam.processes.learning_unit.process import SoftmaxLearningUnit
from lava_bioadam.rules.builder import Encoding


class _SoftmaxLearningUnitModel(PyLoihiProcessModel):
    FIXED = False

    def __init__(self, proc_params):
        super().__init__(proc_params)
        key = "fixed" if self.FIXED else "float"
        self._enc = Encoding(**proc_params["encodings"][key])
        self._ydtype = np.int32 if self.FIXED else float

    def run_spk(self):
        a = self.a_in.recv()
        t_sample = self.proc_params["t_sample"]
        k = (self.time_step - 1) % t_sample + 1
        s = (self.time_step - 1) // t_sample
        n = a.shape[0]
        y = np.zeros((3, n), dtype=self._ydtype)
        if k == self.proc_params["error_step"] and s < self.labels.shape[0]:
            self.z = neurons.decode_input(a, self._enc)
            e, pred = neurons.softmax_error(self.z, self.labels[s])
            self.pred[s] = pred
            y = neurons.encode_error(e, self._enc, self.FIXED)
        self.s_out_bap.send(np.zeros(n, dtype=bool))
        self.s_out_y1.send(y[0])
        self.s_out_y2.send(y[1])
        self.s_out_y3.send(y[2])


@implements(proc=SoftmaxLearningUnit, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySoftmaxLearningUnitFloat(_SoftmaxLearningUnitModel):
    """Float third factors."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    labels: np.ndarray = LavaPyType(np.ndarray, int)
    pred: np.ndarray = LavaPyType(np.ndarray, int)
    z: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=SoftmaxLearningUnit, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySoftmaxLearningUnitFixed(_SoftmaxLearningUnitModel):
    """Integer third factors, -128..127 (bap off)."""

    FIXED = True
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=8)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=8)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=8)
    labels: np.ndarray = LavaPyType(np.ndarray, int)
    pred: np.ndarray = LavaPyType(np.ndarray, int)
    z: np.ndarray = LavaPyType(np.ndarray, float)
