"""The run loop that every level's training driver shares: samples in chunks,
progress after each chunk, and at each epoch boundary the epoch callback and then
the checkpoint.

:func:`~lava_bioadam.golden.network.run_l2` (one sample per chunk),
:func:`~lava_bioadam.golden.fast.run_fast_replicas` (compiled chunks),
:func:`~lava_bioadam.lava.network.run_lava` (blocking Lava runs) and the float64
reference trainer of ``lava-bioadam train`` drive their samples through
:func:`run_epochs`; each gives only how to advance its network.
"""
from __future__ import annotations

from typing import Callable


def run_epochs(n: int, advance: Callable[[int, int], int | None], *, start: int = 0,
               step: int = 1, epoch_size: int | None = None, split_at_epochs: bool = False,
               on_epoch: Callable[[int], object] | None = None,
               checkpoint: Callable[[int], dict] | None = None,
               on_checkpoint: Callable[[dict], None] | None = None,
               progress: Callable[[int, int | None], None] | None = None) -> list:
    """Run samples ``start .. n - 1``: ``advance(s, e)`` runs samples ``s .. e - 1``
    (at most ``step`` of them) and returns the correct predictions so far (or None).

    Then ``progress(e, correct)``. When ``e`` ends an epoch (a multiple of
    ``epoch_size``) and ``on_epoch`` is given: ``on_epoch(e)`` (its results are
    returned, in order), then ``on_checkpoint(checkpoint(e))``. A chunk never crosses
    an epoch boundary where ``on_epoch`` is called, or any epoch boundary with
    ``split_at_epochs``.
    """
    results = []
    split = bool(epoch_size) and (on_epoch is not None or split_at_epochs)
    s = start
    while s < n:
        e = min(n, s + max(1, int(step)))
        if split:
            e = min(e, (s // epoch_size + 1) * epoch_size)
        correct = advance(s, e)
        s = e
        if progress:
            progress(s, correct)
        if on_epoch and epoch_size and s % epoch_size == 0:
            results.append(on_epoch(s))
            if on_checkpoint:
                on_checkpoint(checkpoint(s))
    return results
