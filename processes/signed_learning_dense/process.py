"""A LearningDense whose graded presynaptic payloads are signed."""
from lava.magma.core.learning.constants import GradedSpikeCfg
from lava.proc.dense.process import LearningDense

from lava_bioadam.engine import widths


class SignedLearningDense(LearningDense):
    """``LearningDense`` for presynaptic units that send signed graded spikes
    (errors travelling back through feedback synapses).

    Stock Lava keeps the presynaptic trace ``x1`` unsigned: a negative payload
    wraps. Here a payload ``p > 0`` sets ``x1 = p/2, x2 = 0`` and ``p < 0`` sets
    ``x1 = 0, x2 = |p|/2`` (rounded half to even, saturated at 127 as ``x1`` is in
    stock Lava); ``p = 0`` is no spike. So a rule reads the positive part of the
    presynaptic signal in ``x1`` and the negative part in ``x2``, with unsigned
    traces and stock trace arithmetic. Everything else (dendritic sum ``W p``,
    third factors, learning engine) is stock ``LearningDense``.

    This is beyond stock Lava semantics (see docs/loihi_mapping.md): on hardware
    the same effect needs two presynaptic error populations. Parameters are those
    of ``LearningDense``; ``num_message_bits > 0`` and
    ``graded_spike_cfg=GradedSpikeCfg.OVERWRITE`` are required, and the rule must
    give ``x2`` the same (large) ``tau`` as ``x1`` and no ``x2_impulse``.
    """

    def __init__(self, *, weights, learning_rule, num_message_bits: int = widths.MSG_BITS,
                 graded_spike_cfg=GradedSpikeCfg.OVERWRITE, **kwargs):
        if graded_spike_cfg != GradedSpikeCfg.OVERWRITE:
            raise ValueError("SignedLearningDense needs graded_spike_cfg=OVERWRITE")
        if num_message_bits <= 0:
            raise ValueError("SignedLearningDense needs graded spikes (num_message_bits > 0)")
        if learning_rule.x2_impulse != 0:
            raise ValueError("SignedLearningDense keeps the negative part in x2: the rule "
                             "must have x2_impulse = 0")
        super().__init__(weights=weights, learning_rule=learning_rule,
                         num_message_bits=num_message_bits,
                         graded_spike_cfg=graded_spike_cfg, **kwargs)
