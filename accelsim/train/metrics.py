"""Per-epoch metrics as CSV, and the training curves (the paper's Figures 3 and 4) as PNG."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

METRIC_FIELDS = (
    "epoch",
    "lr",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "epoch_time_s",
    "train_images_per_s",
)


def _write_atomic(path: Path, payload: bytes) -> None:
    from accelsim.outputs import write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, payload)


def write_metrics_csv(path: Path, history: list[dict[str, float]]) -> None:
    """One row per epoch with METRIC_FIELDS; rewritten whole so it is never half-written."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=METRIC_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: f"{row[k]:.6g}" for k in METRIC_FIELDS})
    _write_atomic(path, text.getvalue().encode())


def read_metrics_csv(path: Path) -> list[dict[str, float]]:
    """Read a file written by write_metrics_csv."""
    with path.open(newline="") as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def curves_figure(runs: dict[str, list[dict[str, float]]]) -> Any:
    """Accuracy and loss per epoch, train and validation, one colour per run (Figures 3/4).

    Every epoch is a marker too, so a run of one epoch still shows its points.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for (label, history), colour in zip(runs.items(), ("C0", "C1", "C2", "C3"), strict=False):
        epochs = [row["epoch"] for row in history]
        for ax, key in zip(axes, ("accuracy", "loss"), strict=True):
            ax.plot(
                epochs,
                [r[f"train_{key}"] for r in history],
                "--",
                marker="o",
                markersize=3,
                color=colour,
                label=f"{label} train",
            )
            ax.plot(
                epochs,
                [r[f"val_{key}"] for r in history],
                "-",
                marker="o",
                markersize=3,
                color=colour,
                label=f"{label} validation",
            )
    for ax, key in zip(axes, ("accuracy", "loss"), strict=True):
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("Accuracy per epoch (cf. paper Figure 3)")
    axes[1].set_title("Loss per epoch (cf. paper Figure 4)")
    fig.text(
        0.5,
        0.005,
        "train: running mean over the epoch, augmented, label-smoothed loss; "
        "validation: evaluation mode, plain cross-entropy",
        ha="center",
        fontsize=8,
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def plot_curves(runs: dict[str, list[dict[str, float]]], path: Path) -> None:
    """Write curves_figure(runs) to `path` as PNG (whole, never half-written)."""
    import matplotlib.pyplot as plt

    fig = curves_figure(runs)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    _write_atomic(path, buffer.getvalue())
