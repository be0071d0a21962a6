"""Malformed configs through ``train --backend reference`` and ``rules``, in-process:
every one is rejected with one line of at most 200 characters and exit status 2,
none raises anything else, and none runs longer than a few seconds."""
import copy
import dataclasses
import math
import signal
import time
import typing

import numpy as np
import yaml

from lava_bioadam.app import config as config_mod
from lava_bioadam.app.cli import MAX_ERROR_LINE, main

#: a valid, fast config that every case breaks in one place
BASE = {"name": "fuzz", "data": {"dataset": "digits", "test_fraction": 0.3},
        "network": {"sizes": [64, 4, 10]}, "training": {"epochs": 1, "seeds": [0]}}

#: seconds one command may take before the case counts as a run past a bound
BOUND_S = 10


class RanPastBound(Exception):
    pass


def leaf_fields(cls, prefix=""):
    """(dotted key, type) of every leaf of the config's dataclasses."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from leaf_fields(tp, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", tp


def with_value(key, value):
    raw = copy.deepcopy(BASE)
    node = raw
    *parents, last = key.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return yaml.safe_dump(raw, width=10**9)


def base_type(tp):
    if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType")):
        tp = [a for a in typing.get_args(tp) if a is not type(None)][0]
    return tp


def bad_values(key, tp):
    """Values that no field of type ``tp`` accepts."""
    tp = base_type(tp)
    common = [{"a": 1}, ["x"] * 3]
    if tp is float:
        return [math.nan, math.inf, -math.inf, -1.0, "fast", True, 10**400] + common
    if tp is int:
        return [1.5, "1e30", 10**30, -5, math.nan, True] + common
    if tp is bool:
        return ["maybe", 2, 1.0] + common
    if tp is str or typing.get_origin(tp) is typing.Literal:
        return [123, 1.5] + common + (["no-such-option"] if tp is not str else [])
    if tp is dict:
        return [5, "x", [1, 2]]
    if tp is list or typing.get_origin(tp) is list:
        return [[], "x", 7, [math.nan], [-1], list(range(1000))]
    raise AssertionError(f"no bad values for {key}: {tp}")


def field_cases():
    skip = {"name", "data.path", "data.label_column"}  # any string / None is valid there
    for key, tp in leaf_fields(config_mod.Config):
        if key in skip:
            continue
        for v in bad_values(key, tp):
            yield f"{key}={v!r:.30}", with_value(key, v), ("train", "rules")


def targeted_cases():
    """Bounds, seeds, nesting, sizes of values and of the file, YAML structure."""
    big = 10**5
    cases = {
        "substeps 1e30": with_value("optimizer.substeps", 10**30),
        "substeps huge int": with_value("optimizer.substeps", 100_000),
        "200000-unit layer": with_value("network.sizes", [64, 200_000, 10]),
        "400 layers": with_value("network.sizes", [64] * 400 + [10]),
        "one size": with_value("network.sizes", [64]),
        "zero size": with_value("network.sizes", [64, 0, 10]),
        "epochs 1e9": with_value("training.epochs", 10**9),
        "negative seed": with_value("training.seeds", [-1]),
        "seed 2**40": with_value("training.seeds", [2**40]),
        "300 seeds": with_value("training.seeds", list(range(300))),
        "negative split seed": with_value("data.split_seed", -3),
        "verify networks text": with_value("verify.networks", [["a", 2]]),
        "verify networks huge": with_value("verify.networks", [[64, 100_000]]),
        "verify seeds negative": with_value("verify.seeds", [-1]),
        "verify variants text": with_value("verify.variants", ["x"]),
        "verify variant nan": with_value("verify.variants", [{"eta": math.nan}]),
        "verify variant unknown": with_value("verify.variants", [{"bogus": 1}]),
        "verify n_samples 1e12": with_value("verify.n_samples", 10**12),
        "compare budget 0": with_value("compare.budget", 0),
        "compare budget 1e6": with_value("compare.budget", 10**6),
        "compare validation 1": with_value("compare.validation_fraction", 1.0),
        "compare validation nan": with_value("compare.validation_fraction", math.nan),
        "init_scale 1e300": with_value("network.init_scale", 1e300),
        "test_fraction 1": with_value("data.test_fraction", 1.0),
        "beta1 1": with_value("optimizer.adam.beta1", 1.0),
        "npz without path": with_value("data.dataset", "npz"),
        "csv without path": with_value("data.dataset", "csv"),
        "n1 multiplicative r0 0": with_value("optimizer.n1", {"form": "multiplicative",
                                                              "r0": 0.0}),
        "rules t_epoch 1e6": with_value("rules.t_epoch", 10**6),
        "megabyte string": with_value("name", "x" * big),
        "megabyte option": with_value("optimizer.rule", "x" * big),
        "megabyte key": yaml.safe_dump({"x" * big: 1}),
        "long unknown key": "y" * 5000 + ": 1\n",
        "empty file": "",
        "comment only": "# nothing here\n",
        "empty mapping": "{}\n",
        "a list": "- 1\n- 2\n",
        "a scalar": "42\n",
        "duplicate top key": "name: a\nname: b\n",
        "duplicate nested key": "training:\n  epochs: 1\n  epochs: 2\n",
        "unknown top key": "bogus: 1\n",
        "unknown nested key": "network:\n  sizez: [1, 2]\n",
        "integer keys": "1: 2\nname: x\n",
        "null key": "~: 1\n",
        "list key": "? [1, 2]\n: 3\n",
        "section is a list": "network: [1, 2]\n",
        "section is text": "training: many\n",
        "bad yaml": "a: [1\n",
        "tab indent": "network:\n\tsizes: [1]\n",
        "deep nesting": "name: " + "[" * 5000 + "]" * 5000 + "\n",
        "deep mapping": "name: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "anchors": "a: &x [1, 2]\nb: *x\n",
        "python tag": "name: !!python/object:os.system ls\n",
        "binary": b"\x00\xff\xfe binary".decode("latin-1"),
        "nan sizes": with_value("network.sizes", [64, math.nan, 10]),
        "megabyte file": "name: " + "z" * (1 << 20) + "\n",
    }
    for label, text in cases.items():
        yield label, text, ("train", "rules")
    # data that the config allows but the data set does not: train only
    for label, text in {
        "test_fraction 0.001": with_value("data.test_fraction", 0.001),
        "test_fraction 0.999": with_value("data.test_fraction", 0.999),
        "missing npz": yaml.safe_dump({**BASE, "data": {"dataset": "npz", "path": "no.npz"}}),
        "missing csv": yaml.safe_dump({**BASE, "data": {"dataset": "csv", "path": "no.csv"}}),
        "features mismatch": with_value("network.sizes", [65, 10]),
        "too few outputs": with_value("network.sizes", [64, 3]),
    }.items():
        yield label, text, ("train",)


def all_cases():
    return list(field_cases()) + list(targeted_cases())


def test_config_fuzz(tmp_path, capsys):
    cases = all_cases()
    assert len(cases) >= 300, len(cases)

    def on_alarm(signum, frame):
        raise RanPastBound()

    old = signal.signal(signal.SIGALRM, on_alarm)
    failures, runs, t0 = [], 0, time.perf_counter()
    try:
        for k, (label, text, commands) in enumerate(cases):
            path = tmp_path / f"c{k}.yaml"
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
            for command in commands:
                argv = (["train", str(path), "--backend", "reference", "--quiet"]
                        if command == "train" else ["rules", str(path)])
                signal.setitimer(signal.ITIMER_REAL, BOUND_S)
                try:
                    rc = main(argv)
                except RanPastBound:
                    rc = "ran past the bound"
                except BaseException as exc:  # any traceback is a failure
                    rc = f"raised {type(exc).__name__}: {str(exc)[:80]}"
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                runs += 1
                err = capsys.readouterr().err.rstrip("\n")
                ok = (rc == 2 and err.count("\n") == 0 and 0 < len(err) <= MAX_ERROR_LINE
                      and err.startswith("lava-bioadam: error: "))
                if not ok:
                    failures.append(f"{label} [{command}]: rc={rc} err={err[:120]!r}")
    finally:
        signal.signal(signal.SIGALRM, old)
    print(f"{len(cases)} malformed configs, {runs} runs, {time.perf_counter() - t0:.1f} s")
    assert not failures, f"{len(failures)} of {runs} runs:\n" + "\n".join(failures[:40])


def test_fuzz_cases_break_a_valid_base(tmp_path):
    """The cases are malformed because of their change: the base itself trains."""
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(BASE))
    assert main(["rules", str(path)]) == 0
    assert np.isfinite(config_mod.load_config(path).optimizer.lam)
