"""``lava-bioadam compare CONFIG``: side-by-side tables of rules.

Without ``--loihi``: the L0 reference table of docs/model.md, the config's network
trained with each (rule, feedback) variant at the same settings for every config
(:data:`TABLE_SETTINGS`). With ``--loihi``: what the adaptive rules
are for. Float exact Adam, float SGD, the float N1 rule, the engine's adaptive rules
and the engine's non-adaptive baselines ``sgd`` and ``momentum``, each tuned
automatically with the same budget over the same kinds of keys (rate, moment
memory, range), chosen on a validation split of the training data, then tested over
the seeds; the tuning runs are spread over a Dask cluster. Only the data, network,
schedule, feedback mode and predisposition rate come from the config, so the same
command runs unchanged on any problem. Every row: mean +- std test accuracy over the
seeds and the final W/B^T angle.
"""
from __future__ import annotations

import copy
import dataclasses
import logging

import numpy as np

from lava_bioadam.app.commands.common import (add_config_args, add_results_args,
                                          load_with_overrides)
from lava_bioadam.app.data import load_dataset
from lava_bioadam.app.results import RunFolder, check_destination, to_json
from lava_bioadam.app.training import train_network, train_reference
from lava_bioadam.errors import UserError

log = logging.getLogger(__name__)

