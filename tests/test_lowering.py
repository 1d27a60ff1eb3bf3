"""Lowering: which ops fold or fuse into a matrix-engine layer, and byte sizes at the data types.

Graphs are built by hand on the toy machine (Relu fused on the engine's output, BN folded).
"""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from tests.sim.toy import GraphBuilder, toy_machine


def _relu(g: GraphBuilder, name: str, x: str) -> str:
    shape = g.tensors[x].shape
    return g.op(name, "Relu", [x], f"{name}.out", shape, vector_ops=g.tensors[x].elements)


def _bn(g: GraphBuilder, name: str, x: str) -> str:
    shape = g.tensors[x].shape
    params = [g.weight(f"{name}.{p}", (shape[1],)) for p in ("scale", "B", "mean", "var")]
    return g.op(name, "BatchNormalization", [x, *params], f"{name}.out", shape,
                vector_ops=2 * g.tensors[x].elements)  # fmt: skip


def _layers(graph, hw=None):
    program = lower(graph, hw or toy_machine())
    return program, [(layer.op_types, layer.unit, layer.writes) for layer in program.layers]


def test_relu_with_one_consumer_fuses_and_its_input_never_exists():
    g = GraphBuilder()
    y = _relu(g, "r", g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1))
    program, layers = _layers(g.build(y))
    assert layers == [(("Conv", "Relu"), "matrix", ("r.out",))]
    assert "c.out" not in program.buffers  # the conv's raw output never reaches SRAM


def test_output_with_two_consumers_is_not_fused():
    # c.out feeds both the Relu and the Add: fusing would drop c.out, which the Add still reads.
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    r = _relu(g, "r", c)
    s = g.op("s", "Add", [r, c], "s.out", (1, 4, 4, 4), vector_ops=64)
    program, layers = _layers(g.build(s))
    assert layers == [
        (("Conv",), "matrix", ("c.out",)),
        (("Relu",), "vector", ("r.out",)),
        (("Add",), "vector", ("s.out",)),
    ]
    assert program.layers[2].reads == ("r.out", "c.out")


def test_batchnorm_with_two_consumers_of_its_input_is_not_folded():
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    b = _bn(g, "bn", c)
    s = g.op("s", "Add", [b, c], "s.out", (1, 4, 4, 4), vector_ops=64)
    _, layers = _layers(g.build(s))
    assert [ops for ops, _, _ in layers] == [("Conv",), ("BatchNormalization",), ("Add",)]


def test_graph_output_is_not_fused_away():
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    r = _relu(g, "r", c)
    _, layers = _layers(g.build(c, r))  # c.out is a model output: it must be written
    assert [ops for ops, _, _ in layers] == [("Conv",), ("Relu",)]


def test_batchnorm_folds_before_relu_but_not_after_a_fused_relu():
    # Conv -> BN -> Relu: BN is a per-channel scale and shift, folded into the conv's weights
    # (plus a 4-channel bias), then the Relu fuses: one layer.
    g = GraphBuilder()
    y = _relu(g, "r", _bn(g, "bn", g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)))
    program, layers = _layers(g.build(y))
    assert layers == [(("Conv", "BatchNormalization", "Relu"), "matrix", ("r.out",))]
    assert program.layers[0].weights == ("c.W", "c.folded_bias")
    # Conv -> Relu (fused) -> BN: bn(relu(z)) is not relu(a*z + b) for a < 0, so it cannot fold.
    g = GraphBuilder()
    y = _bn(g, "bn", _relu(g, "r", g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)))
    program, layers = _layers(g.build(y))
    assert layers == [
        (("Conv", "Relu"), "matrix", ("r.out",)),
        (("BatchNormalization",), "vector", ("bn.out",)),
    ]
    assert program.notes == (
        "bn: BatchNormalization follows the fused Relu, so it cannot be folded; it runs on the "
        "vector unit",
    )


def test_view_aliases_its_input_storage():
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 1)
    f = g.op("f", "Flatten", [c], "f.out", (1, 64))
    g.ops[-1] = type(g.ops[-1])("f", "Flatten", (c,), ("f.out",), 0, 0, {}, is_view=True)
    r = g.op("r", "Relu", [f], "r.out", (1, 64), vector_ops=64)
    program, layers = _layers(g.build(r))
    assert program.layers[1].reads == ("c.out",)  # the Flatten moved no data
    assert "f.out" not in program.buffers


def _int4(hw):
    return with_overrides(hw, {"dtypes.weights": "int4", "dtypes.activations": "int4"})


@pytest.mark.parametrize(
    ("shape", "nbytes"),
    [((1, 7), 4), ((1, 1), 1), ((1, 8), 4), ((3, 3), 5)],  # ceil(elements * 4 / 8)
)
def test_sub_byte_buffers_round_up_to_whole_bytes(shape, nbytes):
    g = GraphBuilder()
    x = g.input("x", shape)
    program = lower(g.build(g.op("r", "Relu", [x], "y", shape, vector_ops=1)), _int4(toy_machine()))
    assert program.nbytes("x") == program.nbytes("y") == nbytes


