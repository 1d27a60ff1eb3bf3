"""`--device`: cpu is NumPy; cuda needs CuPy and says so in one line when it is missing; any
other name is refused naming both (session 11, issue 19: no test chose a device)."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from accelsim.errors import DataError
from accelsim.train.backend import array_module, module_of, to_device, to_host


def test_cpu_is_numpy_and_host_arrays_stay_as_they_are():
    assert array_module("cpu") is np
    a = np.arange(3.0)
    assert module_of(a) is np
    assert to_host(a) is a
    moved = to_device({"w": [1.0, 2.0]}, np)
    assert isinstance(moved["w"], np.ndarray) and moved["w"].tolist() == [1.0, 2.0]


def test_cuda_without_cupy_is_one_line(monkeypatch):
    real = builtins.__import__

    def no_cupy(name, *args, **kwargs):
        if name == "cupy":
            raise ImportError("no cupy here")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cupy)
    with pytest.raises(DataError, match=r"^--device cuda: cupy is not installed; install cupy "
                       r"or use --device cpu$"):  # fmt: skip
        array_module("cuda")


def test_an_unknown_device_names_the_known_ones():
    with pytest.raises(DataError, match=r"^--device 'tpu': unknown device; expected one of "
                       r"cpu, cuda$"):  # fmt: skip
        array_module("tpu")
