"""Results folders of ``train``: contents, plots, --force, interruption and write
failures (small reference runs on a toy data set)."""
import errno
import json

import numpy as np
import pytest
import yaml

from lava_bioadam.app import results
from lava_bioadam.app.cli import main
from lava_bioadam.app.commands import train as train_cmd
from lava_bioadam.app.config import load_config
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.training import train_reference
from lava_bioadam.errors import Terminated

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def cfg_path(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (60, 4))
    np.savez(tmp_path / "d.npz", x=x, y=(x[:, 0] > 0.5).astype(int))
    p = tmp_path / "c.yaml"
    p.write_text("name: toy\ndata:\n  dataset: npz\n  path: d.npz\nnetwork:\n  sizes: [4, 3, 2]\n"
                 "training:\n  epochs: 2\n  seeds: [0, 1]\n")
    return p


def read_metrics(folder):
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


def test_folder_holds_config_versions_metrics_weights_plots(tmp_path, cfg_path, capsys):
    out = tmp_path / "runs" / "a"          # parents are created
    assert main(["train", str(cfg_path), "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "status.json").read_text())["status"] == "complete"
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["training"] == {"epochs": 2, "seeds": [0, 1]}
    assert saved["data"]["path"] == str(tmp_path / "d.npz")
    run = json.loads((out / "run.json").read_text())
    assert run["backend"] == "reference" and run["versions"]["numpy"] == np.__version__
    recs = read_metrics(out)
    assert [(r["seed"], r["epoch"]) for r in recs] == [(s, e) for s in (0, 1) for e in range(3)]
    # the saved weights are those of the same training run
    cfg = load_config(cfg_path)
    ref = train_reference(cfg, load_dataset(cfg.data), 1)
    w = np.load(out / "weights" / "seed1.npz")
    np.testing.assert_array_equal(w["W2/weights"], ref["network"].weights[1])
    np.testing.assert_array_equal(w["B2/weights"], ref["network"].feedback[1])
    assert {"W1/m", "W1/r", "B2/m"} <= set(w.files)
    assert recs[-1]["test_accuracy"] == ref["history"][-1]["test_accuracy"]
    for name in ("accuracy.png", "loss.png", "angle.png"):
        assert (out / name).read_bytes()[:8] == PNG
    assert not list(out.rglob("*.tmp")) and not list(tmp_path.glob("runs/a.*"))


def test_default_folder_under_runs(tmp_path, cfg_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["train", str(cfg_path), "--quiet", "--epochs", "1", "--no-plots"]) == 0
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("toy-reference-") for f in folders)


def test_existing_folder_needs_force_and_failed_run_keeps_it(tmp_path, cfg_path, capsys,
                                                            monkeypatch):
    out = tmp_path / "r"
    assert main(["train", str(cfg_path), "--out", str(out), "--quiet", "--epochs", "1",
                 "--no-plots"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["train", str(cfg_path), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    # a failing forced run leaves the old folder as it was
    def boom(*a, **k):
        raise RuntimeError("model exploded")
    monkeypatch.setitem(train_cmd.BACKENDS, "reference", boom)
    with pytest.raises(RuntimeError):
        main(["train", str(cfg_path), "--out", str(out), "--force", "--quiet", "--no-plots"])
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    partial = next(tmp_path.glob("r.partial-*"))
    assert json.loads((partial / "status.json").read_text())["status"] == "failed"
    monkeypatch.undo()
    # a complete forced run replaces it
    assert main(["train", str(cfg_path), "--out", str(out), "--force", "--quiet",
                 "--no-plots"]) == 0
    assert len(read_metrics(out)) == 6 and not list(tmp_path.glob("r.old-*"))


def test_force_never_replaces_a_folder_it_did_not_write(tmp_path, cfg_path, capsys):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    assert main(["train", str(cfg_path), "--out", str(other), "--force"]) == 2
    assert "not a results folder" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "keep"


@pytest.mark.parametrize("exc,code,status", [(KeyboardInterrupt, 130, "interrupted"),
                                             (Terminated, 143, "interrupted")])
def test_interrupted_run_keeps_finished_epochs(tmp_path, cfg_path, capsys, monkeypatch,
                                               exc, code, status):
    def stop_in_epoch_2(cfg, data, seed, log, **kw):
        def log2(rec):
            if rec["epoch"] == 2:
                raise exc()
            log(rec)
        return train_reference(cfg, data, seed, log2, **kw)
    monkeypatch.setitem(train_cmd.BACKENDS, "reference", stop_in_epoch_2)
    out = tmp_path / "r"
    assert main(["train", str(cfg_path), "--out", str(out), "--quiet"]) == code
    st = json.loads((out / "status.json").read_text())
    assert st["status"] == status and st["epochs_finished"] == {"0": 1}
    assert [r["epoch"] for r in read_metrics(out)] == [0, 1]
    assert not (out / "accuracy.png").exists()      # an interrupted run ends at once
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("lava-bioadam: ")


def test_write_failure_one_line_metrics_printed_nothing_half_written(tmp_path, cfg_path,
                                                                     capsys, monkeypatch):
    calls = []
    real = results.write_atomic

    def disk_full_after_5(path, data):
        calls.append(path.name)
        if len(calls) > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)
    monkeypatch.setattr(results, "write_atomic", disk_full_after_5)
    out = tmp_path / "r"
    assert main(["train", str(cfg_path), "--out", str(out), "--no-plots"]) == 2
    cap = capsys.readouterr()
    assert "test accuracy: mean" in cap.out and cap.out.count("epoch   2") == 2
    last = cap.err.strip().splitlines()[-1]
    assert last.startswith("lava-bioadam: error: cannot write") and "No space left" in last
    assert len(last) <= 200
    assert not list(out.rglob("*.tmp"))
    for f in out.glob("*.json"):
        json.loads(f.read_text())       # every file that exists is whole
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "failed" and "No space left" in status["message"]


def test_compare_saves_table_json_and_figure(tmp_path, cfg_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(cfg_path), "--out", str(out), "--epochs", "1",
                 "--seeds", "0"]) == 0
    printed = [l for l in capsys.readouterr().out.splitlines() if l.startswith("|")]
    table = (out / "compare.md").read_text().splitlines()
    assert table == printed and len(table) == 2 + 9       # header, rule, one row per variant
    rows = json.loads((out / "compare.json").read_text())
    assert [r["label"] for r in rows][0] == "exact Adam" and len(rows[0]["acc"]) == 1
    assert (out / "compare.png").read_bytes()[:8] == PNG
    assert json.loads((out / "status.json").read_text())["status"] == "complete"
