"""Attribute fuzzing against onnxruntime, the `--mode attributes` of scripts/fuzz_inputs.py.

Small one-op models (and the bundled workloads) have one attribute or constant parameter of one
node changed (axes, groups, pads, strides, equations, split sizes, scales, hidden sizes); each
mutant is judged by onnxruntime (load it, run it on zeros) and by `accelsim run` (in a worker
process, through the CLI's own `main`). A failure is accelsim crashing (exit 1, a traceback, more
than one stderr line), hanging, or exiting 0 on a model onnxruntime refuses. Cases are numbered and
seeded one by one, and each verdict is appended to a JSON-lines file, so a run can be resumed.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, TimeoutError
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EDGE1 = ROOT / "hardware" / "edge1.yaml"
SMALL_INTS = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 7, 8, 9, 16]


def seed_models() -> dict[str, Any]:
    """One small, valid model per op family whose attributes matter (all run in onnxruntime)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def model(op: str, inputs: dict[str, list[int]], weights: dict[str, Any],
              outputs: int = 1, opset: int = 17, names: list[str] | None = None,
              **attrs: Any) -> onnx.ModelProto:  # fmt: skip
        tensors = [numpy_helper.from_array(np.asarray(v), k) for k, v in weights.items()]
        node_inputs = names if names is not None else [*inputs, *weights]
        outs = [f"y{i}" for i in range(outputs)]
        graph = helper.make_graph(
            [helper.make_node(op, node_inputs, outs, name="n", **attrs)], "seed",
            [helper.make_tensor_value_info(k, TensorProto.FLOAT, d) for k, d in inputs.items()],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], tensors,
        )  # fmt: skip
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        del m.graph.output[:]
        m.graph.output.extend(inferred.graph.output)
        onnx.checker.check_model(m, full_check=True)
        return m

    f32, i64 = np.float32, np.int64
    z = np.zeros
    x4 = {"x": [1, 4, 8, 8]}
    return {
        "conv": model("Conv", x4, {"w": z((8, 2, 3, 3), f32)}, group=2, pads=[1, 1, 1, 1],
                      strides=[1, 1], kernel_shape=[3, 3], dilations=[1, 1]),
        "convT": model("ConvTranspose", x4, {"w": z((4, 2, 3, 3), f32)}, group=2,
                       strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1],
                       kernel_shape=[3, 3]),
        "maxpool": model("MaxPool", x4, {}, kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1]),
        "avgpool": model("AveragePool", x4, {}, kernel_shape=[3, 3], strides=[1, 1],
                         pads=[1, 1, 1, 1]),
        "einsum": model("Einsum", {"a": [2, 3, 4], "b": [2, 4, 5]}, {}, equation="bij,bjk->bik"),
        "einsum-ellipsis": model("Einsum", {"a": [2, 3, 4], "b": [4, 5]}, {},
                                 equation="...j,jk->...k"),
        "gather": model("Gather", {"x": [5, 6]}, {"i": np.array([0, 4, 2], i64)}, axis=0),
        "layernorm": model("LayerNormalization", {"x": [2, 3, 8]}, {"s": z(8, f32), "b": z(8, f32)},
                           axis=-1),
        "lstm": model("LSTM", {"x": [3, 1, 4]}, {"w": z((1, 32, 4), f32), "r": z((1, 32, 8), f32)},
                      hidden_size=8),
        "gru": model("GRU", {"x": [3, 2, 4]}, {"w": z((2, 24, 4), f32), "r": z((2, 24, 8), f32)},
                     hidden_size=8, direction="bidirectional"),
        "rnn": model("RNN", {"x": [3, 1, 4]}, {"w": z((1, 8, 4), f32), "r": z((1, 8, 8), f32)},
                     hidden_size=8),
        "reducesum": model("ReduceSum", {"x": [2, 3, 4]}, {"a": np.array([1, 2], i64)}, keepdims=1),
        "reducemean": model("ReduceMean", {"x": [2, 3, 4]}, {}, axes=[0, 2], keepdims=0),
        "softmax": model("Softmax", {"x": [2, 3, 4]}, {}, axis=1),
        "slice": model("Slice", {"x": [4, 6]}, {"s": np.array([0, 1], i64),
                       "e": np.array([3, 6], i64), "a": np.array([0, 1], i64),
                       "t": np.array([1, 2], i64)}),  # fmt: skip
        "split": model("Split", {"x": [2, 9]}, {"s": np.array([2, 3, 4], i64)}, outputs=3, axis=1),
        "split18": model("Split", {"x": [2, 9]}, {}, outputs=3, axis=1, num_outputs=3, opset=18),
        "resize": model("Resize", {"x": [1, 2, 4, 4]}, {"c": np.array([1, 1, 2, 2], f32)},
                        names=["x", "", "c"], mode="linear"),
        "pad": model("Pad", {"x": [2, 3]}, {"p": np.array([0, 1, 1, 0], i64)}),
        "transpose": model("Transpose", {"x": [2, 3, 4]}, {}, perm=[2, 0, 1]),
        "concat": model("Concat", {"a": [2, 3], "b": [2, 5]}, {}, axis=1),
        "gemm": model("Gemm", {"a": [4, 3]}, {"b": z((5, 3), f32)}, transB=1),
        "flatten": model("Flatten", {"x": [2, 3, 4]}, {}, axis=2),
        "range": model("Range", {}, {"s": np.array(0, f32), "l": np.array(6, f32),
                       "d": np.array(2, f32)}),  # fmt: skip
    }


