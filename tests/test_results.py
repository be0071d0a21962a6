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


@pytest.mark.lava
def test_same_weights_file_on_emulator_and_lava_fixed(tmp_path, cfg_path):
    """One results format: the same names, dtypes and values on L2 and L3 (bit-exact),
    physical weights as floats, integer codes as integers, no trace arrays."""
    files = {}
    for backend in ("emulator", "lava-fixed"):
        out = tmp_path / backend
        assert main(["train", str(cfg_path), "--backend", backend, "--out", str(out),
                     "--epochs", "1", "--seeds", "0", "--quiet", "--no-plots"]) == 0
        with np.load(out / "weights" / "seed0.npz") as f:
            files[backend] = {k: f[k] for k in f.files}
    emu, lava = files["emulator"], files["lava-fixed"]
    assert sorted(emu) == sorted(lava) == sorted(
        f"{c}/{v}" for c in ("W1", "W2", "B2") for v in ("weights", "weights_code",
                                                       "tag_1", "tag_2"))
    for k in emu:
        assert emu[k].dtype == lava[k].dtype == (np.float64 if k.endswith("/weights")
                                                 else np.int64), k
        np.testing.assert_array_equal(emu[k], lava[k], err_msg=k)
    assert np.abs(emu["W1/weights"]).max() < 8 and np.abs(emu["W1/weights_code"]).max() > 8


def test_out_accepts_an_empty_folder_and_names_a_file(tmp_path, cfg_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", str(cfg_path), "--out", str(empty), "--quiet", "--no-plots",
                 "--epochs", "1"]) == 0
    assert json.loads((empty / "status.json").read_text())["status"] == "complete"
    capsys.readouterr()
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    for extra in ([], ["--force"]):
        assert main(["train", str(cfg_path), "--out", str(a_file), *extra]) == 2
        err = capsys.readouterr().err
        assert "is a file, not a folder" in err and "pass --force" not in err, err
    assert a_file.read_text() == "x"


