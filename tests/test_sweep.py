"""``lava-bioadam sweep``: the grid, bad input before any work, and (slow) a sweep on
a local Dask cluster that reproduces ``train --backend emulator`` per seed."""
import json

import pytest

from lava_bioadam.app.cli import main
from lava_bioadam.app.sweep import parse_grid
from lava_bioadam.errors import UserError


def test_grid_is_the_product_of_the_values():
    pts = parse_grid(["eta=0.01,0.02", "tau_r=8,16", "form=linear"])
    assert len(pts) == 4
    assert {"eta": 0.02, "tau_r": 16, "form": "linear"} in pts
    assert parse_grid(None) == [{}]
    with pytest.raises(UserError, match="KEY=V1"):
        parse_grid(["eta"])


@pytest.mark.parametrize("extra, message", [
    (["--set", "no_such_key=1"], "no_such_key"),
    (["--set", "eta="], "KEY=V1"),
    (["--workers", "0"], "--workers"),
])
def test_bad_sweeps_fail_before_any_work(extra, message, tmp_path, capsys):
    assert main(["sweep", "configs/digits.yaml", "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_existing_results_are_not_overwritten(tmp_path, capsys):
    (tmp_path / "sweep.json").write_text("{}")
    assert main(["sweep", "configs/digits.yaml", "--out", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "sweep.json").read_text() == "{}"


@pytest.mark.slow
def test_sweep_on_a_local_cluster_matches_train(tmp_path, capsys):
    from lava_bioadam.app.config import load_config
    from lava_bioadam.app.data import load_dataset
    from lava_bioadam.app.training import train_network

    assert main(["sweep", "configs/digits.yaml", "--epochs", "1", "--seeds", "0", "1",
                 "--set", "r0=0.5,1.0", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "sweep.json").read_text())
    assert "for 2 points)" in capsys.readouterr().err     # warmed once, before the workers
    assert (tmp_path / "sweep.png").stat().st_size > 1000
    assert len(res["rows"]) == 4 and len(res["summary"]) == 2
    cfg = load_config("configs/digits.yaml")
    cfg.training.epochs = 1
    ref = train_network(cfg, load_dataset(cfg.data), 1, None, "emulator")
    row = next(r for r in res["rows"] if r["seed"] == 1 and r["r0"] == cfg.rules.r0)
    assert row["test_accuracy"] == ref["final"]["test_accuracy"]
