"""floating_pt and fixed_pt models of :class:`GradedSource`."""
import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_bioadam.engine import widths
from lava_bioadam.processes.graded_source.process import GradedSource


class _GradedSourceModel(PyLoihiProcessModel):
    def run_spk(self):
        t_sample = self.proc_params["t_sample"]
        k = (self.time_step - 1) % t_sample + 1
        s = (self.time_step - 1) // t_sample
        step, rs = self.proc_params["send_step"], self.proc_params.get("has_resend")
        if k == step and s < self.payloads.shape[0]:
            self.s_out.send(self.payloads[s])
        elif rs and k == step + 1 and s < self.resend.shape[0]:
            self.s_out.send(self.resend[s])
        else:
            self.s_out.send(np.zeros(self.payloads.shape[1], dtype=self.payloads.dtype))


@implements(proc=GradedSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyGradedSourceFloat(_GradedSourceModel):
    """Float payloads."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    payloads: np.ndarray = LavaPyType(np.ndarray, float)
    resend: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=GradedSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGradedSourceFixed(_GradedSourceModel):
    """Integer payloads (24-bit graded spikes; we send 0..254)."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    payloads: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=widths.MSG_BITS)
    resend: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=widths.MSG_BITS)