#: (label, rules.rule, network.feedback)
VARIANTS = (
    ("exact Adam", "adam", "backprop"),
    ("synaptic Adam, 1 Euler step/sample", "synaptic_adam", "backprop"),
    ("N1 synaptic homeostasis", "n1", "backprop"),
    ("N2 factored RMS", "n2", "backprop"),
    ("N1 + predisposition", "n1", "predisposition"),
    ("N1 + feedback alignment", "n1", "alignment"),
    ("exact Adam + predisposition", "adam", "predisposition"),
    ("exact Adam + feedback alignment", "adam", "alignment"),
    ("plain SGD", "sgd", "backprop"),
)


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="reference (L0) table: Adam vs N1/N2, feedback modes")
    add_config_args(p)
    p.add_argument("--loihi", action="store_true",
                   help="instead: adaptive rules against non-adaptive baselines, float64 "
                        "(L0) and fixed point (L2 emulator), every row tuned with the same "
                        "budget on a validation split; ends with the adaptive advantage kept")
    p.add_argument("--budget", type=int, metavar="N",
                   help="--loihi: settings tried per row (default: compare.budget)")
    p.add_argument("--backend", choices=("emulator", "emulator-numpy"), default="emulator",
                   help="--loihi: the L2 emulator, compiled (default) or numpy")
    p.add_argument("--workers", type=int, default=2,
                   help="--loihi: local Dask workers (default: %(default)s; 0: no Dask, "
                        "in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="--loihi: address of a running Dask scheduler instead")
    add_results_args(p, "resolved config, versions, the table as compare.md, compare.json "
                        "and a figure compare.png, status")
    p.set_defaults(func=run)


def _summary(label, rule, feedback, results) -> dict:
    finals = [r["final"] for r in results]
    angles = np.array([[a for a, _ in f["symmetry"]] for f in finals])
    return {"label": label, "rule": rule, "feedback": feedback,
            "acc": np.array([f["test_accuracy"] for f in finals]),
            "angle": angles.max(axis=1) if angles.size else None}


#: the settings of each rule in the plain table, the same for every config (the
#: float64 reference's textbook values: Adam ``beta1 = 0.9``, ``beta2 = 0.999``)
TABLE_SETTINGS = {
    "adam": dict(eta=1e-3, tau_m=10.0, tau_v=1000.0, eps=1e-8),
    "synaptic_adam": dict(eta=1e-3, tau_m=10.0, tau_v=1000.0, eps=1e-8),
    "n1": dict(eta=1e-3, tau_m=10.0, tau_r=10.0, eps=1e-2, r0=0.0),
    "n2": dict(eta=1e-3, tau_m=10.0, tau_n=1000.0, eps=1e-8),
    "sgd": dict(eta=0.05),
}
#: the predisposition rate of the plain table (1/sample)
TABLE_LAM = 1e-3


def table_config(cfg, rule: str, feedback: str):
    """The config of one row of the plain table: ``cfg``'s data, network and schedule,
    ``rule`` at :data:`TABLE_SETTINGS` with ``feedback``; of ``cfg``'s ``rules:``
    only the reference's integration (``substeps``, ``order``)."""
    from lava_bioadam.rules.params import RuleParams

    c = copy.deepcopy(cfg)
    c.rules = RuleParams(rule=rule, lam=TABLE_LAM, substeps=cfg.rules.substeps,
                         order=cfg.rules.order, **TABLE_SETTINGS[rule])
    c.network.feedback = feedback
    return c


# ------------------------------------------------------------- compare --loihi
# Every row is tuned the same way: ``budget`` settings of its keys, drawn from fixed
# log ranges (the same for every data set), chosen by validation accuracy; then the
# chosen setting is trained on all the training data for every seed and tested.

#: key kinds: rate (log-uniform), memory (a time constant in samples, rounded to a
#: power of two), range (a normaliser floor or a weight range, log-uniform)
KEY_RANGES = {
    "adam_lr": ("rate", 1e-4, 3e-2),
    "sgd_lr": ("rate", 1e-3, 3.0),
    "eta": ("rate", 2.0 ** -11, 2.0 ** -3),
    "tau_m": ("memory", 2.0, 64.0),
    "tau_v": ("memory", 64.0, 4096.0),
    "tau_r": ("memory", 2.0, 64.0),
    "tau_n": ("memory", 64.0, 4096.0),
    "eps": ("range", 2.0 ** -8, 0.5),
    "w_max": ("range", 0.5, 8.0),
}
#: Adam's eps in the float exact Adam row (textbook; not tuned)
ADAM_EPS = 1e-8


@dataclasses.dataclass(frozen=True)
class Row:
    """One row of ``compare --loihi``: ``level`` ``float`` (L0, the float64 reference)
    or ``engine`` (L2, the fixed-point rules); ``rule`` the ``rules.rule`` it trains;
    ``form`` the N1 form; ``keys`` the tuned keys (:data:`KEY_RANGES`); ``role``
    ``adam``, ``sgd``, ``rule`` (float twin of an engine rule), ``adaptive`` or
    ``baseline`` (engine rows), ``coded`` (a float rule again with 7-bit codes,
    level ``coded``: :func:`train_coded`)."""
    label: str
    level: str
    rule: str
    keys: tuple
    role: str
    form: str = "linear"


def loihi_rows() -> list[Row]:
    """The rows of ``compare --loihi``: float exact Adam, float SGD, the float N1
    rule in both forms and the float N2 rule, the engine's N1 in both forms and its
    N2 (and any other adaptive rule family of the engine), and the engine baselines
    ``sgd`` and ``momentum``."""
    from lava_bioadam.rules.params import RULE_FAMILIES

    n1 = ("eta", "tau_m", "tau_r", "eps")
    rows = [Row("float exact Adam", "float", "adam", ("adam_lr", "tau_m", "tau_v"), "adam"),
            Row("float SGD", "float", "sgd", ("sgd_lr",), "sgd")]
    rows += [Row(f"float N1 {f}", "float", "n1", n1, "rule", f) for f in N1_FORMS]
    n2 = ("eta", "tau_m", "tau_n", "eps")
    rows.append(Row("float N2", "float", "n2", n2, "rule"))
    rows += [Row(f"engine N1 {f}", "engine", "n1", n1 + ("w_max",), "adaptive", f)
             for f in N1_FORMS]
    rows.append(Row("engine N2", "engine", "n2", n2 + ("w_max",), "adaptive"))
    rows += [Row(f"engine {fam}", "engine", fam, n1 + ("w_max",), "adaptive")
             for fam in RULE_FAMILIES if fam not in ("n1", "n2") + BASELINES]
    rows += [Row("engine sgd", "engine", "sgd", ("eta", "eps", "w_max"), "baseline"),
             Row("engine momentum", "engine", "momentum", ("eta", "tau_m", "eps", "w_max"),
                 "baseline")]
    return rows


BASELINES = ("sgd", "momentum")
N1_FORMS = ("linear", "multiplicative")


def _unit_to_value(key: str, u: float) -> float:
    kind, lo, hi = KEY_RANGES[key]
    v = float(np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo))))
    return float(2.0 ** np.round(np.log2(v))) if kind == "memory" else float(f"{v:.3g}")


