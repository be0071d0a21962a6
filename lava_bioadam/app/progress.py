"""Progress inside the epochs of a training run: a tqdm bar on stderr (samples/s,
ETA, and the running online accuracy where the backend reports it), shown only on a
terminal and never with ``--quiet``."""
from __future__ import annotations

import sys
import threading


def _tqdm():
    """tqdm's class, with a thread lock: its default lock is a multiprocessing lock,
    which fixes the start method before Lava sets its own."""
    from tqdm import tqdm

    if getattr(tqdm, "_lock", None) is None:
        tqdm.set_lock(threading.RLock())
    return tqdm


class EpochProgress:
    """Callable ``progress(samples_done, correct)`` for the training functions
    (redrawn at most every ``mininterval`` seconds).

    ``samples_done`` counts from the start of the run (all epochs); ``correct``, if
    not None, is the number of correct online predictions so far. One bar per epoch
    of ``n_train`` samples, cleared when the epoch ends (:meth:`close`)."""

    def __init__(self, n_train: int, seed: int, enabled: bool | None = None, file=None,
                 mininterval: float = 0.2):
        self.mininterval = mininterval
        self.file = file if file is not None else sys.stderr
        self.enabled = (self.file.isatty() if enabled is None else enabled)
        self.n_train, self.seed = n_train, seed
        self.bar = None
        self.epoch = 0
        self.correct_before = 0   # correct predictions before this epoch
        self.last_correct = 0

    def __call__(self, done: int, correct: int | None = None) -> None:
        if not self.enabled:
            return
        epoch, within = divmod(done - 1, self.n_train)
        if self.bar is None or epoch + 1 != self.epoch:
            self.close()
            self.epoch = epoch + 1
            self.correct_before = self.last_correct
            self.bar = _tqdm()(total=self.n_train, desc=f"seed {self.seed} epoch {self.epoch}",
                               unit="sample", leave=False, file=self.file, dynamic_ncols=True,
                               mininterval=self.mininterval)
        if correct is not None:
            self.last_correct = correct
            self.bar.set_postfix_str(
                f"online acc {(correct - self.correct_before) / (within + 1):.3f}",
                refresh=False)
        self.bar.update(within + 1 - self.bar.n)

    def close(self) -> None:
        """Clear the bar (before a line is printed, and at the end)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
