"""`scripts/scalesim_compare.py`'s least-split column, which reads the tiler's search: a
renamed private once broke it silently (the small-SRAM comparison failed with AttributeError)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "scalesim_compare", ROOT / "scripts" / "scalesim_compare.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_least_split_of_a_pointwise_layer_at_32_kib_is_the_whole_layers_folds() -> None:
    """MobileNet's conv19 (1x1, M 196 = 14 x 14, K 256, N 256) on a 32 x 16 weight-stationary
    array with 32 KiB of SRAM. SCALE-Sim's fold formula for the whole layer: ceil(256/32) x
    ceil(256/16) = 128 folds of 2R + C - 2 + M = 64 + 16 - 2 + 196 = 274 cycles: 35,072. No
    split computes less, and one (K chunks of 32, 32 channels a group, all 196 rows: 64 tiles of
    2 folds x 274) computes exactly that."""
    script = _script()
    result, hw = script.accelsim_run(
        ROOT / "workloads" / "mobilenet.onnx", rows=32, cols=16, dataflow="ws", sram="32 KiB"
    )
    layer = {layer.name: layer for layer in result.program.layers}["conv19"]
    assert script._least_split(layer, result.program, hw) == 128 * 274
