"""Command-line entry point: ``lava-bioadam COMMAND ...``.

Each command lives in its own module that exposes ``add_parser(subparsers)``; the
parser it adds sets ``func`` (called with the parsed arguments, returns an exit
status). Every :class:`lava_bioadam.errors.UserError` becomes one line on stderr and
exit status 2.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import signal
import sys
import threading

from lava_bioadam import __version__
from lava_bioadam.app.config import clip
from lava_bioadam.errors import LavaRunError, Terminated, UserError

#: modules under ``lava_bioadam.app.commands`` that each add one sub-command.
COMMANDS = ("train", "compare", "rules", "verify", "golden", "ill_conditioned", "rounding",
            "bench", "sweep", "status")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lava-bioadam",
        description="Synaptic Adam and learned weight symmetry on emulated Loihi cores.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"lava_bioadam.app.commands.{name}").add_parser(sub)
    return parser


#: longest error line printed (characters)
MAX_ERROR_LINE = 200


def error_line(exc: BaseException) -> str:
    """``exc`` as the one line the CLI prints: whitespace collapsed, at most
    ``MAX_ERROR_LINE`` characters. Messages start with the file and then the fix, so
    a line that is too long first loses the file's folders, then its end."""
    prefix = "lava-bioadam: error: "
    text, room = " ".join(str(exc).split()), MAX_ERROR_LINE - len(prefix)
    where, sep, rest = text.partition(": ")
    if len(text) > room and sep and "/" in where and " " not in where:
        text = f"{os.path.basename(where)}{sep}{rest}"
    return prefix + clip(text, room)


_MAIN_PID = os.getpid()


def _on_sigterm(signum, frame):
    if os.getpid() == _MAIN_PID:   # a forked child leaves it to this process
        raise Terminated()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the message."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def setup_logging(quiet: bool = False) -> None:
    """Messages of the package's loggers on stderr, one line each (warnings only
    with ``quiet``)."""
    logger = logging.getLogger("lava_bioadam")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("lava-bioadam: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    """The parser, built once per process (building it costs ~15 ms, mostly gettext)."""
    return build_parser()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(getattr(args, "quiet", False))
    in_main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except LavaRunError as exc:    # its message holds a failing model's traceback, if any
        print(f"lava-bioadam: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lava-bioadam: interrupted (SIGINT)", file=sys.stderr)
        return 130
    except Terminated:
        print("lava-bioadam: terminated (SIGTERM)", file=sys.stderr)
        return 143
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, old)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
