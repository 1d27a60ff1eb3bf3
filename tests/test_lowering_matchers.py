"""The lowering's data-that-never-moves patterns, each with the case it must refuse: a Transpose
read transposed by a product (no copy), and a KV cache appended in place. A pattern taken where
it does not hold drops a copy or a write, so each condition has a case of its own."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload.graph import Op, Tensor
from tests.sim.toy import GraphBuilder, toy_machine


def _types(program) -> list[tuple[str, ...]]:
    return [layer.op_types for layer in program.layers]


def _product(*, perm: list[int], second: bool = True, also_relu: bool = False,
             transpose_is_output: bool = False):  # fmt: skip
    """a (1, 2, 8) · Transpose(b (1, 8, 4) or as `perm` makes it), the transposed b read as the
    product's second operand (or first)."""
    g = GraphBuilder()
    a, b = g.input("a", (1, 2, 8)), g.input("b", (1, 4, 8) if perm[-1] == 1 else (4, 1, 8))
    bt = g.op("t", "Transpose", [b], "bt", (1, 8, 4), vector_ops=32, perm=perm)
    if second:
        y = g.op("m", "MatMul", [a, bt], "y", (1, 2, 4), macs=64)
    else:  # bt (1, 8, 4) first: (1, 8, 4) x w (4, 3)
        y = g.op("m", "MatMul", [bt, g.weight("w", (4, 3))], "y", (1, 8, 3), macs=96)
    outputs = [y]
    if also_relu:
        outputs.append(g.op("r", "Relu", [bt], "r.out", (1, 8, 4), vector_ops=32))
    if transpose_is_output:
        outputs.append(bt)
    return g.build(*outputs)


def test_a_transpose_of_the_last_two_axes_read_as_b_makes_no_copy():
    program = lower(_product(perm=[0, 2, 1]), toy_machine())
    assert _types(program) == [("MatMul",)]
    assert program.layers[0].reads == ("a", "b")  # b read where it lies, transposed


def test_a_transposed_operand_must_be_b_of_every_reader_and_no_output():
    # read as the product's first operand, also by a Relu, or itself a graph output: the
    # Transpose copies
    for graph in (_product(perm=[0, 2, 1], second=False),
                  _product(perm=[0, 2, 1], also_relu=True),
                  _product(perm=[0, 2, 1], transpose_is_output=True)):  # fmt: skip
        program = lower(graph, toy_machine())
        assert ("Transpose",) in _types(program), graph.outputs


def test_a_transpose_of_other_axes_is_a_copy():
    # perm [1, 0, 2] moves the batch axis, not the last two: the engine cannot read that as Bᵀ
    program = lower(_product(perm=[1, 0, 2]), toy_machine())
    assert _types(program) == [("Transpose",), ("MatMul",)]


def _cache(*, axis: int = 2, rank: int = 4, past_read_twice: bool = False,
           past_computed: bool = False, three: bool = False):  # fmt: skip
    """Concat(past, new) of a (1, 2, 4, 8) cache with one new row, then a Sigmoid reads it."""
    g = GraphBuilder()
    shape, row = ((1, 2, 4, 8), (1, 2, 1, 8)) if rank == 4 else ((4, 8), (1, 8))
    grown = (*shape[:-2], 5, 8) if axis % rank == rank - 2 else (*shape[:-1], 9)
    past = g.input("past", shape)
    if past_computed:
        past = g.op("p", "Relu", [past], "past.r", shape, vector_ops=64)
    new = g.input("new", row if axis % rank == rank - 2 else (*shape[:-1], 1))
    parts = [past, new, g.input("more", row)] if three else [past, new]
    if three:
        grown = (*shape[:-2], 6, 8)
    cat = g.op("cat", "Concat", parts, "present", grown, vector_ops=80, axis=axis)
    outputs = [g.op("s", "Sigmoid", [cat], "y", grown, vector_ops=80)]
    if past_read_twice:
        outputs.append(g.op("r", "Relu", [past], "r.out", shape, vector_ops=64))
    return g.build(*outputs)


def test_a_kv_cache_grows_in_place_along_its_sequence_axis():
    for axis in (2, -2):
        program = lower(_cache(axis=axis), toy_machine())
        assert _types(program) == [("Sigmoid",)]
        assert program.layers[0].reads == ("past",)
        assert "cat: KV cache appended in place (only new is written)" in program.notes
        assert set(program.outputs) == {"y", "new"}


def test_a_concat_that_is_no_cache_append_is_a_copy():
    cases = {
        "along the last axis": _cache(axis=3),
        "along the last axis, -1": _cache(axis=-1),
        "past read by another op too": _cache(past_read_twice=True),
        "past computed, not a graph input": _cache(past_computed=True),
        "three parts": _cache(three=True),
    }
    for why, graph in cases.items():
        program = lower(graph, toy_machine())
        assert ("Concat",) in _types(program), why
        assert not any("appended in place" in note for note in program.notes), why


def test_a_two_dimensional_concat_is_no_cache():
    # (4, 8) + (1, 8) along axis 0 = rank - 2: a cache has (.., sequence, head_dim) and heads
    g = GraphBuilder()
    past, new = g.input("past", (4, 8)), g.input("new", (1, 8))
    cat = g.op("cat", "Concat", [past, new], "present", (5, 8), vector_ops=40, axis=0)
    program = lower(g.build(g.op("s", "Sigmoid", [cat], "y", (5, 8), vector_ops=40)),
                    toy_machine())  # fmt: skip
    assert _types(program) == [("Concat",), ("Sigmoid",)]


