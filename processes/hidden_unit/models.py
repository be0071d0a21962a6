"""floating_pt and fixed_pt models of :class:`HiddenLearningUnit`; the arithmetic
is :class:`lava_bioadam.codes.HiddenUnits`, shared with the golden model."""
from types import SimpleNamespace

import numpy as np

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_bioadam.engine import widths
from lava_bioadam.codes import HiddenUnits
from lava_bioadam.processes.hidden_unit.process import HiddenLearningUnit


class _HiddenModel(PyLoihiProcessModel):
    FIXED = False

    def __init__(self, proc_params):
        super().__init__(proc_params)
        key = "fixed" if self.FIXED else "float"
        p = proc_params
        code, norm = p.get("constants"), p.get("norm")
        self._units = HiddenUnits(
            p["shape"][0], p["t_sample"], p["fwd_step"], p["err_step"],
            SimpleNamespace(**p["encodings_in"][key]),
            SimpleNamespace(**p["encodings_out"][key]), self.FIXED,
            None if code is None else SimpleNamespace(**code),
            None if norm is None else (SimpleNamespace(**norm["act"]),
                                       SimpleNamespace(**norm["err"])))

    def run_spk(self):
        a_in, fb_in = self.a_in.recv(), self.fb_in.recv()
        u = self._units
        k = (self.time_step - 1) % u.t_sample + 1
        s_out, e_out, y_fwd, y_fb = u.step(k, a_in, fb_in)
        self.s_out.send(s_out)
        self.e_out.send(e_out)
        no_bap = np.zeros(u.n, dtype=bool)
        for prefix, y in (("s_out", y_fwd), ("fb_out", y_fb)):
            getattr(self, f"{prefix}_bap").send(no_bap)
            for i in range(3):
                getattr(self, f"{prefix}_y{i + 1}").send(y[i])
        if k == u.err_step:
            self.a, self.h, self.e = u.a, u.H, u.E


@implements(proc=HiddenLearningUnit, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyHiddenLearningUnitFloat(_HiddenModel):
    """Float codes (no rounding)."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    fb_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    fb_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    fb_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    fb_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    fb_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    a: np.ndarray = LavaPyType(np.ndarray, float)
    h: np.ndarray = LavaPyType(np.ndarray, float)
    e: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=HiddenLearningUnit, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyHiddenLearningUnitFixed(_HiddenModel):
    """Integer codes: graded payloads ``2 H`` / ``2 E``, third factors -128..127."""

    FIXED = True
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    fb_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=widths.MSG_BITS)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                     precision=widths.THIRD_FACTOR_BITS)
    fb_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=widths.BAP_BITS)
    fb_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                      precision=widths.THIRD_FACTOR_BITS)
    fb_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                      precision=widths.THIRD_FACTOR_BITS)
    fb_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32,
                                      precision=widths.THIRD_FACTOR_BITS)
    a: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=widths.NEURON_ACC_BITS)
    h: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=widths.CODE_BITS)
    e: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=widths.CODE_BITS)
