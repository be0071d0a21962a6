"""Run Lava without silent hangs: every Lava run in the project goes through here.

Lava 0.10 runs each process model in a forked child. When a model raises, the child
reports to the runtime service and then blocks, the service waits on the other
(blocked) models, and the parent waits forever without a message.

:class:`LavaSession` makes that an error within a fraction of a second:

* process models' command and Var-port handlers are wrapped (once, at import, in
  the parent, so forked children inherit it): an exception writes its traceback to
  a report file of the session and ends the child at once;
* a watchdog in the parent runs each ``run``/``get``/``set`` in a worker thread and
  polls: a report file, a child that died, or the timeout stops the run;
* on failure it kills, by pid, only the child processes that appeared during this
  session, calls ``stop()`` with a short timeout, and raises ``LavaRunError`` with
  the model's traceback and what to do.

The fail-fast wrapper needs the ``fork`` start method (Linux default); without it
the watchdog still detects dead children and timeouts.

No child outlives the main process, whatever ends it (``kill -9``, the out-of-memory
killer): every process that multiprocessing forks during a session (the process
models, the runtime service, the shared-memory manager) starts a watcher thread that
polls its parent's pid. When the parent is gone, the child removes the session's
temporary folders, the shared-memory manager unlinks its segments, and the child
ends itself (:func:`_watch_parent`). Linux's parent-death signal cannot do this: it
fires when the forking *thread* ends, and Lava forks from a short-lived thread.
"""
from __future__ import annotations

import glob
import multiprocessing as mp
import multiprocessing.util
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback

from lava_bioadam.errors import LavaRunError

_REPORT_DIR: str | None = None   # set by the active session; inherited by forked children
_FAIL_EXIT = 70
POLL_S = 0.02
#: how often a forked child checks that its parent is alive (seconds)
PARENT_POLL_S = 0.25


def _install_failfast() -> None:
    from lava.magma.core.model.py.model import AbstractPyProcessModel

    if getattr(AbstractPyProcessModel, "_lava_bioadam_failfast", False):
        return
    orig_run = AbstractPyProcessModel.run
    orig_var_port = AbstractPyProcessModel._handle_var_port

    def report_and_exit(model, what):
        if _REPORT_DIR is not None:
            try:
                path = os.path.join(_REPORT_DIR, f"fail-{os.getpid()}.txt")
                with open(path, "w") as fh:
                    fh.write(f"{type(model).__name__} ({what}) raised:\n")
                    fh.write(traceback.format_exc())
            finally:
                os._exit(_FAIL_EXIT)

    def wrap(handler, model, what):
        def guarded(*a, **kw):
            try:
                return handler(*a, **kw)
            except BaseException:
                report_and_exit(model, what)
                raise
        return guarded

    def run(self):
        for cmd, h in list(self._cmd_handlers.items()):
            self._cmd_handlers[cmd] = wrap(h, self, "run")
        return orig_run(self)

    def handle_var_port(self, var_port):
        return wrap(orig_var_port, self, "Var get/set")(self, var_port)

    AbstractPyProcessModel.run = run
    AbstractPyProcessModel._handle_var_port = handle_var_port
    AbstractPyProcessModel._lava_bioadam_failfast = True

    from lava.magma.runtime.message_infrastructure.multiprocessing import SystemProcess

    orig_process_run = SystemProcess.run

    def process_run(self):
        # In every Lava child: Ctrl-C or SIGTERM to the process group is the parent's
        # to handle (it stops the run and kills its children), not a traceback here.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        return orig_process_run(self)

    SystemProcess.run = process_run


_install_failfast()


