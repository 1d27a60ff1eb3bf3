"""A Split of a matrix layer's columns runs as one layer per part (fused attention's QKV
projection) only where that is the same work: the weight is the product's B, every column is
read, each constant of the chain goes with the columns. Graphs are built by hand, as the
importer writes them (one Split op per used output); numbers are worked out by hand on the toy
machine (int8: one byte per element)."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from tests.sim.toy import GraphBuilder, toy_machine


def _machine(**lowering: object):
    return with_overrides(toy_machine(), {"lowering.attention": "fused",
                                          **{f"lowering.{k}": v for k, v in lowering.items()}})


def _split(g: GraphBuilder, source: str, parts: str = "qkv") -> list[str]:
    """Split `source` (1, 8, 24) along its last axis in parts of 8 columns, one op per part."""
    return [g.op(f"s:{i}", "Split", [source], name, (1, 8, 8), vector_ops=64, axis=2)
            for i, name in enumerate(parts)]  # fmt: skip


def _types(program) -> list[tuple[str, ...]]:
    return [layer.op_types for layer in program.layers]


def test_the_projection_split_in_three_is_three_layers_of_its_columns():
    # the pattern itself: x (1, 8, 12) · W (12, 24), parts of 8 columns: 8 x 12 x 8 = 768 MACs
    g = GraphBuilder()
    xw = g.op("m", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 24))], "xw",
              (1, 8, 24), macs=2_304)  # fmt: skip
    program = lower(g.build(*_split(g, xw)), _machine())
    assert _types(program) == [("MatMul", "Split")] * 3
    assert [layer.macs for layer in program.layers] == [768] * 3
    assert [program.nbytes(f"W[{a}:{a + 8}]") for a in (0, 8, 16)] == [96] * 3


def test_a_weight_read_as_a_not_b_is_not_split_by_columns():
    # W (8, 12) · x (1, 12, 24): W's columns are the reduction, not the output's columns; its
    # slices [0:8] would be 8 x 8, not the rows the parts need. The Split copies.
    g = GraphBuilder()
    wx = g.op("m", "MatMul", [g.weight("W", (8, 12)), g.input("x", (1, 12, 24))], "wx",
              (1, 8, 24), macs=2_304)  # fmt: skip
    program = lower(g.build(*_split(g, wx)), _machine())
    assert _types(program) == [("MatMul",), ("Split",), ("Split",), ("Split",)]
    assert program.layers[0].macs == 2_304 and program.layers[0].weights == ("W",)


def test_a_split_whose_last_part_is_unused_still_computes_every_column():
    # Only q and k are read: the model still computes all 24 columns (8 x 12 x 24 = 2,304 MACs),
    # so the product is not cut to the parts read; the Split copies.
    g = GraphBuilder()
    xw = g.op("m", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 24))], "xw",
              (1, 8, 24), macs=2_304)  # fmt: skip
    program = lower(g.build(*_split(g, xw, "qk")), _machine())
    assert sum(layer.macs for layer in program.layers) == 2_304
    assert _types(program) == [("MatMul",), ("Split",), ("Split",)]


def test_a_per_row_constant_of_the_chain_is_not_cut_by_columns():
    # xw + c, c (8, 1) one value per row: it does not go with the columns, so the layer is not
    # split (its 8 bytes would become three 8 x 8 slices); it stays whole, 8 B.
    g = GraphBuilder()
    xw = g.op("m", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 24))], "xw",
              (1, 8, 24), macs=2_304)  # fmt: skip
    y = g.op("a", "Add", [xw, g.weight("c", (8, 1))], "y", (1, 8, 24), vector_ops=192)
    program = lower(g.build(*_split(g, y)), _machine(epilogue=["Add"]))
    assert _types(program) == [("MatMul", "Add"), ("Split",), ("Split",), ("Split",)]
    assert program.layers[0].weights == ("W", "c") and program.nbytes("c") == 8


def test_an_op_the_output_stage_applies_is_free_in_every_part():
    # Relu is in the toy machine's `fuses`: applied by the matrix unit's output stage at no
    # cost, so no part carries vector ops for it (a fused Add would carry its 64 per part).
    g = GraphBuilder()
    xw = g.op("m", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 24))], "xw",
              (1, 8, 24), macs=2_304)  # fmt: skip
    r = g.op("r", "Relu", [xw], "r.out", (1, 8, 24), vector_ops=192)
    program = lower(g.build(*_split(g, r)), _machine())
    assert _types(program) == [("MatMul", "Relu", "Split")] * 3
    assert [layer.epilogue_ops for layer in program.layers] == [0, 0, 0]


def test_a_one_element_constant_of_any_rank_goes_whole_with_every_part():
    # xw · alpha, alpha of shape (1,): one value for every column, so each part reads it whole
    # (a slice [0:8] of it would be 8 bytes that do not exist)
    g = GraphBuilder()
    xw = g.op("m", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 24))], "xw",
              (1, 8, 24), macs=2_304)  # fmt: skip
    y = g.op("a", "Mul", [xw, g.weight("alpha", (1,))], "y", (1, 8, 24), vector_ops=192)
    program = lower(g.build(*_split(g, y)), _machine(epilogue=["Mul"]))
    assert [layer.weights for layer in program.layers] == [
        (f"W[{a}:{a + 8}]", "alpha") for a in (0, 8, 16)
    ]
    assert program.nbytes("alpha") == 1
