"""Whole-importer oracle: hundreds of random valid single-op models, every op family of the cost
registry, run through onnxruntime (the true output shapes) and accelsim's importer; each output
shape must match onnxruntime's and each op's MACs / vector ops its closed form (`cases`), and
the pads accelsim resolves from auto_pad must give onnxruntime the same values as auto_pad."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx.reference import ReferenceEvaluator

from accelsim.lowering import lower
from accelsim.workload import import_onnx
from accelsim.workload.costs import supported_op_types
from tests.oracles import cases as gen
from tests.oracles.ort_batch import (
    Batch,
    Case,
    Data,
    build,
    cost_mismatches,
    feeds,
    run_batch,
    run_ort,
    shape_mismatches,
)
from tests.sim.toy import toy_machine

FAMILIES: dict[str, tuple[int, Callable[[np.random.Generator], list[Case]]]] = {
    "conv": (18, lambda rng: gen.conv_cases(rng, 60)),
    "conv_transpose": (18, lambda rng: gen.conv_transpose_cases(rng, 25)),
    "pool": (18, lambda rng: gen.pool_cases(rng, 50)),
    "gemm": (18, lambda rng: gen.gemm_cases(rng, 20)),
    "matmul": (18, lambda rng: gen.matmul_cases(rng, 40)),
    "einsum": (18, lambda rng: gen.einsum_cases(rng, 40)),
    "elementwise": (18, gen.elementwise_cases),
    "gelu": (20, gen.gelu_cases),
    "normalization": (18, lambda rng: gen.normalization_cases(rng, 12)),
    "group_normalization": (21, lambda rng: gen.group_normalization_cases(rng, 5)),
    "softmax": (18, lambda rng: gen.softmax_cases(rng, 12, legacy=False)),
    "softmax_opset13": (13, lambda rng: gen.softmax_cases(rng, 6, legacy=False)),
    "softmax_opset11": (11, lambda rng: gen.softmax_cases(rng, 8, legacy=True)),
    "reduce_opset18": (18, lambda rng: gen.reduce_cases(rng, 5, axes_as_input=True)),
    "reduce_opset13": (13, lambda rng: gen.reduce_cases(rng, 4, axes_as_input=False)),
    "movement": (18, lambda rng: gen.movement_cases(rng, 12)),
    "resize": (18, lambda rng: gen.resize_cases(rng, 16)),
    "recurrent": (18, lambda rng: gen.recurrent_cases(rng, 6)),
}


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Batch]:
    folder = tmp_path_factory.mktemp("oracle")
    found = {}
    for seed, (name, (opset, make)) in enumerate(FAMILIES.items()):
        found[name] = run_batch(make(np.random.default_rng(seed)), opset, folder, name)
    return found


@pytest.mark.parametrize("family", FAMILIES)
def test_every_output_shape_is_onnxruntimes(batches: dict[str, Batch], family: str) -> None:
    bad = shape_mismatches(batches[family])
    assert not bad, f"{len(bad)} of {len(batches[family].cases)}:\n" + "\n".join(bad[:8])


@pytest.mark.parametrize("family", FAMILIES)
def test_every_cost_is_its_closed_form(batches: dict[str, Batch], family: str) -> None:
    bad = cost_mismatches(batches[family])
    assert not bad, f"{len(bad)} of {len(batches[family].cases)}:\n" + "\n".join(bad[:8])


def test_the_families_cover_every_registered_op(batches: dict[str, Batch]) -> None:
    covered = {case.op for batch in batches.values() for case in batch.cases}
    # Shape and Size fold at import; NonZero and NonMaxSuppression sizes depend on the data
    assert set(supported_op_types()) - covered == {"Shape", "Size", "NonZero", "NonMaxSuppression"}


@pytest.mark.parametrize("family", ["conv", "pool"])
def test_resolved_pads_compute_what_auto_pad_computes(
    batches: dict[str, Batch], family: str, tmp_path: Path
) -> None:
    """The same nodes with auto_pad replaced by the pads accelsim resolved (and the same inputs)
    must give onnxruntime the same values: begin and end, dilation and stride all count."""
    batch = batches[family]
    explicit, cases = [], []
    for i, case in enumerate(batch.cases):
        if case.op not in ("Conv", "MaxPool", "AveragePool"):
            continue
        (op,) = batch.ops(i)
        attributes = {k: v for k, v in case.attributes.items() if k != "auto_pad"}
        attributes["pads"] = list(op.attributes["pads"])  # type: ignore[call-overload]
        explicit.append(Case(case.op, case.inputs, attributes, case.outputs))
        cases.append(i)
    same = {
        f"c{k}_in{j}": batch.feeds[f"c{i}_in{j}"]
        for k, i in enumerate(cases)
        for j, item in enumerate(batch.cases[i].inputs)
        if isinstance(item, Data)
    }
    values = run_ort(build(explicit, 18), same)
    bad = [
        f"{case.attributes}: pads {case.attributes['pads']}"
        for i, case in enumerate(explicit)
        if not np.allclose(values[f"c{i}_out0"], batch.ort[f"c{cases[i]}_out0"], atol=1e-5)
    ]
    assert not bad, "\n".join(bad[:8])


def test_split_parts_are_one_op_each(batches: dict[str, Batch]) -> None:
    batch = batches["movement"]
    checked = 0
    for i, case in enumerate(batch.cases):
        if case.op != "Split":
            continue
        ops = batch.ops(i)
        parts = [batch.ort[f"c{i}_out{j}"].shape for j in range(case.outputs)]
        if case.outputs == 1:
            assert [op.vector_ops for op in ops] == [int(np.prod(parts[0]))]
            continue
        assert [op.name for op in ops] == [f"c{i}:{j}" for j in range(case.outputs)]
        assert [op.vector_ops for op in ops] == [int(np.prod(p)) for p in parts]
        assert [op.outputs for op in ops] == [(f"c{i}_out{j}",) for j in range(case.outputs)]
        checked += 1
    assert checked >= 5


def test_recurrent_layers_run_two_ops_per_time_step(batches: dict[str, Batch]) -> None:
    """Step t's GEMM reads the data, the previous step's output and the weights; its gates read
    the GEMM's output only; the last op writes the layer's outputs."""
    batch = batches["recurrent"]
    for i, case in enumerate(batch.cases):
        ops = batch.ops(i)
        shape = case.inputs[0].shape  # type: ignore[union-attr]
        steps = shape[1] if case.attributes.get("layout") else shape[0]
        assert [op.op_type for op in ops] == ["MatMul", case.op] * steps
        assert len({op.macs for op in ops[::2]}) == 1 and not any(op.macs for op in ops[1::2])
        for t in range(steps):
            gemm, gates = ops[2 * t], ops[2 * t + 1]
            assert gates.inputs == gemm.outputs
            assert f"c{i}_in0" in gemm.inputs
            if t:
                assert ops[2 * t - 1].outputs[0] in gemm.inputs
        assert ops[-1].outputs[0] == f"c{i}_out0"


def test_same_padding_of_dilated_kernels_computes_what_onnx_reference_does(tmp_path: Path) -> None:
    """onnxruntime refuses auto_pad SAME with dilations; onnx's reference evaluator runs them.
    The pads accelsim resolves, written out explicitly, must give onnxruntime its values."""
    cases = gen.same_dilated_conv_cases(np.random.default_rng(99), 30)
    model = build(cases, 18)
    path = tmp_path / "same.onnx"
    onnx.save(model, str(path))
    graph = import_onnx(path)
    inputs = feeds(cases)
    reference = ReferenceEvaluator(model).run(None, inputs)
    explicit = []
    for i, case in enumerate(cases):
        (op,) = [op for op in graph.ops if op.name == f"c{i}"]
        attributes = {**case.attributes, "pads": list(op.attributes["pads"])}  # type: ignore[call-overload]
        del attributes["auto_pad"]
        explicit.append(Case("Conv", case.inputs, attributes))
    values = run_ort(build(explicit, 18), inputs)
    bad = [
        f"{case.attributes} in {case.inputs[0].shape}: pads {explicit[i].attributes['pads']}"  # type: ignore[union-attr]
        for i, case in enumerate(cases)
        if values[f"c{i}_out0"].shape != reference[i].shape
        or not np.allclose(values[f"c{i}_out0"], reference[i], atol=1e-4)
    ]
    assert not bad, "\n".join(bad[:8])


def _spec_attributes(case: Case, rank: int, opset: int) -> dict[str, object]:
    """The attributes a rule must resolve, from the ONNX spec's defaults (axes normalised)."""
    a = case.attributes
    if case.op in ("Conv", "MaxPool", "AveragePool"):
        spatial = rank - 2
        kernel = a.get("kernel_shape") or list(case.inputs[1].shape[2:])  # type: ignore[union-attr]
        found: dict[str, object] = {
            "kernel_shape": tuple(kernel),
            "strides": tuple(a.get("strides", [1] * spatial)),  # type: ignore[arg-type]
            "dilations": tuple(a.get("dilations", [1] * spatial)),
        }  # type: ignore[arg-type]
        if case.op == "Conv":
            found["group"] = a.get("group", 1)
        if a.get("auto_pad", "NOTSET") == "NOTSET":
            found["pads"] = tuple(a.get("pads", [0] * 2 * spatial))  # type: ignore[arg-type]
        return found
    if case.op.startswith("Reduce"):
        listed = a.get("axes")
        if listed is None and len(case.inputs) > 1:
            listed = case.inputs[1].tolist()  # type: ignore[union-attr]
        axes = tuple(x % rank for x in listed) if listed else tuple(range(rank))  # type: ignore[union-attr]
        return {"axes": axes, "keepdims": a.get("keepdims", 1)}
    if case.op in ("ArgMax", "ArgMin"):
        return {"axis": a.get("axis", 0) % rank, "keepdims": a.get("keepdims", 1)}  # type: ignore[operator]
    if case.op in ("Softmax", "LogSoftmax"):
        return {"axis": a.get("axis", -1 if opset >= 13 else 1) % rank}  # type: ignore[operator]
    if case.op == "Gemm":
        return {
            "transA": a.get("transA", 0),
            "transB": a.get("transB", 0),
            "alpha": a.get("alpha", 1.0),
            "beta": a.get("beta", 1.0),
        }
    return {}


