"""The run helper turns a failing process model into an error within seconds."""
import multiprocessing as mp
import time

import numpy as np
import pytest

from lava_bioadam.errors import LavaRunError

pytestmark = pytest.mark.lava


def _ring(fail_at):
    from fixtures.faulty.process import Faulty

    a, b = Faulty(fail_at=fail_at), Faulty(fail_at=10**9)
    a.s_out.connect(b.s_in)
    b.s_out.connect(a.s_in)
    return a


def _cfg():
    from lava.magma.core.run_configs import Loihi2SimCfg
    return Loihi2SimCfg(select_tag="floating_pt")


def test_injected_exception_surfaces_fast_and_children_are_killed():
    from lava_bioadam.lava.runtime import LavaSession

    before = {p.pid for p in mp.active_children()}
    proc = _ring(fail_at=3)
    t0 = time.monotonic()
    with pytest.raises(LavaRunError) as info:
        with LavaSession(proc, _cfg(), timeout_s=60) as s:
            s.run(10)
    elapsed = time.monotonic() - t0
    assert elapsed < 15, elapsed
    msg = str(info.value)
    assert "injected failure for the watchdog test" in msg
    assert "PyFaultyModel" in msg
    time.sleep(0.2)
    left = {p.pid for p in mp.active_children()} - before
    assert not left, f"Lava children left running: {left}"


def test_timeout_raises_and_kills():
    from lava_bioadam.lava.runtime import LavaSession

    before = {p.pid for p in mp.active_children()}
    proc = _ring(fail_at=10**9)
    with pytest.raises(LavaRunError, match="did not finish within"):
        with LavaSession(proc, _cfg(), timeout_s=1.0) as s:
            s.run(10**7)
    time.sleep(0.2)
    assert not ({p.pid for p in mp.active_children()} - before)


def test_healthy_run_and_get():
    """Two runs continue one another; get and set reach the model's Var; leaving the
    block stops the runtime and leaves no child behind."""
    from lava_bioadam.lava.runtime import LavaSession

    before = {p.pid for p in mp.active_children()}
    proc = _ring(fail_at=10**9)
    with LavaSession(proc, _cfg(), timeout_s=60) as s:
        s.run(5)
        assert s.get(proc.steps).tolist() == [5]
        s.run(5)
        assert s.get(proc.steps).tolist() == [10]
        s.set(proc.steps, np.array([100]))
        s.run(2)
        assert s.get(proc.steps).tolist() == [102]
    time.sleep(0.2)
    assert not ({p.pid for p in mp.active_children()} - before)
