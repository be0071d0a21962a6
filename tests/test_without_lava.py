"""The core install (no Lava): the Lava backends and commands end with one line that
names the extra and the Python it needs, exit status 2, before any work; the
reference and emulator paths run and never import Lava.

Each check runs in a subprocess whose import system has no Lava: on a Python without
Lava that is the real thing; where Lava is installed, ``sys.modules["lava"] = None``
blocks it (``import lava`` then fails as if it were missing).
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lava_bioadam.errors import LAVA_PYTHON

ROOT = Path(__file__).resolve().parents[1]

#: runs the CLI with Lava blocked; prints, after the command, whether any module of
#: Lava (or of the package's Lava layers) was imported
SCRIPT = textwrap.dedent("""
    import json, sys
    sys.modules["lava"] = None
    from lava_bioadam.app.cli import main
    try:
        rc = main(sys.argv[1:])
    except SystemExit as exc:
        rc = exc.code
    loaded = sorted(m for m in sys.modules if m == "lava" and sys.modules[m] is not None
                    or m.startswith(("lava.", "lava_bioadam.lava", "lava_bioadam.processes")))
    print("LOADED " + json.dumps(loaded))
    sys.exit(rc)
""")

MESSAGE = f"needs Lava: pip install 'lava-bioadam[lava]' on Python {LAVA_PYTHON}"


def cli_without_lava(*args, cwd=ROOT):
    """``(returncode, stdout without the LOADED line, stderr, loaded modules)``."""
    r = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, args)], cwd=cwd,
                       capture_output=True, text=True, timeout=600)
    lines = r.stdout.splitlines()
    assert lines and lines[-1].startswith("LOADED "), r.stdout + r.stderr
    return r.returncode, "\n".join(lines[:-1]), r.stderr, json.loads(lines[-1][7:])


@pytest.mark.parametrize("args, what", [
    (["train", "configs/digits.yaml", "--backend", "lava-fixed"], "the lava-fixed backend"),
    (["train", "configs/digits.yaml", "--backend", "lava-float"], "the lava-float backend"),
    (["verify", "configs/fixed_layer.yaml"], "verify (levels L1 and L3 run on Lava)"),
    (["bench", "--sizes", "8-4"], "bench's Lava fixed_pt timing"),
])
def test_a_lava_command_without_lava_is_one_line_and_exit_2(tmp_path, args, what):
    out = tmp_path / "res"
    extra = ["--out", out] if args[0] == "train" else []
    rc, stdout, stderr, loaded = cli_without_lava(*args, *extra)
    assert rc == 2
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(f"lava-bioadam: error: {what} {MESSAGE}"), stderr
    assert stdout == "" and not out.exists()  # refused before any work
    assert loaded == []


def test_the_golden_model_trains_without_lava(tmp_path):
    """A small run of the integer golden model and the float reference, Lava blocked
    (the numpy golden model: the compiled one needs a compile of about a minute here,
    and its layer imports no Lava either, as tests/test_layers.py checks)."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("data:\n  dataset: iris\nnetwork:\n  sizes: [4, 6, 3]\n"
                   "training:\n  epochs: 1\n  seeds: [0]\n")
    for backend in ("emulator-numpy", "reference"):
        out = tmp_path / backend
        rc, stdout, stderr, loaded = cli_without_lava(
            "train", cfg, "--backend", backend, "--out", out, "--quiet", "--no-plots")
        assert rc == 0, stderr
        assert loaded == []
        assert '"test_accuracy"' in (out / "metrics.jsonl").read_text()


def test_rules_and_version_without_lava():
    rc, stdout, _, loaded = cli_without_lava("rules", "configs/digits.yaml")
    assert rc == 0 and "x0" in stdout and loaded == []
    rc, stdout, _, _ = cli_without_lava("--version")
    assert rc == 0 and stdout.startswith("lava-bioadam ")


def test_importing_the_lava_layer_without_lava_names_the_extra():
    """A library user gets the same message (an ImportError) from the Lava layers."""
    for module in ("lava_bioadam.lava.network", "lava_bioadam.processes"):
        r = subprocess.run([sys.executable, "-c",
                            f"import sys; sys.modules['lava'] = None; import {module}"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 1
        assert "LavaMissingError" in r.stderr and MESSAGE in r.stderr
