"""Build a small GPT-style decoder as two ONNX graphs: a prefill and a one-token decode step.

    python workloads/build_gpt.py                      # writes workloads/gpt_prefill.onnx,
                                                       # workloads/gpt_decode.onnx
    python workloads/build_gpt.py --layers 12 --dim 768 --heads 12 --vocab 50257 --out /tmp/gpt2

Written with onnx.helper, seeded random weights (nothing downloaded), the way exporters spell a
GPT-2 block: token and position embeddings (Gather), pre-LayerNorm attention with a fused QKV
MatMul split into heads (Split, Reshape, Transpose), causal mask, Softmax, output projection,
residual Adds, a tanh-GELU MLP, and an LM head tied to the token embedding (a Transpose of it).

The prefill graph reads `ids` (B, S) and writes the logits and every layer's keys and values
(the KV cache). The decode graph reads one token `id` (B, 1) and the cache of N positions
(`past_k<l>`, `past_v<l>`: (B, heads, N, dim / heads); N = --past, default context - 1) and
writes the logits and the cache of N + 1. B is --batch: a number, or a name for a symbolic
dimension that `accelsim run --batch` sets. Both are checked by onnxruntime when written, except
with --weightless (weights with a shape and no data: the simulator needs only shapes, so a
GPT-2 medium is a file of a few hundred kB).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 20  # Gelu
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Config:
    layers: int = 2
    dim: int = 128
    heads: int = 4
    vocab: int = 1024
    context: int = 128
    """Prefill length S; the decode step attends to a cache of context - 1 positions plus one."""
    past: int | None = None
    """KV length of the decode step (default context - 1): its cache holds `past` positions."""
    batch: int | str = 1
    """Batch of every input and output: a number, or a name (a symbolic dimension that
    `accelsim run --batch N` sets)."""

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads


class _Graph:
    """Nodes and initializers being collected; names made unique by a counter."""

    def __init__(self, seed: int, *, weightless: bool = False) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []
        self.rng = np.random.default_rng(seed)
        self.count = 0
        self.weightless = weightless

    def weight(self, name: str, shape: tuple[int, ...], scale: float = 0.02) -> str:
        """A seeded random weight, or with `weightless` one that has a shape and no data (the
        simulator needs only shapes, so a 7 B model is a small file)."""
        if self.weightless:
            tensor = onnx.TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shape)
            self.weights.append(tensor)
            return name
        value = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.weights.append(numpy_helper.from_array(value, name))
        return name

    def data(self, name: str, value: np.ndarray) -> str:
        """A constant the simulator needs only the shape of (without data when weightless)."""
        if self.weightless:
            dims = value.shape
            self.weights.append(onnx.TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims))
            return name
        return self.constant(name, value)

    def constant(self, name: str, value: np.ndarray) -> str:
        self.weights.append(numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, outputs: int = 1,
           **attrs: object) -> list[str]:  # fmt: skip
        names = [name] if outputs == 1 else [f"{name}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=name, **attrs))
        return names

    def one(self, op_type: str, inputs: list[str], name: str, **attrs: object) -> str:
        return self.op(op_type, inputs, name, **attrs)[0]

    def layer_norm(self, x: str, prefix: str, dim: int) -> str:
        scale, shift = self.weight(prefix + ".g", (dim,), 1.0), self.weight(prefix + ".b", (dim,))
        return self.one("LayerNormalization", [x, scale, shift], prefix, axis=-1)


def _block(g: _Graph, c: Config, x: str, layer: int, seq: int, past: int | None,
           ) -> tuple[str, str, str]:  # fmt: skip
    """One pre-LN transformer block on x (1, seq, dim); returns (x, present_k, present_v)."""
    p, d, h, hd = f"h{layer}.", c.dim, c.heads, c.head_dim
    ln1 = g.layer_norm(x, p + "ln1", d)
    qkv = g.one("MatMul", [ln1, g.weight(p + "attn.wqkv", (d, 3 * d))], p + "qkv")
    qkv = g.one("Add", [qkv, g.weight(p + "attn.bqkv", (3 * d,))], p + "qkv_bias")
    q, k, v = g.op("Split", [qkv], p + "split", outputs=3, axis=2, num_outputs=3)
    heads_shape = g.constant(p + "heads_shape", np.array([0, 0, h, hd], np.int64))
    q, k, v = (
        g.one("Transpose", [g.one("Reshape", [t, heads_shape], f"{p}{n}_heads")],
              f"{p}{n}_t", perm=[0, 2, 1, 3])
        for t, n in ((q, "q"), (k, "k"), (v, "v"))
    )  # fmt: skip
    if past is not None:  # append this token's key and value to the cache
        k = g.one("Concat", [f"past_k{layer}", k], p + "present_k", axis=2)
        v = g.one("Concat", [f"past_v{layer}", v], p + "present_v", axis=2)
    kt = g.one("Transpose", [k], p + "k_T", perm=[0, 1, 3, 2])
    scores = g.one("MatMul", [q, kt], p + "scores")
    scale = g.constant(p + "scale", np.array(1 / np.sqrt(hd), np.float32))
    scores = g.one("Mul", [scores, scale], p + "scaled")
    if past is None:  # causal mask: position i sees positions <= i (one for all layers)
        if "mask" not in {w.name for w in g.weights}:
            mask = np.triu(np.full((seq, seq), -1e4, np.float32), k=1)[None, None]
            g.data("mask", mask)
        scores = g.one("Add", [scores, "mask"], p + "masked")
    probs = g.one("Softmax", [scores], p + "softmax", axis=-1)
    attn = g.one("MatMul", [probs, v], p + "attn")
    attn = g.one("Transpose", [attn], p + "attn_t", perm=[0, 2, 1, 3])
    merged = g.constant(p + "merged_shape", np.array([0, 0, d], np.int64))
    attn = g.one("Reshape", [attn, merged], p + "merge")
    out = g.one("MatMul", [attn, g.weight(p + "attn.wo", (d, d))], p + "proj")
    out = g.one("Add", [out, g.weight(p + "attn.bo", (d,))], p + "proj_bias")
    x = g.one("Add", [x, out], p + "residual1")
    ln2 = g.layer_norm(x, p + "ln2", d)
    f = g.one("MatMul", [ln2, g.weight(p + "mlp.w1", (d, 4 * d))], p + "fc1")
    f = g.one("Add", [f, g.weight(p + "mlp.b1", (4 * d,))], p + "fc1_bias")
    f = g.one("Gelu", [f], p + "gelu", approximate="tanh")
    f = g.one("MatMul", [f, g.weight(p + "mlp.w2", (4 * d, d))], p + "fc2")
    f = g.one("Add", [f, g.weight(p + "mlp.b2", (d,))], p + "fc2_bias")
    return g.one("Add", [x, f], p + "residual2"), k, v


def build(c: Config, *, decode: bool, seed: int = 0, weightless: bool = False) -> onnx.ModelProto:
    """The prefill graph (S = context tokens) or the decode step (1 token, cache of `past`)."""
    g = _Graph(seed, weightless=weightless)
    past = (c.context - 1 if c.past is None else c.past) if decode else None
    seq = 1 if decode else c.context
    first = past or 0  # position of the first token
    wte = g.weight("wte", (c.vocab, c.dim))
    wpe = g.weight("wpe", (max(c.context, first + seq), c.dim), 0.01)
    ids = "id" if decode else "ids"
    tokens = g.one("Gather", [wte, ids], "embed")
    positions = g.constant("positions", np.arange(first, first + seq, dtype=np.int64))
    x = g.one("Add", [tokens, g.one("Gather", [wpe, positions], "position")], "embed_sum")
    inputs = [helper.make_tensor_value_info(ids, TensorProto.INT64, [c.batch, seq])]
    outputs = []
    cache = [c.batch, c.heads, first + seq, c.head_dim]
    for layer in range(c.layers):
        x, k, v = _block(g, c, x, layer, seq, past)
        for kind, name in (("k", k), ("v", v)):
            if past is not None:
                past_shape = [c.batch, c.heads, past, c.head_dim]
                inputs.append(helper.make_tensor_value_info(f"past_{kind}{layer}", 1, past_shape))
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, cache))
    x = g.layer_norm(x, "ln_f", c.dim)
    head = g.one("Transpose", [wte], "lm_head_weight", perm=[1, 0])  # tied to the embedding
    logits = g.one("MatMul", [x, head], "logits")
    shape = [c.batch, seq, c.vocab]
    outputs.insert(0, helper.make_tensor_value_info(logits, TensorProto.FLOAT, shape))
    return finish(g, "gpt_decode" if decode else "gpt_prefill", inputs, outputs)


def finish(g: _Graph, name: str, inputs: list[onnx.ValueInfoProto],
           outputs: list[onnx.ValueInfoProto]) -> onnx.ModelProto:  # fmt: skip
    """The model, checked: in full with its weights, by strict shape inference without."""
    graph = helper.make_graph(g.nodes, name, inputs, outputs, g.weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9
    if g.weightless:
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    else:
        onnx.checker.check_model(model, full_check=True)
    return model


def check_with_onnxruntime(model: onnx.ModelProto, c: Config) -> None:
    """Run the graph once on zeros; raises if onnxruntime cannot."""
    import onnxruntime

    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    feeds = {
        i.name: np.zeros(list(i.shape), np.int64 if "int64" in i.type else np.float32)
        for i in session.get_inputs()
    }
    logits = session.run(None, feeds)[0]
    assert logits.shape[-1] == c.vocab


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Config()
    for field in ("layers", "dim", "heads", "vocab", "context"):
        parser.add_argument(f"--{field}", type=int, default=getattr(defaults, field))
    parser.add_argument("--past", type=int, help="decode KV length (default context - 1)")
    parser.add_argument("--batch", default="1", help="a number, or a name for a symbolic batch "
                        "that `accelsim run --batch N` sets (default 1)")  # fmt: skip
    parser.add_argument("--weightless", action="store_true",
                        help="weights with shapes and no data (not runnable by onnxruntime)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the two .onnx files")
    args = parser.parse_args()
    batch = int(args.batch) if args.batch.isdigit() else args.batch
    config = Config(args.layers, args.dim, args.heads, args.vocab, args.context, args.past, batch)
    args.out.mkdir(parents=True, exist_ok=True)
    for decode, name in ((False, "gpt_prefill.onnx"), (True, "gpt_decode.onnx")):
        model = build(config, decode=decode, weightless=args.weightless)
        if not args.weightless and isinstance(batch, int):
            check_with_onnxruntime(model, config)
        onnx.save(model, str(args.out / name))
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