def _value_to_unit(key: str, v: float) -> float:
    _, lo, hi = KEY_RANGES[key]
    return float((np.log(v) - np.log(lo)) / (np.log(hi) - np.log(lo)))


def latin_settings(keys, n: int, centre=None, width: float = 1.0, seed: int = 0,
                   accept=None, tries: int = 50) -> list[dict]:
    """``n`` settings of ``keys``: a Latin hypercube on the keys' log ranges (each key
    falls once in each of ``n`` equal strata, keys paired by a fixed random
    permutation); the first round (no ``centre``) takes the strata's centres, a
    round with ``centre`` (a setting) a random point of each stratum of a box of
    ``width`` of each range around it, clipped to the range. ``accept(setting)``
    (e.g. the engine can represent it) is checked without training: a rejected
    setting is redrawn in its strata, then anywhere in the box, up to ``tries``
    times each (then kept, and scores NaN)."""
    rng = np.random.default_rng(seed)
    lows = {}
    for k in keys:
        lows[k] = (0.0 if centre is None else
                   min(max(_value_to_unit(k, centre[k]) - width / 2, 0.0), 1.0 - width))
    perm = {k: rng.permutation(n) if len(keys) > 1 else np.arange(n) for k in keys}

    def draw(i, jitter, anywhere):
        out = {}
        for k in keys:
            if anywhere:
                u = rng.random()
            else:
                u = (perm[k][i] + (rng.random() if jitter else 0.5)) / n
            out[k] = _unit_to_value(k, lows[k] + width * u)
        return out

    settings = []
    for i in range(n):
        s = draw(i, centre is not None, False)
        for t in range(2 * tries if accept else 0):
            if accept(s) and s not in settings:
                break
            s = draw(i, True, t >= tries)
        settings.append(s)
    return settings


def row_config(cfg, row: Row, setting: dict):
    """The config that trains ``row`` at ``setting`` (the data, network, schedule,
    feedback mode and predisposition rate of ``cfg``; of its ``rules:`` section also
    the reference's integration (float rows) and ``t_epoch`` (engine rows), nothing
    else)."""
    from lava_bioadam.rules.params import RuleParams

    c = copy.deepcopy(cfg)
    common = dict(rule=row.rule, form=row.form, lam=cfg.rules.lam)
    if row.level in ("float", "coded"):
        if row.rule == "adam":
            keys = dict(eta=setting["adam_lr"], tau_m=setting["tau_m"],
                        tau_v=setting["tau_v"], eps=ADAM_EPS)
        elif row.rule == "sgd":
            keys = dict(eta=setting["sgd_lr"])
        elif row.rule == "n2":
            keys = dict(setting)
        else:
            keys = dict(r0=1.0, **setting)
        c.rules = RuleParams(substeps=cfg.rules.substeps, order=cfg.rules.order, **common,
                             **keys)
        return c
    c.rules = RuleParams(t_epoch=cfg.rules.t_epoch, **common, **setting)
    return c


def engine_rules(cfg, row: Row, setting: dict):
    """The network rules of engine ``row`` at ``setting`` for the config's network,
    or None where the engine cannot represent them (constants out of range,
    overflow); no training."""
    from lava_bioadam.app.training import network_rules

    try:
        return network_rules(row_config(cfg, row, setting))
    except UserError:
        return None


#: settings drawn over a row's key ranges to find the structures its rules take
TEMPLATE_DRAWS = 64


def row_template(cfg, row: Row, draws: int = TEMPLATE_DRAWS):
    """The common rule structure (:func:`~lava_bioadam.golden.fast.common_structure`)
    of engine ``row`` over ``draws`` settings drawn uniformly from its keys' log
    ranges (fixed seed), or None (a float row, or no setting representable). Every
    setting of the row padded to it runs one compiled emulator module, bit-identical;
    a setting of a structure the draws missed runs its own."""
    from lava_bioadam.golden.fast import common_structure

    if row.level != "engine":
        return None
    rng = np.random.default_rng(0)
    nrs = []
    for _ in range(draws):
        nr = engine_rules(cfg, row, {k: _unit_to_value(k, rng.random()) for k in row.keys})
        if nr is not None:
            nrs.append(nr)
    return common_structure(nrs) if nrs else None


