"""The producer the importer reports: the model's producer name and version, one space between,
nothing trailing when the version is empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from onnx import helper

from accelsim.workload import import_onnx
from tests.onnx_builders import make_model, save


@pytest.mark.parametrize(
    ("name", "version", "shown"),
    [("pytorch", "2.1.0", "pytorch 2.1.0"), ("tool", "", "tool"), ("", "", "")],
)
def test_the_producer_is_its_name_and_version(tmp_path: Path, name, version, shown) -> None:
    model = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")], {"x": [4]}, {},
                       ["y"])  # fmt: skip
    model.producer_name, model.producer_version = name, version
    graph = import_onnx(save(model, tmp_path / "m.onnx"))
    assert graph.metadata["producer"] == shown
