"""Fixtures of the paper tests: MobileNet and edge1, loaded once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph():
    return import_onnx(ROOT / "workloads" / "mobilenet.onnx")


@pytest.fixture(scope="module")
def edge1():
    return load_hardware(ROOT / "hardware" / "edge1.yaml")
