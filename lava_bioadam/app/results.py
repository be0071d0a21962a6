"""Results folder of one run: what a researcher needs to trust and reuse it.

Layout of a folder (every file is written to a temporary name and renamed, so a
reader or a crash never sees half a file):

===================  =========================================================
``config.yaml``      the resolved config (every key, defaults filled in)
``run.json``         command line, backend, start time, package and dependency versions;
                     backend ``emulator``: ``emulator_startup`` per seed (seconds to
                     compile or load the compiled model, whether it compiled, cache)
``status.json``      ``running`` / ``complete`` / ``interrupted`` / ``failed``, epochs
                     finished per seed, the error message if any, and the process
                     that writes the folder (pid, start time, boot id, host), so that
                     a run whose process is gone reads as ``interrupted``
``metrics.jsonl``    one JSON record per line: seed, epoch, test accuracy and loss,
                     train loss, W/B^T angle and relative error per feedback layer
``weights/seed{S}.npz``  final weights and tags of every connection of seed S
``checkpoints/seed{S}.pkl``  training state after the last finished epoch (``--resume``)
``*.png``            plots (``lava_bioadam.app.plots``)
===================  =========================================================

An existing folder is replaced only with ``force``, and only once the new run is
complete: until then the new run writes into ``<folder>.partial-<random>``, and a run
that fails or is interrupted leaves the old folder untouched.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import pickle
import platform
import re
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from lava_bioadam import __version__
from lava_bioadam.app.config import clip
from lava_bioadam.errors import Terminated, UserError

log = logging.getLogger(__name__)

#: distributions whose versions ``run.json`` records
DEPENDENCIES = ("lava-nc", "numpy", "scipy", "scikit-learn", "pyyaml", "matplotlib", "tqdm")
STATUS = "status.json"
METRICS = "metrics.jsonl"
DEFAULT_ROOT = Path("runs")


class ResultsWriteError(UserError):
    """A results file could not be written (full disk, permissions)."""


def versions() -> dict:
    """Python, platform, this package and its dependencies."""
    out = {"python": platform.python_version(), "platform": platform.platform(),
           "lava-bioadam": __version__}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


#: modes that open() and mkdir() would give (mkstemp and mkdtemp give 0600 / 0700)
_FILE_MODE, _DIR_MODE = 0o666 & ~_umask(), 0o777 & ~_umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, flush it to disk, rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)  # mkstemp's 0600 -> what open() would give
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def png_bytes(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (to write atomically); the figure is closed."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


def to_json(obj) -> bytes:
    return (json.dumps(obj, indent=1, default=_plain) + "\n").encode()


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


def process_identity(pid: int | None = None) -> dict:
    """What tells process ``pid`` (default: this one) apart from a later process that
    reuses its pid: host, boot id and start time (clock ticks since boot)."""
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "host": platform.node(), "boot_id": _boot_id(),
            "start_ticks": _start_ticks(pid)}


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return None if fields[0] == "Z" else int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def process_alive(ident: dict | None) -> bool | None:
    """Whether the process ``ident`` (:func:`process_identity`) still runs: True,
    False, or None when this host cannot tell (another host, no ``/proc``)."""
    if not isinstance(ident, dict) or not isinstance(ident.get("pid"), int):
        return None
    if ident.get("host") != platform.node() or ident.get("boot_id") is None:
        return None
    if ident["boot_id"] != _boot_id():
        return False                    # the machine restarted since
    ticks = _start_ticks(ident["pid"])
    return ticks is not None and ticks == ident.get("start_ticks")


def effective_status(status: dict) -> str:
    """The status of a folder's ``status.json`` contents: ``running`` whose process is
    gone (killed, the machine restarted) reads ``interrupted``."""
    state = status.get("status")
    if state == "running" and process_alive(status.get("process")) is False:
        return "interrupted"
    return state if isinstance(state, str) else "unknown"


def read_status(path: str | Path) -> dict:
    """``status.json`` of results folder ``path`` with ``status`` made effective
    (:func:`effective_status`; the written one is kept as ``written_status``)."""
    path = Path(path)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is a file, not a results folder"
        raise UserError(f"{path} {what}")
    try:
        status = json.loads((path / STATUS).read_text())
        if not isinstance(status, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a results folder of lava-bioadam ({clip(exc, 60)})"
                        ) from None
    status["written_status"] = status.get("status")
    status["status"] = effective_status(status)
    return status


def is_results_folder(path: Path) -> bool:
    """A folder this package wrote (it has ``status.json``), or an empty folder."""
    return path.is_dir() and ((path / STATUS).is_file() or not any(path.iterdir()))


def default_folder(name: str, backend: str, root: Path = DEFAULT_ROOT) -> Path:
    """``runs/<name>-<backend>-<UTC time>``, with ``-2``, ``-3``... if taken."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60] or "run"
    path = root / f"{base}-{backend}-{stamp}"
    k = 2
    while path.exists():
        path = root / f"{base}-{backend}-{stamp}-{k}"
        k += 1
    return path


