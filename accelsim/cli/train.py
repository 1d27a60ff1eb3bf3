"""`accelsim train`: train the reference MobileNet on CIFAR-10 (NumPy or CuPy) and export ONNX.

Examples:
  accelsim train --data cifar10-jpeg.zip --epochs 1 --limit-train 5000 --onnx demo.onnx  (demo)
  accelsim train --data cifar10-jpeg.zip --alpha 0.75 --epochs 60 --onnx m.onnx
  accelsim train --resume --checkpoint checkpoints/a075.npz --data cifar10-jpeg.zip --onnx m.onnx
  accelsim train --epochs 0 --onnx m.onnx   (seeded, untrained weights; no data needed)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from accelsim.cli._args import ExamplesFormatter, finite_float, positive_int

DEFAULTS = {"alpha": 1.0, "rho": 1.0, "epochs": 60}
CACHE_HELP = (
    "where the decoded arrays are kept between runs (CIFAR-10: 185 MB; delete the folder to "
    "clear it; default $XDG_CACHE_HOME/accelsim/train, else ~/.cache/accelsim/train)"
)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    """Add the `train` subcommand and its options."""
    p = subparsers.add_parser(
        "train",
        help=summary,
        description=summary,
        formatter_class=ExamplesFormatter,
        epilog="examples:\n"
        "  accelsim train --data cifar10-jpeg.zip --epochs 1 --limit-train 5000 \\\n"
        "      --limit-test 1000 --onnx demo.onnx     (demo: one epoch, 1-2 minutes)\n"
        "  accelsim train --data cifar10-jpeg.zip --checkpoint ck.npz --onnx m.onnx\n"
        "      (the paper's 60 epochs: over 4 h on 2 CPU cores, minutes on a GPU)\n"
        "  accelsim train --data cifar-10-python.tar.gz --download ...  (fetch it first)\n",
    )
    g = p.add_argument_group("model")
    g.add_argument(
        "--alpha", type=finite_float, help="width multiplier, 0 < alpha <= 1 (default 1)"
    )
    g.add_argument(
        "--rho", type=finite_float, help="resolution multiplier, 0 < rho <= 1 (default 1)"
    )
    g = p.add_argument_group("data")
    g.add_argument(
        "--data", type=Path, help="cifar-10-batches-py folder or .tar.gz, or image folder/.zip"
    )
    g.add_argument(
        "--download", action="store_true", help="fetch the official .tar.gz to --data if missing"
    )
    g.add_argument("--cache-dir", type=Path, help=CACHE_HELP)
    g.add_argument("--no-cache", action="store_true", help="decode the data every time")
    g.add_argument(
        "--workers",
        type=positive_int,
        help="JPEG decoding processes (default and most: one per CPU)",
    )
    g.add_argument(
        "--limit-train", type=int, help="train on a seeded random N images (demos, smoke runs)"
    )
    g.add_argument("--limit-test", type=int, help="validate each epoch on a seeded random N images")
    g = p.add_argument_group("optimisation")
    g.add_argument(
        "--epochs", type=int, help="epochs to train (default 60; 0: export the seeded init)"
    )
    g.add_argument(
        "--time-budget",
        type=finite_float,
        help="seconds: fit the epoch count to finish in time (with --resume: seconds more)",
    )
    g.add_argument("--batch-size", type=int, default=128)
    g.add_argument("--optimizer", choices=("sgd", "rmsprop"), default="sgd")
    g.add_argument("--lr", type=finite_float, default=0.1, help="peak learning rate")
    g.add_argument("--momentum", type=finite_float, default=0.9)
    g.add_argument("--no-nesterov", action="store_true", help="plain momentum for sgd")
    g.add_argument("--weight-decay", type=finite_float, default=5e-4)
    g.add_argument("--schedule", choices=("cosine", "step", "constant"), default="cosine")
    g.add_argument("--warmup-epochs", type=finite_float, default=2.0)
    g.add_argument("--label-smoothing", type=finite_float, default=0.1)
    g.add_argument(
        "--seed", type=int, default=0, help="seed for weights, shuffling and augmentation"
    )
    g = p.add_argument_group("run")
    g.add_argument(
        "--device", choices=("cpu", "cuda"), default="cpu", help="cuda uses CuPy as numpy"
    )
    g.add_argument("--tf32", action="store_true", help="with cuda: TF32 GEMMs (sets CUPY_TF32=1)")
    g.add_argument("--checkpoint", type=Path, help="checkpoint written after every epoch")
    g.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    g.add_argument("--metrics-csv", type=Path, help="per-epoch metrics CSV")
    g.add_argument("--plot", type=Path, help="PNG of the training curves")
    g.add_argument("--onnx", type=Path, help="write the trained network here as ONNX")
    g.add_argument("--fold-bn", action="store_true", help="fold batch norms into the conv weights")
    g.add_argument("--no-progress", action="store_true", help="one line per epoch, no bar")
    p.set_defaults(handler=run)


def default_cache_dir() -> Path:
    """The XDG base directory spec's user cache folder (an absolute $XDG_CACHE_HOME, else
    ~/.cache), so a run from any folder reuses one cache and never litters the working one."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "accelsim" / "train"


