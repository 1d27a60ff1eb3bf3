"""Many single-node ONNX cases in one model: onnxruntime gives the true output shapes (and
values), accelsim's importer gives its `Graph`; tests compare the two and the costs with closed
forms. One model per batch keeps it fast: one ORT session and one import for dozens of cases.

Case i's node is named "c<i>", its tensors "c<i>_in<j>" / "c<i>_out<j>"; every output is a graph
output declared by element type and rank only, so the shapes accelsim reports are its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

from accelsim.workload import import_onnx
from accelsim.workload.graph import Graph, Op

Shape = tuple[int, ...]
Cost = Callable[[list[Shape | None], list[Shape]], tuple[int, int]]
"""(input shapes, ORT output shapes) -> (MACs, vector ops) by the ONNX spec and the rule's count."""


@dataclass
class Data:
    """A graph input of `shape`: random values of `dtype`, or `values` when given."""

    shape: Shape
    dtype: type = np.float32
    values: np.ndarray | None = None


@dataclass
class Case:
    op: str
    inputs: Sequence[Data | np.ndarray | None]
    """A graph input, a constant (an initializer), or None for an omitted optional input."""
    attributes: dict[str, object] = field(default_factory=dict)
    outputs: int = 1
    cost: Cost | None = None


_TYPES = {
    np.float32: TensorProto.FLOAT,
    np.int64: TensorProto.INT64,
    np.bool_: TensorProto.BOOL,
    np.int32: TensorProto.INT32,
    np.uint8: TensorProto.UINT8,
}


def _random(data: Data, rng: np.random.Generator) -> np.ndarray:
    if data.values is not None:
        return np.asarray(data.values, data.dtype)
    if data.dtype == np.bool_:
        return np.asarray(rng.random(data.shape) < 0.5)
    if data.dtype in (np.int64, np.int32, np.uint8):
        return rng.integers(1, 4, data.shape).astype(data.dtype)
    return np.asarray(rng.random(data.shape) + 0.5, np.float32)  # positive: Log, Sqrt, Pow


def build(cases: Sequence[Case], opset: int) -> onnx.ModelProto:
    nodes, inputs, initializers, outputs = [], [], [], []
    for i, case in enumerate(cases):
        names = []
        for j, item in enumerate(case.inputs):
            name = f"c{i}_in{j}"
            if item is None:
                name = ""
            elif isinstance(item, Data):
                inputs.append(helper.make_tensor_value_info(name, _TYPES[item.dtype], item.shape))
            else:
                initializers.append(numpy_helper.from_array(np.asarray(item), name))
            names.append(name)
        out = [f"c{i}_out{j}" for j in range(case.outputs)]
        nodes.append(helper.make_node(case.op, names, out, name=f"c{i}", **case.attributes))
        outputs.extend(out)
    draft = helper.make_graph(
        nodes,
        "oracle",
        inputs,
        [helper.make_empty_tensor_value_info(n) for n in outputs],
        initializers,
    )
    model = helper.make_model(draft, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(model)
    first = {
        f"c{i}_out0": case.inputs[0].shape
        for i, case in enumerate(cases)
        if isinstance(case.inputs[0], Data)
    }  # rank where inference gives none
    types = {v.name: v.type.tensor_type for v in inferred.graph.output}
    del model.graph.output[:]
    for name in outputs:  # the rank only: every dimension unknown
        known = types.get(name, onnx.TypeProto.Tensor())
        rank = len(known.shape.dim) if known.HasField("shape") else len(first.get(name, ()))
        dims = [None] * rank
        model.graph.output.append(
            helper.make_tensor_value_info(name, known.elem_type or TensorProto.FLOAT, dims)
        )
    return model


def feeds(cases: Sequence[Case], seed: int = 0) -> dict[str, np.ndarray]:
    """Values for every graph input of the batch (the same for the same cases and seed)."""
    rng = np.random.default_rng(seed)
    return {
        f"c{i}_in{j}": _random(item, rng)
        for i, case in enumerate(cases)
        for j, item in enumerate(case.inputs)
        if isinstance(item, Data)
    }


def run_ort(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds), strict=True))


@dataclass
class Batch:
    cases: Sequence[Case]
    graph: Graph
    ort: dict[str, np.ndarray]
    feeds: dict[str, np.ndarray]

    def ops(self, i: int) -> list[Op]:
        """The Ops case i became (one, or one per step / per output, named "c<i>:<n>")."""
        return [op for op in self.graph.ops if op.name.split(":")[0] == f"c{i}"]


def import_cases(model: onnx.ModelProto, folder: Path, name: str) -> Graph:
    """accelsim's view of `model`, saved as `name`.onnx in `folder`."""
    path = folder / f"{name}.onnx"
    onnx.save(model, str(path))
    return import_onnx(path)


def run_batch(cases: Sequence[Case], opset: int, folder: Path, name: str) -> Batch:
    model = build(cases, opset)
    values = feeds(cases)
    return Batch(cases, import_cases(model, folder, name), run_ort(model, values), values)


def shape_mismatches(batch: Batch) -> list[str]:
    """Every case output whose accelsim shape differs from onnxruntime's."""
    bad = []
    for i, case in enumerate(batch.cases):
        for j in range(case.outputs):
            name = f"c{i}_out{j}"
            true = tuple(batch.ort[name].shape)
            got = batch.graph.tensors[name].shape
            if got != true:
                bad.append(f"c{i} {case.op} {case.attributes} out{j}: accelsim {got} != ORT {true}")
    return bad


def cost_mismatches(batch: Batch) -> list[str]:
    """Every case whose total MACs / vector ops differ from its closed form."""
    bad = []
    for i, case in enumerate(batch.cases):
        if case.cost is None:
            continue
        ins: list[Shape | None] = [
            None if item is None else item.shape if isinstance(item, Data) else np.shape(item)
            for item in case.inputs
        ]
        outs = [tuple(batch.ort[f"c{i}_out{j}"].shape) for j in range(case.outputs)]
        want = case.cost([tuple(s) if s is not None else None for s in ins], outs)
        ops = batch.ops(i)
        got = (sum(op.macs for op in ops), sum(op.vector_ops for op in ops))
        if got != want:
            bad.append(f"c{i} {case.op} {case.attributes} in {ins}: accelsim {got} != {want}")
    return bad
