"""Reading an ONNX file safely: one-line errors for bad files, external data kept in its folder.

Weight data is never kept: big initializers are parsed one at a time and their data dropped
(`_onnx_wire`), external data files are only checked to exist inside the model's folder and to
be long enough.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import re
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar, cast

from accelsim._inputs import check_regular_file, note_read
from accelsim._workers import die_with_parent
from accelsim.errors import WorkloadError
from accelsim.workload._onnx_wire import (
    StrippedSizeError,
    WireError,
    element_bits,
    parse_without_weights,
)

if TYPE_CHECKING:
    import onnx

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")

MODEL_LIMIT_BYTES = 2**31 - 1
"""Largest .onnx file accepted: protobuf's own 2 GiB limit (bigger weights go in external data,
which is never read)."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message, for one-line errors."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return type(error).__name__


def read_model(path: Path, label: str) -> onnx.ModelProto:
    """Parse `path` as a binary ONNX model; `label` prefixes errors. The ONNX checker runs
    later, with shape inference (`_onnx_shapes.infer`), on `checkable(model)`.

    Raises:
        WorkloadError: missing, unreadable, not a regular file, over MODEL_LIMIT_BYTES, empty,
            not a protobuf ModelProto, external data outside the model's folder or missing, or
            an attribute onnx itself would hang or abort on (`check_before_onnx`).
    """
    check_regular_file(
        path, what="an .onnx file", limit_bytes=MODEL_LIMIT_BYTES, error=WorkloadError
    )
    try:
        with path.open("rb") as handle:
            if not handle.peek(1):
                raise WorkloadError(f"{label}: not an ONNX model: the file is empty")
            model = parse_without_weights(handle)
    except OSError as error:  # kind and existence were checked; this is a race or EIO
        raise WorkloadError(f"{label}: cannot read: {error.strerror}") from None
    except WireError:
        raise WorkloadError(
            f"{label}: not an ONNX model: not a valid protobuf (garbage bytes or a truncated file)"
        ) from None
    except StrippedSizeError as error:
        raise WorkloadError(f"{label}: invalid ONNX model: {error}") from None
    if model.ir_version == 0 or not model.HasField("graph") or not model.graph.node:
        raise WorkloadError(f"{label}: not an ONNX model: no IR version or no graph nodes")
    check_external_data(model, path.parent, label)
    check_before_onnx(model, label)
    return model


def run_checker(checkable: onnx.ModelProto, label: str) -> None:
    """The ONNX checker in full mode (strict shape inference too, as onnxruntime's loader
    does) on a `checkable` copy; call it inside `bounded`.

    Raises:
        WorkloadError: the checker's first line, led by the node it names.
    """
    import onnx

    try:
        onnx.checker.check_model(checkable, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as error:
        raise WorkloadError(f"{label}: {onnx_error(error, 'invalid ONNX model')}") from None


_NODE_ERROR = re.compile(
    r"\(op_type:(?P<op>[^,]*), node name: (?P<node>.*?)\): (?:\[\w+\] )?(?P<why>.*)"
)


def onnx_error(error: BaseException, what: str) -> str:
    """onnx's message in one line, led by `node "n" (Op): invalid node:` where it names a node."""
    line = first_line(error)
    match = _NODE_ERROR.search(line)
    if match is None:
        return f"{what}: {line}"
    return f'node "{match["node"]}" ({match["op"]}): invalid node: {match["why"]}'


ONNX_LIMIT_S = 60.0
"""How long onnx's checker and shape inference may take on one model (the largest bundled
model needs well under a second); `ACCELSIM_ONNX_LIMIT_S` overrides it."""
_T = TypeVar("_T")


def bounded(
    work: Callable[[], _T], label: str, *, meanwhile: Callable[[], object] | None = None
) -> _T:
    """`work()` (onnx's C++ checker or shape inference) run where it can be stopped.

    onnx's C++ code holds the GIL, so a model it loops on would make the process deaf to any
    Python handler or watchdog thread: `work` runs in a forked child that dies with this
    process, for at most `ONNX_LIMIT_S` seconds, and sends back its (pickled) result or the
    exception it raised, re-raised here. Without fork it runs in-process (`stoppable`).
    `meanwhile()` runs here while the child works (a command imports what it needs next), or
    first without fork.

    Raises:
        WorkloadError: `label` and the limit when the child ran past it (it is killed), or
            the signal when onnx crashed it (an assertion that aborts).
    """
    if not hasattr(os, "fork"):
        if meanwhile is not None:
            meanwhile()
        with stoppable():
            return work()
    limit = _limit_s()
    parent, (read_end, write_end) = os.getpid(), os.pipe()
    collecting = gc.isenabled()
    # NOTE: the child must never collect garbage: the parent's (an onnxruntime session in a
    # reference cycle) would run destructors that wait on threads the child does not have.
    gc.disable()
    try:
        child = os.fork()
    finally:
        if collecting and os.getpid() == parent:
            gc.enable()
    if child == 0:  # never returns
        os.close(read_end)
        _child(work, write_end, parent)
    os.close(write_end)
    try:
        if meanwhile is not None:
            meanwhile()
        data = _read_all(read_end, time.monotonic() + limit)
    finally:
        os.close(read_end)
        with suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)  # done or not: it has nothing left to do
        _, status = os.waitpid(child, 0)
    if data is None:
        raise WorkloadError(
            f"{label}: onnx's checker did not finish in {limit:g} s (it loops forever on some "
            "malformed models); refusing the model (ACCELSIM_ONNX_LIMIT_S sets the limit)"
        )
    if not data:
        raise WorkloadError(
            f"{label}: onnx crashed checking the model ({_how_it_died(status)}); refusing it"
        )
    outcome, value = pickle.loads(data)
    if outcome == "raised":
        raise value
    return cast("_T", value)


