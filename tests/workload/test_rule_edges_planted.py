"""Cost rules at edges no other case reaches (a 1-D MatMul operand, ...): each count by hand,
each guarding a single-line bug seen to survive the rest of the suite."""

from __future__ import annotations

import pytest

from accelsim.workload.costs import NodeShapes, op_cost


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