def _mutate_ints(values: list[int], rng: random.Random, rank: int) -> list[int]:
    kind = rng.choice(["set", "set", "drop", "add", "negate", "swap"])
    values = list(values)
    if kind == "set" or not values:
        pool = [*SMALL_INTS, rank, rank + 1, -rank - 1]
        if values:
            values[rng.randrange(len(values))] = rng.choice(pool)
        else:
            values.append(rng.choice(pool))
    elif kind == "drop":
        del values[rng.randrange(len(values))]
    elif kind == "add":
        values.insert(rng.randrange(len(values) + 1), rng.choice(SMALL_INTS))
    elif kind == "negate":
        i = rng.randrange(len(values))
        values[i] = -values[i]
    elif len(values) > 1:
        i, j = rng.sample(range(len(values)), 2)
        values[i], values[j] = values[j], values[i]
    return values


def _mutate_equation(text: str, rng: random.Random) -> str:
    chars = list(text)
    kind = rng.choice(["replace", "insert", "delete", "ellipsis", "arrow", "comma", "swap"])
    at = rng.randrange(len(chars) + 1)
    pool = "abcijkxyzAB1 .,->\u0131"
    if kind == "replace" and chars:
        chars[min(at, len(chars) - 1)] = rng.choice(pool)
    elif kind == "insert":
        chars.insert(at, rng.choice(pool))
    elif kind == "delete" and chars:
        del chars[min(at, len(chars) - 1)]
    elif kind == "ellipsis":
        chars.insert(at, "...")
    elif kind == "arrow":
        chars.insert(at, "->")
    elif kind == "comma":
        chars.insert(at, ",")
    elif len(chars) > 1:
        i, j = rng.sample(range(len(chars)), 2)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def mutate(model: Any, rng: random.Random) -> str:
    """Change one attribute or constant parameter of one node in place; say what changed."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    node = rng.choice(list(model.graph.node))
    inits = {t.name: t for t in model.graph.initializer}
    rank = 4
    targets: list[tuple[str, Callable[[], str]]] = []
    for attribute in node.attribute:
        a = attribute
        if a.type == onnx.AttributeProto.INT:
            def set_int(a: Any = a) -> str:
                a.i = rng.choice([*SMALL_INTS, a.i + 1, a.i - 1])
                return f"{a.name}={a.i}"
            targets.append((a.name, set_int))
        elif a.type == onnx.AttributeProto.INTS:
            def set_ints(a: Any = a) -> str:
                values = _mutate_ints(list(a.ints), rng, rank)
                del a.ints[:]
                a.ints.extend(values)
                return f"{a.name}={values}"
            targets.append((a.name, set_ints))
        elif a.type == onnx.AttributeProto.STRING and a.name == "equation":
            def set_equation(a: Any = a) -> str:
                a.s = _mutate_equation(a.s.decode(), rng).encode()
                return f"equation={a.s.decode()!r}"
            targets.append((a.name, set_equation))
        elif a.type == onnx.AttributeProto.STRING:
            def set_string(a: Any = a) -> str:
                a.s = rng.choice([b"bidirectional", b"reverse", b"forward", b"nearest", b"cubic",
                                  b"SAME_UPPER", b"VALID", b"bogus"])  # fmt: skip
                return f"{a.name}={a.s.decode()}"
            targets.append((a.name, set_string))
    for name in node.input:
        tensor = inits.get(name)
        if tensor is None or tensor.data_type not in (onnx.TensorProto.INT64,
                                                      onnx.TensorProto.FLOAT):  # fmt: skip
            continue
        if tensor.data_type == onnx.TensorProto.FLOAT and tensor.dims and np.prod(tensor.dims) > 8:
            continue

        def set_tensor(tensor: Any = tensor) -> str:
            value = numpy_helper.to_array(tensor)
            if value.dtype == np.int64:
                new = np.array(_mutate_ints(value.reshape(-1).tolist(), rng, rank), np.int64)
                if value.ndim == 0 and new.size:
                    new = new[:1].reshape(())
            else:
                flat = value.reshape(-1).astype(np.float32)
                if flat.size:
                    edge = [0.0, -1.0, 0.5, np.inf, np.nan, 3.0]
                    flat[rng.randrange(flat.size)] = rng.choice(edge)
                new = flat.reshape(value.shape)
            tensor.CopyFrom(numpy_helper.from_array(new, tensor.name))
            return f"{tensor.name}={new.tolist()}"
        targets.append((name, set_tensor))
    if not targets:
        return "nothing to change"
    _, change = rng.choice(targets)
    return f'node "{node.name or node.op_type}" ({node.op_type}): {change()}'


def onnxruntime_verdict(path: str) -> str:
    """ "ok", "refused: ..." or "unimplemented: ..." (onnxruntime lacks a kernel: no verdict)."""
    import numpy as np
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    try:
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feeds = {}
        for value in session.get_inputs():
            shape = [d if isinstance(d, int) and d >= 0 else 1 for d in value.shape]
            dtype = np.int64 if "int64" in value.type else np.float32
            feeds[value.name] = np.zeros(shape, dtype)
        session.run(None, feeds)
    except Exception as error:  # onnxruntime's own exception types vary by version
        text = " ".join(str(error).split())[:200]
        return f"unimplemented: {text}" if "NOT_IMPLEMENTED" in text else f"refused: {text}"
    return "ok"


def accelsim_verdict(path: str) -> tuple[int, str]:
    """Exit code and stderr of `accelsim run PATH --hw edge1.yaml`, run through the CLI's main."""
    from accelsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["run", path, "--hw", str(EDGE1), "--json"])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        except BaseException as error:  # noqa: BLE001 - a crash is the finding
            return 1, f"raised {type(error).__name__}: {error}"
    return code, err.getvalue()


