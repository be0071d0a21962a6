"""Malformed configs through ``train --backend reference`` and ``rules``, in-process:
every one is rejected with one line of at most 200 characters and exit status 2,
none raises anything else, and none runs longer than a few seconds. Then a seeded
random fuzz of configs and data files through the checks ``train`` makes before any
work, and a few cases through the command line in subprocesses."""
import copy
import dataclasses
import functools
import json
import math
import os
import signal
import time
import typing

import numpy as np
import yaml

from lava_bioadam.app import config as config_mod
from lava_bioadam.app.cli import MAX_ERROR_LINE, error_line, main
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.training import preflight
from lava_bioadam.errors import UserError, lava_available

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
        "substeps 1e30": with_value("rules.substeps", 10**30),
        "substeps huge int": with_value("rules.substeps", 100_000),
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
        "adam tau_v 0.5": with_value("rules", {"rule": "adam", "tau_v": 0.5}),
        "npz without path": with_value("data.dataset", "npz"),
        "csv without path": with_value("data.dataset", "csv"),
        "n1 multiplicative r0 0": with_value("rules", {"form": "multiplicative", "r0": 0.0}),
        "rules t_epoch 1e6": with_value("rules.t_epoch", 10**6),
        "megabyte string": with_value("name", "x" * big),
        "megabyte option": with_value("rules.rule", "x" * big),
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
    assert np.isfinite(config_mod.load_config(path).rules.lam)


# ------------------------------------------------------------------ seeded random fuzz
# Random configs and data files, checked the way ``train`` checks them before any work
# (``load_config``, ``load_dataset``, ``preflight``), in-process: every case either
# passes or is refused with one line of at most 200 characters, within CASE_S seconds.
# LAVA_BIOADAM_FUZZ_CASES=655 LAVA_BIOADAM_FUZZ_TRAIN=1 also trains every case that
# passes (one epoch, reference or emulator) and checks it ends with finite metrics.

N_RANDOM = int(os.environ.get("LAVA_BIOADAM_FUZZ_CASES", "320"))
TRAIN = os.environ.get("LAVA_BIOADAM_FUZZ_TRAIN") == "1"
CASE_S = 10
FUZZ_SEED = 21

#: a valid config with every section that the random cases mutate
RICH = {"name": "rfuzz", "data": {"dataset": "digits", "test_fraction": 0.3, "split_seed": 0},
        "network": {"sizes": [64, 6, 10], "feedback": "predisposition", "init_scale": 1.0},
        "training": {"epochs": 1, "seeds": [0]},
        "rules": {"eta": 0.01, "tau_m": 8.0, "tau_r": 16.0, "eps": 0.125, "lam": 0.0,
                  "w_max": 2.0, "m_max": 0.25, "e_max": 1.0, "r0": 1.0, "t_epoch": 2,
                  "substeps": 1}}

#: numbers at and past the bounds, huge and tiny (text: written into the YAML as is)
NUMBERS = [0, 1, -1, 2, 63, 64, 4096, 4097, 10_000, 10_001, 2**31 - 1, 2**31, 10**30,
           0.0, -0.0, 1e-2, 0.5, 0.999, 1.0, 1e-300, 5e-324, 3.19e-299, 1e300, 1.7e308,
           -1e300, math.inf, -math.inf, math.nan]
TEXT_NUMBERS = ["1e-2", "1E3", "1e400", "-1e-400", ".inf", ".nan", "0x7fffffff", "1_000",
                "1:30", "9" * 100_000, "-" + "9" * 5000, "1" + "0" * 29, "1" + "0" * 31,
                "'1e-2'", "+.5e-3", "0b101", "017"]


def _leaves(node, prefix=""):
    for k, v in node.items():
        if isinstance(v, dict):
            yield from _leaves(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}"


def _set(raw, key, value):
    node = raw
    *parents, last = key.split(".")
    for p in parents:
        node = node.setdefault(p, {}) if isinstance(node.get(p, {}), dict) else node
    node[last] = value


def _remove(raw, key):
    node = raw
    *parents, last = key.split(".")
    for p in parents:
        node = node[p]
    del node[last]


