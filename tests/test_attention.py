"""Fused attention (`lowering.attention: fused`) and the KV cache appended in place.

Bytes and vector ops are counted by hand on the toy machine (1 byte per cycle on the bus,
50 MACs and 1 vector op per cycle, int8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.errors import PlanError
from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload import import_onnx
from tests.sim.toy import toy_machine

H, S, D = 2, 64, 16  # heads, sequence, head size: Q, K, V and the output are 2,048 B each


def _attention(tmp_path: Path, *, mask: bool, probs_read_twice: bool = False,
               heads_last: bool = False) -> Path:  # fmt: skip
    """softmax(Q·Kᵀ / √d + M) · V, Kᵀ a Transpose of K, as the GPT builder spells it; with
    `heads_last` Q comes in as (1, S, H, D) and the output leaves that way (Transposes)."""
    value = helper.make_tensor_value_info
    inputs = [value(n, TensorProto.FLOAT, [1, H, S, D]) for n in ("q", "k", "v")]
    inits = [numpy_helper.from_array(np.array(D**-0.5, np.float32), "scale")]
    nodes = []
    if heads_last:
        inputs[0] = value("x", TensorProto.FLOAT, [1, S, H, D])
        nodes.append(helper.make_node("Transpose", ["x"], ["q"], perm=[0, 2, 1, 3]))
    nodes += [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Mul", ["s", "scale"], ["scaled"]),
    ]
    last = "scaled"
    if mask:
        inits.append(numpy_helper.from_array(np.zeros((1, 1, S, S), np.float32), "mask"))
        nodes.append(helper.make_node("Add", ["scaled", "mask"], ["masked"]))
        last = "masked"
    nodes += [
        helper.make_node("Softmax", [last], ["p"], axis=-1, name="softmax"),
        helper.make_node("MatMul", ["p", "v"], ["o" if not heads_last else "o_heads"]),
    ]
    if heads_last:
        nodes.append(helper.make_node("Transpose", ["o_heads"], ["o"], perm=[0, 2, 1, 3]))
    outputs = [value("o", TensorProto.FLOAT, [1, S, H, D] if heads_last else [1, H, S, D])]
    if probs_read_twice:
        outputs.append(value("p", TensorProto.FLOAT, [1, H, S, S]))
    graph = helper.make_graph(nodes, "attention", inputs, outputs, inits)
    path = tmp_path / "attention.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    return path


def _fused(sram: int):
    return with_overrides(toy_machine(sram=sram), {"lowering.attention": "fused"})


def _run(path: Path, hw):
    result = simulate_graph(import_onnx(path), hw, name="attention")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    return result


def test_fused_attention_moves_q_k_v_and_the_output_once(tmp_path):
    # 5,000 B of SRAM cannot hold Q, K, V and O (8,192 B): the layer runs in bands of query rows
    # with each head's K and V held, and still reads Q, K, V (and the 1 B scale) and writes O
    # exactly once; the 2 x 64 x 64 scores never leave SRAM.
    result = _run(_attention(tmp_path, mask=False), _fused(sram=5_000))
    (layer,) = result.program.layers
    assert layer.op_types == ("MatMul", "Mul", "Softmax", "MatMul")
    assert result.plan.tiles[0] > 1
    assert result.bus_read_bytes == 3 * 2_048 + 1
    assert result.bus_write_bytes == 2_048
    # Every band of query rows sees all 64 keys of its heads: K and V come in whole heads
    # (1,024 B each), loaded once per group of heads, never in bands.
    kv = [a for a in result.plan.allocations if a.buffer.split("[")[0] in ("k", "v")]
    assert kv and all(a.size % 1_024 == 0 and "group" in a.buffer for a in kv)
    # Vector work per head: the scale on each of Q's 64 x 16 elements (a kernel scales Q, not
    # the 64 x 64 scores: (cQ)Kᵀ = c(QKᵀ)), the online softmax's max, subtract, exp and sum on
    # each score (4), and one divide per output (64 x 16).
    assert layer.epilogue_ops == 2 * (64 * 16 + 4 * 64 * 64 + 64 * 16) == 36_864
    assert result.busy_cycles("vector") - 36_864 in range(result.plan.tiles[0])
    # Two products of 64 x 16 x 64 per head: 262,144 MACs, 5,243 cycles at 50 a cycle.
    assert layer.macs == 262_144 and result.busy_cycles("matrix") >= 5_243


def test_head_transposes_around_fused_attention_make_no_copy(tmp_path):
    # Q read as (1, S, H, D) and the output written as (1, S, H, D): the kernel reads and writes
    # through strides, so the bytes are still Q, K, V and the output once, and there is one layer.
    result = _run(_attention(tmp_path, mask=False, heads_last=True), _fused(sram=5_000))
    assert len(result.program.layers) == 1
    assert (result.bus_read_bytes, result.bus_write_bytes) == (3 * 2_048 + 1, 2_048)


def test_unfused_attention_sends_the_scores_through_ddr(tmp_path):
    path = _attention(tmp_path, mask=False)
    plain = _run(path, toy_machine(sram=5_000))
    assert len(plain.program.layers) == 4  # Kᵀ is read transposed by the product: no copy
    # The 8,192 B scores cannot stay: written once by Q·Kᵀ, then through the scale and Softmax.
    assert plain.bus_write_bytes >= 2_048 + 3 * 8_192


def test_a_mask_is_read_with_the_query_bands(tmp_path):
    result = _run(_attention(tmp_path, mask=True), _fused(sram=5_000))
    (layer,) = result.program.layers
    assert layer.op_types == ("MatMul", "Mul", "Add", "Softmax", "MatMul")
    assert layer.epilogue_ops == 36_864 + 2 * 64 * 64  # plus one add per score
    # The 4,096 B mask is shared by the heads: read once per group of heads (one group, or two
    # that also load the 1 B scale each).
    extra = result.bus_read_bytes - (3 * 2_048 + 1)
    assert extra in (4_096, 2 * 4_096 + 1)


def test_probabilities_read_elsewhere_leave_attention_unfused(tmp_path):
    program = lower(import_onnx(_attention(tmp_path, mask=False, probs_read_twice=True)),
                    _fused(sram=100_000))  # fmt: skip
    assert [layer.op_types for layer in program.layers] == [
        ("MatMul",), ("Mul",), ("Softmax",), ("MatMul",)
    ]
    assert any("softmax: its probabilities are not read only by" in n for n in program.notes)


def test_each_output_of_a_split_reads_only_its_part(tmp_path):
    # The QKV projection's Split into Q, K and V: x (1, 64, 48) in thirds of 1,024 B. With 1,000
    # B of SRAM each output is tiled; together they read x once (3,072 B), not three times.
    value = helper.make_tensor_value_info
    parts = [value(n, TensorProto.FLOAT, [1, 64, 16]) for n in ("q", "k", "v")]
    node = helper.make_node("Split", ["x"], ["q", "k", "v"], axis=2, num_outputs=3)
    graph = helper.make_graph([node], "split", [value("x", TensorProto.FLOAT, [1, 64, 48])], parts)
    path = tmp_path / "split.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    result = _run(path, toy_machine(sram=1_000))
    assert len(result.program.layers) == 3 and max(result.plan.tiles) > 1
    assert (result.bus_read_bytes, result.bus_write_bytes) == (3_072, 3_072)


def _qkv(tmp_path: Path, *, also_read: bool = False) -> Path:
    """x (1, 8, 12) · W (12, 24) + b, Split into Q, K, V of 8 columns each; K and V split into
    2 heads of 4 and transposed to (1, 2, 8, 4), written as graph outputs (a KV cache), as the
    GPT builder spells a QKV projection. With `also_read` the biased product is an output too."""
    value = helper.make_tensor_value_info
    inits = [
        numpy_helper.from_array(np.ones((12, 24), np.float32), "W"),
        numpy_helper.from_array(np.ones((24,), np.float32), "b"),
        numpy_helper.from_array(np.array([1, 8, 2, 4], np.int64), "heads"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="qkv"),
        helper.make_node("Add", ["xw", "b"], ["qkv_b"]),
        helper.make_node("Split", ["qkv_b"], ["q", "k", "v"], axis=2, num_outputs=3, name="s"),
    ]
    for name in ("k", "v"):
        nodes += [
            helper.make_node("Reshape", [name, "heads"], [f"{name}_h"]),
            helper.make_node("Transpose", [f"{name}_h"], [f"{name}_t"], perm=[0, 2, 1, 3]),
        ]
    outputs = [value("q", TensorProto.FLOAT, [1, 8, 8])]
    outputs += [value(f"{n}_t", TensorProto.FLOAT, [1, 2, 8, 4]) for n in ("k", "v")]
    if also_read:
        outputs.append(value("qkv_b", TensorProto.FLOAT, [1, 8, 24]))
    graph = helper.make_graph(
        nodes, "qkv", [value("x", TensorProto.FLOAT, [1, 8, 12])], outputs, inits
    )
    path = tmp_path / "qkv.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    return path


def test_a_split_projection_writes_q_k_and_v_heads_directly(tmp_path):
    # A compiler runs the projection as three GEMMs (or one writing three tensors) and stores K
    # and V in head order through strides: no Split or Transpose copies. Each part is a layer of
    # 8 columns: 8 x 12 x 8 = 768 MACs, its 96 B of W and 8 B of b, the bias add on its 64
    # outputs on the vector unit. x (96 B) stays in SRAM for all three: 96 + 3 x 104 = 408 B
    # read, 3 x 64 = 192 B written.
    hw = with_overrides(_fused(sram=10_000), {"lowering.epilogue": ["Add"]})
    result = _run(_qkv(tmp_path), hw)
    layers = result.program.layers
    assert [layer.op_types for layer in layers] == [("MatMul", "Add", "Split")] * 3
    assert [layer.writes for layer in layers] == [("q",), ("k_t",), ("v_t",)]
    assert [layer.weights for layer in layers] == [
        (f"W[{a}:{b}]", f"b[{a}:{b}]") for a, b in ((0, 8), (8, 16), (16, 24))
    ]
    assert [(layer.macs, layer.epilogue_ops) for layer in layers] == [(768, 64)] * 3
    assert (result.bus_read_bytes, result.bus_write_bytes) == (408, 192)
    assert set(result.program.outputs) == {"q", "k_t", "v_t"}


def test_a_split_of_a_product_read_elsewhere_stays_a_copy(tmp_path):
    # The biased product is itself an output: it must exist whole, so the Split copies it.
    hw = with_overrides(_fused(sram=10_000), {"lowering.epilogue": ["Add"]})
    program = lower(import_onnx(_qkv(tmp_path, also_read=True)), hw)
    copies = [("MatMul", "Add"), ("Split",), ("Split",), ("Split",), ("Transpose",), ("Transpose",)]
    assert [layer.op_types for layer in program.layers] == copies
    # Without fused attention (an option that changes no other machine's numbers) the same.
    plain = with_overrides(toy_machine(), {"lowering.epilogue": ["Add"]})
    assert [layer.op_types for layer in lower(import_onnx(_qkv(tmp_path)), plain).layers] == copies


def test_fused_attention_is_one_gemm_per_product_of_each_head(tmp_path):
    # Q·Kᵀ and P·V of each of the 2 heads: 4 GEMMs of M 64 query rows, K 16, N 64 keys, which
    # multiply out to the layer's 262,144 MACs (a GEMM's K and N are the other product's N and K)
    program = lower(import_onnx(_attention(tmp_path, mask=False)), _fused(sram=100_000))
    (layer,) = program.layers
    assert layer.gemm is not None
    assert (layer.gemm.m, layer.gemm.k, layer.gemm.n, layer.gemm.groups) == (S, D, S, 2 * H)
    assert S * D * S * 2 * H == layer.gemm.macs == 262_144


def test_a_kv_cache_concat_on_axis_minus_two_is_appended_in_place(tmp_path):
    # past (1, 2, 8, 16) + new (1, 2, 1, 16) along the sequence, axis -2 (= 2 of 4 dims): the
    # new row of each head is written where the cache lies, no copy of the 256 B past: the
    # Concat makes no layer
    value = helper.make_tensor_value_info
    past = value("past", TensorProto.FLOAT, [1, H, 8, D])
    new = value("new", TensorProto.FLOAT, [1, H, 1, D])
    out = value("cache", TensorProto.FLOAT, [1, H, 9, D])
    node = helper.make_node("Concat", ["past", "new"], ["cache"], axis=-2, name="append")
    graph = helper.make_graph([node], "kv", [past, new], [out])
    path = tmp_path / "kv.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    program = lower(import_onnx(path), toy_machine())
    assert program.layers == ()
    assert any("append: KV cache appended in place" in note for note in program.notes)


def test_a_split_projections_epilogue_shares_add_up_to_the_whole(tmp_path):
    # x (1, 8, 12) · W (12, 24), a LogSoftmax over its 24 columns (5 ops per element and one
    # per row: 5 x 192 + 8 = 968), split into three parts of 8 columns: each part takes its
    # columns' share by cumulative floors, 968 x 8 // 24 = 322, 645 - 322 = 323, 968 - 645 = 323
    value = helper.make_tensor_value_info
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="qkv"),
        helper.make_node("LogSoftmax", ["xw"], ["y"], axis=-1),
        helper.make_node("Split", ["y"], ["q", "k", "v"], axis=2, num_outputs=3, name="s"),
    ]
    graph = helper.make_graph(
        nodes, "qkv", [value("x", TensorProto.FLOAT, [1, 8, 12])],
        [value(n, TensorProto.FLOAT, [1, 8, 8]) for n in "qkv"],
        [numpy_helper.from_array(np.ones((12, 24), np.float32), "W")],
    )  # fmt: skip
    path = tmp_path / "qkv.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    hw = with_overrides(_fused(sram=10_000), {"lowering.epilogue": ["LogSoftmax"]})
    layers = lower(import_onnx(path), hw).layers
    assert [layer.epilogue_ops for layer in layers] == [322, 323, 323]


def test_a_split_projection_shares_a_scalar_of_its_chain_whole(tmp_path):
    # x (1, 8, 12) · W (12, 24) · a scalar, Split in thirds: each part takes its 8 columns of W
    # and the one scalar itself (a scalar goes with every column)
    value = helper.make_tensor_value_info
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="qkv"),
        helper.make_node("Mul", ["xw", "alpha"], ["y"]),
        helper.make_node("Split", ["y"], ["q", "k", "v"], axis=2, num_outputs=3, name="s"),
    ]
    graph = helper.make_graph(
        nodes, "qkv", [value("x", TensorProto.FLOAT, [1, 8, 12])],
        [value(n, TensorProto.FLOAT, [1, 8, 8]) for n in "qkv"],
        [numpy_helper.from_array(np.ones((12, 24), np.float32), "W"),
         numpy_helper.from_array(np.array(0.5, np.float32), "alpha")],
    )  # fmt: skip
    path = tmp_path / "qkv.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    hw = with_overrides(_fused(sram=10_000), {"lowering.epilogue": ["Mul"]})
    layers = lower(import_onnx(path), hw).layers
    assert [(layer.op_types, layer.weights, layer.epilogue_ops) for layer in layers] == [
        (("MatMul", "Mul", "Split"), (f"W[{a}:{b}]", "alpha"), 64)
        for a, b in ((0, 8), (8, 16), (16, 24))
    ]


def _scaled_scores(tmp_path: Path, *, op: str = "Mul", scale_shape: tuple[int, ...] = (),
                   scale_first: bool = False, scale_is_input: bool = False) -> Path:  # fmt: skip
    """softmax(Q·Kᵀ op c) · V with c of `scale_shape`: a weight, or a graph input; with
    `scale_first` c is the product's first operand (c · S or c / S)."""
    value = helper.make_tensor_value_info
    inputs = [value(n, TensorProto.FLOAT, [1, H, S, D]) for n in ("q", "v")]
    inputs.append(value("kt", TensorProto.FLOAT, [1, H, D, S]))
    inits = []
    if scale_is_input:
        inputs.append(value("c", TensorProto.FLOAT, list(scale_shape)))
    else:
        inits.append(numpy_helper.from_array(np.full(scale_shape, 0.25, np.float32), "c"))
    operands = ["c", "s"] if scale_first else ["s", "c"]
    nodes = [
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node(op, operands, ["scaled"], name="scale"),
        helper.make_node("Softmax", ["scaled"], ["p"], axis=-1, name="softmax"),
        helper.make_node("MatMul", ["p", "v"], ["o"], name="pv"),
    ]
    outputs = [value("o", TensorProto.FLOAT, [1, H, S, D])]
    graph = helper.make_graph(nodes, "scaled", inputs, outputs, inits)
    path = tmp_path / f"scaled_{op}.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    return path


