"""Turn a trained state into the shipped ONNX: export, check against NumPy, measure by onnxruntime.

The check and the test metrics always run on the host with NumPy and onnxruntime, whatever
device trained the weights, so GPU arithmetic (TF32) cannot hide an export error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accelsim.train import export as E
from accelsim.train import model as M
from accelsim.train.augment import Preprocess
from accelsim.train.backend import to_host
from accelsim.train.data import Cifar10
from accelsim.train.loop import TrainState, subset

CHECK_IMAGES = 64


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What the shipped model measured: onnxruntime test metrics and the NumPy/ORT logit gap."""

    test_loss: float
    test_accuracy: float
    test_images: int
    max_logit_difference: float


def export_trained(
    state: TrainState,
    data: Cifar10,
    path: Path,
    *,
    fold_bn: bool,
    export_command: str,
    device: str,
) -> ExportResult:
    """Export `state` to `path` with metadata carrying the onnxruntime test accuracy and loss,
    measured on the test images the epochs validated on (all, or `--limit-test` of them)."""
    params = {k: to_host(v) for k, v in state.params.items()}
    buffers = {k: to_host(v) for k, v in state.buffers.items()}
    pre = Preprocess(state.spec.input_size, state.mean, state.std)
    scored = subset(len(data.test_labels), state.config.limit_test, state.config.seed)
    labels = data.test_labels[scored]
    nhwc = pre.batch(data.test_images, scored, None)
    nchw = np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2))

    def build(loss: float | None, accuracy: float | None) -> object:
        metadata = E.make_metadata(
            state.spec,
            epochs=state.epochs_done,
            test_accuracy=accuracy,
            test_loss=loss,
            mean=state.mean,
            std=state.std,
            dataset=f"CIFAR-10, {data.source}; test metrics on {len(nchw)} test images",
            command=state.command,
            seed=state.config.seed,
            class_names=data.class_names,
        )
        metadata["training_data"] = state.data_source
        metadata["training_wall_time_s"] = f"{state.elapsed_s:.0f}"
        metadata["export_device"] = device
        metadata["export_command"] = export_command
        return E.build_onnx(state.spec, params, buffers, metadata=metadata, fold_bn=fold_bn)

    probe = build(None, None)
    reference, _ = M.forward(state.spec, params, buffers, nhwc[:CHECK_IMAGES], train=False)
    worst = E.check_against_numpy(probe, nchw[:CHECK_IMAGES], reference)
    loss, accuracy = E.onnx_test_metrics(probe, nchw, labels)
    E.save_onnx(build(loss, accuracy), path)
    return ExportResult(loss, accuracy, len(nchw), worst)
