"""Random valid cases for every op family the importer supports, seeded, with each case's cost
written from the ONNX spec and the count its rule's docstring states (never read from the rule).

Sizes are tiny (dims 1..6) so onnxruntime runs a batch of dozens in milliseconds.
"""

from __future__ import annotations

import itertools
import math
import string
from collections.abc import Callable

import numpy as np
from onnx import TensorProto

from tests.oracles.ort_batch import Case, Data, Shape

prod = math.prod
Rng = np.random.Generator


def _pick(rng: Rng, items: list):  # type: ignore[no-untyped-def]
    return items[int(rng.integers(len(items)))]


def _int(rng: Rng, low: int, high: int) -> int:
    """A random int in [low, high]."""
    return int(rng.integers(low, high + 1))


def _shape(rng: Rng, rank: int, low: int = 1, high: int = 4) -> Shape:
    return tuple(_int(rng, low, high) for _ in range(rank))


def _weight(shape: Shape, rng: Rng) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _i64(values: object) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _outs(case_cost: Callable[[Shape], int]) -> Callable[[list, list], tuple[int, int]]:
    """Vector ops as a function of the first output's shape."""
    return lambda ins, outs: (0, case_cost(outs[0]))


def per_element(ops: int) -> Callable[[list, list], tuple[int, int]]:
    return lambda ins, outs: (0, ops * prod(outs[0]))


def _broadcast_inputs(rng: Rng, out: Shape, count: int) -> list[Shape]:
    """`count` shapes that broadcast (numpy rules) to exactly `out`; the first is full size."""
    shapes = [out]
    for _ in range(count - 1):
        drop = _int(rng, 0, len(out))
        tail = out[drop:]
        shapes.append(tuple(1 if rng.random() < 0.4 else d for d in tail))
    rng.shuffle(shapes)  # type: ignore[arg-type]
    return shapes


# ---- sliding windows: Conv, ConvTranspose, MaxPool, AveragePool --------------------------------


def _window(rng: Rng, rank: int, dilate: bool) -> tuple[Shape, Shape, Shape, Shape]:
    kernel = _shape(rng, rank, 1, 3)
    strides = _shape(rng, rank, 1, 3)
    dilations = _shape(rng, rank, 1, 2) if dilate else (1,) * rank
    spatial = tuple(
        (k - 1) * d + 1 + _int(rng, 0, 5) for k, d in zip(kernel, dilations, strict=False)
    )
    return kernel, strides, dilations, spatial


