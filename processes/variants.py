"""Variants of the learning-connection models (a mixin on each stock model) that a
run selects through ``Loihi2SimCfg(exception_proc_model_map=...)`` only."""
from __future__ import annotations

from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import PyLearningDenseModelBitApproximate, PyLearningDenseModelFloat
from lava.proc.dense.process import LearningDense

from lava_bioadam.processes.signed_learning_dense.models import (
    PySignedLearningDenseModelBitApproximate, PySignedLearningDenseModelFloat)
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


#: (name part, process, precision, stock model) of the four variants, in the order
#: of :func:`register_variants`
_STOCK = (("LearningDenseFixed", "LearningDense", "fixed_pt", PyLearningDenseModelBitApproximate),
          ("LearningDenseFloat", "LearningDense", "floating_pt", PyLearningDenseModelFloat),
          ("SignedFixed", "SignedLearningDense", "fixed_pt",
           PySignedLearningDenseModelBitApproximate),
          ("SignedFloat", "SignedLearningDense", "floating_pt", PySignedLearningDenseModelFloat))


def make_variants(mixin, prefix: str, what: str, module: str) -> tuple:
    """The four variant classes ``{prefix}LearningDenseFixed``, ``...Float``,
    ``{prefix}SignedFixed``, ``...Float`` (``mixin`` on each stock model, defined as
    classes of ``module``: assign them to those names there) and their
    :func:`register_variants` maps: ``(maps, classes)``."""
    classes = tuple(type(prefix + name, (mixin, stock),
                         {"__module__": module, "__qualname__": prefix + name,
                          "__doc__": f"``{proc}`` ``{tag}``, {what}."})
                    for name, proc, tag, stock in _STOCK)
    return register_variants(*classes), classes


def model_map(maps: dict, tag: str) -> dict:
    """The variants of precision ``tag`` (``fixed_pt`` or ``floating_pt``)."""
    if tag not in PRECISION_TAGS:
        raise ValueError(f"tag must be one of {PRECISION_TAGS}, got {tag!r}")
    return dict(maps[tag])