def test_diverging_run_fails_and_keeps_finished_epochs(tmp_path, cfg_path, capsys):
    text = cfg_path.read_text() + "rules:\n  lam: 1e300\n"
    cfg_path.write_text(text)
    out = tmp_path / "div"
    assert main(["train", str(cfg_path), "--out", str(out), "--no-plots"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("lava-bioadam: error: lower rules.eta or rules.lam")
    assert "diverged in epoch 1" in err[-1] and len(err[-1]) <= 200
    assert not any("RuntimeWarning" in e for e in err), err
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "failed" and status["epochs_finished"] == {"0": 0}
    assert [r["epoch"] for r in read_metrics(out)] == [0]


def test_single_class_data_refused_before_the_folder(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).uniform(0, 1, (30, 4)),
             y=np.zeros(30, int))
    p = tmp_path / "c.yaml"
    p.write_text("data: {dataset: npz, path: d.npz}\nnetwork: {sizes: [4, 2]}\n")
    assert main(["train", str(p), "--out", str(tmp_path / "r")]) == 2
    assert "at least two classes" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_unrepresentable_rules_refused_before_the_folder(tmp_path, cfg_path, capsys):
    cfg_path.write_text(cfg_path.read_text() + "rules:\n  tau_r: 3.19e-299\n")
    assert main(["train", str(cfg_path), "--backend", "emulator",
                 "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lava-bioadam: error: ") and "set rules.tau_r to at least" in err
    assert len(err) <= 200 and not (tmp_path / "r").exists()


def test_memory_estimate_refuses_before_the_folder(tmp_path, cfg_path, capsys, monkeypatch):
    from lava_bioadam.app import training

    monkeypatch.setattr(training, "available_memory", lambda: 50e6)
    assert main(["train", str(cfg_path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert "use smaller network.sizes: [4, 3, 2] needs about" in err and "50 MB available" in err
    assert not (tmp_path / "r").exists()


def test_status_view_of_a_folder_whose_process_is_gone(tmp_path, cfg_path, capsys):
    out = tmp_path / "r"
    assert main(["train", str(cfg_path), "--out", str(out), "--quiet", "--no-plots",
                 "--epochs", "1"]) == 0
    st = json.loads((out / "status.json").read_text())
    assert st["process"]["pid"] > 0 and st["process"]["start_ticks"] is not None
    # as a killed run leaves it: running, its process gone (pid reused: other start time)
    st.update(status="running", process={**st["process"], "start_ticks": 1})
    (out / "status.json").write_text(json.dumps(st))
    capsys.readouterr()
    assert main(["status", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{out}: interrupted; epochs finished: seed 0: 1, seed 1: 1")
    st["process"] = results.process_identity()           # this process: alive
    (out / "status.json").write_text(json.dumps(st))
    assert main(["status", str(out)]) == 0
    assert ": running;" in capsys.readouterr().out
    assert main(["train", "--resume", str(out)]) == 2
    assert "still running" in capsys.readouterr().err


def test_plots_show_mean_band_and_initial_epoch_sweep_has_axes():
    from matplotlib.collections import PolyCollection

    from lava_bioadam.app.plots import accuracy_figure, sweep_figure

    recs = [{"seed": s, "epoch": e, "test_accuracy": 0.1 + 0.2 * e + 0.01 * s,
             "test_loss": 1.0, "train_loss": 1.0, "symmetry": []}
            for s in range(3) for e in range(4)]
    ax = accuracy_figure(recs, "t").axes[0]
    assert any(isinstance(c, PolyCollection) for c in ax.collections)     # the band
    assert len(ax.lines) == 3 + 1                          # faint seeds and the mean
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), [0.11, 0.31, 0.51, 0.71])
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "initial" in labels and "0" not in labels and "1" in labels, labels
    summary = [{"eta": v, "seeds": 3, "mean": 0.93 + 0.002 * k, "std": 0.003}
               for k, v in enumerate((0.004, 0.008, 0.016))]
    ax = sweep_figure(summary, ["eta"]).axes[0]
    assert ax.get_title() and ax.get_xlabel() == "rules.eta" and "accuracy" in ax.get_ylabel()
    lo, hi = ax.get_ylim()
    assert lo <= 0.9 and hi - lo >= 0.2 - 1e-9                 # not autoscaled to +-0.01


def test_full_disk_from_the_start_refused_before_work(tmp_path, cfg_path, capsys,
                                                      monkeypatch):
    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(results, "write_atomic", disk_full)
    out = tmp_path / "r"
    assert main(["train", str(cfg_path), "--out", str(out), "--no-plots"]) == 2
    cap = capsys.readouterr()
    assert "epoch" not in cap.out and not out.exists()
    assert cap.err.strip().splitlines()[-1].startswith(
        "lava-bioadam: error: free some space or choose another --out: cannot write")


def test_plot_write_failure_marks_the_run_failed(tmp_path, cfg_path, capsys, monkeypatch):
    real = results.write_atomic

    def no_png(path, data):
        if path.suffix == ".png":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)
    monkeypatch.setattr(results, "write_atomic", no_png)
    out = tmp_path / "r"
    assert main(["train", str(cfg_path), "--out", str(out), "--epochs", "1"]) == 2
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "failed" and "accuracy.png" in status["message"]


def test_keys_the_backend_does_not_read_are_reported(tmp_path, cfg_path, capsys):
    """One rules: section for every backend: a key the running backend does not read
    for the rule is named in one warning line and in run.json."""
    cfg_path.write_text(cfg_path.read_text() + "rules:\n  w_max: 4.0\n  tau_v: 1000.0\n")
    out = tmp_path / "ignored"
    assert main(["train", str(cfg_path), "--out", str(out), "--quiet", "--no-plots",
                 "--epochs", "1", "--seeds", "0"]) == 0
    line = "backend reference ignores rules.w_max (not read by rule n1 on this backend)"
    err = capsys.readouterr().err
    assert line in err and "tau_v" not in err     # tau_v at its default is not reported
    assert json.loads((out / "run.json").read_text())["ignored_keys"] == line


def test_ignored_keys_per_backend_and_rule():
    from lava_bioadam.rules.params import RuleParams, ignored_keys

    p = RuleParams(w_max=4.0, tau_v=100.0, substeps=2)
    assert ignored_keys(p, "reference") == ["w_max", "tau_v"]      # tau_v: Adam's
    assert ignored_keys(p, "fixed") == ["tau_v", "substeps"]
    adam = RuleParams(rule="adam", tau_r=4.0, eta=0.5, tau_v=100.0)
    assert ignored_keys(adam, "reference") == ["tau_r"]
    assert ignored_keys(RuleParams(rule="sgd", tau_m=4.0), "fixed") == ["tau_m"]