def judge(case: dict[str, Any], code: int, stderr: str) -> dict[str, Any]:
    """The outcome of a case from both verdicts (onnxruntime's already in `case`)."""
    lines = stderr.strip().splitlines()
    case["accelsim"] = f"exit {code}: {lines[-1][:300] if lines else ''}"
    if code not in (0, 2) or "internal error" in stderr or "Traceback" in stderr:
        case["outcome"] = "FAIL crash"
    elif code == 2 and len(lines) != 1:
        case["outcome"] = "FAIL multi-line error"
    elif code == 0 and case["onnxruntime"].startswith("refused"):
        case["outcome"] = "FAIL accepted a model onnxruntime refuses"
    else:
        case["outcome"] = "ok"
    return case


class Died(str):
    """How a worker ended without an answer: killed by a C++ abort, or cut at the timeout."""


class Workers:
    """One worker process at a time for the verdicts: a hang is cut at the timeout and a crash
    (an abort in C++) ends only the worker; either way a fresh one takes the next call."""

    def __enter__(self) -> Workers:
        self.pool: ProcessPoolExecutor | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.pool is not None:
            for process in list(self.pool._processes.values()):  # a hung one ignores shutdown
                process.kill()
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def call(self, function: Callable[[str], Any], path: str, timeout_s: float) -> Any:
        """`function(path)`, or a string saying how the worker died or hung."""
        if self.pool is None:
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return self.pool.submit(function, path).result(timeout_s)
        except BrokenProcessPool:
            self._stop()
            return Died("crash: the process died (a C++ abort or a signal)")
        except TimeoutError:
            self._stop()
            return Died(f"timeout after {timeout_s:g} s")


def cases(seed: int, count: int, folder: Path) -> Iterator[dict[str, Any]]:
    """Case k of a run: its own random stream (seed, k), so any case can be rebuilt alone."""
    import onnx

    seeds = seed_models()
    names = sorted(seeds)
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        name = rng.choice(names)
        model = onnx.ModelProto()
        model.CopyFrom(seeds[name])
        changes = [mutate(model, rng) for _ in range(rng.choice([1, 1, 1, 2]))]
        path = folder / f"case{index}.onnx"
        path.write_bytes(model.SerializeToString())
        yield {"index": index, "seed_model": name, "change": "; ".join(changes), "path": str(path)}


def run(seed: int, count: int, out: Path, timeout_s: float) -> int:
    """Judge cases 0..count-1 not yet in `out` (JSON lines), appending each verdict."""
    done = set()
    if out.exists():
        done = {json.loads(line)["index"] for line in out.read_text().splitlines() if line}
    folder = out.parent / f"{out.stem}-models"
    folder.mkdir(parents=True, exist_ok=True)
    failures = 0
    with Workers() as workers, out.open("a") as log:
        for case in cases(seed, count, folder):
            if case["index"] in done:
                continue
            ort = workers.call(onnxruntime_verdict, case["path"], timeout_s)
            case["onnxruntime"] = f"refused: {ort}" if isinstance(ort, Died) else ort
            verdict = workers.call(accelsim_verdict, case["path"], timeout_s)
            if isinstance(verdict, Died):
                case["accelsim"] = str(verdict)
                case["outcome"] = f"FAIL {verdict}"
            else:
                case = judge(case, *verdict)
            if case["outcome"] == "ok":
                Path(case["path"]).unlink()
            else:
                failures += 1
                print(f"[{case['index']}] {case['seed_model']}: {case['change']}: "
                      f"{case['outcome']} ({case['accelsim']}; onnxruntime "
                      f"{case['onnxruntime']})", flush=True)  # fmt: skip
            log.write(json.dumps(case) + "\n")
            log.flush()
    lines = [json.loads(line) for line in out.read_text().splitlines() if line]
    refused = sum(c.get("onnxruntime", "").startswith("refused") for c in lines)
    bad = sum(c["outcome"] != "ok" for c in lines)
    print(f"{len(lines)} cases judged ({refused} refused by onnxruntime), {bad} failure(s); "
          f"log: {out}")  # fmt: skip
    return 1 if failures else 0


