"""``lava-bioadam golden``: regenerate the golden vectors (only on an intended change
of semantics; explain it in docs/CHANGELOG.md)."""
from __future__ import annotations

from pathlib import Path

from lava_bioadam.verify.golden_vectors import CASES, DEFAULT_DIR, regenerate


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("golden", help="regenerate the golden vectors (L2 outputs) "
                              "under tests/golden")
    p.add_argument("--out", default=str(DEFAULT_DIR), help="folder (default: %(default)s)")
    p.add_argument("--cases", nargs="+", choices=list(CASES),
                   help="regenerate only these (default: all)")
    p.set_defaults(func=run)


def run(args) -> int:
    regenerate(Path(args.out), args.cases)
    return 0
