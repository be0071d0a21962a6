"""``lava-bioadam bench`` (speed): bad input is one line and exit 2; a small run (slow:
compiles the default rules) reports identical states and the ratios; ``ill-conditioned``
and its former name ``benchmark``."""
import pytest

from lava_bioadam.app.cli import main


@pytest.mark.parametrize("argv, message", [
    (["--sizes", "64-x-10"], "not a network"),
    (["--sizes", "64"], "not a network"),
    (["--replicas", "0"], "must be positive"),
    (["--sizes", "20-5", "--samples", "1"], "at least 2"),
    (["--connections", "10x", "--no-lava"], "not a shape"),
    (["--connections", "3x4", "--steps", "4", "--no-lava"], "must exceed t_epoch"),
])
def test_bad_bench_arguments(argv, message, capsys):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_bench_small_run_without_lava(capsys):
    assert main(["bench", "--sizes", "20-9-10", "--samples", "4", "--fast-samples", "40",
                 "--replicas", "2", "4", "--no-lava"]) == 0
    out = capsys.readouterr().out
    assert "identical" in out and "DIFFERENT" not in out
    assert "2 replicas cost" in out and "4 replicas cost" in out
    assert "resized" not in out and "random activities" in out
    assert "start-up after a constant change: " in out and "COMPILED" not in out
    assert "constants as data vs compiled in: " in out


def test_bench_one_connection_without_lava(capsys):
    """``bench --connections``: the compiled and numpy golden connection, identical
    Vars, the step rates, the compile or load time apart."""
    assert main(["bench", "--connections", "3x5", "--steps", "12", "--no-lava"]) == 0
    out = capsys.readouterr().out
    assert "connection 3x5: 3F rule, 12 steps, t_epoch 4" in out and "load average" in out
    assert "identical" in out and "DIFFERENT" not in out
    assert "compiled golden (L2):" in out and "x numpy" in out and "excluded below" in out


def test_ill_conditioned_command_and_its_former_name(capsys):
    """``ill-conditioned`` prints the table; ``benchmark`` (its former name) does the
    same after one line on stderr that names the new command."""
    argv = ["--steps", "20", "--seeds", "0"]
    assert main(["ill-conditioned", *argv]) == 0
    new = capsys.readouterr()
    assert "exact Adam" in new.out and new.err == ""
    assert main(["benchmark", *argv]) == 0
    old = capsys.readouterr()
    assert old.out == new.out
    assert old.err.strip().splitlines() == [
        "lava-bioadam: 'benchmark' is now 'ill-conditioned' (the old name will be removed)"]