def representable(cfg, row: Row, setting: dict) -> bool:
    """Whether the engine can represent ``row`` at ``setting`` (:func:`engine_rules`)."""
    return engine_rules(cfg, row, setting) is not None


def tuning_split(data, fraction: float, seed: int):
    """The tuning data: ``Split(train, validation)`` carved from ``data``'s training
    part (stratified, ``fraction`` of it for validation); the test part is not in it."""
    from lava_bioadam.app.data import Split, stratified_split

    s = stratified_split(data.x_train, data.y_train, fraction, seed, "compare validation")
    return Split(s.x_train, s.y_train, s.x_test, s.y_test)


def engine_accuracies(cfg, data, seeds, backend: str = "emulator",
                      template=None) -> tuple[list, list]:
    """Test accuracy (on ``data.x_test``) and largest final W/B^T angle (degrees, None
    where not recorded) of the engine (L2) trained on ``data``'s training part, one
    per seed. Every engine run of ``compare --loihi`` goes through here: with the
    compiled emulator all seeds are replicas of one run (``lava-bioadam sweep``'s
    path), its rules padded to ``template`` (:func:`row_template`)."""
    if backend == "emulator":
        from lava_bioadam.app.sweep import run_point

        rows = run_point(cfg, data, {}, list(seeds), template)
        return [r["test_accuracy"] for r in rows], [None] * len(rows)
    res = [train_network(cfg, data, s, None, backend) for s in seeds]
    return [r["final"]["test_accuracy"] for r in res], [_angle(r["final"]) for r in res]


def _angle(final):
    angles = [a for a, _ in final["symmetry"]]
    return max(angles) if angles else None


def run_setting(cfg, data, row: Row, setting: dict, seeds, backend: str = "emulator",
                template=None) -> dict:
    """Train ``row`` at ``setting`` on ``data``'s training part for every seed; its
    accuracy on ``data``'s test part (the validation set while tuning). A setting the
    engine cannot represent, or that diverges, scores NaN. ``template``: the row's
    :func:`row_template` (compiled emulator only)."""
    try:
        c = row_config(cfg, row, setting)
        if row.level == "engine":
            acc, angle = engine_accuracies(c, data, seeds, backend, template)
        else:
            train = train_coded if row.level == "coded" else train_reference
            with np.errstate(all="ignore"):
                res = [train(c, data, s) for s in seeds]
            acc, angle = ([r["final"]["test_accuracy"] for r in res],
                          [_angle(r["final"]) for r in res])
    except (UserError, FloatingPointError, OverflowError) as exc:
        return {"acc": [float("nan")] * len(seeds), "angle": [None] * len(seeds),
                "error": str(exc).splitlines()[0][:200]}
    acc = [a if np.isfinite(a) else float("nan") for a in acc]
    return {"acc": acc, "angle": angle}


def coded_network(net, e_max: float = 1.0):
    """``net`` (a :class:`~lava_bioadam.model.network.Network`) learning from 7-bit
    codes, as the engine's traces carry them: activities ``round(127 h) / 127``,
    errors ``round(127 e / e_max) e_max / 127`` clipped to ``+-e_max``; an N2
    optimizer's neurons as the engine's units: the warm-up mean square instead of
    the bias correction, and the normalised signals coded over ``+-NORM_CODE_MAX``;
    weights and synaptic states stay float64. Evaluation is unchanged (float)."""
    from lava_bioadam.engine.widths import NORM_CODE_MAX, X_MAX
    from lava_bioadam.model.network import Network
    from lava_bioadam.model.optimizers import SynapticN2

    for opt in list(net.opt_w) + list(net.opt_b):
        if isinstance(opt, SynapticN2):
            opt.code, opt.warmup, opt.bias_correction = (NORM_CODE_MAX, X_MAX), True, False

    def code(v, full):
        return np.clip(np.round(v * (X_MAX / full)), -X_MAX, X_MAX) * (full / X_MAX)

    class CodedNetwork(Network):
        def train_sample(self, x, target):
            hs, as_ = self.forward(code(x, 1.0))
            hs = [code(h, 1.0) for h in hs]
            es = [code(e, e_max) for e in self.errors(as_, target)]
            for l, w in enumerate(self.weights):
                self.weights[l] = self.opt_w[l].step(w, np.append(hs[l], 1.0), es[l])
                if self.opt_b[l] is not None:
                    self.feedback[l] = self.opt_b[l].step(self.feedback[l], es[l], hs[l])
            if self.mode == "backprop":
                self._transport()

    return CodedNetwork(*[getattr(net, f.name) for f in dataclasses.fields(net)])


