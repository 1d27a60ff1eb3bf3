"""The rich progress display of `accelsim train` (a Reporter for accelsim.train.loop)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RichReporter:
    """One progress bar per epoch (images/s, loss, accuracy) and a summary line after it."""

    def __init__(self, console: Console, *, bar: bool = True) -> None:
        self.console = console
        self.bar = bar
        self.progress: Progress | None = None
        self.task = 0

    def start_epoch(self, epoch: int, total_epochs: int, steps: int) -> None:
        """Open the bar for `epoch`."""
        if not self.bar:
            return
        self.progress = Progress(
            TextColumn(f"epoch {epoch}/{total_epochs}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>6.0f} img/s"),
            TextColumn("loss {task.fields[loss]:.3f}  acc {task.fields[acc]:.3f}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.progress.add_task("train", total=steps, rate=0.0, loss=0.0, acc=0.0)
        self.progress.start()

    def step(self, steps_done: int, images_done: int, loss: float, accuracy: float) -> None:
        """Move the bar to `steps_done` and show the running rate, loss and accuracy."""
        if self.progress is None:
            return
        elapsed = self.progress.tasks[0].elapsed or 1e-9
        self.progress.update(
            self.task, completed=steps_done, rate=images_done / elapsed, loss=loss, acc=accuracy
        )

    def end_epoch(self, row: dict[str, float]) -> None:
        """Close the bar and log the epoch's metrics."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        self.console.log(
            f"epoch {row['epoch']:.0f}: lr {row['lr']:.4f}  train loss {row['train_loss']:.4f} "
            f"acc {row['train_accuracy']:.4f}  val loss {row['val_loss']:.4f} "
            f"acc {row['val_accuracy']:.4f}  {row['train_images_per_s']:.0f} img/s  "
            f"{row['epoch_time_s']:.1f} s"
        )