def check_destination(out: str | None, force: bool, name: str, backend: str) -> Path:
    """The folder a run will write to; refuses (before any work) to replace an
    existing path without ``force``, or one that is not a results folder at all."""
    path = Path(out) if out else default_folder(name, backend)
    if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
        return path                     # an empty folder: used as it is
    if (path.exists() or path.is_symlink()) and not path.is_dir():
        raise UserError(f"--out {path} is a file, not a folder; choose another --out "
                        f"(--force replaces only results folders)")
    if path.exists() or path.is_symlink():
        if not force:
            raise UserError(f"{path} exists; pass --force to replace it or choose another --out")
        if not is_results_folder(path):
            raise UserError(f"{path} exists and is not a results folder of lava-bioadam; "
                            f"refusing to replace it, even with --force")
    return path


class RunFolder:
    """The results folder of one run (see the module docstring).

    Writes go to ``self.path`` (the final folder, or a partial sibling when an
    existing folder is being replaced). After the first write failure the folder is
    abandoned: later writes are skipped and ``self.error`` holds the first failure,
    so training and the printed metrics go on."""

    def __init__(self, dest: Path, cfg, backend: str, argv: list[str] | None = None):
        self.dest = Path(dest)
        empty = self.dest.is_dir() and not any(self.dest.iterdir())
        self.replacing = self.dest.exists() and not empty
        self.path = self.dest
        self.error: str | None = None
        self.process = process_identity()
        self.records: list[dict] = []
        self.epochs_done: dict[int, int] = {}
        try:
            if self.replacing:
                self.path = Path(tempfile.mkdtemp(dir=self.dest.parent,
                                                  prefix=f"{self.dest.name}.partial-"))
                os.chmod(self.path, _DIR_MODE)
            else:
                self.path.mkdir(parents=True, exist_ok=empty)
        except OSError as exc:
            raise ResultsWriteError(f"cannot create results folder {self.path}: "
                                    f"{clip(exc.strerror or exc, 60)}") from None
        self.set_status("running")      # first: it holds the room for the final status
        resolved = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "source"}
        self.write("config.yaml", (f"# resolved from {cfg.source}\n" + yaml.safe_dump(
            resolved, sort_keys=False)).encode())
        self.write("run.json", to_json({
            "command": argv if argv is not None else sys.argv, "backend": backend,
            "config": cfg.source, "started": _now(), "versions": versions()}))
        if self.error:                  # e.g. a full disk: refused before any work
            self._remove_partial(keep_folder=empty)
            raise ResultsWriteError(f"free some space or choose another --out: "
                                    f"{self.error}")

    def _remove_partial(self, keep_folder: bool) -> None:
        """Remove what a refused folder holds (and the folder, unless it was given)."""
        if not keep_folder:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        for f in self.path.iterdir():
            if f.is_file():
                f.unlink(missing_ok=True)

    # ------------------------------------------------------------ writing
    def write(self, name: str, data: bytes) -> None:
        """``data`` as the file ``name`` of the folder, atomically (skipped after a
        write failure)."""
        if self.error:
            return
        try:
            write_atomic(self.path / name, data)
        except OSError as exc:
            self.error = (f"cannot write {self.path / name}: "
                          f"{clip(exc.strerror or exc, 60)}")
            log.error("%s; results are no longer saved", self.error)

    def add_run_info(self, key: str, value) -> None:
        """Add ``key: value`` to ``run.json`` (e.g. the emulator's start-up per seed)."""
        if self.error:
            return
        try:
            info = json.loads((self.path / "run.json").read_text())
        except (OSError, ValueError):
            info = {}
        info[key] = value
        self.write("run.json", to_json(info))

    def set_status(self, status: str, message: str | None = None) -> None:
        """Write ``status.json``: ``status``, epochs finished per seed, ``message``, the
        writing process. It is written even after a write failure (a full disk): then
        in place over the previous file, which is padded to ``STATUS_BYTES`` so that
        the new text fits in the space it already holds."""
        data = to_json({"status": status, "updated": _now(),
                        "epochs_finished": {str(s): e for s, e in self.epochs_done.items()},
                        "message": message, "process": self.process})
        data = data.ljust(STATUS_BYTES)         # JSON ignores the trailing blanks
        try:
            write_atomic(self.path / STATUS, data)
        except OSError as exc:
            if not self.error:
                self.error = (f"cannot write {self.path / STATUS}: "
                              f"{clip(exc.strerror or exc, 60)}")
                log.error("%s; results are no longer saved", self.error)
            _overwrite(self.path / STATUS, data)

    def add_epoch(self, seed: int, record: dict, seconds: float | None = None) -> None:
        """Append one epoch's record (rewrites ``metrics.jsonl`` atomically)."""
        rec = {"seed": seed, **record}
        if seconds is not None:
            rec["seconds"] = seconds
        records = self.records + [rec]
        self.write(METRICS, b"".join(json.dumps(r, default=_plain).encode() + b"\n"
                                      for r in records))
        # only now (an interrupt may end the write above): status matches the metrics
        self.records = records
        self.epochs_done[seed] = record["epoch"]
        self.set_status("running")

    def save_arrays(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        """``arrays`` as ``name`` (an ``.npz`` under the folder), atomically."""
        import io

        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        try:
            (self.path / name).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass                        # reported by the write
        self.write(name, buf.getvalue())

    def save_figure(self, name: str, fig) -> None:
        """A matplotlib figure as a PNG, atomically; the figure is closed."""
        self.write(name, png_bytes(fig))

    # ------------------------------------------------------------ checkpoints
    def save_checkpoint(self, seed: int, state: dict) -> None:
        """The training state of ``seed`` after an epoch (``checkpoints/seed{S}.pkl``,
        pickled, written atomically)."""
        try:
            (self.path / "checkpoints").mkdir(exist_ok=True)
        except OSError:
            pass                        # reported by the write
        self.write(f"checkpoints/seed{seed}.pkl", pickle.dumps(state, protocol=5))

    def load_checkpoint(self, seed: int) -> dict | None:
        """The last checkpoint of ``seed``, or None."""
        path = self.path / "checkpoints" / f"seed{seed}.pkl"
        if not path.is_file():
            return None
        try:
            return pickle.loads(path.read_bytes())
        except Exception as exc:       # a damaged or foreign file: any unpickling error
            raise UserError(f"{path}: not a readable checkpoint "
                            f"({type(exc).__name__})") from None

    @classmethod
    def reopen(cls, path: str | Path) -> "RunFolder":
        """An existing results folder, to resume its run: its metrics and status are
        read back; writes go to the folder itself."""
        self = cls.__new__(cls)
        self.dest = self.path = Path(path)
        self.replacing, self.error = False, None
        self.process = process_identity()
        status = read_status(path)
        try:
            lines = (self.path / METRICS).read_text().splitlines() if (
                self.path / METRICS).is_file() else []
            self.records = [json.loads(line) for line in lines if line.strip()]
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: not a results folder of lava-bioadam "
                            f"({clip(exc, 60)})") from None
        if status["status"] == "complete":
            raise UserError(f"{path}: the run is complete; nothing to resume")
        if status["status"] == "running" and process_alive(status.get("process")):
            pid = status["process"]["pid"]
            raise UserError(f"{path}: its run is still running (pid {pid}); stop it first, "
                            f"or check with lava-bioadam status {clip(path, 40)}")
        self.epochs_done = {int(k): v for k, v in status.get("epochs_finished", {}).items()}
        return self

    def keep_epochs(self, seed: int, last_epoch: int) -> list[dict]:
        """Forget the records of ``seed`` after ``last_epoch`` (-1: all of them), e.g.
        epochs finished after its last checkpoint; returns those kept."""
        self.records = [r for r in self.records if r["seed"] != seed or r["epoch"] <= last_epoch]
        if last_epoch < 0:
            self.epochs_done.pop(seed, None)
        else:
            self.epochs_done[seed] = last_epoch
        return [r for r in self.records if r["seed"] == seed]

    # ------------------------------------------------------------ ending
    @staticmethod
    def ending(exc: BaseException) -> tuple[str, str]:
        """``(status, message)`` of a run that ``exc`` ended: ``interrupted`` (Ctrl-C,
        SIGTERM) or ``failed``."""
        status = "interrupted" if isinstance(exc, (KeyboardInterrupt, Terminated)) else "failed"
        return status, clip(f"{type(exc).__name__}: {exc}", 300)

    def check_saved(self, what: str) -> None:
        """``ResultsWriteError`` if a write failed, after ``what`` was printed."""
        if self.error:
            raise ResultsWriteError(f"{self.error}; {what} not saved completely")

    def finish(self, status: str, message: str | None = None) -> Path:
        """Write the final status; a complete run that replaces an existing folder
        takes its place now. Returns where the results are."""
        self.set_status(status, message)
        if status != "complete" or not self.replacing or self.error:
            return self.path
        old = self.dest.with_name(f"{self.dest.name}.old-{os.getpid()}")
        try:
            os.replace(self.dest, old) if self.dest.is_dir() else os.rename(self.dest, old)
            os.replace(self.path, self.dest)
        except OSError as exc:
            self.error = f"cannot replace {self.dest}: {clip(exc.strerror or exc, 60)}"
            return self.path
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
        self.path = self.dest
        return self.dest


