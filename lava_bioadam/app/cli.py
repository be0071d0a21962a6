"""Command-line entry point: ``lava-bioadam COMMAND ...``.

Each command lives in its own module that exposes ``add_parser(subparsers)``; the
parser it adds sets ``func`` (called with the parsed arguments, returns an exit
status). Every :class:`lava_bioadam.errors.UserError` becomes one line on stderr and
exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from lava_bioadam import __version__
from lava_bioadam.errors import UserError

#: modules under ``lava_bioadam.app.commands`` that each add one sub-command.
COMMANDS = ("train", "compare", "rules", "verify", "golden", "benchmark", "rounding", "bench",
            "sweep")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lava-bioadam",
        description="Synaptic Adam and learned weight symmetry on emulated Loihi cores.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"lava_bioadam.app.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"lava-bioadam: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lava-bioadam: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
