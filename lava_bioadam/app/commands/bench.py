"""``lava-bioadam bench``: speed of the fast golden model against Lava ``fixed_pt``
and the numpy golden model, with a check that all three end in the same state.

For each network size the same short online training (digits; for more than 64
inputs the 8x8 digit images are resized by nearest neighbour to the nearest square,
else random activities) runs on Lava ``fixed_pt`` (L3), the numpy golden model and
the compiled one (both L2), interleaved: fast, numpy, Lava, numpy, fast; the best of
each is reported. Lava's time per sample leaves out its first sample (compile and
start-up); the compiled model's is measured over a longer stream (the samples
repeated) after its compile. Then, for each replica count ``R``, ``R`` replicas in one
call against one run.

Two lines concern compilation: the start-up of a run whose rule constants differ
from the compiled ones (a new process, same network shape: source, cache load and
the first sample; its imports are reported apart), and the compiled model's CPU time
per sample with the constants read as data (the default) over the same model with
the constants compiled in (``fold_constants=True``), timed side by side.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from lava_bioadam.errors import UserError, require_lava
from lava_bioadam.golden.fast import run_fast, run_fast_replicas, warm
from lava_bioadam.golden.network import initial_weights, run_l2
from lava_bioadam.rules.network import build_network_rules
from lava_bioadam.rules.params import RuleParams
from lava_bioadam.verify.cases import network_inputs

DEFAULT_SIZES = ("64-64-10", "256-128-10", "784-128-10")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("bench", help="fast golden model vs Lava fixed_pt and the "
                              "numpy golden model: per-sample times, identical final states")
    p.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES),
                   help="networks as n0-n1-...-nL (default: %(default)s)")
    p.add_argument("--samples", type=int, default=0,
                   help="samples of the three-way run (default: 40, 20, 10 by size)")
    p.add_argument("--fast-samples", type=int, default=2000,
                   help="samples over which the compiled model is timed (default: %(default)s)")
    p.add_argument("--replicas", type=int, nargs="+", default=[3, 32],
                   help="replica counts timed against one run (default: %(default)s; 3 is "
                        "the seeds of a sweep point)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-lava", action="store_true", help="skip Lava (no L2/L3 ratio)")
    p.add_argument("--connections", nargs="+", metavar="POSTxPRE",
                   help="instead of networks: one GoldenLoihiDense connection of each shape "
                        "(e.g. 10x64 64x256), compiled and numpy, against Lava's "
                        "LearningDense fixed_pt")
    p.add_argument("--steps", type=int, default=400,
                   help="time steps of the --connections runs (default: %(default)s)")
    p.set_defaults(func=run)


def parse_sizes(text: str) -> tuple:
    try:
        sizes = tuple(int(s) for s in text.split("-"))
    except ValueError:
        sizes = ()
    if len(sizes) < 2 or min(sizes) < 1:
        raise UserError(f"--sizes: {text!r} is not a network like 64-64-10")
    return sizes


def bench_inputs(sizes, n: int, seed: int):
    """Samples ``(n, n_0)`` and labels, and a description of them."""
    if sizes[0] == 64 and sizes[-1] == 10:
        x, y = network_inputs(sizes, n, seed)
        return x, y, "digits"
    side = int(round(np.sqrt(sizes[0])))
    if side * side == sizes[0] and sizes[-1] == 10:
        x, y = network_inputs((64, 10), n, seed)
        idx = np.arange(side) * 8 // side
        img = x.reshape(n, 8, 8)[:, idx][:, :, idx]
        return img.reshape(n, -1), y, f"digits resized to {side}x{side}"
    x, y = network_inputs(sizes, n, seed)
    return x, y, "random activities"


def _best(fn, repeats: int = 2):
    out, best = None, float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


#: a new process runs one sample of ``sizes`` with other rule constants (``eta``
#: doubled: the same rule structure) and prints its import and start-up times
_STARTUP = """
import json, sys, time
t0 = time.perf_counter()
from lava_bioadam.app.commands.bench import bench_inputs
from lava_bioadam.golden.fast import run_fast
from lava_bioadam.golden.network import initial_weights
from lava_bioadam.rules.network import build_network_rules
from lava_bioadam.rules.params import RuleParams
sizes, seed = tuple(json.loads(sys.argv[1])), int(sys.argv[2])
nr = build_network_rules(RuleParams(eta=2 * RuleParams().eta), sizes, "predisposition")
x, y, _ = bench_inputs(sizes, 1, seed)
W0, B0 = initial_weights(nr, seed)
t1, c1 = time.perf_counter(), time.process_time()
run = run_fast(nr, x, y, W0, B0, rng_seed=seed)
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"imports": t1 - t0, "startup": t2 - t1, "cpu": c2 - c1,
                  "compiled": run.meta["emulator_startup"]["compiled"]}))
