"""Config validation and the CLI's error handling (one line, exit status 2)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lava_bioadam.app.cli import main
from lava_bioadam.app.config import load_config
from lava_bioadam.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_default_config_loads():
    cfg = load_config(ROOT / "configs/digits.yaml")
    assert cfg.data.dataset == "digits" and cfg.network.feedback == "predisposition"


@pytest.mark.parametrize("text,message", [
    ("network:\n  sizez: [64, 10]\n", "unknown key network.sizez"),
    ("bogus: 1\n", "unknown key bogus"),
    ("network:\n  sizes: 64\n", "network.sizes must be a non-empty list"),
    ("training:\n  epochs: ten\n", "training.epochs must be an integer"),
    ("rules:\n  eta: fast\n", "rules.eta must be a number"),
    ("rules:\n  rule: rmsprop\n", "rules.rule must be one of"),
    ("rules:\n  tau_r: -1\n", "rules.tau_r must be > 0"),
    ("rules:\n  rule: adam\n  tau_v: 0.5\n", "rules.tau_m and rules.tau_v must be >= 1"),
    ("optimizer:\n  n1:\n    eta: 0.1\n", "optimizer: is gone; put its values once in rules:"),
    ("network: [1, 2]\n", "network must be a mapping"),
    ("data:\n  dataset: npz\n", "data.path is required"),
    ("a: [1\n", "not valid YAML"),
])
def test_bad_configs_name_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_config(write(tmp_path, text))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_cli_turns_errors_into_one_line_and_exit_2(tmp_path, capsys):
    p = write(tmp_path, "network:\n  sizez: [64, 10]\n")
    assert main(["train", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown key network.sizez" in err


def test_old_layout_gets_the_whole_migration_line(tmp_path, capsys):
    """A config with an optimizer: section: one line, not cut, that says where the
    values go, even under a long folder name."""
    d = tmp_path / ("a" * 40)
    d.mkdir()
    p = d / "old.yaml"
    p.write_text("optimizer:\n  rule: adam\n  adam: {lr: 0.003}\n")
    assert main(["train", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("the rest by name; docs/usage.md)"), err


def test_console_script_missing_file_exit_2(tmp_path):
    exe = Path(sys.executable).parent / "lava-bioadam"
    r = subprocess.run([str(exe), "train", str(tmp_path / "missing.yaml")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == f"lava-bioadam: error: config file {tmp_path / 'missing.yaml'} not found"


def test_bad_data_file_is_a_user_error(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", x=np.full((20, 4), 2.0), y=np.arange(20) % 2)
    p = write(tmp_path, "data:\n  dataset: npz\n  path: d.npz\nnetwork:\n  sizes: [4, 2]\n")
    assert main(["train", str(p)]) == 2
    assert "outside [0, 1]" in capsys.readouterr().err


def test_train_on_npz_and_refuse_to_overwrite(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (60, 4))
    y = (x[:, 0] > 0.5).astype(int)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    p = write(tmp_path, "data:\n  dataset: npz\n  path: d.npz\nnetwork:\n  sizes: [4, 3, 2]\n"
                        "training:\n  epochs: 2\n  seeds: [0]\n")
    out = tmp_path / "res"
    assert main(["train", str(p), "--out", str(out), "--quiet", "--no-plots"]) == 0
    saved = (out / "metrics.jsonl").read_text()
    assert '"test_accuracy"' in saved
    assert main(["train", str(p), "--out", str(out)]) == 2  # exists: refused before any work
    assert "exists" in capsys.readouterr().err
    assert (out / "metrics.jsonl").read_text() == saved


def test_data_size_mismatch(tmp_path, capsys):
    p = write(tmp_path, "network:\n  sizes: [10, 10]\n")
    assert main(["train", str(p)]) == 2
    assert "64 features" in capsys.readouterr().err
