"""Presynaptic units: send stored activities as graded spikes, one row per sample."""
import numpy as np

from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var


class GradedSource(AbstractProcess):
    """Sends ``payloads[s]`` at step ``send_step`` of sample ``s`` and zeros at the
    other steps (a 0 payload is no spike).

    payloads: ``(n_samples, n)`` graded payloads (ints for fixed_pt, see
        ``lava_bioadam.codes.input_payload``).
    t_sample: time steps per sample (= the rule's ``t_epoch``).
    send_step: step within the sample (1-based) at which the row is sent.
    resend: optional ``(n_samples, n)`` payloads sent at the next step (rule family
        ``n2``: the inputs' normalised codes, ``lava_bioadam.codes.Normaliser``).
    After the last sample it sends zeros.
    """

    def __init__(self, *, payloads: np.ndarray, t_sample: int, send_step: int = 1,
                 resend: np.ndarray | None = None, name=None):
        payloads = np.asarray(payloads)
        super().__init__(payloads=payloads, t_sample=int(t_sample),
                         send_step=int(send_step), has_resend=resend is not None, name=name)
        n_samples, n = payloads.shape
        self.s_out = OutPort(shape=(n,))
        self.payloads = Var(shape=payloads.shape, init=payloads)
        rs = np.zeros((1, n), payloads.dtype) if resend is None else np.asarray(resend)
        if resend is not None and rs.shape != payloads.shape:
            raise ValueError(f"resend must have the shape of payloads {payloads.shape}, "
                             f"got {rs.shape}")
        self.resend = Var(shape=rs.shape, init=rs)
