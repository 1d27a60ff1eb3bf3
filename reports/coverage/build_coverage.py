"""Coverage of real exported models: export, inspect and run each on edge1 and cloud1.

    /work/venv-torch/bin/python reports/coverage/build_coverage.py   # writes README.md here

Runs in its own virtual environment with torch (`python3 -m venv /work/venv-torch &&
/work/venv-torch/bin/pip install torch==2.13.0 onnx onnxscript`); torch is never a dependency of
accelsim or its tests. accelsim runs as a separate process from the project's environment
(`--accelsim-python`, default `.venv/bin/python` of this checkout).

The models are written in plain torch (no torchvision), each the characteristic block of an
architecture users bring: ResNet, DenseNet and SqueezeNet (Concat), ShuffleNet (channel shuffle
and split), a U-Net (ConvTranspose and skip Concat), ConvNeXt (depthwise 7x7, LayerNorm, GELU),
a ViT and a GPT (attention, LayerNorm, GELU, class-token Gather, embeddings), LSTM and GRU. Each
is exported by both exporters (legacy TorchScript and dynamo). The independent MAC count is
torch's own FlopCounterMode (FLOPs / 2) on the same module.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MACHINES = ("edge1", "cloud1")


def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    )


class ResNet(nn.Module):
    """Three stages of two basic residual blocks, 32x32 input."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn(3, 32)
        self.blocks = nn.ModuleList()
        channels = 32
        for out, stride in ((32, 1), (64, 2), (128, 2)):
            first = conv_bn(channels, out, stride=stride)
            second = nn.Conv2d(out, out, 3, 1, 1, bias=False)
            skip = nn.Conv2d(channels, out, 1, stride, bias=False)
            self.blocks.append(nn.ModuleList([first, second, skip]))
            channels = out
        self.head = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for first, second, skip in self.blocks:
            x = torch.relu(second(first(x)) + skip(x))
        return self.head(x.mean((2, 3)))


