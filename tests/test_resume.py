"""``train --resume DIR`` after an interruption ends bit-identical to a run that was
never interrupted: every weight, tag, trace and random stream (the weights file
and every epoch's metrics), on the float64 reference, the emulator (L2) and Lava
fixed_pt (L3: the network is rebuilt from the saved Vars)."""
import json

import numpy as np
import pytest

from lava_bioadam.app.cli import main
from lava_bioadam.app.commands import train as train_cmd


@pytest.fixture
def cfg_path(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, (40, 5))
    np.savez(tmp_path / "d.npz", x=x, y=(x[:, 0] + x[:, 1] > 1).astype(int))
    p = tmp_path / "c.yaml"
    p.write_text("data:\n  dataset: npz\n  path: d.npz\nnetwork:\n  sizes: [5, 4, 2]\n"
                 "training:\n  epochs: 3\n  seeds: [0, 1]\n")
    return p


def metrics(folder):
    recs = [json.loads(l) for l in (folder / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in recs]


def weights(folder, seed):
    with np.load(folder / "weights" / f"seed{seed}.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("backend", ["reference", "emulator", "lava-fixed",
                                     pytest.param("lava-float", marks=pytest.mark.slow)])
def test_resume_is_bit_identical(tmp_path, cfg_path, monkeypatch, capsys, backend):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    common = ["--backend", backend, "--quiet", "--no-plots"]
    assert main(["train", str(cfg_path), "--out", str(whole), *common]) == 0
    startup = json.loads((whole / "run.json").read_text()).get("emulator_startup")
    if backend == "emulator":       # the compiled model's start-up, per seed
        assert set(startup) == {"0", "1"} and startup["1"]["compiled"] is False
        assert all(s["seconds"] >= 0 and s["cache"] for s in startup.values())
    else:
        assert startup is None
    real = train_cmd.BACKENDS[backend]

    def stop_in_seed_1_epoch_3(cfg, data, seed, log, **kw):
        def log2(rec):
            log(rec)
            if seed == 1 and rec["epoch"] == 3:
                raise KeyboardInterrupt   # epoch 3 recorded, its checkpoint not written
        return real(cfg, data, seed, log2, **kw)

    monkeypatch.setitem(train_cmd.BACKENDS, backend, stop_in_seed_1_epoch_3)
    assert main(["train", str(cfg_path), "--out", str(parts), *common]) == 130
    status = json.loads((parts / "status.json").read_text())
    assert status["status"] == "interrupted" and status["epochs_finished"] == {"0": 3, "1": 3}
    monkeypatch.undo()
    assert main(["train", "--resume", str(parts), "--quiet", "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "seed 0: complete before" in out
    assert json.loads((parts / "status.json").read_text())["status"] == "complete"
    assert metrics(parts) == metrics(whole)
    recs = [json.loads(l) for l in (parts / "metrics.jsonl").read_text().splitlines()]
    for seed in (0, 1):           # seconds count the whole run, across the resume
        secs = [r["seconds"] for r in recs if r["seed"] == seed]
        assert secs == sorted(secs), secs
    for seed in (0, 1):
        a, b = weights(whole, seed), weights(parts, seed)
        assert set(a) == set(b) and len(a) >= 4
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
            assert a[k].dtype == (np.int64 if k.endswith(("_code", "tag_1", "tag_2"))
                                  and backend != "lava-float" else np.float64), k


def test_resume_refuses_what_it_cannot_continue(tmp_path, cfg_path, capsys):
    done = tmp_path / "done"
    assert main(["train", str(cfg_path), "--out", str(done), "--quiet", "--no-plots",
                 "--epochs", "1"]) == 0
    for argv, message in [
            (["train", "--resume", str(done)], "the run is complete"),
            (["train", "--resume", str(tmp_path)], "not a results folder"),
            (["train", str(cfg_path), "--resume", str(done)], "drop CONFIG"),
            (["train"], "needs a CONFIG")]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
