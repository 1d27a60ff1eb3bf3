"""Model attributes a hostile user sets: equations that hang ONNX, contradictory attributes that
onnxruntime refuses, recurrences of millions of steps. Each ends within the battery's caps, in
one line naming the node (or, for a long recurrence, with a bounded run)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from onnx import helper, numpy_helper

from accelsim.workload.rules.recurrent import MAX_STEPS
from tests.hostile.conftest import EDGE1, LIMIT_S, ROOT, accelsim, refused
from tests.hostile.test_hostile_models import F, raw_model


def test_the_einsum_equation_that_hangs_onnx_is_refused_first(tmp_path: Path) -> None:
    node = helper.make_node("Einsum", ["a", "b"], ["y"], name="e", equation="...i...,ij->j")
    path = raw_model(tmp_path / "e.onnx", [node], {"a": (F, [2, 3]), "b": (F, [3, 4])},
                     ("y", F, [4]))  # fmt: skip
    assert path.stat().st_size < 200  # the 146-byte model of the report, give or take names
    assert refused("run", path, "--hw", EDGE1) == (
        f'accelsim: error: {path}: node "e" (Einsum): invalid node: equation "...i...,ij->j": '
        'term "...i..." must be letters (a-z, A-Z) with at most one "..."'
    )


def test_a_model_onnx_loops_on_is_stopped_by_the_watchdog(tmp_path: Path) -> None:
    # The same model with the equation check taken out: onnx's C++ shape inference then loops
    # forever (holding the GIL); the checker runs in a child killed after ACCELSIM_ONNX_LIMIT_S.
    node = helper.make_node("Einsum", ["a", "b"], ["y"], name="e", equation="...i...,ij->j")
    path = raw_model(tmp_path / "e.onnx", [node], {"a": (F, [2, 3]), "b": (F, [3, 4])},
                     ("y", F, [4]))  # fmt: skip
    unchecked = (
        "import runpy, sys; import accelsim.workload._onnx_files as f; "
        "f.check_before_onnx = lambda model, label: None; "
        f"sys.argv = ['accelsim', 'run', {str(path)!r}, '--hw', {str(EDGE1)!r}]; "
        "runpy.run_module('accelsim', run_name='__main__')"
    )
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", unchecked], capture_output=True, text=True,
                            timeout=LIMIT_S, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                  "ACCELSIM_ONNX_LIMIT_S": "2"})  # fmt: skip
    assert time.monotonic() - started < LIMIT_S / 2
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"accelsim: error: {path}: onnx's checker did not finish in 2 s (it loops forever on "
        "some malformed models); refusing the model (ACCELSIM_ONNX_LIMIT_S sets the limit)\n"
    )


def test_a_conv_transpose_onnxruntime_refuses_does_not_run(tmp_path: Path) -> None:
    weight = numpy_helper.from_array(np.zeros((4, 2, 3, 3), np.float32), "w")
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2],
                            output_padding=[2, 2])  # fmt: skip
    path = raw_model(tmp_path / "t.onnx", [node], {"x": (F, [1, 4, 8, 8])},
                     ("y", F, [1, 2, 19, 19]), initializers=[weight])  # fmt: skip
    assert refused("run", path, "--hw", EDGE1) == (
        f'accelsim: error: {path}: node "up" (ConvTranspose): invalid node: output_padding '
        "[2, 2] must be >= 0 and below the stride"
    )


def lstm(path: Path, steps: int, hidden: int = 8, features: int = 4) -> Path:
    weights = [numpy_helper.from_array(np.zeros((1, 4 * hidden, width), np.float32), name)
               for name, width in (("w", features), ("r", hidden))]  # fmt: skip
    node = helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="lstm", hidden_size=hidden)
    return raw_model(path, [node], {"x": (F, [steps, 1, features])},
                     ("y", F, [steps, 1, 1, hidden]), initializers=weights)  # fmt: skip


def test_a_recurrence_of_10_to_the_8_steps_is_refused_at_once(tmp_path: Path) -> None:
    path = lstm(tmp_path / "long.onnx", 10**8)
    assert refused("inspect", path) == (
        f'accelsim: error: {path}: node "lstm" (LSTM): cannot cost this node: 100,000,000 time '
        f"steps, over the limit of {MAX_STEPS:,} (each step is simulated as its own two layers); "
        "cut the sequence into chunks"
    )


def test_thousands_of_alike_steps_print_as_a_few_rows(tmp_path: Path) -> None:
    result = accelsim("run", lstm(tmp_path / "l.onnx", 2000), "--hw", EDGE1, "--cycles")
    assert result.returncode == 0, result.stderr
    layers = result.stdout.split("Layers", 1)[1].split("latency", 1)[0]
    # step 0's GEMM loads the weights and the last step writes y: the 1,998 steps between fold
    assert "lstm:1 … lstm:3995 (x1998)" in layers and "lstm:2 … lstm:3996 (x1998)" in layers
    assert len(layers.splitlines()) < 20


@pytest.mark.parametrize("domain", ["", "ai.onnx"])
def test_a_split_with_fewer_num_outputs_than_outputs_is_refused_before_onnx(tmp_path, domain):
    # num_outputs 1 on a node with 2 outputs: onnx's shape inference reads past its vector
    # (an assertion aborts the process), so the check before onnx must refuse "below" as well
    # as "above", naming the node, in the default domain however it is spelled ("" or
    # "ai.onnx"); a subprocess, as the abort would take pytest down with it.
    node = helper.make_node("Split", ["x"], ["y", "y1"], name="s", axis=1, num_outputs=1,
                            domain=domain)  # fmt: skip
    path = raw_model(tmp_path / "s.onnx", [node], {"x": (F, [2, 8])}, ("y", F, [2, 4]), opset=18)
    assert refused("run", path, "--hw", EDGE1) == (
        f'accelsim: error: {path}: node "s" (Split): invalid node: num_outputs 1 is not its 2 '
        "outputs"
    )


def test_an_unnamed_node_refused_before_onnx_is_named_by_type_and_index(tmp_path: Path):
    # the hanging equation on the graph's second node, which has no name: "Einsum_1", as the
    # importer would call it (refused before onnx sees the model, so in-process)
    from accelsim.errors import WorkloadError
    from accelsim.workload import import_onnx

    nodes = [helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Einsum", ["r", "b"], ["y"], equation="...i...,ij->j")]  # fmt: skip
    path = raw_model(tmp_path / "e.onnx", nodes, {"a": (F, [2, 3]), "b": (F, [3, 4])},
                     ("y", F, [4]))  # fmt: skip
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "Einsum_1" (Einsum): invalid node: equation "...i...,ij->j": term '
        '"...i..." must be letters (a-z, A-Z) with at most one "..."'
    )