def _data_files(root):
    """Bad (and a few good) data files, by kind."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (60, 64))
    files = {}

    def npz(name, **arrays):
        np.savez(root / name, **arrays)
        files[name] = ("npz", str(root / name))

    npz("ok.npz", x=x, y=np.arange(60) % 3)
    npz("one_class.npz", x=x, y=np.zeros(60, int))
    npz("nan.npz", x=np.where(x > 0.9, np.nan, x), y=np.arange(60) % 3)
    npz("big_values.npz", x=x * 1e300, y=np.arange(60) % 3)
    npz("three_d.npz", x=x.reshape(60, 8, 8), y=np.arange(60) % 3)
    npz("float_labels.npz", x=x, y=(np.arange(60) % 3) + 0.5)
    npz("huge_label.npz", x=x, y=np.where(np.arange(60) == 0, 2**62, np.arange(60) % 3))
    npz("no_y.npz", x=x)
    npz("empty.npz", x=np.zeros((0, 64)), y=np.zeros(0, int))
    (root / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    files["junk.npz"] = ("npz", str(root / "junk.npz"))
    (root / "ok.csv").write_text("\n".join(",".join(f"{v:.3f}" for v in row) + f",{k % 3}"
                                           for k, row in enumerate(x)))
    files["ok.csv"] = ("csv", str(root / "ok.csv"))
    for name, text in {"empty.csv": "", "header_only.csv": "a,b,label\n",
                       "ragged.csv": "0.1,0.2,0\n0.3,1\n", "text.csv": "a,b\nx,y\n",
                       "one_row.csv": "0.5,0.5,1\n", "binary.csv": "\x00\xff\xfe"}.items():
        (root / name).write_text(text, encoding="latin-1")
        files[name] = ("csv", str(root / name))
    (root / "a_folder").mkdir()
    files["a_folder"] = ("npz", str(root / "a_folder"))
    files["/dev/zero"] = ("csv", "/dev/zero")
    files["missing"] = ("npz", str(root / "missing.npz"))
    return files


def random_cases(rng, n, files):
    """``n`` (label, YAML text, backend) cases, each one to three mutations of RICH."""
    keys = list(_leaves(RICH))
    kinds = ("remove", "type", "number", "number", "text_number", "text_number", "data",
             "data", "remove", "type", "number", "yaml")   # whole-file YAML errors: 1 in 12
    out = []
    for k in range(n):
        raw = copy.deepcopy(RICH)
        labels, raw_text = [], None
        for _ in range(int(rng.integers(1, 4))):
            kind = kinds[int(rng.integers(len(kinds)))]
            key = keys[int(rng.integers(len(keys)))]
            if kind == "remove":
                try:
                    _remove(raw, key)
                except (KeyError, TypeError):
                    pass
                labels.append(f"-{key}")
            elif kind == "type":
                v = [None, "x", [], [1, "a"], {"a": 1}, True, 1.5, 7][int(rng.integers(8))]
                _set(raw, key, v)
                labels.append(f"{key}={v!r:.20}")
            elif kind == "number":
                v = NUMBERS[int(rng.integers(len(NUMBERS)))]
                _set(raw, key, [64, v, 10] if key == "network.sizes" else v)
                labels.append(f"{key}={v!r:.20}")
            elif kind == "text_number":
                v = TEXT_NUMBERS[int(rng.integers(len(TEXT_NUMBERS)))]
                _set(raw, key, f"@@{v}@@")
                labels.append(f"{key}={v[:20]}")
            elif kind == "data":
                name = list(files)[int(rng.integers(len(files)))]
                ds, path = files[name]
                raw["data"] = {"dataset": ds, "path": path, "test_fraction": 0.3}
                labels.append(f"data={name}")
            else:
                raw_text = ["a: [1\n", "\t- x\n", "name: &a [*a]\n", "{" * 40 + "\n",
                            "rules: {eta: 1e-2}\nnetwork: {sizes: [64, 6, 10]}\n"
                            ][int(rng.integers(5))]
                labels.append(f"yaml {raw_text[:12]!r}")
        if raw_text is None:
            text = yaml.safe_dump(raw, width=10**9)
            text = text.replace("'@@", "").replace("@@'", "").replace("''", "'")
        else:
            text = raw_text
        backend = ("reference", "emulator", "lava-fixed")[int(rng.integers(3))]
        out.append((f"{k}: {' '.join(labels)}", text, backend))
    return out


@functools.lru_cache(maxsize=8)
def _named_data(dataset, split_seed, test_fraction):
    from lava_bioadam.app.config import DataConfig

    return load_dataset(DataConfig(dataset=dataset, split_seed=split_seed,
                                   test_fraction=test_fraction))


def validate(path, backend):
    """What ``train`` checks before it makes a results folder."""
    cfg = config_mod.load_config(path)
    if cfg.data.dataset in ("digits", "iris", "wine", "breast_cancer"):
        data = _named_data(cfg.data.dataset, cfg.data.split_seed, cfg.data.test_fraction)
    else:
        data = load_dataset(cfg.data)
    preflight(cfg, data, backend)
    return cfg


def test_random_config_fuzz(tmp_path, capsys):
    files = _data_files(tmp_path)
    cases = random_cases(np.random.default_rng(FUZZ_SEED), N_RANDOM, files)
    (tmp_path / "rich.yaml").write_text(yaml.safe_dump(RICH))
    validate(tmp_path / "rich.yaml", "emulator")   # imports and the digits load: not timed
    assert len(cases) >= 300 or N_RANDOM < 300

    def on_alarm(signum, frame):
        raise RanPastBound()

    old = signal.signal(signal.SIGALRM, on_alarm)
    failures, refused, passed, trained, t0 = [], 0, 0, [], time.perf_counter()
    try:
        for k, (label, text, backend) in enumerate(cases):
            path = tmp_path / f"r{k}.yaml"
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
            signal.setitimer(signal.ITIMER_REAL, CASE_S)
            try:
                cfg = validate(path, backend)
                passed += 1
            except UserError as exc:
                cfg, line = None, error_line(exc)
                refused += 1
                if "\n" in line or len(line) > MAX_ERROR_LINE:
                    failures.append(f"{label}: {line[:120]!r}")
            except RanPastBound:
                cfg = None
                failures.append(f"{label}: ran past {CASE_S} s")
            except BaseException as exc:  # any traceback is a failure
                cfg = None
                failures.append(f"{label}: raised {type(exc).__name__}: {str(exc)[:80]}")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if cfg is not None and TRAIN:
                rc, bad = _train_check(label, path, backend, tmp_path / f"out{k}", capsys)
                trained.append(rc)
                failures += bad
    finally:
        signal.signal(signal.SIGALRM, old)
    codes = {str(c): trained.count(c) for c in sorted(set(trained), key=str)}
    print(f"{len(cases)} random cases (seed {FUZZ_SEED}): {refused} refused, {passed} "
          f"passed, {len(trained)} trained (exit status: count {codes}), "
          f"{time.perf_counter() - t0:.1f} s")
    assert not failures, f"{len(failures)} of {len(cases)}:\n" + "\n".join(failures[:40])


def _train_check(label, path, backend, out, capsys):
    """Train a case that passed the checks (one epoch; lava-fixed runs on the emulator,
    its bit-exact twin): exit 0 only with finite metrics, otherwise one line. Returns
    (exit status, failures)."""
    backend = "emulator" if backend == "lava-fixed" else backend
    capsys.readouterr()
    try:
        rc = main(["train", str(path), "--backend", backend, "--epochs", "1", "--seeds", "0",
                   "--out", str(out), "--no-plots", "--quiet"])
    except BaseException as exc:  # noqa: BLE001
        return "raised", [f"{label} [train]: raised {type(exc).__name__}: {str(exc)[:80]}"]
    err = capsys.readouterr().err.strip().splitlines()
    if rc == 0:
        recs = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
        bad = [r for r in recs if not all(math.isfinite(r[k]) for k in
                                          ("test_accuracy", "test_loss", "train_loss"))]
        return rc, [f"{label} [train]: exit 0 with non-finite metrics"] if bad else []
    if not err or len(err[-1]) > MAX_ERROR_LINE or not err[-1].startswith("lava-bioadam: error"):
        return rc, [f"{label} [train]: rc={rc} err={err[-1:]!r}"]
    return rc, []


def test_yaml_numbers_as_a_person_means_them(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("rules: {eta: 2e-2, w_max: 4e0, tau_m: 1E1, tau_v: 1e3}\n")
    cfg = config_mod.load_config(p)
    assert (cfg.rules.eta, cfg.rules.w_max) == (0.02, 4.0)
    assert (cfg.rules.tau_m, cfg.rules.tau_v) == (10.0, 1000.0)
    p.write_text("rules: {eta: '1e-2'}\n")
    try:
        config_mod.load_config(p)
        raise AssertionError("a quoted number was accepted")
    except config_mod.ConfigError as exc:
        assert "rules.eta must be a number (a quoted number is text" in str(exc)


#: CLI subprocess cases: (config text, backend, exit status, text in the last stderr line)
CLI_CASES = [
    ("rules: {eta: 1e-2}\nnetwork: {sizes: [64, 6, 10]}\n"
     "training: {epochs: 1}\n", "reference", 0, None),
    ("training: {epochs: " + "9" * 100_000 + "}\n", "reference", 2,
     "training.epochs: give a shorter value; an integer of 100000 digits"),
    # the rules check of the Loihi backends (without Lava, lava-fixed ends earlier, on
    # the missing extra: the emulator makes the same check)
    ("rules: {tau_r: 3.19e-299}\n", "lava-fixed" if lava_available() else "emulator", 2,
     "set rules.tau_r to at least"),
]   # rules.w_max 1e300 and data.path /dev/zero: in the random fuzz and its data files


def test_cli_cases_in_subprocesses(tmp_path):
    """The command line itself (in parallel): one line and exit 2 for bad input, no
    results folder for a run refused before work; ``eta: 1e-2`` trains."""
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "lava-bioadam"
    procs = []
    for k, (text, backend, _, _) in enumerate(CLI_CASES):
        (tmp_path / f"c{k}.yaml").write_text(text)
        procs.append(subprocess.Popen(
            [str(exe), "train", str(tmp_path / f"c{k}.yaml"), "--backend", backend,
             "--out", str(tmp_path / f"out{k}"), "--quiet", "--no-plots"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for k, (proc, (_, _, code, text)) in enumerate(zip(procs, CLI_CASES)):
        out, err = proc.communicate(timeout=120)
        lines = err.strip().splitlines()
        assert proc.returncode == code, (k, err[-300:])
        if code:
            assert len(lines) == 1 and len(lines[0]) <= MAX_ERROR_LINE, lines
            assert text in lines[0], lines[0]
            assert not (tmp_path / f"out{k}").exists()
        else:
            assert "Traceback" not in err and "test accuracy: mean" in out


def test_unrepresentable_rules_name_the_key_and_the_bound():
    """The key the config changed is blamed (not the one the engine tripped over), with
    the representable value nearest to it; that value builds, a little beyond fails."""
    from lava_bioadam.app.training import _builds, network_rules

    for changes, start in [({"w_max": 1e300}, "set rules.w_max to at most "),
                           ({"tau_r": 3.19e-299}, "set rules.tau_r to at least "),
                           ({"lam": 1e-9}, "set rules.lam to at least "),
                           ({"eta": 2.0**31, "e_max": 1e-300}, "change rules.eta (2.15e+09), "
                                                               "rules.e_max (1e-300); ")]:
        cfg = config_mod.config_from_dict({"rules": changes}, "c.yaml")
        try:
            network_rules(cfg)
            raise AssertionError(f"{changes} built")
        except config_mod.ConfigError as exc:
            msg = str(exc)
        assert msg.startswith("c.yaml: " + start), msg
        if "to at" in msg:
            (key,) = changes
            bound = float(msg[len("c.yaml: " + start):].split(";")[0])
            near = dataclasses.replace(cfg.rules, **{key: bound})
            past = dataclasses.replace(cfg.rules, **{key: bound * (1.5 if "most" in start
                                                                   else 1 / 1.5)})
            assert _builds(cfg, near) and not _builds(cfg, past), (msg, bound)
