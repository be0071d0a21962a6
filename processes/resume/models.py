"""Continuing variants of the learning-connection models: a run that resumes a
network from a checkpoint starts its connections' random streams where the
interrupted run left them.

Lava's learning connections draw their stochastic-rounding numbers from seeded
generators that advance a fixed number of times per time step (trace streams) and
per learning epoch (synaptic-variable stream), and these generators live in the
model, not in a Var. A continuing model replays the advances of the ``steps``
time steps already run when it is built, so a network rebuilt from the saved Vars
draws exactly the numbers the uninterrupted run would have drawn. The saved
weights are taken as they are: the stock models truncate weights to
``num_weight_bits`` at their first step only, which the learned weights of the
interrupted run had already passed.

Select them with ``Loihi2SimCfg(exception_proc_model_map=continuing_models(tag))``
and arm them with :func:`start_continuing` before the run starts: the process
models run in forked children, which inherit the step count.
"""
from __future__ import annotations

from lava_bioadam.engine.widths import RANDOM_ADVANCES_PER_STEP
from lava_bioadam.processes.variants import make_variants, model_map

_STEPS: int | None = None   # set in the parent before the run; inherited by children


def start_continuing(steps: int) -> None:
    """Arm the continuing models of runs started from now on (this process): their
    random streams skip ``steps`` time steps (a whole number of learning epochs)."""
    global _STEPS
    _STEPS = int(steps)


def stop_continuing() -> None:
    global _STEPS
    _STEPS = None


class _Continuing:
    """Mixin: after the stock random generators are made, advance them as
    ``_STEPS`` time steps of the stock model would have; and do not truncate the
    weights at the first step (the stock model truncates its initial weights to
    ``num_weight_bits`` once; learned weights keep every bit)."""

    def run_spk(self) -> None:
        if _STEPS and not getattr(self, "_continued", False):
            self.weights_set = True
            self._continued = True
        super().run_spk()

    def _init_randoms(self) -> None:
        super()._init_randoms()
        if not _STEPS:
            return
        t_epoch = self._learning_rule.t_epoch
        if _STEPS % t_epoch:
            raise ValueError(f"a run continues at a learning-epoch boundary: {_STEPS} "
                             f"steps is not a multiple of t_epoch={t_epoch}")
        for _ in range(RANDOM_ADVANCES_PER_STEP * _STEPS):
            self._update_trace_randoms()
        for _ in range(_STEPS // t_epoch):
            self._update_synaptic_variable_random()


_MAPS, (ContinuingLearningDenseFixed, ContinuingLearningDenseFloat, ContinuingSignedFixed,
        ContinuingSignedFloat) = make_variants(_Continuing, "Continuing", "continuing",
                                               __name__)


def continuing_models(tag: str) -> dict:
    """``exception_proc_model_map`` for ``fixed_pt`` or ``floating_pt``."""
    return model_map(_MAPS, tag)
