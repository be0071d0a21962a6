"""Variants of the learning-connection models (a mixin on each stock model) that a
run selects through ``Loihi2SimCfg(exception_proc_model_map=...)`` only."""
from __future__ import annotations

from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.process import LearningDense

from lava_bioadam.processes.signed_learning_dense.process import SignedLearningDense

PRECISION_TAGS = ("fixed_pt", "floating_pt")


def register_variants(fixed_dense, float_dense, fixed_signed, float_signed) -> dict:
    """Mark the four variant classes as models of their processes and return the
    ``exception_proc_model_map`` per precision tag. Lava's builder needs the
    implemented process; ``@implements`` would register the variants as further
    models of the process (chosen by the default selection), so the attributes are
    set here instead."""
    maps = {"fixed_pt": {LearningDense: fixed_dense, SignedLearningDense: fixed_signed},
            "floating_pt": {LearningDense: float_dense, SignedLearningDense: float_signed}}
    for by_proc in maps.values():
        for proc, cls in by_proc.items():
            cls.implements_process = proc
            cls.implements_protocol = LoihiProtocol
    return maps


def model_map(maps: dict, tag: str) -> dict:
    """The variants of precision ``tag`` (``fixed_pt`` or ``floating_pt``)."""
    if tag not in PRECISION_TAGS:
        raise ValueError(f"tag must be one of {PRECISION_TAGS}, got {tag!r}")
    return dict(maps[tag])
