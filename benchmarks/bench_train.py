"""Training throughput (images/s) of the NumPy/CuPy MobileNet, and where a step's time goes.

    python benchmarks/bench_train.py --alpha 1 --batch-size 128 --steps 10 [--device cuda]

Runs full training steps (augmentation, forward, backward, optimiser) on synthetic uint8
images, so no data set is needed, then one profiled pass that times every layer function by
type (GEMM: full and pointwise convs and fc; depthwise; batch norm; ReLU/pool/softmax; the
optimiser; the data pipeline), synchronising the GPU around each call. On the CPU it also
measures the machine's limits (sgemm through the trainer's own split, memory copy bandwidth
over all cores) and quotes the step against that roofline (see `roofline`). Every repeat's
time and the process CPU time are recorded: on a shared machine the best is the figure to
quote and the CPU time per step shows how much of the wall time was ours.
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

from accelsim.train import batchnorm as B
from accelsim.train import depthwise as D
from accelsim.train import jit
from accelsim.train import layers as L
from accelsim.train import model as M
from accelsim.train.augment import Preprocess
from accelsim.train.backend import array_module, to_device
from accelsim.train.data import DEFAULT_MEAN, DEFAULT_STD
from accelsim.train.optim import OptimConfig, Optimizer

CATEGORIES = {
    "gemm (conv1 im2col, pointwise, fc)": (
        L,
        (
            "conv3x3_forward",
            "conv3x3_backward",
            "pointwise_forward",
            "pointwise_backward",
            "fc_forward",
            "fc_backward",
        ),
    ),
    "batch norm + relu": (B, ("batchnorm_forward", "batchnorm_backward")),
    "depthwise": (D, ("forward", "backward")),
    "pool, softmax-CE": (L, ("avgpool_forward", "avgpool_backward", "softmax_cross_entropy")),
}
"""Profile category -> (module, functions the model looks up on it at call time)."""


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
_CPU_TIMES: dict[str, float] = defaultdict(float)
_PROFILING = {"on": False, "xp": np}


def timed(category: str, fn: Callable) -> Callable:
    """`fn`, timed into `category` (wall and process CPU time, with GPU synchronisation)
    while profiling is on."""

    def wrapper(*args, **kwargs):
        if not _PROFILING["on"]:
            return fn(*args, **kwargs)
        xp = _PROFILING["xp"]
        _sync(xp)
        start, cpu_start = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        _sync(xp)
        _TIMES[category] += time.perf_counter() - start
        _CPU_TIMES[category] += time.process_time() - cpu_start
        return out

    return wrapper


def _instrument_layers() -> None:
    """Wrap the layer functions the model calls (looked up on the modules at call time)."""
    for category, (module, names) in CATEGORIES.items():
        for name in names:
            setattr(module, name, timed(category, getattr(module, name)))


def _best_seconds(work: Callable[[], object], repeats: int) -> float:
    work()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def machine_limits(repeats: int = 10) -> dict:
    """Measured CPU limits: sgemm through layers.matmul (the trainer's split over the cores)
    on a pointwise layer's shape, and copy bandwidth (bytes read + written) over all cores."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((128 * 14 * 14, 256), dtype=np.float32)
    b = rng.standard_normal((256, 256), dtype=np.float32)
    gemm_s = _best_seconds(lambda: L.matmul(a, b), repeats)
    src = np.ones(16 << 20, np.float32)  # 64 MiB, far beyond the caches
    dst = np.empty_like(src)
    copy_s = _best_seconds(
        lambda: L.over_cores(lambda part: np.copyto(dst[part], src[part]), src.size), repeats
    )
    return {
        "sgemm_flops_per_s": 2 * a.shape[0] * a.shape[1] * b.shape[1] / gemm_s,
        "memory_bytes_per_s": 2 * src.nbytes / copy_s,
    }


def roofline(alpha: float, batch: int, limits: dict) -> dict:
    """The least time a step of the compiled-kernel design can take on this machine.

    GEMM flops (forward, input gradient and weight gradient of conv1, the pointwise convs and
    fc; conv1 has no input gradient) at the measured sgemm rate, plus the bytes that the
    memory-bound passes must move at the measured copy bandwidth: every pass reads each array
    it needs from memory once and writes its result once (chunk temporaries stay in cache).
    With A the size of a layer's output: a batch norm that feeds a depthwise conv reads A for
    its statistics and 5 A in backward (gradient sums: dy, x; input gradient: dy, x, dx), its
    output being deferred into the depthwise conv; the last one also applies itself (3 A in
    forward); a batch norm after a depthwise conv gets its statistics from it, applies itself
    (2 A) and reads dy and x for its sums (2 A), its input gradient being deferred; a depthwise
    conv reads its input and writes its output (forward), reads its input, dy and the batch
    norm's x, and writes dx (backward): 3 inputs + 3 outputs.
    """
    spec = M.MobileNetSpec(alpha=alpha)
    gemm_flops = 2 * 3 * spec.feature_channels * spec.num_classes * batch
    bn_bytes = dw_bytes = 0
    last = spec.layers[-1].index
    for s in spec.layers:
        out_bytes = 4 * batch * s.out_size**2 * s.out_channels
        if s.kind == "dw":
            bn_bytes += 4 * out_bytes
            dw_bytes += 3 * 4 * batch * s.in_size**2 * s.in_channels + 3 * out_bytes
        else:
            bn_bytes += (8 if s.index == last else 6) * out_bytes
            gemm_flops += 2 * (2 if s.index == 1 else 3) * s.macs * batch
    gemm_s = gemm_flops / limits["sgemm_flops_per_s"]
    memory_s = (bn_bytes + dw_bytes) / limits["memory_bytes_per_s"]
    return {
        "gemm_flops": gemm_flops,
        "gemm_s": gemm_s,
        "batchnorm_bytes": bn_bytes,
        "depthwise_bytes": dw_bytes,
        "memory_s": memory_s,
        "step_s": gemm_s + memory_s,
    }


def run(alpha: float, batch: int, steps: int, warmup: int, device: str, repeats: int = 1) -> dict:
    """Best of `repeats` timings of `steps` steps (a shared machine only ever slows us down)."""
    xp = array_module(device)
    limits = machine_limits() if device == "cpu" else None  # first: the quietest moment
    step = make_step(alpha, batch, xp)
    for _ in range(warmup):
        step()
    seconds, cpu_seconds, all_seconds = float("inf"), float("inf"), []
    for _ in range(repeats):
        _sync(xp)
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        _sync(xp)
        all_seconds.append((time.perf_counter() - start) / steps)
        seconds = min(seconds, all_seconds[-1])
        cpu_seconds = min(cpu_seconds, (time.process_time() - cpu_start) / steps)
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
    cpu_breakdown = {k: v / steps for k, v in _CPU_TIMES.items()}
    result = {
        "device": device,
        "kernels": jit.describe() if device == "cpu" else "cupy",
        "alpha": alpha,
        "batch_size": batch,
        "steps": steps,
        "repeats": repeats,
        "load_average_1min": os.getloadavg()[0],
        "step_s": seconds,
        "step_s_each_repeat": all_seconds,
        "cpu_s_per_step": cpu_seconds,
        "images_per_s": batch / seconds,
        "macs_per_image": M.MobileNetSpec(alpha=alpha).macs,
        "gflops_per_s": batch * 3 * 2 * M.MobileNetSpec(alpha=alpha).macs / seconds / 1e9,
        "profile_step_s": profiled,
        "profile_s_per_step": breakdown,
        "profile_cpu_s_per_step": cpu_breakdown,
    }
    if limits is not None:
        result["machine"] = limits
        result["roofline"] = roofline(alpha, batch, limits)
        result["roofline_fraction"] = result["roofline"]["step_s"] / seconds
    return result


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
    spread = ", ".join(f"{batch_s * 1e3:.0f}" for batch_s in result["step_s_each_repeat"])
    print(
        f"kernels {result['kernels']}; ms/step of each repeat: {spread}; CPU time "
        f"{result['cpu_s_per_step'] * 1e3:.0f} ms/step; "
        f"load average {result['load_average_1min']:.1f}"
    )
    if "roofline" in result:
        roof, limits = result["roofline"], result["machine"]
        print(
            f"roofline {roof['step_s'] * 1e3:.0f} ms/step = GEMM {roof['gemm_s'] * 1e3:.0f} ms "
            f"({roof['gemm_flops'] / 1e9:.1f} GFLOP at {limits['sgemm_flops_per_s'] / 1e9:.0f} "
            f"GFLOP/s) + memory {roof['memory_s'] * 1e3:.0f} ms "
            f"({(roof['batchnorm_bytes'] + roof['depthwise_bytes']) / 1e9:.2f} GB at "
            f"{limits['memory_bytes_per_s'] / 1e9:.1f} GB/s): the step runs at "
            f"{100 * result['roofline_fraction']:.0f} % of it"
        )
    print(f"profile (synchronised, {result['profile_step_s'] * 1e3:.1f} ms/step):")
    total = result["profile_step_s"]
    cpu = result["profile_cpu_s_per_step"]
    for name, secs in sorted(result["profile_s_per_step"].items(), key=lambda kv: -kv[1]):
        print(
            f"  {name:34s} {secs * 1e3:8.2f} ms  {100 * secs / total:5.1f} %"
            + (f"  (CPU {cpu[name] * 1e3:7.1f} ms)" if name in cpu else "")
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