def test_a_one_element_scale_of_any_rank_is_fused_into_q(tmp_path):
    # c of shape (1, 1, 1, 1) is still one number: the kernel scales Q's 2 x 64 x 16 elements
    for shape in ((), (1,), (1, 1, 1, 1)):
        (layer,) = lower(import_onnx(_scaled_scores(tmp_path, scale_shape=shape)),
                         _fused(sram=100_000)).layers  # fmt: skip
        assert layer.op_types == ("MatMul", "Mul", "Softmax", "MatMul")
        # scale on Q (2,048), online softmax 4 per score (32,768), a divide per output (2,048)
        assert layer.epilogue_ops == 2 * 64 * 16 + 4 * 2 * 64 * 64 + 2 * 64 * 16 == 36_864


def test_a_mul_or_div_by_a_non_scalar_after_the_scores_is_no_scale(tmp_path):
    # A weight of a score's shape (a multiplicative bias per query and key), or one value per
    # head, multiplies each score by its own number: no single c folds into Q, so the chain is
    # not attention and each op stays a layer of its own.
    for op in ("Mul", "Div"):
        for shape in ((1, 1, S, S), (1, H, 1, 1), (S,)):
            program = lower(import_onnx(_scaled_scores(tmp_path, op=op, scale_shape=shape)),
                            _fused(sram=100_000))  # fmt: skip
            assert [layer.op_types for layer in program.layers] == [
                ("MatMul",), (op,), ("Softmax",), ("MatMul",)
            ], (op, shape)