def _orphaned_cleanup() -> None:
    """In a child whose parent is gone: remove the session's report folder and this
    process's multiprocessing temporary folder (the manager's socket), and unlink the
    shared-memory segments if this is the shared-memory manager."""
    from multiprocessing import process

    server = getattr(process.current_process(), "_manager_server", None)
    segments = getattr(server, "shared_memory_context", None)
    if segments is not None:
        try:
            segments.unlink()
        except Exception:    # noqa: BLE001 - best effort: the process ends next
            pass
    for folder in (_REPORT_DIR, process.current_process()._config.get("tempdir")):
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def _watch_parent(parent: int) -> None:
    """Poll until the parent ``parent`` is gone, then clean up and end this process."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    try:
        _orphaned_cleanup()
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


class _AfterFork:
    """multiprocessing calls :meth:`start` in every child it forks while this module
    is loaded; a child forked during a session watches its parent."""

    @staticmethod
    def start(_self) -> None:
        if _REPORT_DIR is None:
            return
        parent = getattr(mp.current_process(), "_parent_pid", None) or os.getppid()
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="lava-bioadam-parent-watch").start()


_AFTER_FORK = _AfterFork()
mp.util.register_after_fork(_AFTER_FORK, _AfterFork.start)


def _children() -> dict:
    return {p.pid: p for p in mp.active_children()}


class LavaSession:
    """One Lava execution of the network containing ``process``.

    ``run(num_steps)`` runs blocking steps; ``get(var)`` / ``set(var, value)`` read
    and write Vars; leaving the ``with`` block (or ``close()``) always stops it.
    ``timeout_s`` bounds each call (compile and start included in the first run).
    """

    def __init__(self, process, run_cfg, timeout_s: float = 120.0, what: str = "Lava run"):
        self.process = process
        self.run_cfg = run_cfg
        self.timeout_s = float(timeout_s)
        self.what = what
        self._baseline = set(_children())
        self._ours: set = set()
        self._procs: dict = {}   # pid -> Process of ours (keeps exit codes once reaped)
        self._started = False
        self._closed = False
        self._report_dir = tempfile.mkdtemp(prefix="lava_bioadam_run_")

    # -- public API -----------------------------------------------------------------
    def run(self, num_steps: int) -> None:
        from lava.magma.core.run_conditions import RunSteps

        cond = RunSteps(num_steps=int(num_steps), blocking=True)
        self._guard(lambda: self.process.run(condition=cond, run_cfg=self.run_cfg),
                    f"run({num_steps})")
        self._started = True

    def get(self, var):
        return self._guard(var.get, f"get({var.name})")

    def set(self, var, value) -> None:
        self._guard(lambda: var.set(value), f"set({var.name})")

    def close(self) -> None:
        """Stop the execution (bounded wait); kill our children if stop hangs."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._started:
                done = self._in_thread(self.process.stop)
                done.wait(10.0)
                if not done.is_set():
                    self._kill_ours()
                    self._abandon_runtime()
        finally:
            self._kill_ours(only_alive_after=2.0)
            shutil.rmtree(self._report_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- machinery ------------------------------------------------------------------
    @staticmethod
    def _in_thread(fn):
        done = threading.Event()
        box = {}

        def target():
            try:
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                box["error"] = exc
            finally:
                done.set()

        done.box = box
        threading.Thread(target=target, daemon=True).start()
        return done

    def _track(self) -> dict:
        kids = _children()
        self._ours |= set(kids) - self._baseline
        self._procs.update({pid: p for pid, p in kids.items() if pid in self._ours})
        return kids

    def _guard(self, fn, label):
        global _REPORT_DIR
        if self._closed:
            raise LavaRunError(f"{self.what}: session already closed")
        _REPORT_DIR = self._report_dir
        done = self._in_thread(fn)
        try:
            self._watch(done, label)
        except Exception:
            raise
        except BaseException:      # Ctrl-C, SIGTERM (``Terminated``), SystemExit
            self._teardown()
            raise
        self._track()
        if "error" in done.box:
            exc = done.box["error"]
            if isinstance(exc, LavaRunError):
                raise exc
            self._teardown()
            raise LavaRunError(f"{self.what}: {label} raised {type(exc).__name__}: "
                               f"{exc}") from exc
        return done.box.get("value")

    def _watch(self, done, label) -> None:
        """Poll until ``done``; a failure report, a dead child or the timeout fail."""
        t0 = time.monotonic()
        while not done.wait(POLL_S):
            kids = self._track()
            reports = glob.glob(os.path.join(self._report_dir, "fail-*.txt"))
            dead = [pid for pid in self._ours
                    if pid not in kids or kids[pid].exitcode not in (None, 0)]
            if reports or dead:
                time.sleep(0.05)  # let the report be flushed
                reports = glob.glob(os.path.join(self._report_dir, "fail-*.txt"))
                if reports:
                    detail = "".join(open(r).read() for r in reports[:3])
                    self._fail(f"{self.what}: a process model failed during {label}.\n"
                               f"{detail.rstrip()}\nFix the model (see the traceback "
                               f"above); all Lava child processes of this run were killed.")
                self._fail(f"{self.what}: Lava child process(es) {sorted(dead)} ended during "
                           f"{label} ({self._how_ended(dead)}), without an error of a "
                           f"process model; the other children of this run were killed.")
            if time.monotonic() - t0 > self.timeout_s:
                self._fail(f"{self.what}: {label} did not finish within "
                           f"{self.timeout_s:.0f} s (Lava hang or too slow). Raise the "
                           f"timeout for long runs; a blocked port (a process that does "
                           f"not send on every connected port each step) also looks "
                           f"like this. Lava child processes of this run were killed.")

    def _how_ended(self, dead) -> str:
        """``killed by SIGKILL`` / ``exit status 1`` of the first dead child."""
        proc = self._procs.get(sorted(dead)[0])
        code = proc.exitcode if proc is not None else None
        if code is None:
            return "exit status unknown"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def _teardown(self) -> None:
        """End a failed or interrupted (Ctrl-C, SIGTERM) run at once: kill the process
        models, let the shared-memory manager unlink its segments, kill whatever is
        left, disarm the runtime. The state of the run is lost; nothing is left behind."""
        self._closed = True
        rt = getattr(self.process, "runtime", None)
        infra = getattr(rt, "_messaging_infrastructure", None)
        for actor in list(getattr(infra, "actors", None) or ()):
            if actor.pid and actor.is_alive():
                try:
                    os.kill(actor.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for actor in list(getattr(infra, "actors", None) or ()):
            if actor.pid:
                mp.process.BaseProcess.join(actor, 2.0)
        smm = getattr(infra, "smm", None)
        if smm is not None:
            self._in_thread(smm.shutdown).wait(3.0)
        self._kill_ours()
        if rt is not None:
            rt._is_started = False
            rt._is_running = False
        shutil.rmtree(self._report_dir, ignore_errors=True)

    def _fail(self, message):
        self._teardown()
        raise LavaRunError(message)

    def _abandon_runtime(self) -> None:
        """Best-effort ``stop()`` after the children were killed (bounded: it blocks on
        dead channels), then disarm the Runtime so its ``__del__`` cannot hang."""
        rt = getattr(self.process, "runtime", None)
        if rt is None:
            return
        self._in_thread(self.process.stop).wait(1.0)
        rt._is_started = False
        rt._is_running = False

    def _kill_ours(self, only_alive_after: float | None = None) -> None:
        self._track()
        if only_alive_after:
            deadline = time.monotonic() + only_alive_after
            while time.monotonic() < deadline:
                kids = _children()
                if not any(pid in kids for pid in self._ours):
                    return
                time.sleep(POLL_S)
        kids = _children()
        for pid in sorted(self._ours):
            if pid in kids and kids[pid].is_alive():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for pid in sorted(self._ours):
            if pid in kids:
                mp.process.BaseProcess.join(kids[pid], 2.0)
