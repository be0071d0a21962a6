"""Progress bars inside epochs: shown on a terminal only; reporting progress splits
a Lava run into shorter blocking runs without changing a bit of the result."""
import io

import numpy as np
import pytest

from lava_bioadam.app.progress import EpochProgress
from lava_bioadam.golden.network import initial_weights, run_l2
from lava_bioadam.rules import RuleParams, build_network_rules
from lava_bioadam.verify.cases import network_inputs


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_per_epoch_with_online_accuracy_on_a_terminal():
    out = Terminal()
    bar = EpochProgress(10, seed=3, file=out, mininterval=0)
    for done in range(1, 21):
        bar(done, correct=done // 2)
    bar.close()
    text = out.getvalue()
    assert bar.enabled and "seed 3 epoch 1" in text and "seed 3 epoch 2" in text
    assert "10/10" in text and "online acc 0.500" in text


def test_quiet_off_a_terminal():
    out = io.StringIO()
    bar = EpochProgress(10, seed=0, file=out)
    bar(5, 1)
    bar.close()
    assert not bar.enabled and out.getvalue() == ""


@pytest.mark.lava
def test_lava_run_in_progress_chunks_equals_golden_model():
    from lava_bioadam.lava import network as lava_network

    nr = build_network_rules(RuleParams(t_epoch=4), [5, 4, 3], "predisposition")
    x, y = network_inputs([5, 4, 3], 23, 0)
    W0, B0 = initial_weights(nr, 0)
    calls = []
    old = lava_network.PROGRESS_CHUNK
    lava_network.PROGRESS_CHUNK = 4
    try:
        l3 = lava_network.run_lava(nr, x, y, W0, B0, epoch_size=10,
                                   on_epoch=lambda W, B: None,
                                   progress=lambda done, c: calls.append(done))
    finally:
        lava_network.PROGRESS_CHUNK = old
    l2 = run_l2(nr, x, y, W0, B0, epoch_size=10, on_epoch=lambda W, B: None)
    assert calls == [4, 8, 10, 14, 18, 20, 23]      # chunks end at epoch boundaries
    np.testing.assert_array_equal(l3.pred, l2.pred)
    for side in ("W", "B"):
        for a, b in zip(l3.final[side], l2.final[side]):
            if a is not None:
                common = set(a) & set(b)
                assert {"weights", "tag_1", "tag_2"} <= common
                for k in common:
                    np.testing.assert_array_equal(a[k], b[k], err_msg=f"{side} {k}")