def test_a_scale_that_is_a_graph_input_is_no_fused_scale(tmp_path):
    # A one-element graph input is known only at run time, not a weight the kernel is built
    # with: the chain stays four layers
    path = _scaled_scores(tmp_path, scale_shape=(1,), scale_is_input=True)
    program = lower(import_onnx(path), _fused(sram=100_000))
    assert [layer.op_types for layer in program.layers] == [
        ("MatMul",), ("Mul",), ("Softmax",), ("MatMul",)
    ]


def test_a_scalar_divided_by_the_scores_is_no_scale(tmp_path):
    # c / S is not S / c: softmax(c / (Q·Kᵀ)) does not fold c into Q, so no attention is matched
    # (c · S is S · c and is)
    fused = _fused(sram=100_000)
    path = _scaled_scores(tmp_path, op="Div", scale_first=True)
    assert [layer.op_types for layer in lower(import_onnx(path), fused).layers] == [
        ("MatMul",), ("Div",), ("Softmax",), ("MatMul",)
    ]
    path = _scaled_scores(tmp_path, op="Mul", scale_first=True)
    (layer,) = lower(import_onnx(path), fused).layers
    assert layer.op_types == ("MatMul", "Mul", "Softmax", "MatMul")


def test_fused_attention_counts_rows_keys_and_depth_apart(tmp_path):
    # 8 queries attend to 32 keys in each of 2 heads of size 16 (a cross attention: the
    # earlier tests have as many queries as keys), with a (1, 1, 8, 32) additive mask.
    value = helper.make_tensor_value_info
    rows, keys = 8, 32
    inputs = [value("q", TensorProto.FLOAT, [1, H, rows, D]),
              value("kt", TensorProto.FLOAT, [1, H, D, keys]),
              value("v", TensorProto.FLOAT, [1, H, keys, D])]  # fmt: skip
    inits = [numpy_helper.from_array(np.array(0.25, np.float32), "c"),
             numpy_helper.from_array(np.zeros((1, 1, rows, keys), np.float32), "m")]  # fmt: skip
    nodes = [
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Mul", ["s", "c"], ["scaled"]),
        helper.make_node("Add", ["scaled", "m"], ["masked"]),
        helper.make_node("Softmax", ["masked"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["o"]),
    ]
    graph = helper.make_graph(nodes, "cross", inputs,
                              [value("o", TensorProto.FLOAT, [1, H, rows, D])], inits)  # fmt: skip
    path = tmp_path / "cross.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    (layer,) = lower(import_onnx(path), _fused(sram=100_000)).layers
    assert layer.op_types == ("MatMul", "Mul", "Add", "Softmax", "MatMul")
    # GEMMs of M 8 query rows, K 16, N 32 keys, 2 products x 2 heads: 8 x 16 x 32 x 4 = 16,384
    assert layer.gemm is not None
    assert (layer.gemm.m, layer.gemm.k, layer.gemm.n, layer.gemm.groups) == (8, 16, 32, 4)
    assert layer.macs == 2 * H * rows * D * keys == 16_384
    # scale on Q: 2 x 8 x 16 = 256; mask on each score: 2 x 8 x 32 = 512; online softmax 4 per
    # score (2,048) and a divide per output (2 x 8 x 16 = 256)
    assert layer.epilogue_ops == 256 + 512 + 4 * 512 + 256 == 3_072
    assert layer.reads == ("q", "kt", "v", "m") and layer.weights == ("c",)


def test_a_softmax_over_another_axis_is_no_attention(tmp_path):
    # Softmax over the query axis (-2 of 4; also 2): each key's column normalised, not each
    # query's row: no online softmax computes that, so the chain stays four layers, with a note
    for axis in (-2, 2):
        path = _scaled_scores(tmp_path)
        model = onnx.load(str(path))
        (softmax,) = [n for n in model.graph.node if n.op_type == "Softmax"]
        softmax.attribute[0].i = axis
        onnx.save(model, str(path))
        program = lower(import_onnx(path), _fused(sram=100_000))
        assert [layer.op_types for layer in program.layers] == [
            ("MatMul",), ("Mul",), ("Softmax",), ("MatMul",)
        ]
        assert "softmax: Softmax not over the last axis; attention left unfused" in program.notes
    # over -1 and 3 (the last of 4): fused
    for axis in (-1, 3):
        model = onnx.load(str(path))
        (softmax,) = [n for n in model.graph.node if n.op_type == "Softmax"]
        softmax.attribute[0].i = axis
        onnx.save(model, str(path))
        (layer,) = lower(import_onnx(path), _fused(sram=100_000)).layers
        assert layer.op_types == ("MatMul", "Mul", "Softmax", "MatMul")
    # no axis attribute: opset 13 on, Softmax's default is -1, the last axis: fused
    model = onnx.load(str(path))
    (softmax,) = [n for n in model.graph.node if n.op_type == "Softmax"]
    del softmax.attribute[:]
    onnx.save(model, str(path))
    (layer,) = lower(import_onnx(path), _fused(sram=100_000)).layers
    assert layer.op_types == ("MatMul", "Mul", "Softmax", "MatMul")


def test_the_fused_layer_is_named_after_its_first_product(tmp_path):
    # as every fused layer takes its first op's name: Q·Kᵀ's node "qk", not the last ·V's
    # (unnamed) or the Softmax's, so the layer tables name what the user's graph calls it
    result = _run(_attention(tmp_path, mask=True), _fused(sram=5_000))
    assert [layer.name for layer in result.program.layers] == ["qk"]


def test_fused_attention_never_splits_its_depth_even_without_a_scale(tmp_path):
    # softmax(Q·Kᵀ)·V with no scale: the layer reads Q, K and V and no weight, like a product of
    # two activations, yet a head's K and V are held whole and its depth (K of the products)
    # is never cut in chunks: the smallest tile is a head's K and V (2 x 64 x 16 B) with one
    # row of Q and of the output (16 B each), 2,080 B; in 2,000 B the layer is refused.
    value = helper.make_tensor_value_info
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Softmax", ["s"], ["p"], axis=-1, name="softmax"),
        helper.make_node("MatMul", ["p", "v"], ["o"]),
    ]
    graph = helper.make_graph(
        nodes, "attention", [value(n, TensorProto.FLOAT, [1, H, S, D]) for n in ("q", "k", "v")],
        [value("o", TensorProto.FLOAT, [1, H, S, D])],
    )  # fmt: skip
    path = tmp_path / "attention.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    assert [layer.op_types for layer in _run(path, _fused(sram=2_500)).program.layers] == [
        ("MatMul", "Softmax", "MatMul")
    ]
    with pytest.raises(PlanError, match=r'"qk" needs 2,080 bytes .* \(1 channel x 1 row\);'):
        simulate_graph(import_onnx(path), _fused(sram=2_000), name="attention")
