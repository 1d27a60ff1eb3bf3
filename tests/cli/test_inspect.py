"""`accelsim inspect`: the table and --json agree with hand-computed counts; bad input exits 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accelsim.cli import main
from tests.onnx_builders import conv_chain, save, symbolic_batch, unsupported_op

EDGE1 = Path(__file__).resolve().parents[2] / "hardware" / "edge1.yaml"

MOBILENET = Path(__file__).resolve().parents[2] / "workloads" / "mobilenet.onnx"


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    # x 1x3x8x8 -> conv1 (3->8, 3x3 same) -> relu1 -> conv2 (8->16) -> relu2
    return save(conv_chain((3, 8, 16), size=(8, 8)), tmp_path / "chain.onnx")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["inspect", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_rows_and_totals(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _json(capsys, str(chain))
    assert [(r["name"], r["op_type"]) for r in document["ops"]] == [
        ("conv1", "Conv"),
        ("relu1", "Relu"),
        ("conv2", "Conv"),
        ("relu2", "Relu"),
    ]
    conv1, relu1, conv2, _ = document["ops"]
    assert conv1["inputs"] == [
        {"name": "x", "shape": [1, 3, 8, 8], "kind": "input"},
        {"name": "conv1.weight", "shape": [8, 3, 3, 3], "kind": "weight"},
    ]
    assert conv1["outputs"] == [{"name": "conv1_out", "shape": [1, 8, 8, 8], "kind": "activation"}]
    assert conv1["macs"] == 13_824  # 1*8*8*8 = 512 outputs * 3*3*3 = 27
    assert conv1["params"] == 216  # 8*3*3*3
    assert conv1["activation_bytes"] == 512  # 512 outputs * 8 bits / 8
    assert (relu1["vector_ops"], relu1["params"], relu1["modelled"]) == (512, 0, True)
    assert conv2["macs"] == 73_728  # 1*16*8*8 = 1,024 outputs * 8*3*3 = 72
    assert document["totals"] == {
        "ops": 4,
        "unsupported_ops": 0,
        "assumed_ops": 0,
        "macs": 87_552,  # 13,824 + 73,728
        "vector_ops": 1_536,  # relu1 512 + relu2 1,024
        "params": 1_368,  # 216 + 16*8*3*3 = 1,152
        "parameter_bytes": 1_368,  # 8-bit: one byte each
        "batchnorm_statistics": 0,  # no BatchNormalization in the chain
    }
    assert document["bits"] == 8


def test_bits_scale_the_byte_counts(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _json(capsys, str(chain), "--bits", "4")
    assert document["ops"][0]["activation_bytes"] == 256  # 512 outputs * 4 bits / 8
    assert document["totals"]["parameter_bytes"] == 684  # 1,368 params * 4 bits / 8
    assert document["bits"] == 4  # the document says the bits it counted at


def test_table_lists_each_layer_and_totals(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(chain)]) == 0
    out = capsys.readouterr().out
    conv1 = next(line for line in out.splitlines() if " conv1 " in line)
    cells = re.split(r" {2,}", conv1.strip())  # columns are at least two spaces apart
    assert cells == ["1", "conv1", "Conv", "1x3x8x8", "1x8x8x8", "13,824", "0", "216", "512", "yes"]
    assert "4 ops, 87,552 MACs, 1,536 vector ops, 1,368 params (1,368 bytes at 8-bit)" in out


def test_unsupported_ops_are_listed_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save(unsupported_op("SpaceToDepth"), tmp_path / "u.onnx")
    document = _json(capsys, str(path))
    assert [(r["name"], r["modelled"]) for r in document["ops"]] == [
        ("conv1", True),
        ("conv_7", False),
    ]
    assert document["totals"]["unsupported_ops"] == 1
    assert main(["inspect", str(path)]) == 0
    assert "1 op(s) not modelled: `accelsim run` refuses this model" in capsys.readouterr().out


def test_symbolic_batch_needs_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(symbolic_batch("N"), tmp_path / "s.onnx")
    assert main(["inspect", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f'accelsim: error: {path}: input "x" has symbolic dimension "N"; pass --batch N\n'
    )
    document = _json(capsys, str(path), "--batch", "2")
    assert document["ops"][0]["macs"] == 27_648  # 2*8*8*8 = 1,024 outputs * 27


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelsim", "inspect", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(not MOBILENET.exists(), reason="workloads/mobilenet.onnx not built")
def test_mobilenet_as_a_process() -> None:
    done = _run(str(MOBILENET), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    ops = {row["name"]: row for row in document["ops"]}
    assert ops["conv1"]["macs"] == 677_376  # 28*28*32 outputs * 3*3*3
    assert ops["fc"]["macs"] == 2_560  # 256 * 10
    # total MACs: the sum of the 27 conv layers and fc, derived in tests/workload/test_mobilenet.py
    assert document["totals"]["macs"] == 91_799_552
    assert document["totals"]["unsupported_ops"] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "not an ONNX model: the file is empty"),
        (b"definitely not protobuf", "not an ONNX model: not a valid protobuf"),
    ],
)
def test_bad_files_exit_2_with_one_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.onnx"
    if content is not None:
        path.write_bytes(content)
    done = _run(str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert re.fullmatch(
        rf"accelsim: error: {re.escape(str(path))}: {re.escape(message)}.*\n", done.stderr
    )
    assert "Traceback" not in done.stderr


def test_unsupported_op_is_a_one_line_error_for_run_not_inspect(tmp_path: Path) -> None:
    path = save(unsupported_op("SpaceToDepth"), tmp_path / "u.onnx")
    done = _run(str(path))
    assert done.returncode == 0
    assert re.search(r"conv_7 +SpaceToDepth .* no *\n", done.stdout)


def test_totals_that_leave_out_an_op_say_so_in_the_total_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save(unsupported_op(), tmp_path / "u.onnx")
    assert main(["inspect", str(path)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    # conv1: 64 outputs * 4 channels = 256 outputs * 3 MACs = 768; SpaceToDepth left out
    assert (
        "PARTIAL totals, leaving out 1 unmodelled op(s) [conv_7 (SpaceToDepth)]: 2 ops, 768 MACs"
        in out
    )


def test_unsupported_vector_costs_one_op_per_output_element_as_assumed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save(unsupported_op(), tmp_path / "u.onnx")
    document = _json(capsys, str(path), "--unsupported", "vector")
    conv_7 = document["ops"][1]
    # SpaceToDepth's output (1, 16, 4, 4) = 256 elements: 256 vector ops, assumed
    assert (conv_7["vector_ops"], conv_7["modelled"], conv_7["assumed"]) == (256, True, True)
    assert (document["totals"]["unsupported_ops"], document["totals"]["assumed_ops"]) == (0, 1)
    assert main(["inspect", str(path), "--unsupported=vector"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 op(s) assumed one vector op per output element [conv_7 (SpaceToDepth)]" in out
    assert main(["run", str(path), "--hw", str(EDGE1), "--unsupported=vector", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert notes == [
        "conv_7: no cost rule for SpaceToDepth; assumed one vector op per output element (256), "
        "--unsupported=vector"
    ]


def test_running_statistics_fed_as_inputs_are_no_parameters(tmp_path, capsys):
    # BatchNormalization over 4 channels: scale and bias are initializers (8 parameters); its
    # mean and var come in as graph inputs, so no batch-norm statistic is a parameter
    import numpy as np

    from tests.onnx_builders import single_op

    model = single_op("BatchNormalization", ["x", "s", "b", "mean", "var"],
                      activations={"x": [1, 4, 2, 2], "mean": [4], "var": [4]},
                      initializers={"s": np.ones(4, np.float32), "b": np.zeros(4, np.float32)})
    totals = _json(capsys, str(save(model, tmp_path / "bn.onnx")))["totals"]
    assert (totals["params"], totals["batchnorm_statistics"]) == (8, 0)