def train_coded(cfg, data, seed: int) -> dict:
    """:func:`train_reference` with 7-bit activity and error codes
    (:func:`coded_network`): the float rule's cost of the engine's codes alone."""
    from lava_bioadam.app.training import build_network, check_data

    check_data(cfg, data)
    net = coded_network(build_network(cfg, seed))
    rng = np.random.default_rng(seed + 10_000)
    eye = np.eye(cfg.network.sizes[-1])
    for _ in range(cfg.training.epochs):
        for i in rng.permutation(len(data.x_train)):
            net.train_sample(data.x_train[i], eye[data.y_train[i]])
    return {"final": {"test_accuracy": net.evaluate(data.x_test, data.y_test)["accuracy"],
                      "symmetry": net.symmetry()}}


def choose(settings: list[dict], scores: list[float]) -> int:
    """Index of the best setting: the largest validation score (NaN never; the first
    of equals). ``UserError`` if every score is NaN."""
    ok = [i for i, s in enumerate(scores) if s == s]
    if not ok:
        raise UserError("compare: no setting of the tuning budget trained (every one "
                        "unrepresentable or diverged)")
    return max(ok, key=lambda i: (scores[i], -i))


def local_map(fn, *iterables) -> list:
    """In-process stand-in for a Dask client's ``map`` + ``gather``."""
    return list(map(fn, *iterables))