def _limit_s() -> float:
    text = os.environ.get("ACCELSIM_ONNX_LIMIT_S", "")
    try:
        value = float(text)
    except ValueError:
        return ONNX_LIMIT_S
    return value if 0 < value < math.inf else ONNX_LIMIT_S


def _child(work: Callable[[], object], write_end: int, parent: int) -> NoReturn:
    """In the forked child: run `work`, write ("returned" | "raised", value) pickled, exit."""
    code = 0
    try:
        for number in (signal.SIGINT, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        die_with_parent(parent)
        try:
            message = pickle.dumps(("returned", work()))
        except Exception as error:  # noqa: BLE001  re-raised in the parent
            try:
                message = pickle.dumps(("raised", error))
            except Exception:  # noqa: BLE001  an exception that does not pickle: its line
                message = pickle.dumps(("raised", RuntimeError(first_line(error))))
        with os.fdopen(write_end, "wb") as stream:
            stream.write(message)
    except BaseException:  # noqa: BLE001  nothing written: the parent reports a crash
        code = 1
    finally:
        os._exit(code)


def _read_all(descriptor: int, deadline: float) -> bytes | None:
    """Everything written to `descriptor` until its writer closed it; None past `deadline`."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([descriptor], [], [], left)[0]:
            return None
        chunk = os.read(descriptor, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _how_it_died(status: int) -> str:
    if os.WIFSIGNALED(status):
        return signal.Signals(os.WTERMSIG(status)).name
    return f"exit code {os.waitstatus_to_exitcode(status)}"


@contextmanager
def stoppable() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP end the process while onnx's C++ code runs in-process.

    Python handlers (the CLI's, which unwind) only run between bytecodes, so a C++ loop that never
    returns would make the process deaf to them; the default actions are restored meanwhile.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = [signal.signal(number, signal.SIG_DFL) for number in numbers]
    try:
        yield
    finally:
        for number, handler in zip(numbers, previous, strict=True):
            signal.signal(number, handler)


def check_before_onnx(model: onnx.ModelProto, label: str) -> None:
    """Attributes on which onnx's own C++ code never returns or aborts the process, checked
    before onnx sees the model: Einsum equations ("...i...,ij->j" loops forever) and a Split's
    `num_outputs` (one that is not its output count fails an assertion).

    Raises:
        WorkloadError: names the node (as the importer would) and what is wrong.
    """
    for graph in _graphs(model.graph):
        for index, node in enumerate(graph.node):
            check = _PRE_CHECKS.get(node.op_type)
            if check is None or node.domain not in ("", "ai.onnx"):
                continue
            attributes = {a.name: a for a in node.attribute}
            try:
                check(node, attributes)
            except ValueError as error:
                name = node.name or f"{node.op_type}_{index}"
                raise WorkloadError(
                    f'{label}: node "{name}" ({node.op_type}): invalid node: {error}'
                ) from None


def _equation(node: onnx.NodeProto, attributes: dict[str, onnx.AttributeProto]) -> None:
    from accelsim.workload.einsum import parse_equation

    equation = attributes["equation"].s if "equation" in attributes else b""
    parse_equation(equation.decode("utf-8", errors="replace"), len(node.input))


def _split_outputs(node: onnx.NodeProto, attributes: dict[str, onnx.AttributeProto]) -> None:
    if "num_outputs" in attributes and attributes["num_outputs"].i != len(node.output):
        raise ValueError(
            f"num_outputs {attributes['num_outputs'].i} is not its {len(node.output)} outputs"
        )


_PRE_CHECKS = {"Einsum": _equation, "Split": _split_outputs}


def checkable(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy the ONNX checker accepts: weights read without data (or kept in external files,
    checked above) become typed graph inputs, so the checker never needs their bytes."""
    import onnx
    from onnx import helper

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    graph = copy.graph
    declared = {value.name for value in graph.input}
    kept = []
    for tensor in graph.initializer:
        has_data = any(
            tensor.HasField(name) if name == "raw_data" else len(getattr(tensor, name))
            for name in ("raw_data", "float_data", "int32_data", "int64_data", "double_data",
                         "uint64_data", "string_data")
        )  # fmt: skip
        if has_data and tensor.data_location != onnx.TensorProto.EXTERNAL:
            kept.append(tensor)
        elif tensor.name not in declared:
            graph.input.append(helper.make_tensor_value_info(tensor.name, tensor.data_type,
                                                             tensor.dims))  # fmt: skip
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return copy


def _graphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    """`graph` and every subgraph nested in node attributes (If/Loop/Scan bodies)."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("g"):
                yield from _graphs(attribute.g)
            for subgraph in attribute.graphs:
                yield from _graphs(subgraph)


def _tensors(model: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    """Every tensor that may carry data: initializers and tensor-valued node attributes."""
    for graph in _graphs(model.graph):
        yield from graph.initializer
        for sparse in graph.sparse_initializer:
            yield sparse.values
        for node in graph.node:
            for attribute in node.attribute:
                if attribute.HasField("t"):
                    yield attribute.t
                yield from attribute.tensors


def check_external_data(model: onnx.ModelProto, folder: Path, label: str) -> None:
    """Each external-data location must be relative, stay inside `folder` and exist, long enough.

    Raises:
        WorkloadError: names the tensor and its location.
    """
    import onnx

    root = folder.resolve()
    for tensor in _tensors(model):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        entries = {entry.key: entry.value for entry in tensor.external_data}
        location = entries.get("location", "")
        where = f'{label}: tensor "{tensor.name}": external data "{location}"'
        if not location:
            raise WorkloadError(f'{label}: tensor "{tensor.name}": external data has no location')
        if "\0" in location:
            raise WorkloadError(
                f'{label}: tensor "{tensor.name}": external data {location!r} contains a NUL byte'
            )
        if (
            os.path.isabs(location)
            or location.startswith(("/", "\\"))
            or _WINDOWS_DRIVE.match(location)
        ):
            raise WorkloadError(f"{where} is an absolute path; it must be relative to the model")
        target = (root / location).resolve()
        if not target.is_relative_to(root):
            raise WorkloadError(f"{where} is outside the model's folder")
        if not target.is_file():
            raise WorkloadError(f"{where} does not exist beside the model")
        _check_extent(target, entries, _nbytes(tensor), where)
        note_read(target)  # an input of the command, like the model itself


def _nbytes(tensor: onnx.TensorProto) -> int:
    """Bytes the tensor's data takes (sub-byte types rounded up to whole bytes; a type onnx
    does not know, which its checker refuses later, as one byte an element)."""
    return -(-math.prod(tensor.dims) * (element_bits(tensor.data_type) or 8) // 8)


def _check_extent(target: Path, entries: dict[str, str], nbytes: int, where: str) -> None:
    """Offset and length are non-negative and the file holds bytes [offset, offset + length),
    length being the tensor's size where none is given (onnxruntime reads that many)."""
    try:
        offset = int(entries.get("offset", "0"))
        length = int(entries["length"]) if "length" in entries else nbytes
    except ValueError:
        raise WorkloadError(f"{where}: offset or length is not an integer") from None
    if offset < 0 or length < 0:
        raise WorkloadError(f"{where}: offset {offset} and length {length} must be >= 0")
    if length < nbytes:
        raise WorkloadError(f"{where}: length {length} is less than the {nbytes} bytes the tensor "
                            "needs")  # fmt: skip
    size = target.stat().st_size
    if offset + length > size:
        raise WorkloadError(
            f"{where} holds {size} bytes; the tensor needs bytes {offset}..{offset + length}"
        )