def _value(args: argparse.Namespace, name: str) -> Any:
    value = getattr(args, name)
    return DEFAULTS[name] if value is None else value


def _export_untrained(args: argparse.Namespace, command: str) -> int:
    from accelsim.train.data import DEFAULT_MEAN, DEFAULT_STD
    from accelsim.train.export import build_onnx, make_metadata, save_onnx
    from accelsim.train.model import MobileNetSpec, init_params

    spec = MobileNetSpec(alpha=_value(args, "alpha"), rho=_value(args, "rho"))
    params, buffers = init_params(spec, args.seed)
    metadata = make_metadata(
        spec,
        epochs=0,
        test_accuracy=None,
        test_loss=None,
        mean=DEFAULT_MEAN,
        std=DEFAULT_STD,
        dataset="none (untrained, seeded initial weights)",
        command=command,
        seed=args.seed,
    )
    if args.onnx:
        model = build_onnx(spec, params, buffers, metadata=metadata, fold_bn=args.fold_bn)
        save_onnx(model, args.onnx)
    return 0


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that would destroy an input or another output.

    Output folders are created as training always did; a checkpoint that exists is only
    ever continued (--resume), never started over.
    """
    from accelsim.errors import DataError
    from accelsim.outputs import refuse_inputs

    outputs = {
        "--checkpoint": args.checkpoint,
        "--onnx": args.onnx,
        "--metrics-csv": args.metrics_csv,
        "--plot": args.plot,
    }
    for path in outputs.values():
        if path is not None:
            with contextlib.suppress(OSError, ValueError):  # check_output names the problem
                path.parent.mkdir(parents=True, exist_ok=True)
    if args.data is not None:
        from accelsim.train.data import note_data_files

        note_data_files(args.data)
    refuse_inputs({"--data": args.data}, outputs)
    if args.checkpoint is not None and not args.resume and args.checkpoint.exists():
        raise DataError(
            f"--checkpoint {args.checkpoint}: exists; add --resume to continue it, "
            "or remove it (or choose another path) to start again"
        )


def _config(args: argparse.Namespace) -> Any:
    from accelsim.train.loop import TrainConfig
    from accelsim.train.optim import OptimConfig

    return TrainConfig(
        alpha=_value(args, "alpha"),
        rho=_value(args, "rho"),
        epochs=_value(args, "epochs"),
        batch_size=args.batch_size,
        lr=args.lr,
        schedule=args.schedule,
        warmup_epochs=args.warmup_epochs,
        label_smoothing=args.label_smoothing,
        seed=args.seed,
        time_budget_s=args.time_budget,
        limit_train=args.limit_train,
        limit_test=args.limit_test,
        optim=OptimConfig(
            name=args.optimizer,
            momentum=args.momentum,
            nesterov=not args.no_nesterov,
            weight_decay=args.weight_decay,
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Train (or, with --epochs 0 and no data, just initialise) and export."""
    from accelsim._workers import cpu_count
    from accelsim.errors import DataError

    command = "accelsim " + shlex.join(sys.argv[1:])
    if args.resume and args.checkpoint is None:
        raise DataError("--resume: needs --checkpoint PATH to resume from")
    _check_outputs(args)
    if args.epochs == 0 and args.data is None and not args.resume:
        return _export_untrained(args, command)
    if args.data is None:
        raise DataError("--data: required to train; give a CIFAR-10 folder, .tar.gz or .zip")
    if args.tf32:
        os.environ["CUPY_TF32"] = "1"  # read by CuPy at import; printed in the run header
    from accelsim.cli._terminal import terminal_console
    from accelsim.train.backend import array_module
    from accelsim.train.data import load_cifar10
    from accelsim.train.finish import export_trained
    from accelsim.train.loop import check_same_data, new_state, resume_state, train
    from accelsim.train.metrics import plot_curves

    console = terminal_console(stderr=True, log_path=False)
    xp = array_module(args.device)
    if args.resume:
        state = resume_state(
            args.checkpoint, xp, extra_epochs_to=args.epochs, more_time_s=args.time_budget
        )
        if state.epochs_done < state.total_epochs:  # more training: record how it was made
            state.command = f"{state.command}; then {command}"
        for name in ("alpha", "rho"):
            given = getattr(args, name)
            if given is not None and given != getattr(state.config, name):
                raise DataError(
                    f"--{name} {given}: differs from the checkpoint's {getattr(state.config, name)}"
                )
    else:
        _config(args)  # validate options before the slow data load
    data = load_cifar10(
        args.data,
        download=args.download,
        cache_dir=None if args.no_cache else args.cache_dir or default_cache_dir(),
        workers=args.workers or cpu_count(),
    )
    if args.resume:
        check_same_data(state, data, f"--data {args.data}")
    else:
        state = new_state(_config(args), data, xp, command=command)
    c = state.config
    console.log(
        f"MobileNet alpha={c.alpha:g} rho={c.rho:g}: {state.spec.macs / 1e6:.1f} M MACs/image; "
        f"{args.device}{' TF32' if args.tf32 else ''}; {c.optim.name} lr {c.lr:g} {c.schedule}, "
        f"batch {c.batch_size}; epochs {state.epochs_done}/{state.total_epochs}"
        + (
            f" at most, time budget {c.time_budget_s:g} s (the count is fitted after epoch "
            f"{state.epochs_done + 1})"
            if c.time_budget_s
            else ""
        )
    )
    reporter = _RichReporter(console, bar=not args.no_progress)
    reserve_s = 30.0 if args.onnx else 0.0
    train(
        state,
        data,
        xp,
        reporter=reporter,
        checkpoint=args.checkpoint,
        metrics_csv=args.metrics_csv,
        reserve_s=reserve_s,
    )
    if args.plot and state.history:
        plot_curves({f"alpha {c.alpha:g}": state.history}, args.plot)
    if args.onnx:
        result = export_trained(
            state, data, args.onnx, fold_bn=args.fold_bn, export_command=command, device=args.device
        )
        from accelsim._text import markup

        console.log(
            f"{markup(args.onnx)}: onnxruntime test accuracy {result.test_accuracy:.4f}, loss "
            f"{result.test_loss:.4f} on {result.test_images} of the {len(data.test_labels)} "
            "test images; NumPy vs onnxruntime "
            f"max |logit diff| {result.max_logit_difference:.2e}"
        )
    return 0


class _RichReporter:
    """One progress bar per epoch (images/s, loss, accuracy) and a summary line after it."""

    def __init__(self, console: Any, *, bar: bool = True) -> None:
        self.console = console
        self.bar = bar
        self.progress: Any = None
        self.task = 0

    def start_epoch(self, epoch: int, total_epochs: int, steps: int) -> None:
        """Open the bar for `epoch`."""
        if not self.bar:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

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

    def epochs_settled(self, total_epochs: int, reason: str) -> None:
        """Log the epoch count the time budget settled on, and why."""
        self.console.log(f"epochs settled: {total_epochs}; {reason}")
