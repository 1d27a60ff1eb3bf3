"""Recurrent layers: LSTM, GRU and RNN, one time step after another.

Each time step is a gate GEMM on the matrix engine ([x_t, h_t-1] times the stacked gate weights,
biases in the accumulator) followed by the element-wise gates on the vector unit; step t+1
needs h_t, so the steps run in sequence. Both directions of a bidirectional layer run in the
same step. Per hidden unit, the gates cost (Sigmoid 3, Tanh 5, as their own rules count):
LSTM 23 (i, f, o sigmoids 9, g tanh 5, c = f·c + i·g 3, h = o·tanh(c) 6), GRU 17 (z, r sigmoids
6, r·(R·h) 1, + W·x 1, tanh 5, h = (1 - z)·h~ + z·h 4), RNN 5 (tanh).
"""

from __future__ import annotations

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, Step, cost_rule

MAX_STEPS = 4_096
"""Most time steps a recurrent layer may have: each step is two layers to plan and simulate,
so the work grows with the steps; a sequence this long is a document, not a sentence."""

_GATES = {"LSTM": (4, 23), "GRU": (3, 17), "RNN": (1, 5)}
"""op_type -> (gate GEMMs stacked in the weights, element-wise ops per hidden unit)."""


def _recurrent(shapes: NodeShapes, op_type: str) -> OpCost:
    gates, per_unit = _GATES[op_type]
    steps_count, batch, features = shapes.input(0)  # layout 0: (seq, batch, input)
    if shapes.integer("layout", 0):
        batch, steps_count = steps_count, batch
    if steps_count > MAX_STEPS:
        raise ValueError(
            f"{steps_count:,} time steps, over the limit of {MAX_STEPS:,} (each step is simulated "
            "as its own two layers); cut the sequence into chunks"
        )
    directions, gate_rows, _ = shapes.input(1)  # W: (directions, gates·hidden, input)
    hidden = gate_rows // gates
    _check_weights(shapes, op_type, gates, hidden, features)
    macs = directions * batch * gate_rows * (features + hidden)
    vector_ops = directions * batch * hidden * per_unit
    steps: list[Step] = []
    for _ in range(steps_count):
        steps.append(Step("MatMul", macs, 0, (directions, batch, gate_rows), weights=True))
        steps.append(Step(op_type, 0, vector_ops, (directions, batch, hidden), weights=False))
    return OpCost(macs=macs * steps_count, vector_ops=vector_ops * steps_count, steps=tuple(steps))


def _check_weights(
    shapes: NodeShapes, op_type: str, gates: int, hidden: int, features: int
) -> None:
    """W (D, gates·H, I) and R (D, gates·H, H) agree with each other, the input, `hidden_size`
    and `direction`, as onnxruntime requires."""
    w, r = shapes.input(1), shapes.input(2)
    directions = 2 if shapes.attributes.get("direction") == "bidirectional" else 1
    size = shapes.integer("hidden_size", hidden)
    if w[1] % gates or hidden < 1 or size != hidden or w[2] != features or w[0] != directions \
            or r != (directions, gates * hidden, hidden):  # fmt: skip
        raise InvalidNode(
            f"W {list(w)} and R {list(r)} do not fit {directions} direction(s), {features} input "
            f"features and hidden_size {size}: {op_type} needs W (D, {gates}·H, I) and R "
            f"(D, {gates}·H, H)"
        )


@cost_rule("LSTM", multiplies=True)
def lstm(shapes: NodeShapes) -> OpCost:
    """Per step: MACs = D·B·4H·(I + H), vector ops = 23·D·B·H; T steps (D directions)."""
    return _recurrent(shapes, "LSTM")


@cost_rule("GRU", multiplies=True)
def gru(shapes: NodeShapes) -> OpCost:
    """Per step: MACs = D·B·3H·(I + H), vector ops = 17·D·B·H; T steps."""
    return _recurrent(shapes, "GRU")


@cost_rule("RNN", multiplies=True)
def rnn(shapes: NodeShapes) -> OpCost:
    """Per step: MACs = D·B·H·(I + H), vector ops = 5·D·B·H; T steps."""
    return _recurrent(shapes, "RNN")