class DenseNet(nn.Module):
    """A dense block: each layer's output concatenated onto its input (growth 32)."""

    def __init__(self, layers: int = 6, growth: int = 32) -> None:
        super().__init__()
        self.stem = conv_bn(3, 64, stride=2)
        self.layers = nn.ModuleList(conv_bn(64 + i * growth, growth) for i in range(layers))
        self.head = nn.Linear(64 + layers * growth, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for layer in self.layers:
            x = torch.cat([x, layer(x)], 1)
        return self.head(x.mean((2, 3)))


class SqueezeNet(nn.Module):
    """Fire modules: squeeze 1x1, then expand 1x1 and 3x3 concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn(3, 96, stride=2)
        self.fires = nn.ModuleList()
        channels = 96
        for squeeze, expand in ((16, 64), (16, 64), (32, 128), (32, 128)):
            parts = [conv_bn(channels, squeeze, 1), conv_bn(squeeze, expand, 1)]
            self.fires.append(nn.ModuleList([*parts, conv_bn(squeeze, expand, 3)]))
            channels = 2 * expand
        self.head = nn.Conv2d(channels, 10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for squeeze, one, three in self.fires:
            s = squeeze(x)
            x = torch.cat([one(s), three(s)], 1)
        return self.head(x).mean((2, 3))


class ShuffleNet(nn.Module):
    """ShuffleNetV2 units: split channels in two, transform one half, concat, shuffle."""

    def __init__(self, channels: int = 116, units: int = 4) -> None:
        super().__init__()
        self.stem = conv_bn(3, channels, stride=2)
        half = channels // 2
        self.units = nn.ModuleList(
            nn.Sequential(conv_bn(half, half, 1), conv_bn(half, half, 3, groups=half),
                          conv_bn(half, half, 1)) for _ in range(units)
        )  # fmt: skip
        self.head = nn.Linear(channels, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for unit in self.units:
            left, right = x.chunk(2, dim=1)
            x = torch.cat([left, unit(right)], 1)
            n, c, h, w = x.shape
            x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
        return self.head(x.mean((2, 3)))


class UNet(nn.Module):
    """Two levels down, two up with ConvTranspose and skip concatenation, 64x64 input."""

    def __init__(self) -> None:
        super().__init__()
        self.down1, self.down2 = conv_bn(3, 32), conv_bn(32, 64, stride=2)
        self.bottom = conv_bn(64, 128, stride=2)
        self.up2 = nn.ConvTranspose2d(128, 64, 2, 2)
        self.fuse2 = conv_bn(128, 64)
        self.up1 = nn.ConvTranspose2d(64, 32, 2, 2)
        self.fuse1 = conv_bn(64, 32)
        self.out = nn.Conv2d(32, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.down1(x)
        b = self.down2(a)
        c = self.bottom(b)
        b = self.fuse2(torch.cat([self.up2(c), b], 1))
        return self.out(self.fuse1(torch.cat([self.up1(b), a], 1)))


class ConvNeXt(nn.Module):
    """ConvNeXt blocks: depthwise 7x7, LayerNorm over channels (channels last), MLP with GELU."""

    def __init__(self, dim: int = 96, blocks: int = 3) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 4, 4)
        self.dw = nn.ModuleList(nn.Conv2d(dim, dim, 7, 1, 3, groups=dim) for _ in range(blocks))
        self.norm = nn.ModuleList(nn.LayerNorm(dim) for _ in range(blocks))
        self.mlp = nn.ModuleList(
            nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
            for _ in range(blocks)
        )
        self.head = nn.Linear(dim, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for dw, norm, mlp in zip(self.dw, self.norm, self.mlp, strict=True):
            y = norm(dw(x).permute(0, 2, 3, 1))
            x = x + mlp(y).permute(0, 3, 1, 2)
        return self.head(x.mean((2, 3)))


class ViT(nn.Module):
    """Patch embedding, class token, pre-LN transformer encoder, head on x[:, 0]."""

    def __init__(self, dim: int = 192, depth: int = 4, heads: int = 3) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 16, 16)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, 197, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, 0.0, "gelu", batch_first=True,
                                           norm_first=True)  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.encoder(x))[:, 0])


class GPT(nn.Module):
    """Token and position embeddings, causal self-attention blocks, tied LM head."""

    def __init__(self, vocab: int = 2048, dim: int = 256, depth: int = 4, heads: int = 4,
                 context: int = 128) -> None:  # fmt: skip
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, 0.0, "gelu", batch_first=True,
                                           norm_first=True)  # fmt: skip
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        mask = torch.triu(torch.full((context, context), float("-inf")), 1)
        self.register_buffer("mask", mask)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1])
        x = self.embed(ids) + self.pos(positions)
        x = self.norm(self.blocks(x, mask=self.mask, is_causal=True))
        return x @ self.embed.weight.T


class Recurrent(nn.Module):
    """An LSTM or GRU over 32 steps of 64 features, then a classifier on the last state."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(64, 128, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def models() -> dict[str, tuple[nn.Module, torch.Tensor]]:
    image32, image64 = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 64, 64)
    return {
        "resnet": (ResNet(), image32),
        "densenet": (DenseNet(), image32),
        "squeezenet": (SqueezeNet(), image64),
        "shufflenet": (ShuffleNet(), image64),
        "unet": (UNet(), image64),
        "convnext": (ConvNeXt(), image64),
        "vit": (ViT(), torch.randn(1, 3, 224, 224)),
        "gpt": (GPT(), torch.randint(0, 2048, (1, 128))),
        "lstm": (Recurrent("lstm"), torch.randn(1, 32, 64)),
        "gru": (Recurrent("gru"), torch.randn(1, 32, 64)),
    }


def torch_macs(module: nn.Module, example: torch.Tensor) -> int:
    """FLOPs / 2 as torch's FlopCounterMode counts them (matmuls, convolutions, attention).

    Counted in training mode with gradients on: the fused inference kernels of
    nn.TransformerEncoderLayer and nn.MultiheadAttention are then not used, and the counter sees
    every product (dropout is 0, so the arithmetic is the same).
    """
    counter = FlopCounterMode(display=False)
    unseen: list[int] = []
    hooks = [
        sub.register_forward_hook(lambda m, args, out: unseen.append(_unseen_macs(m, args)))
        for sub in module.modules()
        if isinstance(sub, (nn.MultiheadAttention, nn.LSTM))
    ]
    module.train()
    with counter, torch.enable_grad():
        module(example)
    module.eval()
    for hook in hooks:
        hook.remove()
    return counter.get_total_flops() // 2 + sum(unseen)


