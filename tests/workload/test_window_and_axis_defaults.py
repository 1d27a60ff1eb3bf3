"""Worked out by hand: SAME padding of a dilated kernel, Split's axis (0 when absent, as the ONNX
spec says) when lowering asks whether a Split cuts the last axis, and an Einsum label of size 1
in one operand broadcasting to its size in another, whichever comes first; and Gather's
constant indices, valid from -n to n - 1 along an axis of n."""

from __future__ import annotations

import pytest

from accelsim.lowering import _last_axis
from accelsim.workload.costs import InvalidNode, NodeShapes, op_cost, rule_for
from accelsim.workload.einsum import label_sizes, parse_equation
from accelsim.workload.graph import Op


def test_same_padding_of_a_dilated_kernel_covers_its_dilated_reach() -> None:
    # in 5, k 3, dilation 2, stride 1: the kernel reaches (3 - 1) x 2 + 1 = 5 pixels; out 5 needs
    # total pad (5 - 1) x 1 + 5 - 5 = 4 -> 2 each side (ONNX's SAME rule)
    shapes = NodeShapes(
        ((1, 1, 5, 5), (1, 1, 3, 3)), ((1, 1, 5, 5),),
        {"auto_pad": "SAME_UPPER", "dilations": (2, 2)},
    )  # fmt: skip
    assert rule_for("Conv", where="t").resolved(shapes).attributes["pads"] == (2, 2, 2, 2)


def test_a_split_without_an_axis_cuts_axis_0_not_the_last() -> None:
    split = Op("s", "Split", ("x",), ("a", "b"), 0, 4)
    assert not _last_axis(split, 2)  # axis 0 of a rank-2 input
    assert _last_axis(Op("s", "Split", ("x",), ("a", "b"), 0, 4, {"axis": -1}), 2)
    assert _last_axis(Op("s", "Split", ("x",), ("a", "b"), 0, 4, {"axis": 1}), 2)


def test_an_einsum_label_of_size_1_broadcasts_in_either_operand() -> None:
    # "ij,ij->i" over (2, 3) and (1, 3): i is 2 (the 1 broadcasts), j 3: 2 x 3 = 6 MACs
    equation = parse_equation("ij,ij->i", 2)
    for shapes in (((2, 3), (1, 3)), ((1, 3), (2, 3))):
        assert label_sizes(equation, list(shapes))[1] == {"i": 2, "j": 3}
        cost = op_cost("Einsum", NodeShapes(shapes, ((2,),), {"equation": "ij,ij->i"}))
        assert cost.macs == 6


@pytest.mark.parametrize(("index", "valid"), [(-4, True), (3, True), (4, False), (-5, False)])
def test_gather_indices_run_from_minus_n_to_n_minus_1(index: int, valid: bool) -> None:
    # a table of 4 rows of 8: rows -4..3 exist (ONNX and onnxruntime refuse 4 and -5)
    shapes = NodeShapes(((4, 8), None), ((1, 8),), {"indices": (index,), "axis": 0})
    if valid:
        assert op_cost("Gather", shapes).vector_ops == 8
    else:
        with pytest.raises(InvalidNode, match=f"^index {index} is outside dimension 0 "):
            op_cost("Gather", shapes)