def tune_rows(cfg, data, rows, budget: int, mapper=local_map, backend: str = "emulator",
              log=print, templates=None) -> list[dict]:
    """Tune every row on the validation split with ``budget`` settings (two rounds:
    ``ceil(budget/2)`` settings over the keys' whole ranges, then the rest in a box
    of half the width around the best so far), one seed (the first). Returns per row
    ``{"settings", "scores", "chosen"}``. ``mapper(fn, *lists)`` runs the tasks;
    ``templates``: per row its :func:`row_template` (or None)."""
    templates = templates or [None] * len(rows)
    val_frac = cfg.compare.validation_fraction
    tune = tuning_split(data, val_frac, cfg.data.split_seed)
    seed = [cfg.training.seeds[0]]
    first = -(-budget // 2)
    rounds = [first, budget - first]
    state = [{"settings": [], "scores": []} for _ in rows]
    for k, n in enumerate(rounds):
        if n == 0:
            continue
        tasks = []
        for i, row in enumerate(rows):
            st = state[i]
            centre = (st["settings"][choose(st["settings"], st["scores"])]
                      if k and any(s == s for s in st["scores"]) else None)
            accept = (lambda p, r=row: representable(cfg, r, p)) if row.level == "engine" else None
            pts = latin_settings(row.keys, n, centre, 0.5 if centre else 1.0, seed=k,
                                 accept=accept)
            tasks += [(i, p) for p in pts]
        if backend == "emulator":
            warm_settings(cfg, [(rows[i], p, templates[i]) for i, p in tasks], log, mapper)
        out = mapper(run_setting, [cfg] * len(tasks), [tune] * len(tasks),
                     [rows[i] for i, _ in tasks], [p for _, p in tasks],
                     [seed] * len(tasks), [backend] * len(tasks),
                     [templates[i] for i, _ in tasks])
        for (i, p), r in zip(tasks, out):
            state[i]["settings"].append(p)
            state[i]["scores"].append(r["acc"][0])
            if log:
                err = f" ({r['error']})" if "error" in r else ""
                log(f"  tune {rows[i].label}: {_fmt(p)} -> validation {r['acc'][0]:.4f}{err}")
    for st in state:
        st["chosen"] = choose(st["settings"], st["scores"])
    return state


def _fmt(setting: dict) -> str:
    return " ".join(f"{k} {v:g}" for k, v in setting.items())


def compare_loihi(cfg, data, log=print, on_row=None, emulator: str = "emulator",
                  budget: int | None = None, mapper=local_map) -> dict:
    """Every row of :func:`loihi_rows` tuned with the same budget on a validation
    split of the training data, then trained at its chosen setting on all the
    training data for every seed and tested; the float rules also at their chosen
    setting with 7-bit codes (:func:`train_coded`, not tuned: a decomposition). Returns ``{"rows", "summary"}``;
    ``on_row(row)`` as each row is done. ``emulator``: the L2 backend (``emulator``,
    compiled, or ``emulator-numpy``)."""
    budget = budget or cfg.compare.budget
    rows = loihi_rows()
    seeds, fb = list(cfg.training.seeds), cfg.network.feedback
    if log:
        log(budget_text(cfg, rows, budget))
    templates = [row_template(cfg, r) if emulator == "emulator" else None for r in rows]
    state = tune_rows(cfg, data, rows, budget, mapper, emulator, log, templates)
    # the float rules again at their chosen settings, learning from 7-bit codes
    coded = [(dataclasses.replace(r, label=f"{r.label}, 7-bit codes", level="coded",
                                  role="coded"), state[i]) for i, r in enumerate(rows)
             if r.role == "rule"]
    rows = rows + [r for r, _ in coded]
    state = state + [st for _, st in coded]
    templates = templates + [None] * len(coded)
    tasks = []
    for i, row in enumerate(rows):
        chosen = state[i]["settings"][state[i]["chosen"]]
        per_seed = row.level != "engine" or emulator != "emulator"
        tasks += [(i, chosen, [s]) for s in seeds] if per_seed else [(i, chosen, seeds)]
    out = mapper(run_setting, [cfg] * len(tasks), [data] * len(tasks),
                 [rows[i] for i, _, _ in tasks], [p for _, p, _ in tasks],
                 [s for _, _, s in tasks], [emulator] * len(tasks),
                 [templates[i] for i, _, _ in tasks])
    results = []
    for i, row in enumerate(rows):
        acc = [a for (j, _, _), r in zip(tasks, out) if j == i for a in r["acc"]]
        ang = [a for (j, _, _), r in zip(tasks, out) if j == i for a in r["angle"]]
        st = state[i]
        res = {"label": row.label, "rule": _rule_name(row), "feedback": fb,
               "role": row.role, "level": row.level, "acc": np.array(acc),
               "angle": (np.array(ang, float) if all(a is not None for a in ang) and ang
                         else None),
               "chosen": st["settings"][st["chosen"]],
               "validation": (st["scores"][st["chosen"]] if row.level != "coded"
                              else float("nan")),
               "tuning": ([{"setting": p, "validation": v}
                           for p, v in zip(st["settings"], st["scores"])]
                          if row.level != "coded" else [])}
        results.append(res)
        if on_row:
            on_row(res)
        if log:
            if i == 0:
                log(table_head(LOIHI_HEADER))
            log(format_row(res))
    return {"rows": results, "summary": advantage(results), "budget": budget}


def warm_settings(cfg, triples, log=print, mapper=local_map) -> None:
    """Compile the emulator once for each rule structure among the engine ``(row,
    setting, template)`` triples that the disk cache does not hold yet, before the
    workers get them: one task per new structure, spread by ``mapper``. A setting
    can change a rule's structure (a rounding compensation or a fallback product
    appears at some rates) unless the row's template holds it, and a structure met
    first by the tuning tasks would be compiled by every worker that meets it."""
    from lava_bioadam.golden.fast import structure

    new = {}
    for row, setting, template in triples:
        nr = engine_rules(cfg, row, setting) if row.level == "engine" else None
        if nr is None:
            continue
        key, cached = structure(nr, template=template)
        if not cached:
            new.setdefault(key, (row, setting, template))
    if not new:
        return
    todo = list(new.values())
    reports = mapper(warm_setting, [cfg] * len(todo), [r for r, _, _ in todo],
                     [p for _, p, _ in todo], [t for _, _, t in todo])
    if log:
        for (row, setting, _), rep in zip(todo, reports):
            log(f"  compiled the emulator for {row.label} at {_fmt(setting)} "
                f"in {rep['seconds']:.0f} s")


def warm_setting(cfg, row: Row, setting: dict, template=None) -> dict:
    """Compile (or load) the emulator for ``row`` at ``setting`` (padded to
    ``template``): one worker task."""
    from lava_bioadam.app.training import network_rules
    from lava_bioadam.golden.fast import warm

    return warm(network_rules(row_config(cfg, row, setting)), template=template)


def _rule_name(row: Row) -> str:
    if row.level != "engine":
        return row.rule + (f" {row.form}" if row.rule == "n1" else "")
    return f"rules {row.rule}" + (f" {row.form}" if row.rule == "n1" else "")


def budget_text(cfg, rows, budget: int) -> str:
    """The tuning budget and procedure, one paragraph."""
    frac = cfg.compare.validation_fraction
    keys = sorted({k for r in rows for k in r.keys})
    ranges = ", ".join(f"{k} {KEY_RANGES[k][1]:g}..{KEY_RANGES[k][2]:g}" for k in keys)
    first = -(-budget // 2)
    return (f"tuning budget: {budget} settings per row for each of {len(rows)} rows "
            f"({budget * len(rows)} runs of seed {cfg.training.seeds[0]}): {first} over "
            f"the keys' whole log ranges, {budget - first} around the best, as a Latin "
            f"hypercube (time constants rounded to powers of two); ranges: {ranges}. "
            f"Chosen by accuracy on a validation split of {frac:.0%} of the training data "
            f"(stratified, seed {cfg.data.split_seed}; the test set is never seen); the "
            f"chosen setting trained on all the training data, seeds "
            f"{list(cfg.training.seeds)}, test accuracy mean +- std.")


def _best(results, role):
    cand = [r for r in results if r["role"] == role and r["validation"] == r["validation"]]
    return max(cand, key=lambda r: r["validation"]) if cand else None


def advantage(results) -> dict:
    """The headline numbers: float gap (exact Adam - SGD, points), the best engine
    adaptive rule and baseline (each chosen by validation accuracy), the engine rule
    against float exact Adam (points) and the adaptive advantage kept (%)."""
    mean = {r["label"]: float(np.mean(r["acc"])) for r in results}
    adam, sgd = mean["float exact Adam"], mean["float SGD"]
    rule, base = _best(results, "adaptive"), _best(results, "baseline")
    gap = 100 * (adam - sgd)
    a = float(np.mean(rule["acc"])) if rule else float("nan")
    b = float(np.mean(base["acc"])) if base else float("nan")
    return {"float_gap_points": gap, "engine_rule": rule["label"] if rule else None,
            "engine_baseline": base["label"] if base else None,
            "engine_vs_adam_points": 100 * (a - adam),
            "advantage_kept_percent": 100 * (100 * (a - b)) / gap if gap else float("nan")}


#: float gap (exact Adam - SGD, points) below which a problem has too little
#: adaptive advantage to measure what the engine keeps of it
MIN_FLOAT_GAP = 2.0


def summary_lines(s: dict) -> list[str]:
    """The closing lines; the last is exactly ``adaptive advantage kept on the engine:
    <p> %``. Below :data:`MIN_FLOAT_GAP` a line before it says that the percentage
    divides by a gap within reach of the seeds' spread."""
    gap = s["float_gap_points"]
    lines = [f"float exact Adam - float SGD: {gap:.2f} points",
             f"best engine adaptive rule (by validation): {s['engine_rule']}; best engine "
             f"baseline: {s['engine_baseline']}",
             f"engine vs float exact Adam: {s['engine_vs_adam_points']:.2f} points"]
    if not gap >= MIN_FLOAT_GAP:
        lines.append(f"note: the float gap is below {MIN_FLOAT_GAP:g} points: exact Adam "
                     "has (almost) no advantage over SGD to keep here, so the percentage "
                     "below does not measure the engine")
    return lines + [f"adaptive advantage kept on the engine: "
                    f"{s['advantage_kept_percent']:.1f} %"]


def compare(cfg, data, log=print, on_row=None) -> list[dict]:
    """One row per variant: accuracies per seed and final angles (degrees).
    ``on_row(row)`` is called as each row is done."""
    rows = []
    for label, rule, feedback in VARIANTS:
        c = table_config(cfg, rule, feedback)
        row = _summary(label, rule, feedback,
                       [train_reference(c, data, s) for s in c.training.seeds])
        rows.append(row)
        if on_row:
            on_row(row)
        if log:
            log(format_row(row))
    return rows


HEADER = ["variant", "rule", "feedback", "test accuracy", "W/B^T angle"]
LOIHI_HEADER = ["row", "rule", "chosen setting", "validation", "test accuracy",
                "W/B^T angle"]


def row_cells(row) -> list[str]:
    """The table cells of a row, in the order of :data:`HEADER` (of
    :data:`LOIHI_HEADER` for a row of ``compare --loihi``)."""
    acc = row["acc"]
    if row["feedback"] == "backprop":
        angle = "0 (B = W^T)"
    elif row["angle"] is None:
        angle = "-"
    else:
        angle = f"{row['angle'].mean():.2g}"
    test = f"{acc.mean():.4f} +- {acc.std():.4f}"
    if "chosen" in row:
        val = row["validation"]
        return [row["label"], row["rule"], _fmt(row["chosen"]),
                f"{val:.4f}" if val == val else "-", test, angle]
    return [row["label"], row["rule"], row["feedback"], test, angle]


def _markdown_line(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def format_row(row) -> str:
    return _markdown_line(row_cells(row))


def table_head(header=HEADER) -> str:
    """The header line and the separator of the markdown table."""
    return _markdown_line(header) + "\n|" + "---|" * len(header)


def save_table(folder: RunFolder, rows: list[dict], title: str, figure: bool = True,
               extra: dict | None = None) -> None:
    """``compare.json`` (accuracy per seed, angles; with ``extra``: its keys and the
    rows under ``rows``), ``compare.md`` (the printed table) and the table as a figure
    ``compare.png``."""
    header = LOIHI_HEADER if rows and "chosen" in rows[0] else HEADER
    folder.write("compare.json", to_json({**extra, "rows": rows} if extra else rows))
    folder.write("compare.md", "\n".join([table_head(header)] + [format_row(r) for r in rows]
                                         + [""]).encode())
    if figure and rows:
        from lava_bioadam.app.plots import table_figure

        folder.save_figure("compare.png", table_figure(header, [row_cells(r) for r in rows],
                                                       title))


def dask_mapper(workers: int, scheduler: str | None):
    """``(mapper, close)``: ``mapper(fn, *lists)`` runs the tasks on a Dask cluster (a
    local one of ``workers`` processes, or the running ``scheduler``) and returns
    their results in order; ``close()`` ends the client and a local cluster. With
    ``workers`` 0 and no scheduler: the tasks run in this process."""
    if workers < 0:
        raise UserError("--workers must be >= 0")
    if not scheduler and workers == 0:
        return local_map, lambda: None
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client, cluster = Client(scheduler, timeout="30s"), None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)

    def mapper(fn, *lists):
        return client.gather(client.map(fn, *lists, pure=False))

    def close():
        client.close()
        if cluster is not None:
            cluster.close()

    return mapper, close


def run(args) -> int:
    cfg = load_with_overrides(args)
    if args.budget is not None and args.budget < 1:
        raise UserError("--budget must be >= 1")
    data = load_dataset(cfg.data)
    kind = "compare-loihi" if args.loihi else "compare"
    dest = check_destination(args.out, args.force, cfg.name, kind)
    folder = RunFolder(dest, cfg, kind)
    log.info("results folder: %s", folder.path)
    print(f"{cfg.name}: sizes {cfg.network.sizes}, {cfg.training.epochs} epochs, "
          f"seeds {cfg.training.seeds}, mean +- std test accuracy; angle = largest "
          f"final angle between W_l and B_l^T over layers (degrees), mean over seeds")
    if not args.loihi:
        print(table_head())
    rows = []

    def on_row(row):
        rows.append(row)
        save_table(folder, rows, kind, figure=False)

    title = f"{cfg.name}: {kind}, {cfg.training.epochs} epochs, seeds {cfg.training.seeds}"
    extra = None
    close = lambda: None  # noqa: E731
    try:
        if args.loihi:
            mapper, close = dask_mapper(args.workers, args.scheduler)
            out = compare_loihi(cfg, data, on_row=on_row, emulator=args.backend,
                                budget=args.budget, mapper=mapper)
            extra = {"budget": out["budget"], "summary": out["summary"]}
        else:
            compare(cfg, data, on_row=on_row)
    except BaseException as exc:
        folder.finish(*folder.ending(exc))
        raise
    finally:
        close()
    save_table(folder, rows, title, extra=extra)
    where = folder.finish("complete")
    folder.check_saved("the table above was")
    print(f"results: {where}")
    if extra:
        print("\n".join(summary_lines(extra["summary"])))
    return 0
