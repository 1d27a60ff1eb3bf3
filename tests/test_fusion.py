"""Fusion chains declared by the machine (`lowering.epilogue`): element-wise ops after a producer
become one layer, their vector ops counted on the vector unit, with no DDR round trip.

Graphs are real ONNX (the importer's cost rules count the ops); numbers are worked out by hand on
the toy machine: 1 byte per cycle on the bus, 50 MACs per cycle, 1 vector op per cycle, int8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.errors import ConfigError
from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload import import_onnx
from tests.sim.toy import GraphBuilder, toy_machine

EPILOGUE = ["Add", "Sub", "Mul", "Div", "Gelu", "Erf", "Tanh", "Pow", "Sigmoid"]
M, K, N = 8, 16, 32  # x (1, M, K) @ W (K, N): 4,096 MACs, 256 output elements


def _machine(*, epilogue: list[str], fuses: tuple[str, ...] = ("Relu",), sram: int = 10_000):
    return with_overrides(toy_machine(fuses=fuses, sram=sram), {"lowering.epilogue": epilogue})


class _Net:
    """A MatMul (1, M, K) x (K, N) followed by ops written with onnx.helper."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits = [
            numpy_helper.from_array(np.ones((K, N), np.float32), "W"),
            numpy_helper.from_array(np.ones((N,), np.float32), "b"),
        ]
        self.inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, M, K])]
        self.count = 0

    def const(self, value: float) -> str:
        name = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.array(value, np.float32), name))
        return name

    def input(self, name: str) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, M, N]))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: object) -> str:
        self.count += 1
        out = f"{op_type.lower()}{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    def matmul(self) -> str:
        return self.op("MatMul", "x", "W")

    def gelu_erf(self, x: str) -> str:
        """0.5 · x · (1 + erf(x / √2)), as torch's legacy exporter spells nn.GELU()."""
        e = self.op("Erf", self.op("Div", x, self.const(2**0.5)))
        return self.op("Mul", self.op("Mul", x, self.op("Add", e, self.const(1.0))),
                       self.const(0.5))  # fmt: skip

    def gelu_tanh(self, x: str) -> str:
        """0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), GPT-2's spelling."""
        cube = self.op("Mul", self.op("Pow", x, self.const(3.0)), self.const(0.044715))
        inner = self.op("Mul", self.op("Add", x, cube), self.const((2 / np.pi) ** 0.5))
        one = self.op("Add", self.op("Tanh", inner), self.const(1.0))
        return self.op("Mul", self.op("Mul", x, one), self.const(0.5))

    def save(self, tmp_path: Path, *outputs: str) -> Path:
        outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, M, N]) for o in outputs]
        graph = helper.make_graph(self.nodes, "net", self.inputs, outs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
        path = tmp_path / "net.onnx"
        onnx.save(model, str(path))
        return path


def _run(path: Path, hw):
    graph = import_onnx(path)
    result = simulate_graph(graph, hw, name="net")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    return result


def test_bias_gelu_erf_and_residual_are_one_layer_costed_by_hand(tmp_path):
    net = _Net()
    y = net.op("Add", net.gelu_erf(net.op("Add", net.matmul(), "b")), net.input("r"))
    result = _run(net.save(tmp_path, y), _machine(epilogue=EPILOGUE))
    (layer,) = result.program.layers
    assert layer.op_types == ("MatMul", "Add", "Div", "Erf", "Add", "Mul", "Mul", "Add")
    # bias Add, Div, Erf, Add 1, Mul x, Mul 0.5, residual Add: 7 ops on each of 256 elements
    assert (layer.unit, layer.epilogue_ops, layer.vector_ops) == ("matrix", 7 * 256, 0)
    assert layer.reads == ("x", "r") and layer.weights == ("W", "b", "c2", "c3", "c4")
    # Only x (128 B), W (512), b (32), r (256) and the three scalars (1 B each) come in and y
    # (256) goes out: nothing in between. Loads 931 cycles, then the GEMM
    # ceil(2 x 4,096 / 100) = 82, the epilogue 1,792 on the vector unit, the store 256.
    assert result.bus_read_bytes + result.bus_write_bytes == 931 + 256
    assert result.latency_cycles == 931 + 82 + 1_792 + 256
    assert result.busy_cycles("vector") == 1_792
    assert result.floor.parts["vector"] == 1_792


def test_ops_the_output_stage_applies_cost_nothing(tmp_path):
    net = _Net()
    y = net.gelu_erf(net.op("Add", net.matmul(), "b"))
    hw = _machine(epilogue=[], fuses=("Relu", "Add", "Div", "Erf", "Mul"))
    result = _run(net.save(tmp_path, y), hw)
    (layer,) = result.program.layers
    assert (layer.epilogue_ops, len(layer.op_types)) == (0, 7)
    assert result.latency_cycles == 128 + 512 + 32 + 3 + 82 + 256


def test_gelu_tanh_spelled_out_costs_what_one_gelu_op_costs(tmp_path):
    net = _Net()
    y = net.gelu_tanh(net.matmul())
    (layer,) = lower(import_onnx(net.save(tmp_path, y)), _machine(epilogue=EPILOGUE)).layers
    # Pow(x, 3) 2 multiplies, 4 Muls, 2 Adds, Tanh 5: 13 per element, the Gelu(tanh) rule's count
    assert layer.epilogue_ops == 13 * M * N
    net = _Net()
    y = net.op("Gelu", net.matmul(), approximate="tanh")
    (layer,) = lower(import_onnx(net.save(tmp_path, y)), _machine(epilogue=EPILOGUE)).layers
    assert (layer.op_types, layer.epilogue_ops) == (("MatMul", "Gelu"), 13 * M * N)


def test_silu_fuses_and_the_gate_product_fuses_into_the_up_projection(tmp_path):
    net = _Net()
    gate = net.matmul()
    silu = net.op("Mul", gate, net.op("Sigmoid", gate))
    up = net.op("MatMul", "x", "W")
    y = net.op("Mul", up, silu)
    layers = lower(import_onnx(net.save(tmp_path, y)), _machine(epilogue=EPILOGUE)).layers
    assert [(la.op_types, la.epilogue_ops, la.writes) for la in layers] == [
        (("MatMul", "Sigmoid", "Mul"), 4 * 256, (silu,)),  # Sigmoid 3 + Mul 1 per element
        (("MatMul", "Mul"), 256, (y,)),
    ]
    assert layers[1].reads == ("x", silu)


def test_a_result_read_outside_the_chain_ends_it(tmp_path):
    # The MatMul's output also feeds a Softmax: the chain cannot hide it, so the Add stays apart.
    net = _Net()
    mm = net.matmul()
    soft = net.op("Softmax", mm, axis=-1)
    y = net.op("Add", net.op("Add", mm, "b"), soft)
    layers = lower(import_onnx(net.save(tmp_path, y)), _machine(epilogue=EPILOGUE)).layers
    assert [(la.op_types, la.writes) for la in layers] == [
        (("MatMul",), (mm,)),
        (("Softmax",), (soft,)),
        (("Add", "Add"), (y,)),  # the vector Add's own chain takes the second Add
    ]
    assert layers[2].vector_ops == 2 * 256


def test_vector_layer_takes_the_chain_on_its_own_unit(tmp_path):
    net = _Net()
    soft = net.op("Softmax", net.matmul(), axis=-1)
    y = net.op("Mul", soft, net.const(3.0))
    plain, fused = (
        lower(import_onnx(net.save(tmp_path, y)), _machine(epilogue=e)).layers
        for e in ([], EPILOGUE)
    )
    assert [la.op_types for la in fused] == [("MatMul",), ("Softmax", "Mul")]
    assert fused[1].vector_ops == plain[1].vector_ops + plain[2].vector_ops
    assert fused[1].reads == (plain[1].reads) and fused[1].epilogue_ops == 0


def test_tiled_layer_applies_its_epilogue_tile_by_tile(tmp_path):
    # 2,400 B of SRAM: x 128 + W 512 + b 32 + y 256 fit, but not with r 256 and the unfused
    # intermediates; the layer tiles and each tile's epilogue share sums to the layer's.
    net = _Net()
    y = net.op("Add", net.op("Gelu", net.op("Add", net.matmul(), "b")), net.input("r"))
    hw = _machine(epilogue=EPILOGUE, sram=700)
    result = _run(net.save(tmp_path, y), hw)
    (layer,) = result.program.layers
    epilogues = [e for e in result.trace.events if e.unit_kind == "vector"]
    assert result.plan.tiles == (len(epilogues),) and len(epilogues) > 1
    assert result.busy_cycles("vector") >= layer.epilogue_ops == (1 + 5 + 1) * 256
    assert result.busy_cycles("vector") <= layer.epilogue_ops + len(epilogues) - 1


def test_epilogue_op_also_in_fuses_is_refused():
    with pytest.raises(ConfigError, match="Add is in both fuses and epilogue"):
        with_overrides(toy_machine(fuses=("Relu", "Add")), {"lowering.epilogue": ["Add"]})
    with pytest.raises(ConfigError, match="did you mean Gelu"):
        with_overrides(toy_machine(), {"lowering.epilogue": ["GeLU"]})


def test_three_tile_slots_keep_a_store_behind_two_loads():
    # x (1, 2, 4) x W (4, 32) then Tanh (4 ops an element) as the epilogue, on a 1 MAC-a-cycle
    # engine, 60 B of SRAM. A tile of one column: its 4 B of weights (L), 8 cycles of MACs (M),
    # 8 of Tanh (E), its 2 B stored (S); x (8 B) is shared. A slot is busy L + M + E + S = 22
    # cycles per tile: two slots turn a tile every 11 cycles, three every 7.3, under the 8 that
    # the engine and the vector unit each take: so three (8 + 2 x 4 + 3 x 2 = 22 B), estimated
    # 256 + 200 / 32 cycles. The bus then issues a tile's store after the next two tiles' weights
    # (with one it would wait for the store, whose tile is still in the epilogue, before loading).
    g = GraphBuilder()
    x, w = g.input("x", (1, 2, 4)), g.weight("w", (4, 32))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 2, 32), macs=256)
    z = g.op("t", "Tanh", [y], "z", (1, 2, 32), vector_ops=4 * 64)
    hw = with_overrides(toy_machine(sram=60, matrix="2 GFLOPS"), {"lowering.epilogue": ["Tanh"]})
    result = simulate_graph(g.build(z), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert result.plan.tiles == (32,)
    order = [(t.kind, t.buffer) for t in result.plan.tasks if t.unit_kind == "dma"]
    load, store = ("load", "w"), ("store", "z")
    assert order == [("load", "x"), load, load] + [load, store] * 30 + [store, store]
    assert (result.bus_read_bytes, result.bus_write_bytes) == (8 + 128, 64)


def test_a_square_of_the_conv_output_fuses_and_writes_only_the_square() -> None:
    # Mul(y, y) reads the engine's output twice, both reads inside the chain: nothing outside
    # reads y, so the layer writes only the square
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    y = g.conv("c", x, cout=3, k=1)
    graph = g.build(g.op("sq", "Mul", [y, y], "sq.out", (1, 3, 4, 4), vector_ops=48))
    program = lower(graph, toy_machine(fuses=("Mul",)))
    (layer,) = program.layers
    assert layer.op_types == ("Conv", "Mul")
    assert layer.writes == ("sq.out",)
    assert layer.vector_ops == 0 and layer.epilogue_ops == 0  # fused: free on the output stage