"""


def startup_after_constant_change(sizes, seed: int) -> dict:
    """``{"imports", "startup", "cpu", "compiled"}`` of a new process that runs one
    sample with other rule constants than the ones compiled (seconds; ``cpu``: the
    start-up's CPU time, what it takes on an idle machine)."""
    res = subprocess.run([sys.executable, "-c", _STARTUP, json.dumps(list(sizes)), str(seed)],
                         capture_output=True, text=True, timeout=3600)
    if res.returncode != 0:
        raise UserError(f"the start-up run failed: {res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def lava_timed(nr, x, labels, W0, B0, seed: int):
    """Lava fixed_pt over the samples: ``(NetRun-like final dict, pred, s/sample)``,
    the time per sample without the first sample (compile, start-up)."""
    from lava_bioadam.lava.network import build_lava
    from lava_bioadam.lava.runtime import LavaSession

    net = build_lava(nr, W0, B0, labels, "fixed", x=x, rng_seed=seed)
    n, T = len(labels), nr.t_sample
    with LavaSession(net.W[0], net.run_cfg(), 3600.0,
                     what=f"Lava fixed network {list(nr.sizes)}") as sess:
        sess.run(T)
        t = time.perf_counter()
        sess.run((n - 1) * T)
        per = (time.perf_counter() - t) / (n - 1)
        final = net.read(sess)
        pred = np.asarray(sess.get(net.output.pred)).astype(int)
    return final, pred, per


def same_state(a: dict, b: dict) -> tuple:
    """``(identical, n_compared)`` over every variable of every connection."""
    n, ok = 0, True
    for side in ("W", "B"):
        for ca, cb in zip(a[side], b[side]):
            if ca is None or cb is None:
                continue
            for k in ca:
                if k in cb:
                    n += 1
                    ok &= bool(np.array_equal(np.asarray(ca[k]), np.asarray(cb[k])))
    return ok, n


def bench_size(sizes, n: int, n_fast: int, Rs, seed: int, lava: bool, out=print) -> bool:
    nr = build_network_rules(RuleParams(), sizes, "predisposition")
    x, y, what = bench_inputs(sizes, n, seed)
    W0, B0 = initial_weights(nr, seed)
    name = "-".join(map(str, sizes))
    out(f"{name}: {what}, {n} samples; compiled model timed over {n_fast} samples")
    t = time.perf_counter()
    run_fast(nr, x[:1], y[:1], W0, B0, rng_seed=seed)
    out(f"  compiled model load/compile: {time.perf_counter() - t:.1f} s")
    reps = int(np.ceil(n_fast / n))
    xl, yl = np.tile(x, (reps, 1))[:n_fast], np.tile(y, reps)[:n_fast]
    fast_run = lambda: run_fast(nr, xl, yl, W0, B0, rng_seed=seed)   # noqa: E731
    numpy_run = lambda: run_l2(nr, x, y, W0, B0, rng_seed=seed)      # noqa: E731
    _, t_fast = _best(fast_run, 1)
    l2, t_np = _best(numpy_run, 1)
    ok = True
    if lava:
        final3, pred3, t_lava = lava_timed(nr, x, y, W0, B0, seed)
    _, t_np2 = _best(numpy_run, 1)
    _, t_fast2 = _best(fast_run, 1)
    t_np, t_fast = min(t_np, t_np2) / n, min(t_fast, t_fast2) / n_fast
    short = run_fast(nr, x, y, W0, B0, rng_seed=seed)
    same, nvar = same_state(l2.final, short.final)
    same &= bool(np.array_equal(l2.pred, short.pred))
    if lava:
        same3, _ = same_state(l2.final, final3)
        same &= same3 and bool(np.array_equal(l2.pred, pred3))
        out(f"  Lava fixed_pt (L3):    {t_lava * 1e3:9.3f} ms/sample")
    out(f"  numpy golden (L2):     {t_np * 1e3:9.3f} ms/sample")
    out(f"  compiled golden (L2):  {t_fast * 1e3:9.3f} ms/sample   "
        f"{t_np / t_fast:.1f}x numpy")
    levels = "Lava, numpy, compiled" if lava else "numpy, compiled"
    out(f"  final states ({nvar} variables) and predictions of {levels}: "
        f"{'identical' if same else 'DIFFERENT'}")
    ok &= same
    if lava:
        out(f"  L2/L3 speed ratio: {t_lava / t_fast:.1f}")
    ok &= compile_lines(nr, sizes, xl, yl, W0, B0, seed, out)
    for R in Rs:
        m = max(1, min(n_fast, 20_000 // max(1, R)))
        xm, ym = xl[:m], yl[:m]
        seeds = [seed + r for r in range(R)]
        _, t1 = _best(lambda: run_fast_replicas(nr, xm, ym, [W0], [B0], seeds[:1]))
        _, tR = _best(lambda: run_fast_replicas(nr, xm, ym, [W0] * R, [B0] * R, seeds))
        out(f"  replicas ({m} samples): 1 run {t1 / m * 1e3:.3f} ms/sample, {R} replicas "
            f"{tR / m * 1e3:.3f} ms/sample ({tR / m / R * 1e6:.1f} us per replica-sample): "
            f"{R} replicas cost {tR / t1:.1f} single runs")
    return ok


def compile_lines(nr, sizes, xl, yl, W0, B0, seed: int, out=print) -> bool:
    """The start-up after a constant change, and the CPU time per sample of the
    constants as data over compiled in (interleaved, best of two each). Returns
    whether the folded model ends in the same state."""
    s = startup_after_constant_change(sizes, seed)
    note = " (it COMPILED: another rule structure?)" if s["compiled"] else ""
    out(f"  start-up after a constant change: {s['startup']:.2f} s (a new process, "
        f"{s['cpu']:.2f} s CPU; its imports {s['imports']:.1f} s besides){note}")
    info = warm(nr, fold_constants=True)
    out(f"  constants compiled in: {'compiled' if info['compiled'] else 'loaded'} in "
        f"{info['seconds']:.1f} s")
    times, runs = {False: [], True: []}, {}
    for fold in (False, True, False, True):
        t = time.process_time()
        runs[fold] = run_fast(nr, xl, yl, W0, B0, rng_seed=seed, fold_constants=fold)
        times[fold].append(time.process_time() - t)
    data, folded = min(times[False]), min(times[True])
    out(f"  constants as data vs compiled in: {data / folded:.2f}x (CPU time per sample "
        f"{data / len(yl) * 1e3:.3f} vs {folded / len(yl) * 1e3:.3f} ms)")
    same, _ = same_state(runs[False].final, runs[True].final)
    return same and bool(np.array_equal(runs[False].pred, runs[True].pred))


def parse_shape(text: str) -> tuple:
    try:
        shape = tuple(int(s) for s in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) != 2 or min(shape) < 1:
        raise UserError(f"--connections: {text!r} is not a shape like 10x64 (post x pre)")
    return shape


def bench_connection(shape, n_steps: int, seed: int, lava: bool, out=print) -> bool:
    """One ``GoldenLoihiDense`` of ``shape`` over ``n_steps`` steps of the speed case
    (:func:`~lava_bioadam.verify.loihi_dense.speed_case`): compiled, numpy and Lava
    ``fixed_pt`` interleaved (compiled, numpy, Lava, numpy, compiled; the best of
    each), steps per second and ratios; the compile or cache load is timed apart.
    Returns whether all end in the same Vars (and the two golden models agree after
    every epoch)."""
    from lava_bioadam.golden.loihi_dense import GoldenLoihiDense
    from lava_bioadam.verify.loihi_dense import speed_case

    case = speed_case(shape, n_steps, seed)
    T = case["conn"]["learning_rule"].t_epoch
    if n_steps <= T:
        raise UserError(f"--steps must exceed t_epoch={T} (Lava's first epoch is not timed)")
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    out(f"connection {shape[0]}x{shape[1]}: 3F rule, {n_steps} steps, t_epoch {T}, graded "
        f"OVERWRITE spikes (load average {load})")
    t = time.perf_counter()
    startup = GoldenLoihiDense(**case["conn"], compiled=True).startup
    out(f"  compiled golden {'compiled' if startup['compiled'] else 'loaded from the cache'} "
        f"in {time.perf_counter() - t:.1f} s (once per rule structure; excluded below)")
    streams = (case["s_in"], case["bap"], case["y"])

    def golden(compiled, record=False):
        """A run as a user's test runs it: the stream, then the Vars at the end (as
        Lava's timing; with ``record`` also after every epoch, not timed)."""
        g = GoldenLoihiDense(**case["conn"], compiled=compiled)
        t0 = time.perf_counter()
        snaps = g.run(*streams, record=record)
        return snaps + [g.snapshot()], time.perf_counter() - t0

    (fast, t_fast), (_, t_np) = golden(True), golden(False)
    if lava:
        from lava_bioadam.lava.loihi_dense import time_learning_dense_lava

        final3, t_lava = time_learning_dense_lava(case["conn"], *streams)
    (_, t_np2), (_, t_fast2) = golden(False), golden(True)
    t_np, t_fast = min(t_np, t_np2) / n_steps, min(t_fast, t_fast2) / n_steps
    (fast, _), (slow, _) = golden(True, True), golden(False, True)
    same = len(fast) == len(slow) and all(np.array_equal(a[v], b[v]) for a, b in zip(fast, slow)
                                          for v in a)
    if lava:
        same &= all(np.array_equal(final3[v], fast[-1][v]) for v in final3)
        out(f"  Lava fixed_pt (L3):    {1 / t_lava:9.0f} steps/s (first epoch excluded)")
    out(f"  numpy golden (L2):     {1 / t_np:9.0f} steps/s")
    out(f"  compiled golden (L2):  {1 / t_fast:9.0f} steps/s   {t_np / t_fast:.1f}x numpy")
    levels = "Lava, numpy, compiled" if lava else "numpy, compiled"
    out(f"  Vars after every epoch (golden) and at the end ({levels}): "
        f"{'identical' if same else 'DIFFERENT'}")
    if lava:
        out(f"  speed ratio against Lava fixed_pt: compiled golden {t_lava / t_fast:.1f}x, "
            f"numpy golden {t_lava / t_np:.1f}x")
    return same


def run(args) -> int:
    if args.connections:
        shapes = [parse_shape(s) for s in args.connections]
        if not args.no_lava:
            require_lava("bench's Lava fixed_pt timing", "bench --no-lava times the rest")
        ok = True
        for shape in shapes:
            ok &= bench_connection(shape, args.steps, args.seed, not args.no_lava)
        if not ok:
            print("MISMATCH: the connection's Vars differ")
            return 1
        return 0
    sizes = [parse_sizes(s) for s in args.sizes]
    if args.samples < 0 or args.fast_samples < 1 or min(args.replicas) < 1:
        raise UserError("--samples, --fast-samples and --replicas must be positive")
    ns = [args.samples or (40 if sz[0] <= 64 else 20 if sz[0] <= 256 else 10) for sz in sizes]
    if min(ns) < 2:
        raise UserError("--samples must be at least 2 (Lava's first sample is not timed)")
    if not args.no_lava:
        require_lava("bench's Lava fixed_pt timing", "bench --no-lava times the rest")
    ok = True
    for sz, n in zip(sizes, ns):
        ok &= bench_size(sz, n, args.fast_samples, args.replicas, args.seed,
                         not args.no_lava)
    if not ok:
        print("MISMATCH: final states differ")
        return 1
    return 0
