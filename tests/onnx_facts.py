"""Facts read straight from an ONNX file with the onnx package, never through accelsim's importer.

Tests compare these with hand-written tables and with what the importer reports: two routes to
the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import onnx
from onnx import helper


@dataclass(frozen=True, slots=True)
class ConvFacts:
    """One Conv node: its weight shape (Cout, Cin / group, k, k), group and stride."""

    name: str
    out_channels: int
    in_per_group: int
    kernel: int
    group: int
    stride: int


def conv_nodes(path: Path) -> list[ConvFacts]:
    """Every Conv node of the model at `path`, in file order."""
    model = onnx.load(str(path), load_external_data=False)
    dims = {init.name: list(init.dims) for init in model.graph.initializer}
    convs = []
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        cout, per_group, k, _ = dims[node.input[1]]
        convs.append(ConvFacts(node.name, cout, per_group, k, int(attrs.get("group", 1)),
                               int(attrs.get("strides", [1, 1])[0])))  # fmt: skip
    return convs
