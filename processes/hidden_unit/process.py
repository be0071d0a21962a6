"""Hidden learning units: clipped-ReLU activity forward, local error backward."""
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var


class HiddenLearningUnit(AbstractProcess):
    """A hidden layer of ``n`` clipped-ReLU units (activity in [0, 1]) plus an
    always-on bias unit, that teaches the synapses it receives.

    Per sample (see ``lava_bioadam.codes``): at ``fwd_step`` it decodes the
    forward input ``a_in`` (``W_l [h; 1]``), sends its activity as graded spikes on
    ``s_out`` (shape ``n + 1``, last the bias unit); at ``err_step`` it decodes the
    feedback input ``fb_in`` (``B_{l+1} e_{l+1}``), computes its local error
    ``e = f'(a) * (B e)`` and sends it as signed graded spikes on ``e_out``. It sends
    third factors every step on two sets of learning ports:

    * ``s_out_bap``/``s_out_y1..y3`` to its forward input connection ``W_l``
      (``y1 = E+``, ``y2 = E-``, ``y3 = G``, the predisposition gain),
    * ``fb_out_bap``/``fb_out_y1..y3`` to the feedback connection ``B_{l+1}`` whose
      post side it is (``y1 = H``, ``y3 = G``).

    ``bap`` is always False (negative third factors survive). Unconnected output
    ports are fine (e.g. ``e_out`` of the first hidden layer).

    shape: ``(n,)``. t_sample: steps per sample. fwd_step, err_step: 1-based steps.
    encodings_in / encodings_out: ``{"fixed": {...}, "float": {...}}`` with fields
    ``h_scale``, ``e_scale``, ``w_scale`` of ``W_l``/``B_l`` and ``W_{l+1}``/``B_{l+1}``.
    constants: the integer constants of the ``fixed_pt`` model (``HiddenCode.as_dict()``
    of this layer in ``NetworkRules.unit_codes()``), which computes in integers only.
    norm: rule family ``n2``: ``{"act": ..., "err": ...}``, the ``NormCode.as_dict()``
    of this layer's activities and errors (``NetworkRules.norm_codes()``): the third
    factors then carry normalised codes, and each payload is sent again, normalised,
    one step later (``lava_bioadam.codes.HiddenUnits``); None: plain codes.
    Vars: ``a`` (pre-activation: physical in ``floating_pt``, the 24-bit accumulator
    in ``fixed_pt``), ``h`` and ``e`` (codes) of the last sample.
    """

    def __init__(self, *, shape, t_sample: int, fwd_step: int, err_step: int,
                 encodings_in: dict, encodings_out: dict, constants: dict | None = None,
                 norm: dict | None = None, name=None):
        super().__init__(shape=shape, t_sample=int(t_sample), fwd_step=int(fwd_step),
                         err_step=int(err_step), encodings_in=encodings_in,
                         encodings_out=encodings_out, constants=constants, norm=norm,
                         name=name)
        n = shape[0]
        self.a_in = InPort(shape=shape)
        self.fb_in = InPort(shape=shape)
        self.s_out = OutPort(shape=(n + 1,))
        self.e_out = OutPort(shape=shape)
        for prefix in ("s_out", "fb_out"):
            for port in ("bap", "y1", "y2", "y3"):
                setattr(self, f"{prefix}_{port}", OutPort(shape=shape))
        self.a = Var(shape=shape, init=0)
        self.h = Var(shape=shape, init=0)
        self.e = Var(shape=shape, init=0)
