"""Rules called directly on a tensor with a 0-length axis (the API allows it; the importer
refuses such tensors before costing): a run along an empty axis costs nothing, never a
division by zero."""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, op_cost


def test_cumsum_along_an_empty_axis_costs_nothing() -> None:
    # n = 3 x 0 = 0 elements: n - n / len(axis) adds = 0, with len(axis) = 0 read as 1
    shapes = NodeShapes(((3, 0), (1,)), ((3, 0),), {"axis": 1})
    assert op_cost("CumSum", shapes).vector_ops == 0


def test_log_softmax_over_an_empty_axis_has_no_rows_to_log() -> None:
    # opset 13+: rows = elements / len(axis) = 0 / (0 read as 1) = 0; 5 x 0 elements + 0 logs
    shapes = NodeShapes(((4, 0),), ((4, 0),), {"axis": -1}, opset=13)
    assert op_cost("LogSoftmax", shapes).vector_ops == 0
