"""Training throughput (images/s) of the NumPy/CuPy MobileNet, and where a step's time goes.

    python benchmarks/bench_train.py --alpha 1 --batch-size 128 --steps 10 [--device cuda]

Runs full training steps (augmentation, forward, backward, optimiser) on synthetic uint8
images, so no data set is needed, then one profiled pass that times every layer function by
type (GEMM: full and pointwise convs and fc; depthwise; batch norm; ReLU/pool/softmax; the
optimiser; the data pipeline), synchronising the GPU around each call.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from accelsim.train import depthwise as D
from accelsim.train import layers as L
from accelsim.train import model as M
from accelsim.train.augment import Preprocess
from accelsim.train.backend import array_module, to_device
from accelsim.train.data import DEFAULT_MEAN, DEFAULT_STD
from accelsim.train.optim import OptimConfig, Optimizer

CATEGORIES = {
    "gemm (conv1 im2col, pointwise, fc)": (
        "conv3x3_forward",
        "conv3x3_backward",
        "pointwise_forward",
        "pointwise_backward",
        "fc_forward",
        "fc_backward",
    ),
    "batch norm + relu": ("batchnorm_forward", "batchnorm_backward"),
    "pool, softmax-CE": (
        "avgpool_forward",
        "avgpool_backward",
        "softmax_cross_entropy",
    ),
}


def _sync(xp) -> None:
    if xp.__name__ == "cupy":
        xp.cuda.Device().synchronize()


def make_step(alpha: float, batch: int, xp, seed: int = 0) -> Callable[[], None]:
    """A closure running one full training step on synthetic data."""
    spec = M.MobileNetSpec(alpha=alpha)
    host_params, host_buffers = M.init_params(spec, seed)
    params, buffers = to_device(host_params, xp), to_device(host_buffers, xp)
    no_decay = {f"conv{s.index}.weight" for s in spec.layers if s.kind == "dw"}
    optimizer = Optimizer(OptimConfig(), params, no_decay)
    rng = np.random.default_rng(seed)
    images = xp.asarray(rng.integers(0, 256, (4 * batch, 32, 32, 3), dtype=np.uint8))
    labels = xp.asarray(rng.integers(0, 10, 4 * batch))
    pre = Preprocess(spec.input_size, DEFAULT_MEAN, DEFAULT_STD)

    def step() -> None:
        index = rng.choice(4 * batch, batch, replace=False)
        x = timed("data pipeline", pre.batch)(images, index, rng)
        y = labels[xp.asarray(index)]
        logits, cache = M.forward(spec, params, buffers, x, train=True)
        _, dlogits, _ = L.softmax_cross_entropy(logits, y, label_smoothing=0.1)
        grads = M.backward(spec, params, cache, dlogits)
        timed("optimiser", optimizer.step)(params, grads, 0.1)

    return step


_TIMES: dict[str, float] = defaultdict(float)
_PROFILING = {"on": False, "xp": np}


def timed(category: str, fn: Callable) -> Callable:
    """`fn`, timed into `category` (with GPU synchronisation) while profiling is on."""

    def wrapper(*args, **kwargs):
        if not _PROFILING["on"]:
            return fn(*args, **kwargs)
        xp = _PROFILING["xp"]
        _sync(xp)
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        _sync(xp)
        _TIMES[category] += time.perf_counter() - start
        return out

    return wrapper


def _instrument_layers() -> None:
    """Wrap the layer functions the model calls (looked up on the modules at call time)."""
    for category, names in CATEGORIES.items():
        for name in names:
            setattr(L, name, timed(category, getattr(L, name)))
    for name in ("forward", "backward"):
        setattr(D, name, timed("depthwise", getattr(D, name)))


def run(alpha: float, batch: int, steps: int, warmup: int, device: str, repeats: int = 1) -> dict:
    """Best of `repeats` timings of `steps` steps (a shared machine only ever slows us down)."""
    xp = array_module(device)
    step = make_step(alpha, batch, xp)
    for _ in range(warmup):
        step()
    seconds = float("inf")
    for _ in range(repeats):
        _sync(xp)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(xp)
        seconds = min(seconds, (time.perf_counter() - start) / steps)
    _instrument_layers()
    _PROFILING.update(on=True, xp=xp)
    _sync(xp)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(xp)
    profiled = (time.perf_counter() - start) / steps
    _PROFILING["on"] = False
    breakdown = {k: v / steps for k, v in _TIMES.items()}
    breakdown["unattributed (reshapes, glue)"] = max(0.0, profiled - sum(breakdown.values()))
    return {
        "device": device,
        "alpha": alpha,
        "batch_size": batch,
        "steps": steps,
        "repeats": repeats,
        "load_average_1min": os.getloadavg()[0],
        "step_s": seconds,
        "images_per_s": batch / seconds,
        "macs_per_image": M.MobileNetSpec(alpha=alpha).macs,
        "gflops_per_s": batch * 3 * 2 * M.MobileNetSpec(alpha=alpha).macs / seconds / 1e9,
        "profile_step_s": profiled,
        "profile_s_per_step": breakdown,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="report the best of this many")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--json", type=Path, help="also write the result as JSON")
    args = parser.parse_args()
    result = run(args.alpha, args.batch_size, args.steps, args.warmup, args.device, args.repeats)
    print(
        f"alpha {result['alpha']:g}, batch {result['batch_size']}, {result['device']}: "
        f"{result['images_per_s']:.0f} training images/s ({result['step_s'] * 1e3:.1f} ms/step, "
        f"{result['gflops_per_s']:.1f} GFLOP/s at 3 x 2 x {result['macs_per_image'] / 1e6:.1f} M "
        "MACs/image)"
    )
    print(f"profile (synchronised, {result['profile_step_s'] * 1e3:.1f} ms/step):")
    total = result["profile_step_s"]
    for name, secs in sorted(result["profile_s_per_step"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:34s} {secs * 1e3:8.2f} ms  {100 * secs / total:5.1f} %")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
