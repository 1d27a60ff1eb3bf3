"""`accelsim train`: train the reference MobileNet on CIFAR-10 (NumPy or CuPy) and export ONNX."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, summary: str) -> None:  # type: ignore[type-arg]
    """Add the `train` subcommand and its options."""
    p = subparsers.add_parser("train", help=summary, description=summary)
    p.add_argument("--alpha", type=float, default=1.0, help="width multiplier, 0 < alpha <= 1")
    p.add_argument("--rho", type=float, default=1.0, help="resolution multiplier, 0 < rho <= 1")
    p.add_argument(
        "--epochs", type=int, default=60, help="epochs to train (0: export the seeded init)"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed for weights, shuffling and augmentation"
    )
    p.add_argument("--onnx", type=Path, help="write the trained network here as ONNX")
    p.add_argument("--fold-bn", action="store_true", help="fold batch norms into the conv weights")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Train (or, with --epochs 0, just initialise) and export."""
    from accelsim.train.data import DEFAULT_MEAN, DEFAULT_STD
    from accelsim.train.export import build_onnx, make_metadata, save_onnx
    from accelsim.train.model import MobileNetSpec, init_params

    spec = MobileNetSpec(alpha=args.alpha, rho=args.rho)
    params, buffers = init_params(spec, args.seed)
    command = "accelsim " + shlex.join(sys.argv[1:])
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
        save_onnx(
            build_onnx(spec, params, buffers, metadata=metadata, fold_bn=args.fold_bn), args.onnx
        )
    return 0
