"""Reading a model without its weights: same graph as onnx.load, big data dropped, sizes checked."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import pytest

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from accelsim.workload._onnx_files import read_model
from tests.onnx_builders import conv_chain, gemm, save


def test_everything_but_big_weight_data_matches_onnx_load(tmp_path: Path) -> None:
    path = save(conv_chain((3, 64, 64)), tmp_path / "m.onnx")  # conv2.weight: 36,864 elements
    model, reference = read_model(path, "m"), onnx.load(str(path))
    big, small = reference.graph.initializer[1], reference.graph.initializer[0]
    assert (big.name, len(big.raw_data)) == ("conv2.weight", 36_864 * 4)
    read = {tensor.name: tensor for tensor in model.graph.initializer}
    assert not read["conv2.weight"].raw_data  # dropped
    assert list(read["conv2.weight"].dims) == [64, 64, 3, 3]
    assert read["conv1.weight"] == small  # 1,728 elements: kept whole
    del reference.graph.initializer[:]
    del model.graph.initializer[:]
    assert model == reference


@pytest.mark.parametrize(("elements", "held"), [(8_191, "32,764"), (8_193, "32,772")])
def test_a_weight_whose_data_disagrees_with_its_shape_is_named(
    tmp_path: Path, elements: int, held: str
) -> None:
    # shorter or longer: onnxruntime refuses raw data of any other length than the shape's
    model = gemm(m=1, k=128, n=64)  # w (64, 128) = 8,192 float32 = 32,768 bytes
    model.graph.initializer[0].raw_data = np.zeros(elements, np.float32).tobytes()
    path = tmp_path / "bad.onnx"
    path.write_bytes(model.SerializeToString())
    expected = (
        f'{path}: invalid ONNX model: tensor "w" holds {held} bytes; its shape (64, 128) needs '
        "32,768"
    )
    with pytest.raises(WorkloadError, match=f"^{re.escape(expected)}$"):
        import_onnx(path)


def test_a_varint_of_ten_bytes_is_read_and_one_of_eleven_is_not():
    # 7 bits a byte: ten bytes carry up to 70 bits (2^63 with the tenth byte 0x01, the longest
    # protobuf writes); an eleventh continuation byte is refused
    import io

    from accelsim.workload._onnx_wire import WireError, _read_varint

    assert _read_varint(io.BytesIO(b"\x80" * 9 + b"\x01")) == 2**63
    with pytest.raises(WireError, match="^varint too long$"):
        _read_varint(io.BytesIO(b"\x80" * 10 + b"\x01"))


def test_the_field_reader_takes_each_wire_type_its_own_length_and_stops_at_bad_keys(tmp_path):
    # protobuf keys are field << 3 | wire: 0x0d field 1 fixed32 (4 bytes), 0x10 field 2 varint,
    # 0x09 field 1 fixed64 (8 bytes), 0x1a field 3 length-delimited (its length, then bytes)
    from accelsim.workload._onnx_wire import WireError, _fields

    def fields(data: bytes, length: int | None = None) -> list[tuple[int, int, object]]:
        path = tmp_path / "m.bin"  # (a file: the reader bounds lengths by its size)
        path.write_bytes(data)
        found = []
        with path.open("rb") as handle:
            for field, wire, payload in _fields(handle, length):
                found.append((field, wire, payload))
                if wire == 2:  # the caller reads a length-delimited field's bytes
                    found.append(handle.read(payload))
        return found

    fixed = b"\x0d" + b"abcd" + b"\x10\x07" + b"\x09" + b"12345678"
    assert fields(fixed) == [(1, 5, b"abcd"), (2, 0, b"\x07"), (1, 1, b"12345678")]
    # a length-delimited field gives its length (its bytes are left for the caller)
    assert fields(b"\x1a\x03xyz\x10\x01") == [(3, 2, 3), b"xyz", (2, 0, b"\x01")]
    for data, length, reason in (
        (b"\x1a\x04xyz", None, "field longer than its message"),  # 4 claimed, 3 left
        (b"\x02\x01", None, "field number 0"),  # key 0x02: field 0, length-delimited
        (b"\x10\x07\x10\x07", 3, "field runs past its message"),  # a 3-byte message: 4 read
    ):
        with pytest.raises(WireError, match=f"^{reason}$"):
            fields(data, length)
