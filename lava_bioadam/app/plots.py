"""PNG plots of a run's metrics (matplotlib, no display needed).

Every function takes the epoch records of ``metrics.jsonl`` (dicts with ``seed``,
``epoch``, ``test_accuracy``, ``test_loss``, ``train_loss``, ``symmetry``) and
returns a matplotlib figure; :func:`run_figures` names the figures of a run.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402


def _by_seed(records):
    seeds = {}
    for r in records:
        seeds.setdefault(r["seed"], []).append(r)
    return seeds


def _epoch_label(x, _pos):
    return "initial" if x == 0 else f"{x:g}"


def _axes(title, ylabel):
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    ax.set_title(title)
    ax.set_xlabel("epoch (initial = before training)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(_epoch_label))
    return fig, ax


def _mean_band(ax, records, value, color, label, style="-"):
    """Each seed as a faint line, the mean over seeds bold with a band of +-1 standard
    deviation (where more than one seed reached the epoch)."""
    seeds = _by_seed(records)
    per_epoch = {}
    for recs in seeds.values():
        ep = [r["epoch"] for r in recs]
        ys = [value(r) for r in recs]
        if len(seeds) > 1:
            ax.plot(ep, ys, style, color=color, alpha=0.25, lw=0.8)
        for e, y in zip(ep, ys):
            per_epoch.setdefault(e, []).append(y)
    ep = np.array(sorted(per_epoch))
    mean = np.array([np.mean(per_epoch[e]) for e in ep])
    std = np.array([np.std(per_epoch[e]) for e in ep])
    n = len(seeds)
    ax.plot(ep, mean, style, color=color, lw=2, marker="o", ms=3,
            label=f"{label}, mean of {n} seeds" if n > 1 else label)
    if n > 1:
        ax.fill_between(ep, mean - std, mean + std, color=color, alpha=0.2, lw=0)
    return mean - std, mean + std


def _legend(ax, n_seeds):
    handles, labels = ax.get_legend_handles_labels()
    if n_seeds > 1:
        handles.append(Patch(color="grey", alpha=0.3))
        labels.append("+-1 std over seeds (faint: each seed)")
    ax.legend(handles, labels, fontsize="small")


def accuracy_figure(records, title: str):
    """Test accuracy per epoch: mean over seeds with a +-1 std band, seeds faint."""
    fig, ax = _axes(f"{title}: test accuracy", "test accuracy")
    lo, hi = _mean_band(ax, records, lambda r: r["test_accuracy"], "C0", "test accuracy")
    ax.set_ylim(max(0.0, np.floor(min(lo.min(), 1.0) * 10) / 10 - 0.05),
                min(1.02, np.ceil(hi.max() * 10) / 10 + 0.02))
    _legend(ax, len(_by_seed(records)))
    return fig


def loss_figure(records, title: str):
    """Test loss (solid) and train loss (dashed) per epoch: means over seeds with
    +-1 std bands, seeds faint."""
    fig, ax = _axes(f"{title}: loss", "cross-entropy loss")
    _mean_band(ax, records, lambda r: r["test_loss"], "C0", "test")
    _mean_band(ax, records, lambda r: r["train_loss"], "C1", "train", "--")
    ax.set_ylim(bottom=0)
    _legend(ax, len(_by_seed(records)))
    return fig


def angle_figure(records, title: str):
    """Angle between ``W_l`` and ``B_l^T`` (degrees, log scale) per epoch and feedback
    layer (colour): means over seeds with +-1 std bands, seeds faint; None when the
    network has no feedback weights."""
    n_layers = min((len(r["symmetry"]) for r in records), default=0)
    if n_layers == 0:
        return None
    fig, ax = _axes(f"{title}: angle between $W_l$ and $B_l^T$", "angle (degrees)")
    for l in range(n_layers):
        _mean_band(ax, records, lambda r, l=l: r["symmetry"][l][0], f"C{l}", f"layer {l + 2}")
    if all(a > 0 for r in records for a, _ in r["symmetry"]):
        ax.set_yscale("log")
        ax.set_ylabel("angle (degrees, log scale)")
    else:
        ax.set_ylim(bottom=0)
    _legend(ax, len(_by_seed(records)))
    return fig


def run_figures(records, title: str) -> dict:
    """``{file name: figure}`` of a run: accuracy, loss and (with feedback weights)
    the W/B^T angle."""
    figs = {"accuracy.png": accuracy_figure(records, title),
            "loss.png": loss_figure(records, title)}
    angle = angle_figure(records, title)
    if angle is not None:
        figs["angle.png"] = angle
    return figs


def table_figure(header: list[str], rows: list[list[str]], title: str):
    """A table (e.g. ``compare``'s) as a figure."""
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.3 * (len(rows) + 1)), layout="constrained")
    ax.axis("off")
    ax.set_title(title)
    table = ax.table(cellText=rows, colLabels=header, loc="center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.auto_set_column_width(list(range(len(header))))
    return fig


def sweep_figure(summary: list[dict], keys: list[str], title: str | None = None):
    """``sweep``'s mean +- std test accuracy per grid point: over the values of a single
    numeric key as a line (log axis when they span a decade or more), otherwise one
    point per combination. The y-axis starts at a round floor below the lowest
    point, never at an autoscaled sliver around the values."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    mean = np.array([s["mean"] for s in summary])
    std = np.array([s["std"] for s in summary])
    seeds = max((s.get("seeds", 1) for s in summary), default=1)
    numeric = len(keys) == 1 and all(isinstance(s[keys[0]], (int, float))
                                     and not isinstance(s[keys[0]], bool) for s in summary)
    if numeric:
        order = np.argsort([s[keys[0]] for s in summary])
        x = np.array([s[keys[0]] for s in summary], dtype=float)[order]
        mean, std = mean[order], std[order]
        ax.errorbar(x, mean, yerr=std, fmt="o-", capsize=3, lw=1.5)
        if x.min() > 0 and x.max() >= 10 * x.min():
            ax.set_xscale("log")
            ax.minorticks_off()
        ax.set_xticks(x, [f"{v:g}" for v in x])
        ax.set_xlabel(f"rules.{keys[0]}")
    else:
        labels = [", ".join(f"{k}={s[k]}" for k in keys) or "rules" for s in summary]
        ax.errorbar(range(len(summary)), mean, yerr=std, fmt="o", capsize=3)
        ax.set_xticks(range(len(summary)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_xlabel("grid point (" + ", ".join(f"rules.{k}" for k in keys) + ")"
                      if keys else "grid point")
    lo = float(np.min(mean - std)) if len(mean) else 0.0
    hi = float(np.max(mean + std)) if len(mean) else 1.0
    floor = 0.0 if lo < 0.5 else np.floor((lo - 0.05) * 10) / 10
    ax.set_ylim(floor, min(1.02, max(np.ceil((hi + 0.02) * 10) / 10, floor + 0.2)))
    ax.set_ylabel(f"test accuracy (mean +- std over {seeds} seeds)")
    ax.set_title(title or ("sweep: test accuracy over " + (", ".join(keys) or "one point")))
    ax.grid(alpha=0.3)
    return fig
