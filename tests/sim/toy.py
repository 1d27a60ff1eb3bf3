"""Hand-built graphs and a toy machine for scheduler tests (no ONNX, numbers easy to follow).

The toy machine runs at 1 GHz with a 1 GB/s bus, so one byte crosses per cycle; the matrix
engine does 100 FLOP (50 MACs) a cycle and the vector unit 1 op a cycle; int8 everywhere.
"""

from __future__ import annotations

from accelsim.hardware import Hardware
from accelsim.hardware_file import hardware_from_mapping
from accelsim.workload.graph import Graph, Op, Tensor


def toy_machine(
    *,
    sram: int = 10_000,
    latency_ns: int = 0,
    bus: str = "1 GB/s",
    ddr: str = "100 GB/s",
    matrix: str = "100 GFLOPS",
    fuses: tuple[str, ...] = ("Relu",),
    ops: tuple[str, ...] = ("Conv", "Gemm", "MatMul"),
    dma_units: int = 1,
    matrix_units: int = 1,
    vector_units: int = 1,
) -> Hardware:
    """The toy machine; one unit of a kind is named bus/matrix/vector, several dma0.., mxu0..,
    vpu0.."""
    dma = {"kind": "dma", "bandwidth": bus, "latency": f"{latency_ns} ns"}
    engine = {"kind": "matrix", "peak": matrix}
    units = {
        **_named("bus", "dma", dma_units, dma),
        **_named("matrix", "mxu", matrix_units, engine),
        **_named("vector", "vpu", vector_units, {"kind": "vector", "peak": "1 GFLOPS"}),
    }
    return hardware_from_mapping(
        {
            "name": "toy",
            "clock": "1 GHz",
            "ddr": {"capacity": "1 GiB", "bandwidth": ddr, "latency": "0 s"},
            "sram": {"capacity": sram},
            "units": units,
            "lowering": {"matrix_ops": list(ops), "fold_batchnorm": True, "fuses": list(fuses)},
            "dtypes": {"weights": "int8", "activations": "int8"},
        },
        source="toy",
    )


def _named(single: str, prefix: str, count: int, fields: dict[str, str]) -> dict[str, dict]:
    if count == 1:
        return {single: dict(fields)}
    return {f"{prefix}{i}": dict(fields) for i in range(count)}


class GraphBuilder:
    """Adds tensors and ops in order; `build()` marks the named outputs."""

    def __init__(self, name: str = "toy") -> None:
        self.name = name
        self.tensors: dict[str, Tensor] = {}
        self.ops: list[Op] = []
        self.inputs: list[str] = []

    def input(self, name: str, shape: tuple[int, ...]) -> str:
        self.tensors[name] = Tensor(name, shape, "input")
        self.inputs.append(name)
        return name

    def weight(self, name: str, shape: tuple[int, ...]) -> str:
        self.tensors[name] = Tensor(name, shape, "weight")
        return name

    def op(self, name: str, op_type: str, inputs: list[str], out: str, shape: tuple[int, ...], *,
           macs: int = 0, vector_ops: int = 0, **attributes: object) -> str:  # fmt: skip
        self.tensors[out] = Tensor(out, shape, "activation")
        self.ops.append(Op(name, op_type, tuple(inputs), (out,), macs, vector_ops, attributes))
        return out

    def conv(self, name: str, x: str, cout: int, k: int, *, pad: int = 0, stride: int = 1) -> str:
        n, cin, h, w = self.tensors[x].shape
        weight = self.weight(f"{name}.W", (cout, cin, k, k))
        ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        macs = n * cout * ho * wo * cin * k * k
        return self.op(name, "Conv", [x, weight], f"{name}.out", (n, cout, ho, wo), macs=macs,
                       kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)  # fmt: skip

    def build(self, *outputs: str) -> Graph:
        tensors = dict(self.tensors)
        for name in outputs:
            tensors[name] = Tensor(name, tensors[name].shape, "output")
        return Graph(self.name, tensors, tuple(self.ops), tuple(self.inputs), tuple(outputs))
