"""Sweeps of the compiled golden model over seeds and rule hyperparameters.

One task per hyperparameter point trains every seed of the point as a replica of
one compiled run (:func:`lava_bioadam.golden.fast.run_fast_replicas`), with the
same initial weights, data order and trace seeds as ``train --backend emulator``
for that seed, and returns the final test accuracy and loss per seed. The tasks
are spread over a Dask distributed cluster (``lava-bioadam sweep``). The rule
constants are data to the compiled code, so every point of one rule structure runs
the same compiled code, and so does every point of one rule family once the rules are
padded to the points' common structure (:func:`sweep_template`): :func:`warm_points`
compiles it once in the parent, and each worker loads it from the disk cache once.
"""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from lava_bioadam import codes
from lava_bioadam.app.config import Config
from lava_bioadam.app.data import Split
from lava_bioadam.app.training import check_data, network_rules, presentation_order
from lava_bioadam.errors import UserError
from lava_bioadam.golden.fast import common_structure, run_fast_replicas, warm
from lava_bioadam.golden.network import initial_weights
from lava_bioadam.rules.params import rule_params_from_dict


def parse_grid(items) -> list:
    """``["eta=0.01,0.02", "lam=0"]`` -> the grid's points as dicts (rules keys)."""
    axes = []
    for item in items or []:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise UserError(f"--set {item!r}: expected KEY=V1,V2,... (a rules: key)")
        vals = []
        for v in values.split(","):
            try:
                vals.append(float(v) if any(c in v for c in ".eE") else int(v))
            except ValueError:
                vals.append(v.strip())
        axes.append([(key.strip(), v) for v in vals])
    return [dict(p) for p in itertools.product(*axes)] if axes else [{}]


def point_config(cfg: Config, point: dict) -> Config:
    """The config with the point's ``rules:`` values (validated like the config)."""
    rules = rule_params_from_dict({**dataclasses.asdict(cfg.rules), **point})
    return dataclasses.replace(cfg, rules=rules)


def sweep_template(cfg: Config, points) -> tuple:
    """The common rule structure of the points (:func:`~lava_bioadam.golden.fast.
    common_structure`): every point padded to it runs one compiled module."""
    return common_structure([network_rules(point_config(cfg, pt)) for pt in points])


def warm_points(cfg: Config, points, template=None) -> list:
    """Compile (or load) the emulator for every point's rules in this process, before
    workers start: one compilation per rule structure (one in all with the points'
    ``template``), which the workers then load from the disk cache instead of
    compiling it in parallel. Returns :func:`~lava_bioadam.golden.fast.warm`'s
    report per point."""
    return [warm(network_rules(point_config(cfg, pt)), template=template) for pt in points]


def run_point(cfg: Config, data: Split, point: dict, seeds, template=None) -> list:
    """Train every seed of ``point`` as one replica run; one row per seed. ``template``:
    run the rules padded to it (bit-identical, see :func:`sweep_template`)."""
    c = point_config(cfg, point)
    check_data(c, data)
    nr = network_rules(c)
    n = len(data.x_train)
    orders = [presentation_order(n, c.training.epochs, s) for s in seeds]
    inits = [initial_weights(nr, s, c.network.init_scale) for s in seeds]
    runs = run_fast_replicas(nr, np.stack([data.x_train[o] for o in orders]),
                             np.stack([data.y_train[o] for o in orders]),
                             [w for w, _ in inits], [b for _, b in inits], list(seeds),
                             template=template)
    encs = nr.encodings("fixed")
    rows = []
    for s, run in zip(seeds, runs):
        W = [conn["weights"] for conn in run.final["W"]]
        ev = codes.evaluate(data.x_test, data.y_test, W, encs, True, nr.unit_codes())
        rows.append({**point, "seed": int(s), "test_accuracy": ev["accuracy"],
                     "test_loss": ev["loss"]})
    return rows


def summarise(rows, keys) -> list:
    """Mean and standard deviation of the test accuracy per point."""
    out = {}
    for r in rows:
        out.setdefault(tuple(r[k] for k in keys), []).append(r["test_accuracy"])
    return [{**dict(zip(keys, p)), "seeds": len(a), "mean": float(np.mean(a)),
             "std": float(np.std(a))} for p, a in out.items()]
