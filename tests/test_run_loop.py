"""The run loop every level shares: chunks, progress, epoch callback, checkpoint."""
from lava_bioadam.golden.run_loop import run_epochs


def _trace(n, **kw):
    calls = []
    out = run_epochs(n, lambda s, e: calls.append(("advance", s, e)) or e,
                     progress=lambda done, c: calls.append(("progress", done, c)),
                     on_epoch=kw.pop("on_epoch", lambda done: calls.append(("epoch", done))
                                     or done),
                     checkpoint=lambda done: {"done": done},
                     on_checkpoint=lambda st: calls.append(("checkpoint", st["done"])), **kw)
    return calls, out


def test_chunks_stop_at_epoch_boundaries_then_epoch_then_checkpoint():
    calls, out = _trace(10, step=4, epoch_size=3)
    chunks = [c[1:] for c in calls if c[0] == "advance"]
    assert chunks == [(0, 3), (3, 6), (6, 9), (9, 10)]          # never across 3, 6, 9
    assert out == [3, 6, 9]
    i = calls.index(("advance", 3, 6))
    assert calls[i + 1:i + 4] == [("progress", 6, 6), ("epoch", 6), ("checkpoint", 6)]


def test_without_epoch_callback_chunks_ignore_epochs_unless_split():
    calls, out = _trace(10, step=4, epoch_size=3, on_epoch=None)
    assert [c[1:] for c in calls if c[0] == "advance"] == [(0, 4), (4, 8), (8, 10)]
    assert out == [] and not any(c[0] == "checkpoint" for c in calls)
    calls, _ = _trace(10, step=4, epoch_size=3, on_epoch=None, split_at_epochs=True)
    assert [c[1:] for c in calls if c[0] == "advance"] == [(0, 3), (3, 6), (6, 9), (9, 10)]


def test_a_resumed_run_starts_at_its_sample():
    calls, out = _trace(9, start=6, step=1, epoch_size=3)
    assert [c[1:] for c in calls if c[0] == "advance"] == [(6, 7), (7, 8), (8, 9)]
    assert out == [9] and calls[-1] == ("checkpoint", 9)