def test_a_concat_read_with_its_past_written_to_two_outputs_is_a_copy():
    # a Concat with two outputs is no append (one output only); built by hand
    g = GraphBuilder()
    past, new = g.input("past", (1, 2, 4, 8)), g.input("new", (1, 2, 1, 8))
    for name in ("present", "copy"):
        g.tensors[name] = Tensor(name, (1, 2, 5, 8), "activation")
    g.ops.append(Op("cat", "Concat", (past, new), ("present", "copy"), 0, 80, {"axis": 2}))
    y = g.op("s", "Sigmoid", ["present"], "y", (1, 2, 5, 8), vector_ops=80)
    program = lower(g.build(y), toy_machine())
    assert ("Concat",) in _types(program)


def test_a_transpose_that_also_moves_batch_axes_is_a_copy():
    # perm [1, 0, 3, 2] swaps the last two axes and the two batch axes: not a plain Bᵀ
    g = GraphBuilder()
    a, b = g.input("a", (3, 2, 2, 8)), g.input("b", (2, 3, 4, 8))
    bt = g.op("t", "Transpose", [b], "bt", (3, 2, 8, 4), vector_ops=192, perm=[1, 0, 3, 2])
    y = g.op("m", "MatMul", [a, bt], "y", (3, 2, 2, 4), macs=384)
    assert _types(lower(g.build(y), toy_machine())) == [("Transpose",), ("MatMul",)]
    # [0, 1, 3, 2]: Bᵀ of each batch, no copy
    g = GraphBuilder()
    a, b = g.input("a", (2, 3, 2, 8)), g.input("b", (2, 3, 4, 8))
    bt = g.op("t", "Transpose", [b], "bt", (2, 3, 8, 4), vector_ops=192, perm=[0, 1, 3, 2])
    y = g.op("m", "MatMul", [a, bt], "y", (2, 3, 2, 4), macs=384)
    assert _types(lower(g.build(y), toy_machine())) == [("MatMul",)]


def _bn(g: GraphBuilder, x: str, shape: tuple[int, ...]) -> str:
    params = [g.weight(f"bn.{p}", (shape[1],)) for p in ("scale", "B", "mean", "var")]
    return g.op("bn", "BatchNormalization", [x, *params], "y", shape, vector_ops=64)


def test_a_batchnorm_after_a_vector_layer_is_not_folded():
    # Conv -> MaxPool (a vector layer) -> BN: the BN reads the pool's single output alone, but
    # a pool has no weights to fold into: it runs on the vector unit, with the note
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 6, 6)), 2, 3, pad=1)
    p = g.op("p", "MaxPool", [c], "p.out", (1, 2, 4, 4), vector_ops=32, kernel_shape=[3, 3],
             strides=[1, 1], pads=[0, 0, 0, 0])  # fmt: skip
    program = lower(g.build(_bn(g, p, (1, 2, 4, 4))), toy_machine())
    assert [(layer.op_types, layer.unit) for layer in program.layers] == [
        (("Conv",), "matrix"), (("MaxPool",), "vector"), (("BatchNormalization",), "vector")
    ]
    assert program.notes == ("bn: BatchNormalization does not directly follow a matrix-engine "
                             "op, so it cannot be folded; it runs on the vector unit",)  # fmt: skip


def test_a_batchnorm_right_after_a_conv_is_folded_with_a_bias():
    # Conv (no bias) -> BN: folded; the conv gains a 2-channel bias, int8: 2 B
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 6, 6)), 2, 3, pad=1)
    program = lower(g.build(_bn(g, c, (1, 2, 6, 6))), toy_machine())
    (layer,) = program.layers
    assert (layer.op_types, layer.unit, layer.vector_ops) == (
        ("Conv", "BatchNormalization"), "matrix", 0)  # fmt: skip
    assert layer.weights == ("c.W", "c.folded_bias")
    assert program.buffers["c.folded_bias"].nbytes == 2


def _product_then_add(other: tuple[int, ...], *, weight: bool = True):
    """x (2, 8) · W (8, 4), then + c of shape `other` (a weight, or a graph input)."""
    g = GraphBuilder()
    y = g.op("m", "MatMul", [g.input("x", (2, 8)), g.weight("W", (8, 4))], "y", (2, 4), macs=64)
    c = g.weight("c", other) if weight else g.input("c", other)
    out = (*other[:-2], 2, 4) if len(other) > 2 else (2, 4)
    total = 1
    for dim in out:
        total *= dim
    return g.build(g.op("a", "Add", [y, c], "z", out, vector_ops=total))


def test_an_epilogue_takes_a_per_column_constant_not_a_larger_one():
    hw = with_overrides(toy_machine(), {"lowering.epilogue": ["Add"]})
    # a bias of 4 (or 1 x 4) rides along with each output column: one layer, 8 adds
    for shape in ((4,), (1, 4)):
        (layer,) = lower(_product_then_add(shape), hw).layers
        assert (layer.op_types, layer.weights, layer.epilogue_ops) == (
            ("MatMul", "Add"), ("W", "c"), 8)  # fmt: skip
    # a (2, 4) weight has a value per row too (a mask): a tile would slice it by rows, so the
    # Add stays a layer of its own
    program = lower(_product_then_add((2, 4)), hw)
    assert _types(program) == [("MatMul",), ("Add",)]
    # an Add whose output is larger than the product's (broadcast over 3 batches): not joined
    program = lower(_product_then_add((3, 2, 4), weight=False), hw)
    assert _types(program) == [("MatMul",), ("Add",)]