def _window_attributes(
    rng: Rng, kernel: Shape, strides: Shape, dilations: Shape | None, pool: bool
) -> dict[str, object]:
    rank = len(kernel)
    attributes: dict[str, object] = {}
    if strides != (1,) * rank or rng.random() < 0.3:
        attributes["strides"] = list(strides)
    if dilations is not None and (dilations != (1,) * rank or rng.random() < 0.3):
        attributes["dilations"] = list(dilations)
    auto = _pick(rng, ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", None, None])
    if auto is not None:
        attributes["auto_pad"] = auto
    if auto and auto.startswith("SAME") and "dilations" in attributes:
        attributes["dilations"] = [1] * rank  # onnxruntime refuses SAME with dilation
    if (
        auto
        and auto.startswith("SAME")
        and pool
        and any(s > k for s, k in zip(strides, kernel, strict=False))
    ):
        auto = None  # onnxruntime's pools pad by a negative amount there (the spec says 0)
        del attributes["auto_pad"]
    if auto in (None, "NOTSET") and rng.random() < 0.8:
        limit = [k - 1 for k in kernel] if pool else [2] * rank
        attributes["pads"] = [_int(rng, 0, limit[a % rank]) for a in range(2 * rank)]
    return attributes


def conv_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        rank = _pick(rng, [1, 2, 2, 2, 3])
        if rng.random() < 0.25:  # depthwise
            groups, per_group, multiplier = _int(rng, 2, 4), 1, _int(rng, 1, 2)
        else:
            groups, per_group, multiplier = (
                _pick(rng, [1, 1, 2, 3]),
                _int(rng, 1, 3),
                _int(rng, 1, 3),
            )
        kernel, strides, dilations, spatial = _window(rng, rank, dilate=True)
        if rank == 3:
            spatial = tuple(
                min(s, (k - 1) * d + 3) for s, k, d in zip(spatial, kernel, dilations, strict=False)
            )
        data = (_int(rng, 1, 2), groups * per_group, *spatial)
        weight = (groups * multiplier, per_group, *kernel)
        attributes = _window_attributes(rng, kernel, strides, dilations, pool=False)
        if groups > 1 or rng.random() < 0.3:
            attributes["group"] = groups
        if rng.random() < 0.3:
            attributes["kernel_shape"] = list(kernel)
        inputs: list = [Data(data), _weight(weight, rng)]
        if rng.random() < 0.5:
            inputs.append(_weight((weight[0],), rng))
        cases.append(
            Case(
                "Conv",
                inputs,
                attributes,
                cost=lambda ins, outs: (prod(outs[0]) * prod(ins[1][1:]), 0),
            )
        )
    return cases


def same_dilated_conv_cases(rng: Rng, count: int) -> list[Case]:
    """SAME padding of dilated kernels (onnxruntime refuses them; onnx.reference runs them)."""
    cases = []
    for _ in range(count):
        rank = _pick(rng, [1, 2])
        kernel, strides, dilations, spatial = _window(rng, rank, dilate=True)
        dilations = tuple(_int(rng, 2, 3) for _ in range(rank))
        spatial = tuple(
            (k - 1) * d + 1 + _int(rng, 0, 4) for k, d in zip(kernel, dilations, strict=False)
        )
        attributes = {
            "auto_pad": _pick(rng, ["SAME_UPPER", "SAME_LOWER"]),
            "strides": list(strides),
            "dilations": list(dilations),
        }
        weight = (_int(rng, 1, 2), 1, *kernel)
        cases.append(Case("Conv", [Data((1, 1, *spatial)), _weight(weight, rng)], attributes))
    return cases


def conv_transpose_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        rank = _pick(rng, [1, 2, 2])
        groups, per_in, per_out = _pick(rng, [1, 1, 2, 3]), _int(rng, 1, 2), _int(rng, 1, 3)
        kernel, strides, dilations, spatial = _window(rng, rank, dilate=True)
        spatial = tuple(_int(rng, 1, 4) for _ in range(rank))
        attributes: dict[str, object] = {"strides": list(strides), "dilations": list(dilations)}
        if groups > 1:
            attributes["group"] = groups
        if rng.random() < 0.5:
            attributes["pads"] = [_int(rng, 0, min(k - 1, 1)) for k in kernel * 2]
        if rng.random() < 0.4:
            attributes["output_padding"] = [_int(rng, 0, s - 1) for s in strides]
        pads = attributes.get("pads", [0] * 2 * rank)
        padding = attributes.get("output_padding", [0] * rank)
        spatial = tuple(
            max(size, 1 + -(-(pads[a] + pads[a + rank] - padding[a] - (k - 1) * d) // s))
            for a, (size, k, s, d) in enumerate(
                zip(spatial, kernel, strides, dilations, strict=False)
            )
        )  # output >= 1
        data = (_int(rng, 1, 2), groups * per_in, *spatial)
        weight = (groups * per_in, per_out, *kernel)
        cases.append(
            Case(
                "ConvTranspose",
                [Data(data), _weight(weight, rng)],
                attributes,
                cost=lambda ins, outs: (prod(ins[0]) * prod(ins[1][1:]), 0),
            )
        )
    return cases


def pool_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        op = _pick(rng, ["MaxPool", "AveragePool"])
        rank = _pick(rng, [1, 2, 2])
        kernel, strides, dilations, spatial = _window(rng, rank, dilate=op == "MaxPool")
        attributes = _window_attributes(
            rng, kernel, strides, dilations if op == "MaxPool" else None, pool=True
        )
        attributes["kernel_shape"] = list(kernel)
        if attributes.get("auto_pad", "NOTSET") == "NOTSET" and rng.random() < 0.3:
            attributes["ceil_mode"] = 1
        if op == "AveragePool" and rng.random() < 0.5:
            attributes["count_include_pad"] = 1
        window = prod(kernel)
        per = window - 1 if op == "MaxPool" else window
        cases.append(
            Case(
                op,
                [Data((_int(rng, 1, 2), _int(rng, 1, 3), *spatial))],
                attributes,
                cost=lambda ins, outs, per=per: (0, per * prod(outs[0])),
            )
        )
    for op in ("GlobalAveragePool", "GlobalMaxPool"):
        for _ in range(4):
            shape = (_int(rng, 1, 2), _int(rng, 1, 3), *_shape(rng, _int(rng, 1, 3)))
            cost = (
                (lambda ins, outs: (0, prod(ins[0])))
                if op == "GlobalAveragePool"
                else (lambda ins, outs: (0, prod(ins[0]) - prod(outs[0])))
            )
            cases.append(Case(op, [Data(shape)], cost=cost))
    return cases


# ---- matrix products ---------------------------------------------------------------------------


def gemm_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        m, k, n = _shape(rng, 3, 1, 6)
        trans_a, trans_b = _int(rng, 0, 1), _int(rng, 0, 1)
        attributes: dict[str, object] = {}
        if trans_a or rng.random() < 0.3:
            attributes["transA"] = trans_a
        if trans_b or rng.random() < 0.3:
            attributes["transB"] = trans_b
        if rng.random() < 0.3:
            attributes["alpha"], attributes["beta"] = 0.5, 2.0
        a = (k, m) if trans_a else (m, k)
        b = (n, k) if trans_b else (k, n)
        inputs: list = [Data(a), _weight(b, rng)]
        bias = _pick(rng, [None, (n,), (1, n), (m, n), (m, 1), ()])
        if bias is not None:
            inputs.append(_weight(bias, rng))
        cases.append(
            Case("Gemm", inputs, attributes, cost=lambda ins, outs, k=k: (prod(outs[0]) * k, 0))
        )
    return cases


def matmul_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        rank_a, rank_b = _int(rng, 1, 4), _int(rng, 1, 4)
        m, k, n = _shape(rng, 3, 1, 5)
        batch = _shape(rng, max(rank_a, rank_b) - 2, 1, 3) if max(rank_a, rank_b) > 2 else ()

        def operand(rank: int, core: Shape, batch: Shape = batch) -> Shape:
            if rank == 1:
                return core
            own = batch[len(batch) - (rank - 2) :] if rank > 2 else ()
            return (*(1 if rng.random() < 0.3 else d for d in own), *core)

        a = operand(rank_a, (k,) if rank_a == 1 else (m, k))
        b = operand(rank_b, (k,) if rank_b == 1 else (k, n))
        weight = rng.random() < 0.5
        inputs = [Data(a), _weight(b, rng) if weight else Data(b)]
        cases.append(Case("MatMul", inputs, cost=lambda ins, outs: (prod(outs[0]) * ins[0][-1], 0)))
    return cases


def einsum_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        labels = list(string.ascii_lowercase[: _int(rng, 2, 5)])
        sizes = {label: _int(rng, 1, 4) for label in labels}
        operands = _pick(rng, [1, 2, 2, 2, 3])
        ellipsis = rng.random() < 0.25
        spread = _shape(rng, _int(rng, 1, 2), 1, 3) if ellipsis else ()
        terms = []
        for _ in range(operands):
            term = [labels[int(i)] for i in rng.permutation(len(labels))[: _int(rng, 1, 3)]]
            terms.append(term)
        if operands == 1 and rng.random() < 0.3 and len(terms[0]) >= 1:
            terms[0] = [*terms[0], terms[0][0]]  # a diagonal: "ii"
        shapes = []
        for term in terms:
            dims = [sizes[label] for label in term]
            if operands > 1 and rng.random() < 0.3:
                dims[_int(rng, 0, len(dims) - 1)] = 1  # broadcasts against the other operands
            head = tuple(1 if rng.random() < 0.3 else d for d in spread)  # onnx: one rank for all
            shapes.append((*head, *dims))
        used = sorted({label for term in terms for label in term})
        text = [("..." if ellipsis else "") + "".join(term) for term in terms]
        if rng.random() < 0.25:
            equation = ",".join(text)  # implicit output: the labels used once, sorted
        else:
            kept = [used[int(i)] for i in rng.permutation(len(used))[: _int(rng, 0, len(used))]]
            if operands == 1 and terms[0].count(terms[0][0]) > 1 and not kept:
                kept = [terms[0][0]]
            equation = ",".join(text) + "->" + ("..." if ellipsis else "") + "".join(kept)
        def cost(ins: list, outs: list, terms=terms, ellipsis=ellipsis) -> tuple[int, int]:
            if len(ins) == 1:
                return 0, prod(ins[0])
            size: dict[str, int] = {}
            for term, shape in zip(terms, ins, strict=False):
                head = len(shape) - len(term)
                named = [f".{head - i}" for i in range(head)] + list(term)
                for label, dim in zip(named, shape, strict=False):
                    size[label] = max(size.get(label, 1), dim)
            return prod(size.values()), 0

        cases.append(
            Case(
                "Einsum",
                [Data(s) for s in shapes],
                {"equation": equation},
                cost=cost,
            )
        )
    return cases


# ---- element-wise ------------------------------------------------------------------------------

UNARY = {
    "Relu": 1,
    "Sigmoid": 3,
    "Tanh": 5,
    "Exp": 1,
    "Log": 1,
    "Sqrt": 1,
    "Erf": 1,
    "Neg": 1,
    "Abs": 1,
    "Reciprocal": 1,
    "Floor": 1,
    "Ceil": 1,
    "Round": 1,
    "Sign": 1,
    "Softplus": 3,
    "Softsign": 3,
    "Mish": 9,
    "HardSigmoid": 4,
    "HardSwish": 5,
    "IsNaN": 1,
    "Identity": 0,
    "Dropout": 0,
}
BINARY = {
    "Add": 1,
    "Sub": 1,
    "Mul": 1,
    "Div": 1,
    "Max": 1,
    "Min": 1,
    "Equal": 1,
    "Less": 1,
    "Greater": 1,
    "LessOrEqual": 1,
    "GreaterOrEqual": 1,
}


def elementwise_cases(rng: Rng) -> list[Case]:
    cases = []
    for op, ops in UNARY.items():
        for _ in range(2):
            cases.append(Case(op, [Data(_shape(rng, _int(rng, 1, 4)))], cost=per_element(ops)))
    for op, ops in BINARY.items():
        for _ in range(3):
            shapes = _broadcast_inputs(rng, _shape(rng, _int(rng, 1, 4)), 2)
            cases.append(Case(op, [Data(s) for s in shapes], cost=per_element(ops)))
    for op in ("And", "Or", "Xor"):
        for _ in range(2):
            shapes = _broadcast_inputs(rng, _shape(rng, _int(rng, 1, 3)), 2)
            cases.append(Case(op, [Data(s, np.bool_) for s in shapes], cost=per_element(1)))
    cases.append(Case("Not", [Data((2, 3), np.bool_)], cost=per_element(1)))
    for positive, negative in itertools.product((None, 0, 1), repeat=2):
        attributes = {
            name: value
            for name, value in (("detect_positive", positive), ("detect_negative", negative))
            if value is not None
        }
        signs = (1 if positive is None else positive) + (1 if negative is None else negative)
        cases.append(Case("IsInf", [Data((3, 2))], attributes, cost=per_element(signs)))
    for _ in range(3):
        shapes = _broadcast_inputs(rng, _shape(rng, 3), 3)
        cases.append(
            Case(
                "Where",
                [Data(shapes[0], np.bool_), Data(shapes[1]), Data(shapes[2])],
                cost=per_element(1),
            )
        )
        shapes = _broadcast_inputs(rng, _shape(rng, 2), 2)
        cases.append(Case("Mod", [Data(s, np.int64) for s in shapes], cost=per_element(4)))
        cases.append(Case("Mod", [Data(s) for s in shapes], {"fmod": 1}, cost=per_element(4)))
        cases.append(
            Case(
                "BitShift",
                [Data(s, np.uint8) for s in shapes],
                {"direction": _pick(rng, ["LEFT", "RIGHT"])},
                cost=per_element(1),
            )
        )
    for exponent, ops in ((2.0, 1), (3.0, 2), (8.0, 7), (9.0, 3), (0.5, 3), (1.0, 3)):
        cases.append(
            Case("Pow", [Data((2, 3)), np.array(exponent, np.float32)], cost=per_element(ops))
        )
    cases.append(Case("Pow", [Data((2, 3)), Data((3,))], cost=per_element(3)))
    low, high = np.array(0.0, np.float32), np.array(6.0, np.float32)
    for bounds, ops in (([low, high], 2), ([low], 1), ([None, high], 1), ([], 0)):
        cases.append(Case("Clip", [Data((2, 5)), *bounds], cost=per_element(ops)))
    for _ in range(3):
        cases.append(Case("Cast", [Data((2, 3))], {"to": TensorProto.INT64}, cost=per_element(1)))
    for _ in range(4):
        shape = (_int(rng, 1, 2), _int(rng, 1, 4), *_shape(rng, _int(rng, 0, 2)))
        channel = [_weight((shape[1],), rng) for _ in range(3)]
        variance = np.abs(_weight((shape[1],), rng)) + 1
        cases.append(
            Case("BatchNormalization", [Data(shape), *channel, variance], cost=per_element(2))
        )
    return cases


def gelu_cases(rng: Rng) -> list[Case]:
    """Gelu is opset 20."""
    return [
        Case(
            "Gelu",
            [Data(_shape(rng, 2))],
            {"approximate": mode} if mode else {},
            cost=per_element(ops),
        )
        for mode, ops in ((None, 5), ("none", 5), ("tanh", 13))
    ]


# ---- normalizations, softmax, reductions --------------------------------------------------------


def normalization_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        shape = _shape(rng, _int(rng, 1, 4), 1, 4)
        rank = len(shape)
        axis = _int(rng, -rank, rank - 1) if rng.random() < 0.7 else None
        resolved = -1 if axis is None else axis
        inner = shape[resolved % rank :]
        inputs: list = [Data(shape), _weight(inner, rng)]
        if rng.random() < 0.5:
            inputs.append(_weight(inner, rng))
        rows = prod(shape[: resolved % rank])
        cases.append(
            Case(
                "LayerNormalization",
                inputs,
                {} if axis is None else {"axis": axis},
                cost=lambda ins, outs, rows=rows: (0, 7 * prod(outs[0]) + 5 * rows),
            )
        )
        shape = (_int(rng, 1, 2), _int(rng, 1, 4), *_shape(rng, _int(rng, 1, 2)))
        channels = [_weight((shape[1],), rng) for _ in range(2)]
        cases.append(
            Case(
                "InstanceNormalization",
                [Data(shape), *channels],
                cost=lambda ins, outs: (0, 7 * prod(outs[0]) + 5 * prod(ins[0][:2])),
            )
        )
    return cases


def group_normalization_cases(rng: Rng, count: int) -> list[Case]:
    """Opset 21: scale and bias per channel."""
    cases = []
    for _ in range(count):
        groups = _int(rng, 1, 3)
        shape = (_int(rng, 1, 2), groups * _int(rng, 1, 2), *_shape(rng, _int(rng, 1, 2)))
        cases.append(
            Case(
                "GroupNormalization",
                [Data(shape), _weight((shape[1],), rng), _weight((shape[1],), rng)],
                {"num_groups": groups},
                cost=lambda ins, outs, g=groups: (0, 7 * prod(outs[0]) + 5 * ins[0][0] * g),
            )
        )
    return cases


def softmax_cases(rng: Rng, count: int, legacy: bool) -> list[Case]:
    """`legacy`: opset 11, the input coerced to 2-D at `axis` (default 1)."""
    cases = []
    for _ in range(count):
        shape = _shape(rng, _int(rng, 1 if not legacy else 2, 4))
        rank = len(shape)
        axis = _int(rng, -rank, rank - 1) if rng.random() < 0.7 else None
        for op in ("Softmax", "LogSoftmax"):
            if legacy:
                at = (1 if axis is None else axis) % rank
                rows = prod(shape[:at])
            else:
                at = (-1 if axis is None else axis) % rank
                rows = prod(shape) // shape[at]
            log = rows if op == "LogSoftmax" else 0
            cases.append(
                Case(
                    op,
                    [Data(shape)],
                    {} if axis is None else {"axis": axis},
                    cost=lambda ins, outs, log=log: (0, 5 * prod(outs[0]) + log),
                )
            )
    return cases


REDUCE = {
    "ReduceSum": lambda n, m: n - m,
    "ReduceMean": lambda n, m: n,
    "ReduceMax": lambda n, m: n - m,
    "ReduceMin": lambda n, m: n - m,
    "ReduceProd": lambda n, m: n - m,
    "ReduceL1": lambda n, m: 2 * n - m,
    "ReduceL2": lambda n, m: 2 * n,
    "ReduceLogSumExp": lambda n, m: 2 * n,
}


def reduce_cases(rng: Rng, count: int, axes_as_input: bool) -> list[Case]:
    """`axes_as_input`: opset 18 (axes an input); else opset 13 (an attribute, but ReduceSum's
    is an input already)."""
    cases = []
    for _ in range(count):
        for op, formula in REDUCE.items():
            shape = _shape(rng, _int(rng, 1, 4))
            rank = len(shape)
            chosen = rng.permutation(rank)[: _int(rng, 0, rank)]
            axes = [int(a) - rank if rng.random() < 0.5 else int(a) for a in chosen]
            attributes: dict[str, object] = {}
            if rng.random() < 0.6:
                attributes["keepdims"] = _int(rng, 0, 1)
            inputs: list = [Data(shape)]
            if axes and (axes_as_input or op == "ReduceSum"):
                inputs.append(_i64(axes))
            elif axes:
                attributes["axes"] = axes
            cases.append(
                Case(
                    op,
                    inputs,
                    attributes,
                    cost=lambda ins, outs, f=formula: (0, f(prod(ins[0]), prod(outs[0]))),
                )
            )
    for _ in range(4 * count):
        shape = _shape(rng, _int(rng, 1, 4))
        rank = len(shape)
        attributes = {}
        if rng.random() < 0.7:
            attributes["axis"] = _int(rng, -rank, rank - 1)
        if rng.random() < 0.5:
            attributes["keepdims"] = _int(rng, 0, 1)
        if rng.random() < 0.3:
            attributes["select_last_index"] = 1
        op = _pick(rng, ["ArgMax", "ArgMin"])
        cases.append(
            Case(
                op,
                [Data(shape)],
                attributes,
                cost=lambda ins, outs: (0, prod(ins[0]) - prod(outs[0])),
            )
        )
        axis = _int(rng, -rank, rank - 1)
        scan = {name: 1 for name in ("exclusive", "reverse") if rng.random() < 0.4}
        cases.append(
            Case(
                "CumSum",
                [Data(shape), np.array(axis, np.int64)],
                scan,
                cost=lambda ins, outs, a=axis: (0, prod(ins[0]) - prod(ins[0]) // ins[0][a]),
            )
        )
        k = _int(rng, 1, shape[attributes.get("axis", -1) % rank])  # type: ignore[operator]
        top = {key: attributes[key] for key in ("axis",) if key in attributes}
        if rng.random() < 0.4:
            top["sorted"] = 0
        if rng.random() < 0.4:
            top["largest"] = 0

        def top_cost(ins: list, outs: list, k: int = k, top: dict = top) -> tuple[int, int]:
            n = ins[0][top.get("axis", -1)]
            levels = (k - 1).bit_length()
            emit = k * levels if top.get("sorted", 1) else 0
            return 0, prod(ins[0]) // n * (n * (1 + levels) + emit)

        cases.append(Case("TopK", [Data(shape), _i64([k])], top, outputs=2, cost=top_cost))
    return cases


# ---- data movement -----------------------------------------------------------------------------


def copy(ins: list, outs: list) -> tuple[int, int]:
    return 0, prod(outs[0])


def view(ins: list, outs: list) -> tuple[int, int]:
    return 0, 0


def movement_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        shape = _shape(rng, _int(rng, 1, 4))
        rank = len(shape)
        # Reshape with a 0 (copy the dim) and a -1 (the rest)
        target = list(shape)
        if rank >= 2 and rng.random() < 0.5:
            target = [target[0] * target[1], *target[2:]]
        if rng.random() < 0.5:
            target[0] = 0
        target[-1] = -1
        cases.append(Case("Reshape", [Data(shape), _i64(target)], cost=view))
        cases.append(Case("Flatten", [Data(shape)], {"axis": _int(rng, -rank, rank)}, cost=view))
        ones = (*shape[:1], 1, *shape[1:])
        cases.append(
            Case(
                "Squeeze",
                [Data(ones), _i64([1 - len(ones) if rng.random() < 0.5 else 1])],
                cost=view,
            )
        )
        cases.append(Case("Squeeze", [Data(ones)], cost=view))
        cases.append(
            Case("Unsqueeze", [Data(shape), _i64([_int(rng, -rank - 1, rank)])], cost=view)
        )
        perm = [int(p) for p in rng.permutation(rank)]
        cases.append(
            Case(
                "Transpose", [Data(shape)], {"perm": perm} if rng.random() < 0.7 else {}, cost=copy
            )
        )
        axis = _int(rng, -rank, rank - 1)
        parts = []
        for _ in range(_int(rng, 2, 3)):
            part = list(shape)
            part[axis] = _int(rng, 1, 3)
            parts.append(Data(tuple(part)))
        cases.append(Case("Concat", parts, {"axis": axis}, cost=copy))
        mode = _pick(rng, ["constant", "reflect", "edge"])
        limit = [d - 1 if mode == "reflect" else 2 for d in shape]
        pads = [_int(rng, 0, limit[a % rank]) for a in range(2 * rank)]
        cases.append(Case("Pad", [Data(shape), _i64(pads)], {"mode": mode}, cost=copy))
        expand = [
            d if d > 1 or rng.random() < 0.5 else _int(rng, 2, 3)
            for d in (1 if rng.random() < 0.4 else d for d in shape)
        ]
        source = tuple(1 if e != d else d for e, d in zip(expand, shape, strict=False))
        cases.append(
            Case(
                "Expand",
                [Data(source), _i64([*([2] if rng.random() < 0.3 else []), *expand])],
                cost=copy,
            )
        )
        cases.append(Case("Tile", [Data(shape), _i64(_shape(rng, rank, 1, 3))], cost=copy))
        cases.append(_slice_case(rng, shape))
        cases.append(_split_case(rng, shape))
        cases.extend(_gather_cases(rng, shape))
    return cases


def _slice_case(rng: Rng, shape: Shape) -> Case:
    rank = len(shape)
    while True:
        axes = [int(a) for a in rng.permutation(rank)[: _int(rng, 1, rank)]]
        starts, ends, steps = [], [], []
        index: list[slice] = [slice(None)] * rank
        for axis in axes:
            n = shape[axis]
            step = _pick(rng, [1, 1, 2, -1, -2, 3])
            start = _pick(rng, [0, _int(rng, -n, n), -1000, 1000, n - 1])
            end = _pick(rng, [n, _int(rng, -n, n), 1000, -1000, -1])
            starts.append(start), ends.append(end), steps.append(step)
            index[axis] = slice(*_numpy_bounds(start, end, step, n))
        if np.zeros(shape)[tuple(index)].size:  # an empty slice is refused, as it should be
            break
    named = [a - rank if rng.random() < 0.5 else a for a in axes]
    inputs: list = [Data(shape), _i64(starts), _i64(ends)]
    if named != list(range(rank)) or steps != [1] * len(steps) or rng.random() < 0.5:
        inputs.append(_i64(named))
        if steps != [1] * len(steps) or rng.random() < 0.5:
            inputs.append(_i64(steps))
    elif len(axes) != rank:
        raise AssertionError("unreachable")
    return Case("Slice", inputs, cost=copy)


def _numpy_bounds(start: int, end: int, step: int, n: int) -> tuple[int | None, int | None, int]:
    """ONNX clamps starts/ends like Python slicing does, except huge negatives for negative
    steps go to "before the first" (-1 in ONNX terms, None for numpy)."""
    if step < 0 and end < -n:
        return start, None, step
    return start, end, step


def _split_case(rng: Rng, shape: Shape) -> Case:
    rank = len(shape)
    axis = _int(rng, -rank, rank - 1) if rng.random() < 0.6 else None
    along = (0 if axis is None else axis) % rank
    shape = (*shape[:along], _int(rng, 2, 7), *shape[along + 1 :])
    n = shape[along]
    attributes: dict[str, object] = {} if axis is None else {"axis": axis}
    inputs: list = [Data(shape)]
    if rng.random() < 0.5:
        cuts = sorted(
            int(c) for c in rng.choice(np.arange(1, n), _int(rng, 1, n - 1), replace=False)
        )
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=False)]
        inputs.append(_i64(sizes))
        outputs = len(sizes)
    else:  # parts of ceil(n / k), the last smaller: none may be empty
        outputs = _pick(rng, [k for k in range(2, n + 1) if -(-n // k) * (k - 1) < n])
        attributes["num_outputs"] = outputs
    return Case(
        "Split",
        inputs,
        attributes,
        outputs=outputs,
        cost=lambda ins, outs: (0, sum(prod(o) for o in outs)),
    )


def _gather_cases(rng: Rng, shape: Shape) -> list[Case]:
    rank = len(shape)
    axis = _int(rng, -rank, rank - 1) if rng.random() < 0.6 else None
    n = shape[(0 if axis is None else axis) % rank]
    index_shape = _pick(rng, [(), (_int(rng, 1, 3),), (2, _int(rng, 1, 2))])
    indices = rng.integers(-n, n, index_shape)
    if indices.size:
        indices.reshape(-1)[0] = _pick(rng, [-n, n - 1])  # the ends of the valid range
    attributes: dict[str, object] = {} if axis is None else {"axis": axis}
    cases = [
        Case("Gather", [Data(shape), _i64(indices)], attributes, cost=copy),
        Case(
            "Gather",
            [_weight(shape, rng), Data(indices.shape, np.int64, indices)],
            attributes,
            cost=copy,
        ),
    ]  # an embedding table: a weight, indices from the data
    along = (0 if axis is None else axis) % rank
    elements = rng.integers(-n, n, shape)
    cases.append(Case("GatherElements", [Data(shape), _i64(elements)], attributes, cost=copy))
    depth = _int(rng, 1, rank)
    tuples = np.stack([rng.integers(0, shape[d], (2,)) for d in range(depth)], axis=-1)
    cases.append(Case("GatherND", [Data(shape), _i64(tuples)], cost=copy))
    reduction = _pick(rng, [None, "none", "add", "mul", "max", "min"])
    scatter = {"reduction": reduction} if reduction else {}
    per = 2 if reduction not in (None, "none") else 1
    count = _int(rng, 1, shape[along])
    index = list(shape)
    index[along] = count
    positions = np.stack(
        [rng.permutation(shape[along])[:count] for _ in range(prod(index) // count)], axis=-1
    )
    positions = np.moveaxis(
        positions.reshape(count, *[d for a, d in enumerate(index) if a != along]), 0, along
    )
    cases.append(
        Case(
            "ScatterElements",
            [Data(shape), _i64(positions), Data(tuple(index))],
            {**attributes, **scatter},
            cost=lambda ins, outs, p=per: (0, prod(outs[0]) + p * prod(ins[2])),
        )
    )
    unique = rng.permutation(shape[0])[: _int(rng, 1, shape[0])].reshape(-1, 1)
    cases.append(
        Case(
            "ScatterND",
            [Data(shape), _i64(unique), Data((len(unique), *shape[1:]))],
            scatter,
            cost=lambda ins, outs, p=per: (0, prod(outs[0]) + p * prod(ins[2])),
        )
    )
    return cases


def resize_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        shape = (_int(rng, 1, 2), _int(rng, 1, 2), _int(rng, 1, 4), _int(rng, 1, 4))
        mode = _pick(rng, ["nearest", "linear", "cubic", None])
        attributes = {"mode": mode} if mode else {}
        if rng.random() < 0.5:
            scales = [
                1.0,
                1.0,
                _pick(rng, [0.5, 1.0, 2.0, 3.0] if shape[2] > 1 else [1.0, 2.0]),
                _pick(rng, [1.0, 2.0, 1.5]),
            ]
            inputs: list = [Data(shape), None, np.array(scales, np.float32)]
        else:
            sizes = [*shape[:2], _int(rng, 1, 6), _int(rng, 1, 6)]
            inputs = [Data(shape), None, None, _i64(sizes)]
        per = {
            "nearest": lambda k: 1,
            None: lambda k: 1,
            "linear": lambda k: 3 * (2**k - 1),
            "cubic": lambda k: 2 * 4**k,
        }[mode]

        def cost(ins: list, outs: list, per: Callable[[int], int] = per) -> tuple[int, int]:
            changed = sum(a != b for a, b in zip(ins[0], outs[0], strict=False))
            return 0, per(changed) * prod(outs[0])

        cases.append(Case("Resize", inputs, attributes, cost=cost))
    return cases


GATES = {"LSTM": (4, 23, 3), "GRU": (3, 17, 2), "RNN": (1, 5, 2)}
"""op -> (gate blocks stacked in W and R, element-wise ops per hidden unit per step, outputs)."""


def recurrent_cases(rng: Rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        for op, (gates, per_unit, most) in GATES.items():
            steps, batch, features, hidden = (
                _int(rng, 1, 4),
                _int(rng, 1, 3),
                _int(rng, 1, 4),
                _int(rng, 1, 4),
            )
            direction = _pick(rng, [None, "forward", "reverse", "bidirectional"])
            d = 2 if direction == "bidirectional" else 1
            layout = 0 if rng.random() < 0.3 else None  # onnxruntime runs layout 0 only
            attributes: dict[str, object] = {"hidden_size": hidden}
            if direction:
                attributes["direction"] = direction
            if layout is not None:
                attributes["layout"] = layout
            if op == "GRU" and rng.random() < 0.5:
                attributes["linear_before_reset"] = 1
            data = (batch, steps, features) if layout else (steps, batch, features)
            inputs: list = [
                Data(data),
                _weight((d, gates * hidden, features), rng),
                _weight((d, gates * hidden, hidden), rng),
            ]
            if rng.random() < 0.5:
                inputs.append(_weight((d, 2 * gates * hidden), rng))
            macs = steps * d * batch * gates * hidden * (features + hidden)
            cases.append(
                Case(
                    op,
                    inputs,
                    attributes,
                    outputs=_int(rng, 1, most),
                    cost=lambda ins, outs, m=macs, v=steps * d * batch * hidden * per_unit: (m, v),
                )
            )
    return cases
