"""Recording variants of the learning-connection models: each learning epoch they
write their state into memory-mapped files, so a run records every sample and the
caller reads the files once at the end instead of reading every Var after every
sample through the runtime.

Select them with ``Loihi2SimCfg(exception_proc_model_map=recording_models(tag))``
and arm them with :func:`start_recording` before the run starts: the process
models run in forked children, which inherit the folder. Files
``{folder}/{process name}.{var}.npy``, shape ``(n_epochs, *var shape)``, float64,
created by the caller (:func:`create_files`); epoch ``e`` (1-based) writes row
``e - 1`` after the epoch's learning.
"""
from __future__ import annotations

import os

import numpy as np

from lava_bioadam.processes.variants import make_variants, model_map

#: state written per epoch (those of the model's Vars that it has)
RECORDED_VARS = ("weights", "tag_1", "tag_2", "x1", "x2", "y1", "y2", "y3")
_FOLDER: str | None = None   # set in the parent before the run; inherited by children


def start_recording(folder: str) -> None:
    """Arm the recording models of runs started from now on (this process)."""
    global _FOLDER
    _FOLDER = str(folder)


def stop_recording() -> None:
    global _FOLDER
    _FOLDER = None


def file_of(folder: str, name: str, var: str) -> str:
    return os.path.join(folder, f"{name}.{var}.npy")


def create_files(folder: str, name: str, shapes: dict, n_epochs: int) -> None:
    """Create the files of one connection ``name``: ``shapes`` var -> shape."""
    for var, shape in shapes.items():
        np.lib.format.open_memmap(file_of(folder, name, var), mode="w+", dtype=np.float64,
                                  shape=(int(n_epochs),) + tuple(shape)).flush()


class _Recording:
    """Mixin: after each learning epoch, write the state to the armed folder."""

    def run_lrn(self) -> None:
        super().run_lrn()
        if _FOLDER is None:
            return
        if not hasattr(self, "_rec_files"):
            name = self.proc_params["name"]
            self._rec_files = {v: np.load(file_of(_FOLDER, name, v), mmap_mode="r+")
                               for v in RECORDED_VARS
                               if os.path.exists(file_of(_FOLDER, name, v))}
            if not self._rec_files:
                raise FileNotFoundError(f"no recording files for {name!r} in {_FOLDER}: "
                                        f"{sorted(os.listdir(_FOLDER))}")
        row = self.time_step // self._learning_rule.t_epoch - 1
        for var, mm in self._rec_files.items():
            if row < mm.shape[0]:
                mm[row] = getattr(self, var)
        if row == next(iter(self._rec_files.values())).shape[0] - 1:
            for mm in self._rec_files.values():
                mm.flush()


_MAPS, (RecordingLearningDenseFixed, RecordingLearningDenseFloat, RecordingSignedFixed,
        RecordingSignedFloat) = make_variants(_Recording, "Recording", "recording", __name__)


def recording_models(tag: str) -> dict:
    """``exception_proc_model_map`` for ``fixed_pt`` or ``floating_pt``."""
    return model_map(_MAPS, tag)
