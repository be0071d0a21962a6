"""PNG plots of a run's metrics (matplotlib, no display needed).

Every function takes the epoch records of ``metrics.jsonl`` (dicts with ``seed``,
``epoch``, ``test_accuracy``, ``test_loss``, ``train_loss``, ``symmetry``) and
returns a matplotlib figure; :func:`run_figures` names the figures of a run.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def _by_seed(records):
    seeds = {}
    for r in records:
        seeds.setdefault(r["seed"], []).append(r)
    return seeds


def _axes(title, ylabel):
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig, ax


def accuracy_figure(records, title: str):
    """Test accuracy per epoch, one line per seed."""
    fig, ax = _axes(f"{title}: test accuracy", "test accuracy")
    for seed, recs in _by_seed(records).items():
        ax.plot([r["epoch"] for r in recs], [r["test_accuracy"] for r in recs], "o-",
                label=f"seed {seed}")
    ax.legend()
    return fig


def loss_figure(records, title: str):
    """Test loss (solid) and train loss (dashed) per epoch, one colour per seed."""
    fig, ax = _axes(f"{title}: loss", "cross-entropy loss")
    for k, (seed, recs) in enumerate(_by_seed(records).items()):
        ep = [r["epoch"] for r in recs]
        ax.plot(ep, [r["test_loss"] for r in recs], "o-", color=f"C{k}",
                label=f"seed {seed} test")
        ax.plot(ep, [r["train_loss"] for r in recs], "--", color=f"C{k}",
                label=f"seed {seed} train")
    ax.legend()
    return fig


def angle_figure(records, title: str):
    """Angle between ``W_l`` and ``B_l^T`` (degrees, log scale) per epoch, per feedback
    layer (colour) and seed (marker); None when the network has no feedback weights."""
    n_layers = max((len(r["symmetry"]) for r in records), default=0)
    if n_layers == 0:
        return None
    fig, ax = _axes(f"{title}: angle between $W_l$ and $B_l^T$",
                    "angle (degrees)")
    markers = "os^vD<>p*h"
    for k, (seed, recs) in enumerate(_by_seed(records).items()):
        for l in range(n_layers):
            ax.plot([r["epoch"] for r in recs], [r["symmetry"][l][0] for r in recs],
                    marker=markers[k % len(markers)], color=f"C{l}",
                    label=f"layer {l + 2}, seed {seed}")
    if all(a > 0 for r in records for a, _ in r["symmetry"]):
        ax.set_yscale("log")
        ax.set_ylabel("angle (degrees, log scale)")
    ax.legend(fontsize="small")
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


def sweep_figure(summary: list[dict], keys: list[str]):
    """``sweep``'s mean +- std test accuracy per grid point."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = [", ".join(f"{k}={s[k]}" for k in keys) or "rules" for s in summary]
    ax.errorbar(range(len(summary)), [s["mean"] for s in summary],
                yerr=[s["std"] for s in summary], fmt="o", capsize=3)
    ax.set_xticks(range(len(summary)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (mean +- std over seeds)")
    fig.tight_layout()
    return fig
