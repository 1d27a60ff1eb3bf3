"""workloads/mobilenet.onnx: every layer's MACs equal the closed form from the paper's Table 1.

Closed form of a conv layer: MACs = Hout * Wout * Cout * (Cin / group) * k * k. The table below
is Table 1 written out by hand (input 28x28x3; conv layer 5 is 64 -> 64 as printed; layers
14-23 are the "5x (dw, pw)" row; the FC is 256 -> 10 as the softmax input says).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.workload import import_onnx
from tests.onnx_facts import conv_nodes

MOBILENET = Path(__file__).resolve().parents[2] / "workloads" / "mobilenet.onnx"

pytestmark = pytest.mark.skipif(not MOBILENET.exists(), reason="workloads/mobilenet.onnx not built")

# (layer, Hout, Cin per group, Cout, kernel): Wout = Hout; a depthwise layer has Cin/group = 1
_DW, _PW = 3, 1
TABLE1: list[tuple[int, int, int, int, int]] = [
    (1, 28, 3, 32, 3),  # 28*28*32*27 = 677,376
    (2, 28, 1, 32, _DW),  # 28*28*32*9 = 225,792
    (3, 28, 32, 64, _PW),  # 28*28*64*32 = 1,605,632
    (4, 14, 1, 64, _DW),  # stride 2: 14*14*64*9 = 112,896
    (5, 14, 64, 64, _PW),  # 14*14*64*64 = 802,816
    (6, 14, 1, 64, _DW),  # 112,896
    (7, 14, 64, 128, _PW),  # 14*14*128*64 = 1,605,632
    (8, 14, 1, 128, _DW),  # 14*14*128*9 = 225,792
    (9, 14, 128, 128, _PW),  # 14*14*128*128 = 3,211,264
    (10, 14, 1, 128, _DW),
    (11, 14, 128, 128, _PW),
    (12, 14, 1, 128, _DW),
    (13, 14, 128, 256, _PW),  # 14*14*256*128 = 6,422,528
    *[
        (layer, 14, *((1, 256, _DW) if layer % 2 == 0 else (256, 256, _PW)))
        for layer in range(14, 24)
    ],  # dw 14*14*256*9 = 451,584; pw 14*14*256*256 = 12,845,056
    (24, 7, 1, 256, _DW),  # stride 2: 7*7*256*9 = 112,896
    (25, 7, 256, 256, _PW),  # 7*7*256*256 = 3,211,264
    (26, 7, 1, 256, _DW),
    (27, 7, 256, 256, _PW),
]


@pytest.fixture(scope="module")
def graph():
    return import_onnx(MOBILENET)


def test_onnx_file_holds_table1s_27_convs(graph) -> None:
    # Read with the onnx package alone, not the importer: (Cin/group, Cout, k) per conv as in
    # Table 1, and the importer sees the same 27 Conv ops.
    convs = conv_nodes(MOBILENET)
    assert [c.name for c in convs] == [f"conv{row[0]}" for row in TABLE1]
    assert [(c.in_per_group, c.out_channels, c.kernel) for c in convs] == [
        (cin, cout, k) for _, _, cin, cout, k in TABLE1
    ]
    assert sum(op.op_type == "Conv" for op in graph.ops) == len(convs) == 27


@pytest.mark.parametrize(("layer", "hout", "cin", "cout", "k"), TABLE1)
def test_conv_layer_macs_match_closed_form(
    graph, layer: int, hout: int, cin: int, cout: int, k: int
) -> None:
    op = next(op for op in graph.ops if op.name == f"conv{layer}")
    assert op.op_type == "Conv"
    assert op.macs == hout * hout * cout * cin * k * k


def test_spot_values_from_the_brief(graph) -> None:
    macs = {op.name: op.macs for op in graph.ops}
    assert (macs["conv1"], macs["conv2"], macs["conv3"]) == (677_376, 225_792, 1_605_632)


def test_fc_and_whole_network(graph) -> None:
    macs = {op.name: op.macs for op in graph.ops}
    assert macs["fc"] == 256 * 10
    # 1-3: 2,508,800; 4-7: 2,634,240; 8-13: 13,522,432; 14-23: 5 * (451,584 + 12,845,056)
    # = 66,483,200; 24-27: 6,648,320; fc 2,560 -> 91,799,552
    assert graph.total_macs == 91_799_552
    assert sum(macs[f"conv{row[0]}"] for row in TABLE1) == 91_799_552 - 2_560
    # only conv and fc do matrix work
    assert {op.op_type for op in graph.ops if op.macs} == {"Conv", "Gemm"}


def test_parameters(graph) -> None:
    # conv weights 560,512 (sum of Cout*Cin/group*k*k over TABLE1) + BN 4 per channel
    # (4,928 channels -> 19,712) + fc 256*10 + 10 = 2,570 -> 582,794
    assert sum(cout * cin * k * k for _, _, cin, cout, k in TABLE1) == 560_512
    assert graph.parameter_count == 582_794


def test_head_shapes_and_views(graph) -> None:
    names = [op.name for op in graph.ops]
    assert names[-4:] == ["avgpool", "flatten", "fc", "softmax"]
    assert graph.tensors["pool_out"].shape == (1, 256, 1, 1)  # 7x7 average over 7x7x256
    flatten = graph.ops[names.index("flatten")]
    assert flatten.is_view and flatten.vector_ops == 0
    assert graph.tensors[graph.outputs[0]].shape == (1, 10)