#: size ``status.json`` is padded to, so that a rewrite in place fits (bytes)
STATUS_BYTES = 8192


def _overwrite(path: Path, data: bytes) -> None:
    """Write ``data`` over the existing file ``path`` in place (no new file, no new
    blocks while ``data`` is no longer than the file); best effort."""
    try:
        if os.stat(path).st_size < len(data):
            return                      # it would need new blocks: leave the old file whole
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return
    try:
        os.write(fd, data)
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _as_int(v: np.ndarray) -> np.ndarray:
    """Integer-valued ``v`` (Lava keeps fixed-point Vars in float arrays) as int64."""
    as_int = np.rint(v).astype(np.int64)
    if not np.array_equal(as_int, v):
        raise ValueError("a fixed-point connection Var holds non-integer values")
    return as_int


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


#: Vars of a Loihi connection saved in ``weights/seed{S}.npz`` (connection units):
#: weight, first moment t, normaliser d
SAVED_VARS = ("weights", "tag_1", "tag_2")


def connection_arrays(result: dict) -> dict[str, np.ndarray]:
    """Final weights and state of every connection of one seed's training result,
    the same names on every backend (1-based layers ``l``):

    * ``W{l}/weights``, ``B{l}/weights``: physical weights, float64 (all backends);
    * Loihi backends: ``W{l}/weights_code``, ``W{l}/tag_1`` (first moment t),
      ``W{l}/tag_2`` (normaliser d) in connection units, int64 on the fixed-point
      backends (float64 on ``lava-float``);
    * ``reference``: the optimizer's state arrays (``m``, ``v``, ``r``, ...), float64.
    """
    out = {}
    if "run" in result:
        fixed = result.get("precision", "fixed") == "fixed"
        for side in ("W", "B"):
            for l, conn in enumerate(result["run"].final[side]):
                if not conn:
                    continue
                name = f"{side}{l + 1}"
                code = np.asarray(conn["weights"], dtype=np.float64)
                out[f"{name}/weights"] = code / result["w_scales"][l]
                for k in SAVED_VARS:
                    if k in conn:
                        v = np.asarray(conn[k])
                        key = f"{name}/{'weights_code' if k == 'weights' else k}"
                        out[key] = _as_int(v) if fixed else v.astype(np.float64)
        return out
    net = result["network"]
    for side, mats, opts in (("W", net.weights, net.opt_w), ("B", net.feedback, net.opt_b)):
        for l, mat in enumerate(mats):
            if mat is None:
                continue
            out[f"{side}{l + 1}/weights"] = np.asarray(mat, dtype=np.float64)
            opt = opts[l] if l < len(opts) else None
            for k, v in (vars(opt).items() if opt is not None else ()):
                if k != "lam_mask" and isinstance(v, np.ndarray) and v.shape == mat.shape:
                    out[f"{side}{l + 1}/{k}"] = v.astype(np.float64)
    return out
