"""floating_pt and fixed_pt models of :class:`OutputLearningUnit`; the arithmetic
is :class:`lava_bioadam.codes.OutputUnits`, shared with the golden model."""
from types import SimpleNamespace

import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_bioadam.engine import widths
from lava_bioadam.codes import OutputUnits
from lava_bioadam.processes.output_unit.process import OutputLearningUnit


class _OutputModel(PyLoihiProcessModel):
    FIXED = False

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        enc = SimpleNamespace(**p["encodings"]["fixed" if self.FIXED else "float"])
        code, norm = p.get("constants"), p.get("norm")
        self._units = OutputUnits(p["shape"][0], p["t_sample"], p["err_step"], enc,
                                  self.FIXED, None if code is None else SimpleNamespace(**code),
                                  None if norm is None else SimpleNamespace(**norm))

    def run_spk(self):
        a_in = self.a_in.recv()
        u = self._units
        k = (self.time_step - 1) % u.t_sample + 1
        s = (self.time_step - 1) // u.t_sample
        n_samples = self.labels.shape[0]
        label = self.labels[s] if s < n_samples else 0
        e_out, y = u.step(k, a_in, label)
        if k == u.err_step and s < n_samples:
            self.pred[s] = u.pred
            self.loss[s] = u.loss
        self.e_out.send(e_out)
        self.s_out_bap.send(np.zeros(u.n, dtype=bool))
        self.s_out_y1.send(y[0])
        self.s_out_y2.send(y[1])
        self.s_out_y3.send(y[2])


@implements(proc=OutputLearningUnit, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyOutputLearningUnitFloat(_OutputModel):
    """Float codes (no rounding)."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    labels: np.ndarray = LavaPyType(np.ndarray, int)
    pred: np.ndarray = LavaPyType(np.ndarray, int)
    loss: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=OutputLearningUnit, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyOutputLearningUnitFixed(_OutputModel):
    """Integer codes: payload ``2 E``, third factors 0..127."""

    FIXED = True
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    labels: np.ndarray = LavaPyType(np.ndarray, int)
    pred: np.ndarray = LavaPyType(np.ndarray, int)
    loss: np.ndarray = LavaPyType(np.ndarray, float)
