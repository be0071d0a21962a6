"""SIGINT / SIGTERM to a ``lava-fixed`` training run (the main process or its whole
process group): within 10 s no process of the group is left, no shared-memory
segment, no temporary folder; the results folder keeps the finished epochs and is
marked interrupted; one line on stderr; exit 130 / 143."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

EXE = Path(sys.executable).parent / "lava-bioadam"


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of the process group ``pgid``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if os.getpgid(int(d.name)) == pgid and state != "Z":
                    out.append(int(d.name))
            except (ProcessLookupError, OSError, IndexError):
                pass
    return out


def segments_of(pids) -> set:
    """Names of the shared-memory segments (``/dev/shm``) that processes ``pids`` map."""
    names = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        names |= {line.rsplit("/", 1)[1] for line in maps.splitlines()
                  if "/dev/shm/" in line}
    return names


def start_run(tmp_path):
    """A lava-fixed run of a toy network (4-3-2, 90 samples, 200 epochs) that has
    finished two epochs; returns (process, results folder, its TMPDIR)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (90, 4))
    np.savez(tmp_path / "d.npz", x=x, y=(x[:, 0] > x[:, 1]).astype(int))
    (tmp_path / "c.yaml").write_text(
        "data:\n  dataset: npz\n  path: d.npz\nnetwork:\n  sizes: [4, 3, 2]\n"
        "training:\n  epochs: 200\n  seeds: [0]\n")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [str(EXE), "train", str(tmp_path / "c.yaml"), "--backend", "lava-fixed",
         "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "TMPDIR": str(tmp)},
        # as started from a terminal: a suite run as a background job of a
        # non-interactive shell inherits SIGINT ignored, which the run would keep
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    for line in proc.stdout:            # wait for two finished epochs
        if line.startswith("  epoch   2") or time.monotonic() > deadline:
            break
    return proc, out, tmp


def hit(proc, send, limit=30.0) -> tuple[float, int, list[str]]:
    """``send()`` (a signal to the run), then wait until its process group is gone;
    returns (seconds until gone, exit status, stderr lines). Kills the group if the
    run outlives the wait."""
    try:
        assert proc.poll() is None, "the run ended early"
        send()
        t0 = time.monotonic()
        while group_members(proc.pid) and time.monotonic() - t0 < limit:
            time.sleep(0.1)
        gone_after = time.monotonic() - t0
        rc = proc.wait(timeout=limit)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return gone_after, rc, proc.stderr.read().strip().splitlines()


@pytest.mark.lava
@pytest.mark.slow   # 10-16 s; the default suite keeps the two signal tests below
def test_killed_child_is_reported_as_killed(tmp_path):
    proc, out, tmp = start_run(tmp_path)
    victim = max(p for p in group_members(proc.pid) if p != proc.pid)
    gone_after, rc, err = hit(proc, lambda: os.kill(victim, signal.SIGKILL))
    assert rc == 1 and gone_after < 30     # a failed run still draws its plots
    assert f"[{victim}]" in err[-1] and "killed by SIGKILL" in err[-1], err[-3:]
    assert json.loads((out / "status.json").read_text())["status"] == "failed"
    assert not list(tmp.iterdir())


@pytest.mark.lava
@pytest.mark.parametrize("sig,to_group,code", [(signal.SIGTERM, False, 143),
                                               (signal.SIGINT, True, 130)])
def test_signal_ends_lava_run_cleanly(tmp_path, sig, to_group, code):
    proc, out, tmp = start_run(tmp_path)
    members = group_members(proc.pid)
    children, segments = len(members) - 1, segments_of(members)
    gone_after, rc, err = hit(proc, (lambda: os.killpg(proc.pid, sig)) if to_group
                              else (lambda: proc.send_signal(sig)))
    print(f"{signal.Signals(sig).name} to {'group' if to_group else 'main'}: {children} "
          f"children, group gone after {gone_after:.1f} s, exit {rc}")
    assert children >= 3
    assert gone_after < 10 and not group_members(proc.pid)
    assert rc == code
    assert err[-1] in ("lava-bioadam: interrupted (SIGINT)", "lava-bioadam: terminated (SIGTERM)")
    assert not any("Traceback" in e or "leaked" in e for e in err), err
    assert segments and not [n for n in segments if (Path("/dev/shm") / n).exists()]
    assert not list(tmp.iterdir())
    status = json.loads((out / "status.json").read_text())
    finished = status["epochs_finished"]["0"]
    assert status["status"] == "interrupted" and finished >= 1
    epochs = [json.loads(l)["epoch"] for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert epochs == list(range(finished + 1))


def alive(pids) -> list[int]:
    """Those of ``pids`` that still run (not zombies)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            out.append(pid)
    return out


@pytest.mark.lava
def test_kill9_of_main_leaves_no_process_segment_or_folder(tmp_path, capsys):
    """kill -9 of the main process (an out-of-memory kill, a scheduler's hard kill):
    its Lava children notice and end, the shared-memory manager unlinks the run's
    segments, the temporary folders go; the folder then reads ``interrupted``."""
    from lava_bioadam.app.cli import main

    proc, out, tmp = start_run(tmp_path)
    members = group_members(proc.pid)
    children = [p for p in members if p != proc.pid]
    segments = segments_of(members)
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        t0 = time.monotonic()
        while alive(children) and time.monotonic() - t0 < 15:
            time.sleep(0.1)
        gone_after = time.monotonic() - t0
        left = alive(children)
    finally:
        for pid in alive(children):
            os.kill(pid, signal.SIGKILL)
    summary = (f"kill -9 of main: {len(children)} children, {len(segments)} segments, "
               f"children gone after {gone_after:.1f} s")
    assert len(children) >= 3 and not left, left
    assert segments and not [n for n in segments if (Path("/dev/shm") / n).exists()]
    assert not list(tmp.iterdir())
    assert json.loads((out / "status.json").read_text())["status"] == "running"  # as written
    assert main(["status", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    assert ": interrupted; epochs finished: seed 0: " in line and "is gone" in line, line
    print(summary)
