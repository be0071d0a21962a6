"""``compare --loihi`` tuning: the validation split is carved from the training data
only, and each row's chosen setting is the argmax of its validation scores."""
import numpy as np
import pytest

from lava_bioadam.app.commands.compare import (choose, compare_loihi, latin_settings,
                                               loihi_rows, tune_rows)
from lava_bioadam.app.config import config_from_dict
from lava_bioadam.app.data import Split
from lava_bioadam.errors import UserError


def numbered_data(n_train=60, n_test=30):
    """Every sample's first feature is its own id (train ids < test ids)."""
    ids = np.arange(n_train + n_test)
    x = np.column_stack([ids / (n_train + n_test), (ids % 7) / 7.0])
    y = ids % 3
    return Split(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def sample_ids(x):
    return set(np.round(x[:, 0] * 90).astype(int).tolist())


def score(row, setting):
    """A fixed pseudo-random validation score per (row, setting)."""
    key = row.label + repr(sorted(setting.items()))
    return (sum(map(ord, key)) * 7919 % 1000) / 1000


class Recorder:
    """A mapper that records the data of every task and scores settings by ``score``."""

    def __init__(self):
        self.tasks = []

    def __call__(self, fn, cfgs, datas, rows, settings, seeds, backends, templates=None):
        out = []
        for d, r, s, sd in zip(datas, rows, settings, seeds):
            self.tasks.append((d, r, s))
            out.append({"acc": [score(r, s)] * len(sd), "angle": [None] * len(sd)})
        return out


CFG = {"network": {"sizes": [2, 4, 3]}, "training": {"epochs": 1, "seeds": [0, 1, 2]},
       "compare": {"budget": 4, "validation_fraction": 0.25}}


def test_tuning_never_sees_the_test_set():
    data = numbered_data()
    cfg = config_from_dict(CFG)
    rec = Recorder()
    tune_rows(cfg, data, loihi_rows(), 4, rec, backend="emulator-numpy", log=None)
    train, test = sample_ids(data.x_train), sample_ids(data.x_test)
    assert len(rec.tasks) == 4 * len(loihi_rows())
    for d, _, _ in rec.tasks:
        fit, val = sample_ids(d.x_train), sample_ids(d.x_test)
        assert fit | val <= train and not (fit | val) & test
        assert not fit & val and len(val) == 15 and len(fit) == 45


def test_chosen_setting_is_the_validation_argmax_and_is_tested_on_all_training_data():
    data = numbered_data()
    cfg = config_from_dict(CFG)
    rec = Recorder()
    out = compare_loihi(cfg, data, log=None, mapper=rec, emulator="emulator-numpy")
    tuning = [t for t in rec.tasks if len(t[0].x_train) == 45]
    final = [t for t in rec.tasks if len(t[0].x_train) == 60]
    assert len(tuning) + len(final) == len(rec.tasks)
    coded = [r for r in out["rows"] if r["role"] == "coded"]
    assert [r["label"] for r in coded] == ["float N1 linear, 7-bit codes",
                                           "float N1 multiplicative, 7-bit codes",
                                           "float N2, 7-bit codes"]
    for row in out["rows"]:
        if row["role"] == "coded":   # the float rule's chosen setting, not tuned again
            twin = next(r for r in out["rows"] if r["label"] == row["label"].split(",")[0])
            assert row["chosen"] == twin["chosen"] and not row["tuning"]
            continue
        tried = [(s, score(r, s)) for _, r, s in tuning if r.label == row["label"]]
        assert len(tried) == 4 and [t["validation"] for t in row["tuning"]] == [v for _, v in tried]
        best = max(v for _, v in tried)
        assert row["validation"] == best and score(
            next(r for _, r, _ in tuning if r.label == row["label"]), row["chosen"]) == best
        used = [s for d, r, s in final if r.label == row["label"]]
        assert used and all(s == row["chosen"] for s in used)
        assert all(d is data for d, r, _ in final)
    assert len(set(score(r, s) for _, r, s in tuning)) > 3  # the scores do differ


def test_choose_skips_nan_and_takes_the_first_of_equals():
    assert choose([{}] * 4, [0.5, float("nan"), 0.7, 0.7]) == 2
    with pytest.raises(UserError, match="no setting"):
        choose([{}] * 2, [float("nan")] * 2)


def test_latin_settings_cover_each_key_once_per_stratum():
    keys = ("eta", "tau_m", "w_max")
    pts = latin_settings(keys, 8)
    etas = sorted(p["eta"] for p in pts)
    ratios = np.diff(np.log(etas))
    assert np.allclose(ratios, ratios[0], rtol=0.02)         # log-evenly spaced
    assert all(np.log2(p["tau_m"]) % 1 == 0 for p in pts)    # powers of two
    near = latin_settings(keys, 4, centre=pts[0], width=0.5, seed=1)
    assert all(abs(np.log(p["eta"] / pts[0]["eta"])) <= 0.5 * np.log(2 ** 8) for p in near)


def test_each_new_rule_structure_is_compiled_once_by_the_workers_before_tuning(monkeypatch):
    """A setting can change a rule's structure; before each tuning round, every
    structure the cache lacks is compiled by one worker task (one per structure),
    and cached structures are not compiled again."""
    import lava_bioadam.golden.fast as fast
    from lava_bioadam.app.commands.compare import warm_setting

    cached = {"sgd"}      # the sgd structure is on disk already
    monkeypatch.setattr(fast, "structure", lambda nr, template=None: (
        nr.forward[0].family, nr.forward[0].family in cached))
    monkeypatch.setattr(fast, "warm", lambda nr, template=None: {
        "compiled": True, "seconds": 0.0, "family": nr.forward[0].family})
    calls = []

    class Mapper(Recorder):
        def __call__(self, fn, *lists):
            if fn is warm_setting:
                calls.append(("warm", [fn(*a)["family"] for a in zip(*lists)]))
                return [{"seconds": 0.0}] * len(lists[0])
            calls.append(("tune", sum(r.level == "engine" for r in lists[2])))
            return super().__call__(fn, *lists)

    cfg = config_from_dict(CFG)
    rows = [r for r in loihi_rows() if r.rule in ("n1", "sgd")]
    tune_rows(cfg, numbered_data(), rows, 4, Mapper(), backend="emulator", log=None)
    assert [c[0] for c in calls] == ["warm", "tune", "warm", "tune"]
    assert calls[0][1] == ["n1"] and calls[2][1] == ["n1"]   # once per round, not per setting
    assert calls[1][1] > 1


def test_summary_says_when_the_float_gap_is_too_small_to_measure_what_is_kept():
    from lava_bioadam.app.commands.compare import MIN_FLOAT_GAP, summary_lines

    base = {"engine_rule": "engine N1 linear", "engine_baseline": "engine sgd",
            "engine_vs_adam_points": -0.7}
    small = summary_lines({**base, "float_gap_points": -0.33, "advantage_kept_percent": -210.0})
    large = summary_lines({**base, "float_gap_points": MIN_FLOAT_GAP, "advantage_kept_percent": 51.6})
    assert small[-1] == "adaptive advantage kept on the engine: -210.0 %"
    assert small[-2].startswith("note: the float gap is below 2 points")
    assert large[-1] == "adaptive advantage kept on the engine: 51.6 %"
    assert not any(l.startswith("note:") for l in large) and len(small) == len(large) + 1


def test_every_setting_of_an_engine_row_runs_one_compiled_module(monkeypatch):
    """Padded to its row's template, every representable setting of each engine row
    names one module (nothing is compiled here), although the settings' own rules
    take several structures."""
    import lava_bioadam.golden.fast as fast
    from lava_bioadam.app.commands.compare import _unit_to_value, engine_rules, row_template

    monkeypatch.setattr(fast, "is_cached", lambda mod, function="run": False)
    cfg = config_from_dict(CFG)
    rng = np.random.default_rng(7)
    for row in (r for r in loihi_rows() if r.level == "engine"):
        template = row_template(cfg, row)
        own, padded = set(), set()
        for _ in range(24):
            nr = engine_rules(cfg, row, {k: _unit_to_value(k, rng.random()) for k in row.keys})
            if nr is None:
                continue
            own.add(fast.structure(nr)[0])
            padded.add(fast.structure(nr, template=template)[0])
        assert len(padded) == 1, row.label
        if row.rule in ("sgd", "momentum"):
            assert len(own) > 1, row.label      # the padding is what made them one
