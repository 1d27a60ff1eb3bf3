"""The shared argument types and helpers, in process, at their bounds: the last value accepted,
the first refused, each refusal one line saying why."""

from __future__ import annotations

import argparse

import pytest

from accelsim.cli._args import (
    INT_OPTION_LIMIT,
    check_model_and_hardware,
    finite_float,
    hardware_overrides,
    positive_int,
)
from accelsim.errors import AccelsimError, ConfigError


def test_a_count_option_is_1_to_2_to_the_31_minus_1() -> None:
    assert INT_OPTION_LIMIT == 2_147_483_647
    assert positive_int("1") == 1
    assert positive_int(" 7 ") == 7
    assert positive_int("2147483647") == 2_147_483_647
    refused = [
        ("0", "0 must be >= 1"), ("-3", "-3 must be >= 1"),
        ("2147483648", "2147483648 is over the limit of 2,147,483,647"),
        ("1.5", "'1.5' is not an integer"), ("x", "'x' is not an integer"),
    ]  # fmt: skip
    for text, why in refused:
        with pytest.raises(argparse.ArgumentTypeError, match=f"^{why}$"):
            positive_int(text)


def test_a_number_option_is_finite() -> None:
    assert finite_float("1.5") == 1.5
    assert finite_float("-1e308") == -1e308
    for text, why in (("nan", "is not a finite number"), ("inf", "is not a finite number"),
                      ("-inf", "is not a finite number"), ("1e400", "is not a finite number"),
                      ("abc", "is not a number")):  # fmt: skip
        with pytest.raises(argparse.ArgumentTypeError, match=why):
            finite_float(text)


def test_set_pairs_split_at_the_first_equals_and_read_yaml_values() -> None:
    assert hardware_overrides([]) == {}
    got = hardware_overrides([" sram.capacity =2MiB", "lowering.fuses=[]", "name=a=b",
                              "lowering.fold_batchnorm=false"])  # fmt: skip
    assert got == {"sram.capacity": "2MiB", "lowering.fuses": [], "name": "a=b",
                   "lowering.fold_batchnorm": False}  # fmt: skip
    assert hardware_overrides(["x=1", "x=2"]) == {"x": 2}  # the last one given wins
    for pair in ("sram.capacity", "=2MiB", " =1"):
        with pytest.raises(ConfigError, match="expected FIELD=VALUE, e.g. sram.capacity=2MiB"):
            hardware_overrides([pair])
    with pytest.raises(ConfigError, match=r"^--set name: not valid YAML"):
        hardware_overrides(["name=[1"])


@pytest.mark.parametrize(
    ("model", "hw", "message"),
    [
        ("m.yaml", "h.onnx", "is a hardware file and --hw h.onnx a model: swap them"),
        ("m.YML", "edge1", "MODEL m.YML is a hardware file; give an ONNX model as MODEL"),
        ("m.onnx", "x.ONNX", "--hw x.ONNX is an ONNX model; --hw takes a hardware .yaml file"),
    ],
)
def test_a_model_and_a_machine_given_the_wrong_way_round(model, hw, message) -> None:
    with pytest.raises(AccelsimError, match=message):
        check_model_and_hardware(model, hw)


def test_a_model_and_a_machine_the_right_way_round_pass() -> None:
    check_model_and_hardware("m.onnx", "h.yaml")
    check_model_and_hardware("m.onnx", "edge1")
    check_model_and_hardware(None, None)
