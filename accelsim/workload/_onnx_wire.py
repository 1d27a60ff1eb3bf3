"""Parse an ONNX file without its weights: the protobuf wire format walked one tensor at a time.

Costs need every tensor's shape, never a big weight's values, yet `ModelProto.ParseFromString`
holds the whole file twice (the bytes and the message). Here the file is read field by field:
everything but the graph's initializers is parsed as usual, and each initializer is parsed on
its own, its size checked against its shape, and its data dropped when it holds more than
`KEEP_ELEMENTS` elements. Peak memory is the model without its big weights plus one tensor.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import onnx
    from google.protobuf.message import Message

KEEP_ELEMENTS = 4096
"""Tensors up to this size keep their values (shape arithmetic, small constants folding reads)."""

_MODEL_GRAPH = 7  # ModelProto.graph
_GRAPH_INITIALIZER = 5  # GraphProto.initializer
_LENGTH_DELIMITED = 2
_DATA_FIELDS = (
    "raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data",
)  # fmt: skip
_PACKED = ("INT4", "UINT4", "FLOAT4E2M1")
"""4-bit element types: two elements a byte, an odd count's last one in a byte of its own."""


class WireError(ValueError):
    """The bytes are not a well-formed protobuf (garbage or a truncated file)."""


class StrippedSizeError(ValueError):
    """A tensor's data does not match its shape; the message names the tensor."""


def parse_without_weights(handle: BinaryIO) -> onnx.ModelProto:
    """A ModelProto from `handle` whose big initializers have shapes and types but no data.

    Raises:
        WireError: malformed or truncated protobuf.
        StrippedSizeError: an initializer's data size disagrees with its shape.
    """
    import onnx

    model_parts: list[bytes] = []
    graphs: list[onnx.GraphProto] = []
    for field, wire, payload in _fields(handle, None):
        if field == _MODEL_GRAPH and isinstance(payload, int):  # length-delimited: a length
            graph, parts = onnx.GraphProto(), []
            for sub, sub_wire, data in _fields(handle, payload):
                if sub == _GRAPH_INITIALIZER and isinstance(data, int):
                    graph.initializer.append(_tensor(handle.read(data), data))
                else:
                    parts.append(_encoded(sub, sub_wire, data, handle))
            _merge(graph, b"".join(parts))
            graphs.append(graph)
        else:
            model_parts.append(_encoded(field, wire, payload, handle))
    model = onnx.ModelProto()
    _merge(model, b"".join(model_parts))
    for graph in graphs:  # a repeated field merges, as protobuf parsing would
        model.graph.MergeFrom(graph)
    return model


def _tensor(data: bytes, length: int) -> onnx.TensorProto:
    import onnx
    from google.protobuf.message import DecodeError

    if len(data) != length:
        raise WireError("truncated tensor")
    tensor = onnx.TensorProto()
    try:
        tensor.ParseFromString(data)
    except DecodeError as error:
        raise WireError(str(error)) from None
    elements = math.prod(tensor.dims)
    if tensor.data_location == onnx.TensorProto.EXTERNAL or elements <= KEEP_ELEMENTS:
        return tensor
    if tensor.HasField("raw_data"):
        bits = element_bits(tensor.data_type)
        if bits is None:
            raise StrippedSizeError(
                f'tensor "{tensor.name}" has data type {tensor.data_type}, not an ONNX element type'
            )
        needed = -(-elements * bits // 8)
        if len(tensor.raw_data) != needed:
            raise StrippedSizeError(
                f'tensor "{tensor.name}" holds {len(tensor.raw_data):,} bytes; its shape '
                f"{tuple(tensor.dims)} needs {needed:,}"
            )
    for name in _DATA_FIELDS:
        tensor.ClearField(name)
    return tensor


def element_bits(data_type: int) -> int | None:
    """Bits one element of ONNX type `data_type` takes in raw data: 4 for the packed 4-bit
    types (two a byte), else its numpy item size; None for a type onnx does not know."""
    import onnx

    if data_type in {getattr(onnx.TensorProto, name, -1) for name in _PACKED}:
        return 4
    try:
        return 8 * onnx.helper.tensor_dtype_to_np_dtype(data_type).itemsize
    except (KeyError, TypeError, ValueError):
        return None


def _encoded(field: int, wire: int, payload: int | bytes, handle: BinaryIO) -> bytes:
    """One field re-encoded (a length-delimited field's bytes read from `handle`)."""
    key = _varint_bytes(field << 3 | wire)
    if wire != _LENGTH_DELIMITED:
        assert isinstance(payload, bytes)
        return key + payload
    assert isinstance(payload, int)
    data = handle.read(payload)
    if len(data) != payload:
        raise WireError("truncated field")
    return key + _varint_bytes(payload) + data


def _merge(message: Message, encoded: bytes) -> None:
    """Parse concatenated fields into `message` (protobuf merges them as it would one by one)."""
    from google.protobuf.message import DecodeError

    try:
        message.MergeFromString(encoded)
    except DecodeError as error:
        raise WireError(str(error)) from None


def _fields(handle: BinaryIO, length: int | None) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, payload) of each field in the next `length` bytes (or to the
    end): the byte count of a length-delimited field (its bytes are left for the caller to
    read), else the raw encoded value."""
    end = None if length is None else handle.tell() + length
    limit = end if end is not None else os.fstat(handle.fileno()).st_size
    while end is None or handle.tell() < end:
        first = handle.read(1)
        if not first:
            if end is None:
                return
            raise WireError("truncated message")
        key = _read_varint(handle, first)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise WireError("field number 0")
        if wire == 0:
            yield field, wire, _varint_bytes(_read_varint(handle))
        elif wire == 1 or wire == 5:
            size = 8 if wire == 1 else 4
            value = handle.read(size)
            if len(value) != size:
                raise WireError("truncated fixed field")
            yield field, wire, value
        elif wire == _LENGTH_DELIMITED:
            size = _read_varint(handle)
            if handle.tell() + size > limit:  # never allocate for a length the file lacks
                raise WireError("field longer than its message")
            yield field, wire, size
        else:
            raise WireError(f"wire type {wire}")
    if end is not None and handle.tell() != end:
        raise WireError("field runs past its message")


def _read_varint(handle: BinaryIO, first: bytes = b"") -> int:
    value, shift = 0, 0
    byte = first or handle.read(1)
    while True:
        if not byte:
            raise WireError("truncated varint")
        value |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return value
        shift += 7
        if shift > 63:
            raise WireError("varint too long")
        byte = handle.read(1)


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)