def test_int4_conv_moves_ceil_bytes_end_to_end():
    # x 1x3x3x3 = 27 elements -> 13.5 -> 14 B; W 1x3x1x1 = 3 -> 2 B; out 1x1x3x3 = 9 -> 5 B.
    # BN folded adds a 1-channel bias: 1 element -> 1 B. Moved: 14 + 2 + 1 + 5 = 22 B.
    g = GraphBuilder()
    y = _bn(g, "bn", g.conv("c", g.input("x", (1, 3, 3, 3)), 1, 1))
    result = simulate_graph(g.build(y), _int4(toy_machine()), name="t")
    moved = [(e.kind, e.buffer, e.nbytes) for e in result.trace.events if e.kind != "compute"]
    expected = [("load", "x", 14), ("load", "c.W", 2), ("load", "c.folded_bias", 1)]
    assert sorted(moved) == sorted([*expected, ("store", "bn.out", 5)])


def test_int4_tiles_round_every_slice_up():
    # Relu over x 1x1x3x5 int4: 15 elements -> 7.5 -> 8 B in, 8 B out. SRAM 12 B holds no whole
    # layer (16 B). A one-row band takes ceil(8 / 3) = 3 B in + 3 B out = 6 B, so two slots fit
    # and the three rows stream double-buffered: 3 loads and 3 stores of 3 B (9 >= 8 B each
    # way). A floor would move 2 B per row, 6 B in all, and lose the last half byte of each row.
    g = GraphBuilder()
    x = g.input("x", (1, 1, 3, 5))
    graph = g.build(g.op("r", "Relu", [x], "y", (1, 1, 3, 5), vector_ops=15))
    hw = _int4(toy_machine(sram=12))
    result = simulate_graph(graph, hw, name="t")
    assert result.plan.tiles == (3,)
    moved = [(e.kind, e.nbytes) for e in result.trace.events if e.kind != "compute"]
    assert sorted(moved) == [("load", 3)] * 3 + [("store", 3)] * 3
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_a_second_folded_batchnorm_adds_no_second_bias():
    # Conv -> BN -> BN: both fold into the one conv; a scale and shift compose into one bias,
    # so the weights are W (4x2x3x3 = 72 B) and one 4-channel bias (4 B), not 8 B of bias.
    g = GraphBuilder()
    y = _bn(g, "bn2", _bn(g, "bn1", g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)))
    program, layers = _layers(g.build(y))
    assert layers == [(("Conv", "BatchNormalization", "BatchNormalization"), "matrix",
                       ("bn2.out",))]  # fmt: skip
    assert program.layers[0].weights == ("c.W", "c.folded_bias")
    assert sum(program.nbytes(w) for w in program.layers[0].weights) == 72 + 4


def test_a_conv_with_its_own_bias_folds_batchnorm_into_it():
    # Conv(x, W, B) -> BN: the BN's shift goes into the conv's own bias B, no second bias
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    w, b = g.weight("c.W", (4, 2, 3, 3)), g.weight("c.B", (4,))
    c = g.op("c", "Conv", [x, w, b], "c.out", (1, 4, 4, 4), macs=4 * 16 * 18,
             kernel_shape=[3, 3], strides=[1, 1], pads=[1] * 4)  # fmt: skip
    program, layers = _layers(g.build(_bn(g, "bn", c)))
    assert layers == [(("Conv", "BatchNormalization"), "matrix", ("bn.out",))]
    assert program.layers[0].weights == ("c.W", "c.B")


def test_an_op_without_macs_listed_in_matrix_ops_stays_on_the_vector_unit():
    hw = with_overrides(toy_machine(), {"lowering.matrix_ops": ["Conv", "Sigmoid"]})
    g = GraphBuilder()
    y = g.op("s", "Sigmoid", [g.input("x", (1, 8))], "y", (1, 8), vector_ops=32)
    _, layers = _layers(g.build(y), hw)
    assert layers == [(("Sigmoid",), "vector", ("y",))]


def test_a_gemm_shape_read_from_the_output_rounds_k_up():
    # a Gemm (no operand rule) writing 2 x 3 with 13 MACs: M = 2, N = 3, K = ceil(13 / 6) = 3, so
    # the array is never timed on fewer multiply-accumulates than the op does
    g = GraphBuilder()
    y = g.op("g", "Gemm", [g.input("x", (2, 4)), g.weight("w", (4, 3))], "y", (2, 3), macs=13)
    program, _ = _layers(g.build(y))
    gemm = program.layers[0].gemm
    assert (gemm.m, gemm.k, gemm.n, gemm.groups, gemm.macs) == (2, 3, 3, 1, 13)


def test_new_rows_of_a_cache_read_only_inside_the_model_are_still_written() -> None:
    # a KV cache appended in place writes its new rows to DDR, where the cache lies, even when
    # the concatenated cache is no graph output (read inside the model only)
    g = GraphBuilder()
    past, x = g.input("past", (1, 2, 4, 8)), g.input("x", (1, 2, 1, 8))
    new = g.op("k", "Relu", [x], "k.new", (1, 2, 1, 8), vector_ops=16)
    present = g.op("cat", "Concat", [past, new], "present", (1, 2, 5, 8), vector_ops=80, axis=2)
    program = lower(g.build(g.op("r", "Sigmoid", [present], "y", (1, 2, 5, 8), vector_ops=240)),
                    toy_machine())  # fmt: skip
    assert any("appended in place" in note for note in program.notes)
    assert set(program.outputs) == {"y", "k.new"}
    assert program.buffers["k.new"].kind == "output"
    # the Concat makes no copy: its reader reads the cache where it lies, past's buffer
    assert [layer.reads for layer in program.layers] == [("x",), ("past",)]
