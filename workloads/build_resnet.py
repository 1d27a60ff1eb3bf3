"""Build ResNet-50 (torchvision's v1.5 shapes) as an ONNX graph whose weights are never written.

    python workloads/build_resnet.py --out /tmp/resnet      # writes resnet50.onnx

The graph is what an inference exporter writes for torchvision's `resnet50()` in eval mode with
the batch norms folded into the convs: a 7x7/2 stem conv, a 3x3/2 max pool, 3 + 4 + 6 + 3
bottlenecks (1x1, 3x3 with the stride, 1x1 x4; a 1x1 projection where the shape changes), ReLUs,
residual Adds, a global average pool, Flatten and the 2048 -> 1000 Gemm; batch 1, 224 x 224,
25.6 M parameters, 4.09 G MACs. The simulator needs only shapes, so every initializer has a shape
and no data (the GPT and LLaMA builders' --weightless; external data in an empty file, as before,
is now refused: the importer checks that external data holds the tensor's bytes). Written with
onnx.helper; nothing downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import onnx
from onnx import TensorProto, helper

OPSET = 17
STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))
"""(bottleneck width, blocks, stride of the first block) of torchvision's ResNet-50."""


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []

    def weight(self, name: str, shape: tuple[int, ...]) -> str:
        self.weights.append(onnx.TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shape))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, **attrs: object) -> str:
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x: str, name: str, cin: int, cout: int, kernel: int, stride: int,
             relu: bool = True) -> str:  # fmt: skip
        pad = kernel // 2
        w = self.weight(f"{name}.w", (cout, cin, kernel, kernel))
        b = self.weight(f"{name}.b", (cout,))
        y = self.op("Conv", [x, w, b], name, kernel_shape=[kernel, kernel],
                    strides=[stride, stride], pads=[pad] * 4)  # fmt: skip
        return self.op("Relu", [y], f"{name}.relu") if relu else y


def build() -> onnx.ModelProto:
    g = _Graph()
    x = g.conv("input", "conv1", 3, 64, 7, 2)
    x = g.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
    cin = 64
    for stage, (width, blocks, first_stride) in enumerate(STAGES, start=1):
        for block in range(blocks):
            name = f"layer{stage}.{block}"
            stride = first_stride if block == 0 else 1
            y = g.conv(x, f"{name}.conv1", cin, width, 1, 1)
            y = g.conv(y, f"{name}.conv2", width, width, 3, stride)
            y = g.conv(y, f"{name}.conv3", width, 4 * width, 1, 1, relu=False)
            if block == 0:
                x = g.conv(x, f"{name}.downsample", cin, 4 * width, 1, stride, relu=False)
            x = g.op("Relu", [g.op("Add", [y, x], f"{name}.add")], f"{name}.relu")
            cin = 4 * width
    x = g.op("GlobalAveragePool", [x], "avgpool")
    x = g.op("Flatten", [x], "flatten", axis=1)
    w, b = g.weight("fc.w", (1000, cin)), g.weight("fc.b", (1000,))
    g.op("Gemm", [x, w, b], "fc", transB=1)
    graph = helper.make_graph(
        g.nodes, "resnet50",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, (1, 3, 224, 224))],
        [helper.make_tensor_value_info("fc", TensorProto.FLOAT, (1, 1000))],
        initializer=g.weights,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the model files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    onnx.save(build(), str(args.out / "resnet50.onnx"))
    print(args.out / "resnet50.onnx")


if __name__ == "__main__":
    main()
