"""Build a LLaMA-style decoder as two ONNX graphs: a prefill and a one-token decode step.

    python workloads/build_llama.py --preset 7b --weightless --out /tmp/llama7b
    python workloads/build_llama.py --preset 1b --weightless --context 2048 --past 4095 \\
        --batch batch --out /tmp/llama1b     # decode: accelsim run ... --batch 16

Written with onnx.helper, as exporters spell a LLaMA block: RMSNorm (Pow, ReduceMean, Add,
Sqrt, Div, Mul), separate Q, K, V projections, rotary position embedding (RoPE: x·cos +
rotate_half(x)·sin, rotate_half a Slice/Neg/Concat), grouped-query attention with fewer KV heads
(the queries of the heads sharing a KV head are grouped into one batched product with it, as
GQA kernels do, so K and V are never repeated), a causal mask, a SwiGLU MLP
(down(SiLU(gate(x)) · up(x)), SiLU = x · Sigmoid(x)) and an untied LM head. No biases.

Presets: 7b = LLaMA-7B (Touvron et al. 2023, Table 2: 32 layers, dim 4096, 32 heads, FFN 11008,
vocab 32000; multi-head attention, 6.74 B parameters); 1b = Llama 3.2 1B (16 layers, dim 2048,
32 heads, 8 KV heads, FFN 8192, vocab 128256; 1.24 B parameters). With --weightless every weight
has a shape and no data (the simulator needs only shapes: a 7 B model is a file of ~150 kB);
otherwise the weights are seeded random and both graphs are checked by onnxruntime.
The decode step reads one token per sequence and the cache of N = --past positions per layer
(`past_k<l>`, `past_v<l>`: (B, kv_heads, N, head_dim)) and writes the logits and the cache of
N + 1 (a `Concat(past, new)` that accelsim runs as an in-place append).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_gpt import _Graph, check_with_onnxruntime, finish  # noqa: E402

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Config:
    layers: int = 2
    dim: int = 128
    heads: int = 4
    kv_heads: int = 2
    ffn: int = 256
    vocab: int = 1024
    context: int = 128
    past: int | None = None
    batch: int | str = 1

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads


PRESETS = {
    "7b": {"layers": 32, "dim": 4096, "heads": 32, "kv_heads": 32, "ffn": 11008, "vocab": 32000},
    "1b": {"layers": 16, "dim": 2048, "heads": 32, "kv_heads": 8, "ffn": 8192, "vocab": 128256},
}


def _rms_norm(g: _Graph, x: str, prefix: str, dim: int) -> str:
    two = g.constant(prefix + ".two", np.array(2.0, np.float32))
    eps = g.constant(prefix + ".eps", np.array(1e-5, np.float32))
    mean = g.one("ReduceMean", [g.one("Pow", [x, two], prefix + ".sq"),
                                g.constant(prefix + ".axes", np.array([-1], np.int64))],
                 prefix + ".mean", keepdims=1)  # fmt: skip
    rms = g.one("Sqrt", [g.one("Add", [mean, eps], prefix + ".eps_add")], prefix + ".rms")
    normed = g.one("Div", [x, rms], prefix + ".div")
    return g.one("Mul", [normed, g.weight(prefix + ".g", (dim,), 1.0)], prefix)


def _rope(g: _Graph, x: str, name: str, cos: str, sin: str, half: int) -> str:
    """x · cos + rotate_half(x) · sin, rotate_half(x) = Concat(-x[..., half:], x[..., :half])."""
    c = lambda n, v: g.constant(f"{name}.{n}", np.array(v, np.int64))  # noqa: E731
    lo = g.one("Slice", [x, c("s0", [0]), c("e0", [half]), c("a0", [-1])], name + ".lo")
    hi = g.one("Slice", [x, c("s1", [half]), c("e1", [2 * half]), c("a1", [-1])], name + ".hi")
    rotated = g.one("Concat", [g.one("Neg", [hi], name + ".neg"), lo], name + ".rot", axis=-1)
    return g.one("Add", [g.one("Mul", [x, cos], name + ".cos"),
                         g.one("Mul", [rotated, sin], name + ".sin")], name)  # fmt: skip


def _block(g: _Graph, c: Config, x: str, layer: int, seq: int, past: int | None,
           rope: tuple[str, str], mask: str | None) -> tuple[str, str, str]:  # fmt: skip
    """One LLaMA block on x (B, seq, dim); returns (x, present_k, present_v)."""
    p, d, h, kvh, hd = f"l{layer}.", c.dim, c.heads, c.kv_heads, c.head_dim
    group = h // kvh
    shape = lambda n, v: g.constant(p + n, np.array(v, np.int64))  # noqa: E731
    xn = _rms_norm(g, x, p + "attn_norm", d)
    q = g.one("MatMul", [xn, g.weight(p + "wq", (d, h * hd))], p + "q")
    k = g.one("MatMul", [xn, g.weight(p + "wk", (d, kvh * hd))], p + "k")
    v = g.one("MatMul", [xn, g.weight(p + "wv", (d, kvh * hd))], p + "v")
    q, k, v = (
        g.one("Transpose", [g.one("Reshape", [t, shape(n + "_shape", [0, 0, heads, hd])],
                                  p + n + "_heads")], p + n + "_t", perm=[0, 2, 1, 3])
        for t, n, heads in ((q, "q", h), (k, "k", kvh), (v, "v", kvh))
    )  # fmt: skip
    q = _rope(g, q, p + "q_rope", *rope, hd // 2)
    k = _rope(g, k, p + "k_rope", *rope, hd // 2)
    if past is not None:  # append this token's key and value to the cache
        k = g.one("Concat", [f"past_k{layer}", k], p + "present_k", axis=2)
        v = g.one("Concat", [f"past_v{layer}", v], p + "present_v", axis=2)
    # The queries of the `group` heads sharing a KV head form one product with it.
    grouped = g.one("Reshape", [q, shape("grouped", [0, kvh, group * seq, hd])], p + "q_grouped")
    kt = g.one("Transpose", [k], p + "k_T", perm=[0, 1, 3, 2])
    scores = g.one("MatMul", [grouped, kt], p + "scores")
    scores = g.one("Mul", [scores, g.constant(p + "scale", np.array(hd**-0.5, np.float32))],
                   p + "scaled")  # fmt: skip
    if mask is not None:
        scores = g.one("Add", [scores, mask], p + "masked")
    probs = g.one("Softmax", [scores], p + "softmax", axis=-1)
    attn = g.one("MatMul", [probs, v], p + "attn")
    attn = g.one("Reshape", [attn, shape("ungrouped", [0, h, seq, hd])], p + "attn_heads")
    attn = g.one("Transpose", [attn], p + "attn_t", perm=[0, 2, 1, 3])
    attn = g.one("Reshape", [attn, shape("merged", [0, 0, d])], p + "merge")
    out = g.one("MatMul", [attn, g.weight(p + "wo", (h * hd, d))], p + "o")
    x = g.one("Add", [x, out], p + "residual1")
    xn = _rms_norm(g, x, p + "mlp_norm", d)
    gate = g.one("MatMul", [xn, g.weight(p + "w_gate", (d, c.ffn))], p + "gate")
    silu = g.one("Mul", [gate, g.one("Sigmoid", [gate], p + "sigmoid")], p + "silu")
    up = g.one("MatMul", [xn, g.weight(p + "w_up", (d, c.ffn))], p + "up")
    f = g.one("Mul", [up, silu], p + "swiglu")
    f = g.one("MatMul", [f, g.weight(p + "w_down", (c.ffn, d))], p + "down")
    return g.one("Add", [x, f], p + "residual2"), k, v


def build(c: Config, *, decode: bool, seed: int = 0, weightless: bool = False) -> onnx.ModelProto:
    """The prefill graph (S = context tokens) or the decode step (1 token, cache of `past`)."""
    g = _Graph(seed, weightless=weightless)
    past = (c.context - 1 if c.past is None else c.past) if decode else None
    seq = 1 if decode else c.context
    first = past or 0
    hd = c.head_dim
    angles = np.arange(first, first + seq)[:, None] / 10000 ** (np.arange(hd // 2) * 2 / hd)
    angles = np.concatenate([angles, angles], axis=1).astype(np.float32)  # (seq, head_dim)
    rope = (g.data("rope_cos", np.cos(angles)), g.data("rope_sin", np.sin(angles)))
    mask = None
    if not decode:  # causal, repeated for the grouped queries of one KV head
        causal = np.triu(np.full((seq, seq), -1e4, np.float32), k=1)
        mask = g.data("mask", np.tile(causal, (c.heads // c.kv_heads, 1))[None, None])
    ids = "id" if decode else "ids"
    x = g.one("Gather", [g.weight("embed", (c.vocab, c.dim)), ids], "tokens")
    inputs = [helper.make_tensor_value_info(ids, TensorProto.INT64, [c.batch, seq])]
    outputs = []
    cache = [c.batch, c.kv_heads, first + seq, hd]
    for layer in range(c.layers):
        x, k, v = _block(g, c, x, layer, seq, past, rope, mask)
        for kind, name in (("k", k), ("v", v)):
            if past is not None:
                past_shape = [c.batch, c.kv_heads, past, hd]
                inputs.append(helper.make_tensor_value_info(f"past_{kind}{layer}", 1, past_shape))
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, cache))
    x = _rms_norm(g, x, "norm", c.dim)
    logits = g.one("MatMul", [x, g.weight("lm_head", (c.dim, c.vocab))], "logits")
    shape = [c.batch, seq, c.vocab]
    outputs.insert(0, helper.make_tensor_value_info(logits, TensorProto.FLOAT, shape))
    return finish(g, "llama_decode" if decode else "llama_prefill", inputs, outputs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), help="published shapes (see above)")
    defaults = Config()
    for field in ("layers", "dim", "heads", "kv_heads", "ffn", "vocab", "context"):
        parser.add_argument(f"--{field.replace('_', '-')}", dest=field, type=int)
    parser.add_argument("--past", type=int, help="decode KV length (default context - 1)")
    parser.add_argument("--batch", default="1", help="a number, or a name for a symbolic batch "
                        "that `accelsim run --batch N` sets (default 1)")  # fmt: skip
    parser.add_argument("--weightless", action="store_true",
                        help="weights with shapes and no data (not runnable by onnxruntime)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the two .onnx files")
    args = parser.parse_args()
    fields = {f: getattr(defaults, f) for f in ("layers", "dim", "heads", "kv_heads", "ffn",
                                                "vocab", "context")}  # fmt: skip
    fields |= PRESETS.get(args.preset, {})
    fields |= {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    batch = int(args.batch) if args.batch.isdigit() else args.batch
    config = Config(**fields, past=args.past, batch=batch)
    args.out.mkdir(parents=True, exist_ok=True)
    for decode, name in ((False, "llama_prefill.onnx"), (True, "llama_decode.onnx")):
        model = build(config, decode=decode, weightless=args.weightless)
        if not args.weightless and isinstance(batch, int):
            check_with_onnxruntime(model, config)
        onnx.save(model, str(args.out / name))
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
