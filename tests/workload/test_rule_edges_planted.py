"""Cost rules at edges no other case reaches (a 1-D MatMul operand, ...): each count by hand,
each guarding a single-line bug seen to survive the rest of the suite."""

from __future__ import annotations

import pytest

from accelsim.workload.costs import InvalidNode, NodeShapes, op_cost


def _cost(op: str, inputs, outputs, opset: int = 17, **attributes):  # type: ignore[no-untyped-def]
    return op_cost(op, NodeShapes(tuple(inputs), tuple(outputs), attributes, opset))


@pytest.mark.parametrize(
    ("a", "b", "out", "macs"),
    [
        ((2, 3), (3,), (2,), 2 * 3),  # matrix x vector: 2 dot products of 3
        ((3,), (3, 4), (4,), 4 * 3),  # vector x matrix: 4 dot products of 3
        ((5, 2, 3), (3,), (5, 2), 5 * 2 * 3),  # a batch of matrices x one vector
    ],
)
def test_matmul_with_a_1d_operand_reduces_over_a_last_axis(a, b, out, macs) -> None:  # type: ignore[no-untyped-def]
    assert _cost("MatMul", [a, b], [out]).macs == macs


def test_group_normalization_without_num_groups_is_one_group_per_sample() -> None:
    # 7 ops per element (2·6·4 = 48) and 5 per group, one group for each of the 2 samples
    assert _cost("GroupNormalization", [(2, 6, 4), (6,), (6,)], [(2, 6, 4)]).vector_ops == (
        7 * 48 + 5 * 2
    )


@pytest.mark.parametrize("width", [3, 5])
def test_a_recurrence_whose_w_is_not_as_wide_as_the_input_is_refused(width: int) -> None:
    # X (T 2, B 1, I 4), LSTM hidden 2: W must be (1, 4·2, 4); one column fewer or more is refused
    with pytest.raises(InvalidNode, match=rf"W \[1, 8, {width}\] and R \[1, 8, 2\] do not fit 1 "):
        _cost("LSTM", [(2, 1, 4), (1, 8, width), (1, 8, 2)], [(2, 1, 1, 2)])


def test_a_conv_of_a_rank_1_input_is_refused_by_its_check() -> None:
    # no channel axis: the check's own message, not an index error
    with pytest.raises(ValueError, match=r"^input 4 and weight 4 with group 1 do not match"):
        _cost("Conv", [(4,), (4,)], [(4,)])


def test_a_conv_transpose_of_a_rank_2_input_is_refused() -> None:
    # (N, C) has no spatial axis; ConvTranspose needs (N, C, spatial...)
    with pytest.raises(InvalidNode, match=r"^group 1: input 1x4 and weight 4x2 do not match"):
        _cost("ConvTranspose", [(1, 4), (4, 2)], [(1, 2)])
