"""The GEMM shape (M, K, N, groups) lowering gives the systolic model, per op type, by hand.

Each shape multiplies out to the cost rule's MACs (no padding or inserted zeros are counted),
and batched products keep their batches apart: each batch has its own K x N operand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from accelsim.work import Gemm
from accelsim.workload import import_onnx
from tests.onnx_builders import save, single_op, weights
from tests.sim.toy import toy_machine

OPS = ("Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum")


def _array():
    """The toy machine with a 32 x 16 weight-stationary array that runs every matrix op."""
    return with_overrides(
        toy_machine(ops=OPS),
        {"units.matrix.timing": "systolic", "units.matrix.peak": None, "units.matrix.rows": 32,
         "units.matrix.cols": 16, "units.matrix.dataflow": "ws"},
    )  # fmt: skip


def _layer(model, tmp_path: Path):
    result = simulate_graph(import_onnx(save(model, tmp_path / "m.onnx")), _array(), name="t")
    (layer,) = result.layers
    (lowered,) = result.program.layers
    return lowered.gemm, layer.compute_cycles


def test_conv_transpose_is_one_gemm_per_input_pixel_then_a_scatter(tmp_path: Path) -> None:
    # x (1, 4, 3, 3), W (Cin 4, Cout 2, 2, 2), stride 2 -> y (1, 2, 6, 6).
    # Cost rule: 4·3·3 input elements x 2·2·2 = 288 MACs. col2im: M = 9 input pixels,
    # K = Cin = 4, N = Cout·kh·kw = 8; 9·4·8 = 288.
    model = single_op("ConvTranspose", ["x", "w"], activations={"x": [1, 4, 3, 3]},
                      initializers={"w": weights((4, 2, 2, 2))},
                      attributes={"strides": [2, 2]})  # fmt: skip
    gemm, cycles = _layer(model, tmp_path)
    assert gemm == Gemm(m=9, k=4, n=8, groups=1, macs=288)
    # ws: ceil(4/32)·ceil(8/16) = 1 fold of 2R + C + M - 2 = 64 + 16 + 9 - 2 = 87 cycles
    assert cycles == 87


def test_grouped_conv_transpose_splits_cin_and_cout_by_group(tmp_path: Path) -> None:
    # group 2: W (Cin 4, Cout/group 1, 2, 2) -> y (1, 2, 6, 6). 36 input elements x 1·2·2 = 144
    # MACs: per group M = 9, K = 4/2 = 2, N = 1·2·2 = 4; 9·2·4·2 = 144. Two 87-cycle folds.
    model = single_op("ConvTranspose", ["x", "w"], activations={"x": [1, 4, 3, 3]},
                      initializers={"w": weights((4, 1, 2, 2))},
                      attributes={"strides": [2, 2], "group": 2})  # fmt: skip
    gemm, cycles = _layer(model, tmp_path)
    assert gemm == Gemm(m=9, k=2, n=4, groups=2, macs=144)
    assert cycles == 2 * 87


@pytest.mark.parametrize(
    ("equation", "a", "b", "expected"),
    [
        # attention scores: b 1, h 2, q 3, d 4, k 5 -> groups b·h 2, M q 3, K d 4, N k 5
        ("bhqd,bhkd->bhqk", [1, 2, 3, 4], [1, 2, 5, 4], Gemm(m=3, k=4, n=5, groups=2, macs=120)),
        # scores x V: b 1, h 2, q 3, k 5, d 4 -> groups 2, M q 3, K k 5, N d 4
        ("bhqk,bhkd->bhqd", [1, 2, 3, 5], [1, 2, 5, 4], Gemm(m=3, k=5, n=4, groups=2, macs=120)),
        # the same, heads before queries in the output
        ("bqhd,bkhd->bhqk", [1, 3, 2, 4], [1, 5, 2, 4], Gemm(m=3, k=4, n=5, groups=2, macs=120)),
        # a projection: no batch label shared with the second input, M = b·s = 6, K 4, N 5
        ("bsd,df->bsf", [2, 3, 4], [4, 5], Gemm(m=6, k=4, n=5, groups=1, macs=120)),
        # an ellipsis batch (2, 3) -> groups 6, M i 2, K j 4, N k 5
        ("...ij,...jk->...ik", [2, 3, 2, 4], [2, 3, 4, 5], Gemm(m=2, k=4, n=5, groups=6, macs=240)),
    ],
)
def test_einsum_shape_is_batch_by_free_by_contracted_labels(
    tmp_path: Path, equation, a, b, expected
) -> None:
    model = single_op("Einsum", ["a", "b"], activations={"a": a, "b": b},
                      attributes={"equation": equation})  # fmt: skip
    gemm, _ = _layer(model, tmp_path)
    assert gemm == expected


def test_einsum_attention_scores_cycles_on_the_array(tmp_path: Path) -> None:
    # groups 2 of M 3, K 4, N 5: each one fold of 2R + C + M - 2 = 64 + 16 + 3 - 2 = 81 cycles
    model = single_op("Einsum", ["a", "b"], activations={"a": [1, 2, 3, 4], "b": [1, 2, 5, 4]},
                      attributes={"equation": "bhqd,bhkd->bhqk"})  # fmt: skip
    _, cycles = _layer(model, tmp_path)
    assert cycles == 2 * 81


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Q·Kᵀ as MatMul, as the Einsum above: each head its own K x N operand
        ([1, 2, 3, 4], [1, 2, 4, 5], Gemm(m=3, k=4, n=5, groups=2, macs=120)),
        # a weight shared by every row: one GEMM, M = 2·3 rows
        ([2, 3, 4], [4, 5], Gemm(m=6, k=4, n=5, groups=1, macs=120)),
        # B broadcast over A's batch: groups = B's heads 2, M = batch 2 x rows 3
        ([2, 2, 3, 4], [1, 2, 4, 5], Gemm(m=6, k=4, n=5, groups=2, macs=240)),
    ],
)
def test_matmul_groups_are_the_second_operands_batches(tmp_path: Path, a, b, expected) -> None:
    model = single_op("MatMul", ["a", "b"], activations={"a": a, "b": b})
    gemm, _ = _layer(model, tmp_path)
    assert gemm == expected


def _tile_gemms(model, tmp_path: Path, sram: int) -> list[Gemm]:
    hw = with_overrides(_array(), {"sram.capacity": sram})
    result = simulate_graph(import_onnx(save(model, tmp_path / "m.onnx")), hw, name="t")
    return [task.work for task in result.plan.tasks if task.unit_kind == "matrix"]


def test_a_tile_of_a_3d_output_is_its_rows_and_columns_of_the_gemm(tmp_path: Path) -> None:
    # (1, 8, 16) x (16, 32): rows 8, columns 32. At 400 B of SRAM the tiler keeps the input
    # (128 B) and streams the weights by groups of columns (the tiler's view of (1, 8, 16) is 8
    # rows, not 1 x 8). Every such split moves 128 + 512 + 256 = 896 B; a tile of any width up
    # to 16 is one fold of 2R + C + M - 2 = 64 + 16 + 8 - 2 = 86 cycles, so fewer, wider tiles
    # compute faster: double-buffered 128 + 2 x 24w <= 400 allows w = 5 (7 groups: 896 + 602 / 7
    # = 982 cycles), single-buffered w = 8 (4 groups: 896 + 344 = 1,240), and with one weight
    # slot and two output slots 128 + 16w + 2 x 8w <= 400 also w = 8, overlapped: the bus's 896
    # outlasts the compute and the 3 later groups' weight loads it waits for (344 + 384), so
    # 896 + 344 / 4 = 982 too, in fewer tiles. One column a tile (32 folds, 2,752 cycles) would
    # starve the array. So 4 tiles of N 8, all M 8, K 16.
    model = single_op("MatMul", ["a", "w"], activations={"a": [1, 8, 16]},
                      initializers={"w": weights((16, 32))})  # fmt: skip
    assert _tile_gemms(model, tmp_path, 400) == [Gemm(m=8, k=16, n=8, groups=1, macs=1024)] * 4


def test_a_tile_of_attention_scores_keeps_its_heads_apart(tmp_path: Path) -> None:
    # Q (1, 2, 4, 8) x Kᵀ (1, 2, 8, 4): 2 heads of 4 x 4 scores, K = 8. At 120 B of SRAM every
    # split that holds a head group's Kᵀ moves the 160 B once (tests/memory/test_tiling_shapes.py).
    # A tile of w heads and h query rows is w folds of 2R + C + h - 2 = 78 + h cycles on the
    # 32 x 16 array. Single-buffered w = 1, h = 4 (32 + 48 = 80 B): 2 tiles of 82, 160 + 164 =
    # 324 cycles; double-buffered w = 1, h = 2: 4 x 80, max(160, 320) + 160 / 4 = 360; w = 2,
    # h = 1: 4 x 158 = 632 (+ 40). So 2 tiles, one head each, all 4 query rows: M 4, K 8, N 4.
    model = single_op("MatMul", ["a", "b"], activations={"a": [1, 2, 4, 8], "b": [1, 2, 8, 4]})
    assert _tile_gemms(model, tmp_path, 120) == [Gemm(m=4, k=8, n=4, groups=1, macs=128)] * 2
