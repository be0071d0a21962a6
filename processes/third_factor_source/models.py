"""floating_pt and fixed_pt models of :class:`ThirdFactorSource`."""
import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_bioadam.engine import widths
from lava_bioadam.processes.third_factor_source.process import ThirdFactorSource


class _ThirdFactorSourceModel(PyLoihiProcessModel):
    def run_spk(self):
        n_steps, _, n = self.y.shape
        k = self.time_step - 1
        y = self.y[k] if k < n_steps else np.zeros((3, n), dtype=self.y.dtype)
        self.s_out_bap.send(self.bap[k].astype(bool) if k < n_steps else np.zeros(n, bool))
        self.s_out_y1.send(y[0])
        self.s_out_y2.send(y[1])
        self.s_out_y3.send(y[2])


@implements(proc=ThirdFactorSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyThirdFactorSourceFloat(_ThirdFactorSourceModel):
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y: np.ndarray = LavaPyType(np.ndarray, float)
    bap: np.ndarray = LavaPyType(np.ndarray, bool, precision=widths.BAP_BITS)


@implements(proc=ThirdFactorSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyThirdFactorSourceFixed(_ThirdFactorSourceModel):
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    y: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=widths.THIRD_FACTOR_BITS)
    bap: np.ndarray = LavaPyType(np.ndarray, bool, precision=widths.BAP_BITS)