def _unseen_macs(module: nn.Module, args: tuple[torch.Tensor, ...]) -> int:
    """Closed forms for what FlopCounterMode misses on the CPU: the two attention products
    (QK^T and the weighted sum of V, 2·B·Lq·Lk·E; its scaled_dot_product_attention kernel is not
    counted) and an LSTM's gate GEMMs (B·T·4H·(I + H) per layer; its kernel is not counted)."""
    if isinstance(module, nn.MultiheadAttention):
        query, key = args[0], args[1]
        batch, lq, embed = query.shape
        return 2 * batch * lq * key.shape[1] * embed
    assert isinstance(module, nn.LSTM)
    batch, steps, features = args[0].shape
    hidden = module.hidden_size
    return batch * steps * 4 * hidden * (features + hidden) * module.num_layers


def export(module: nn.Module, example: torch.Tensor, path: Path, dynamo: bool) -> str | None:
    """Export to `path`; returns the error's first line, or None."""
    try:
        # NOTE: with gradients on, nn.TransformerEncoderLayer skips its fused inference kernel,
        # which the legacy exporter cannot translate; the exported arithmetic is the same.
        torch.onnx.export(module, (example,), str(path), dynamo=dynamo, opset_version=18,
                          external_data=False)  # fmt: skip
    except Exception as error:  # exporters raise anything; the table records it
        return (str(error).strip().splitlines() or [type(error).__name__])[0][:80]
    return None


def accelsim(python: str, *args: str) -> tuple[dict | None, str]:
    """(JSON document, "") or (None, the one-line error)."""
    done = subprocess.run([python, "-m", "accelsim", *args, "--json"], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)  # fmt: skip
    if done.returncode:
        lines = (done.stderr.strip() or "failed").splitlines()
        return None, lines[-1].replace("accelsim: error: ", "").replace("|", "/")[:110]
    return json.loads(done.stdout), ""


def row(name: str, exporter: str, module: nn.Module, example: torch.Tensor, python: str,
        folder: Path) -> list[str]:  # fmt: skip
    path = folder / f"{name}-{exporter}.onnx"
    failure = export(module, example, path, exporter == "dynamo")
    if failure:
        return [name, exporter, f"export failed: {failure}", "", "", "", ""]
    expected = torch_macs(module, example)
    inspected, error = accelsim(python, "inspect", str(path))
    if inspected is None:
        return [name, exporter, f"inspect: {error}", "", "", "", f"{expected:,}"]
    totals = inspected["totals"]
    status = "ok" if not totals["unsupported_ops"] else f"{totals['unsupported_ops']} unsupported"
    cells = [name, exporter, status]
    for machine in MACHINES:
        hardware = str(ROOT / "hardware" / f"{machine}.yaml")
        result, error = accelsim(python, "run", str(path), "--hw", hardware)
        if result is None:
            cells.append(f"fails: {error}")
            continue
        latency, floor = result["totals"]["latency_s"], result["floor"]["seconds"]
        cells.append(f"{latency * 1e6:,.1f} µs (floor {floor * 1e6:,.1f})")
    ratio = totals["macs"] / expected if expected else float("nan")
    cells += [f"{totals['macs']:,}", f"{expected:,} ({ratio:.3f})"]
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accelsim-python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--only", nargs="*", help="model names to run and print, not written")
    args = parser.parse_args()
    torch.manual_seed(0)
    header = ["model", "exporter", "inspect", "run edge1", "run cloud1", "MACs (accelsim)",
              "MACs (torch, ratio)"]  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (module, example) in models().items():
            if args.only and name not in args.only:
                continue
            module.eval()
            for exporter in ("legacy", "dynamo"):
                rows.append(row(name, exporter, module, example, args.accelsim_python,
                                Path(folder)))  # fmt: skip
                print(" | ".join(rows[-1]), flush=True)
    if args.only:  # a partial run prints its rows; only the full set is the report
        return
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(cells) + " |" for cells in rows]
    runs = sum(all(not c.startswith(("fails", "export", "inspect")) for c in r[2:5]) for r in rows)
    text = (HERE / "README.md.in").read_text(encoding="utf-8")
    text = text.replace("{TABLE}", "\n".join(table)).replace(
        "{SUMMARY}", f"{runs} of {len(rows)} exports run on both machines"
    )
    (HERE / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