@pytest.mark.parametrize(
    "family",
    [
        "conv",
        "pool",
        "gemm",
        "softmax",
        "softmax_opset13",
        "softmax_opset11",
        "reduce_opset18",
        "reduce_opset13",
    ],
)
def test_rules_resolve_the_spec_defaults(batches: dict[str, Batch], family: str) -> None:
    """What lowering and tiling read (kernel, strides, dilations, pads, group, axes, keepdims,
    transposes) is the spec's value, defaults filled and negative axes counted from the end."""
    batch = batches[family]
    opset = FAMILIES[family][0]
    bad = []
    for i, case in enumerate(batch.cases):
        rank = len(case.inputs[0].shape)  # type: ignore[union-attr]
        want = _spec_attributes(case, rank, opset)
        (op,) = batch.ops(i)
        got = {key: op.attributes.get(key) for key in want}
        if got != want:
            bad.append(f"c{i} {case.op} {case.attributes}: {got} != {want}")
    assert not bad, "\n".join(bad[:8])


def _spec_gemm(case: Case, ins: list, out: tuple[int, ...], macs: int) -> tuple[int, ...]:
    """(M, K, N, groups) of a matrix op, from the ONNX shapes by the GEMM view each op has
    (tests/timing/test_gemm_shapes.py works examples by hand); the output-based view
    (N = output channels, M = the rest, K = MACs / (M N groups)) where none fits."""
    if case.op == "Conv":
        groups = int(case.attributes.get("group", 1))  # type: ignore[call-overload]
        return (out[0] * math.prod(out[2:]), ins[1][1] * math.prod(ins[1][2:]),
                ins[1][0] // groups, groups)  # fmt: skip
    if case.op == "ConvTranspose":
        groups = int(case.attributes.get("group", 1))  # type: ignore[call-overload]
        return ins[0][0] * math.prod(ins[0][2:]), ins[0][1] // groups, math.prod(ins[1][1:]), groups
    if case.op == "MatMul" and len(ins[1]) >= 2 and out:
        groups = math.prod(ins[1][:-2])
        dims = (math.prod(out[:-1]) // groups, ins[1][-2], ins[1][-1], groups)
        if math.prod(dims) == macs:
            return dims
    equation = str(case.attributes.get("equation", ""))
    if case.op == "Einsum" and len(ins) == 2 and "->" in equation:
        left, output = equation.replace("...", "").split("->")
        a, b = left.split(",")
        role = {"m": 1, "k": 1, "n": 1, "g": 1}
        seen: dict[str, int] = {}
        for term, shape in zip((a, b), ins, strict=True):
            head = len(shape) - len(term)  # the ellipsis dims: batch labels of their own
            for label, size in zip([f".{head - i}" for i in range(head)] + list(term), shape,
                                   strict=True):  # fmt: skip
                seen[label] = max(seen.get(label, 1), size)
        for label, size in seen.items():
            batch = label.startswith(".")
            if not batch and label not in output:
                role["k"] *= size
            elif batch or (label in a and label in b):
                role["g"] *= size
            else:
                role["m" if label in a else "n"] *= size
        return role["m"], role["k"], role["n"], role["g"]
    channels = out[-1] if out else 1
    m = max(1, math.prod(out) // channels)
    return m, max(1, -(-macs // (m * channels))), channels, 1


@pytest.mark.parametrize("family", ["conv", "conv_transpose", "gemm", "matmul", "einsum"])
def test_every_matrix_op_lowers_to_its_gemm_shape(batches: dict[str, Batch], family: str) -> None:
    """The (M, K, N, groups) the systolic model times: each multiplies out to the MACs."""
    machine = toy_machine(ops=("Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum"))
    batch = batches[family]
    layers = {layer.name: layer for layer in lower(batch.graph, machine).layers}
    bad = []
    for i, case in enumerate(batch.cases):
        (op,) = batch.ops(i)
        if not op.macs:
            continue
        ins = [np.shape(x) if not isinstance(x, Data) else x.shape for x in case.inputs]  # type: ignore[misc]
        want = _spec_gemm(case, ins, batch.graph.tensors[op.outputs[0]].shape, op.macs)
        gemm = layers[op.name].gemm
        got = None if gemm is None else (gemm.m, gemm.k, gemm.n, gemm.groups)
        if got != want or gemm.macs != op.macs:  # type: ignore[union-attr]
            bad.append(f"c{i} {case.op} {case.attributes} {ins}: {got} != {want}")
    assert not bad, "\n".join(bad[:8])


def _outputs_model(
    op: str, inputs: list, attributes: dict, outputs: list[str], graph_outputs: list[str],
    tmp_path: Path, consumers: dict[str, str] | None = None,
) -> dict[str, tuple]:  # fmt: skip
    """Op name -> the tensors it writes, for one node whose outputs are read by `consumers`
    (output -> a Relu's output name) or are graph outputs."""
    case = Case(op, inputs, attributes, outputs=len(outputs))
    model = build([case], 18)
    renamed = {f"c0_out{j}": name for j, name in enumerate(outputs)}
    node = model.graph.node[0]
    node.output[:] = [renamed[n] if renamed[n] else "" for n in node.output]
    for source, target in (consumers or {}).items():
        model.graph.node.append(onnx.helper.make_node("Relu", [source], [target], name=target))
    kept = {*graph_outputs, *(consumers or {}).values()}
    types = {v.name: v for v in model.graph.output}
    del model.graph.output[:]
    for j, name in enumerate(outputs):
        if name in kept:
            value = onnx.ValueInfoProto()
            value.CopyFrom(types[f"c0_out{j}"])
            value.name = name
            model.graph.output.append(value)
    for source, target in (consumers or {}).items():
        j = outputs.index(source)
        value = onnx.ValueInfoProto()
        value.CopyFrom(types[f"c0_out{j}"])
        value.name = target
        model.graph.output.append(value)
    path = tmp_path / "outputs.onnx"
    onnx.save(model, str(path))
    graph = import_onnx(path)
    return {op.name: op.outputs for op in graph.ops}


def test_second_outputs_are_written_only_when_read_or_graph_outputs(tmp_path: Path) -> None:
    """An output at position > 0 (TopK's indices, an LSTM's final state, a KV cache) that no
    node reads and the graph does not return is never written; the first always is."""
    x = [Data((2, 5)), np.array([2], np.int64)]
    assert _outputs_model("TopK", x, {}, ["v", "i"], ["v"], tmp_path) == {"c0": ("v",)}
    assert _outputs_model("TopK", x, {}, ["v", "i"], ["v", "i"], tmp_path) == {"c0": ("v", "i")}
    assert _outputs_model("TopK", x, {}, ["v", "i"], ["v"], tmp_path, {"i": "r"}) == {
        "c0": ("v", "i"), "r": ("r",)}  # fmt: skip
    weights = [Data((3, 1, 2)), np.ones((1, 8, 2), np.float32), np.ones((1, 8, 2), np.float32)]
    lstm = _outputs_model("LSTM", weights, {"hidden_size": 2}, ["y", "h", "c"], ["h"], tmp_path)
    assert lstm["c0:5"] == ("y", "h")  # the last step writes Y and Y_h, not the cell state
    lstm = _outputs_model("LSTM", weights, {"hidden_size": 2}, ["y", "h", "c"], ["y"], tmp_path,
                          {"c": "r"})  # fmt: skip
    assert lstm["c0:5"] == ("y", "c")
