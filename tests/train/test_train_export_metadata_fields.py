"""Every ONNX metadata field of an export, each checked against a value worked out by hand.

Per-channel statistics differ channel by channel here, so a field holding another field's value,
or its channels in another order, cannot pass (session 11, issue 19; round 10 missed mean_rgb).
"""

from __future__ import annotations

import argparse

import onnx

from accelsim.cli import train as cli_train
from accelsim.train import export as E
from accelsim.train.model import MobileNetSpec, init_params

TINY = MobileNetSpec(alpha=0.25, rho=0.5)  # input 14x14


def _meta(**changes):
    fields = {
        "epochs": 7,
        "test_accuracy": 0.123456,
        "test_loss": 2.5,
        "mean": (0.1, 0.2, 0.3),
        "std": (0.4, 0.5, 0.6),
        "dataset": "hand-made",
        "command": "accelsim train --here",
        "seed": 11,
        "class_names": ("a", "b"),
    }
    fields.update(changes)
    return E.make_metadata(MobileNetSpec(alpha=0.5, rho=1.0), **fields)


def test_each_statistic_field_holds_its_own_channels_in_rgb_order():
    meta = _meta()
    assert meta["mean_rgb"] == "0.100000,0.200000,0.300000"
    assert meta["std_rgb"] == "0.400000,0.500000,0.600000"


def test_each_measured_field_holds_its_own_value_to_four_decimals():
    meta = _meta()
    assert meta["test_accuracy"] == "0.1235"  # 0.123456 rounded to 4 decimals
    assert meta["test_loss"] == "2.5000"
    assert meta["epochs"] == "7" and meta["seed"] == "11"
    assert meta["dataset"] == "hand-made" and meta["command"] == "accelsim train --here"
    assert meta["class_names"] == "a,b"


def test_the_fixed_fields_say_what_a_caller_feeds_and_reads():
    meta = _meta()
    assert meta["model"] == "MobileNet (seed paper Table 1)"
    assert meta["pixel_scale"] == "0..1"
    assert meta["outputs"] == "probs = softmax(logits); logits is the fc (Gemm) output"
    assert (meta["width_multiplier"], meta["resolution_multiplier"]) == ("0.5", "1")
    assert meta["input_size"] == "28"
    assert meta["preprocessing"] == (
        "RGB pixels scaled to [0, 1] (divide by 255); subtract mean and divide by std per "
        "channel; center crop 28x28 of the 32x32 image; NCHW float32"
    )


def test_an_unmeasured_loss_and_accuracy_both_say_untrained_and_a_zero_is_a_number():
    meta = _meta(test_accuracy=None, test_loss=None)
    assert (meta["test_accuracy"], meta["test_loss"]) == ("untrained", "untrained")
    meta = _meta(test_accuracy=0.0, test_loss=0.0)  # measured zeros are not "untrained"
    assert (meta["test_accuracy"], meta["test_loss"]) == ("0.0000", "0.0000")


def test_the_cifar10_class_names_are_the_default_in_label_order():
    meta = E.make_metadata(
        TINY, epochs=0, test_accuracy=None, test_loss=None, mean=(0,) * 3, std=(1,) * 3,
        dataset="d", command="c", seed=0,
    )  # fmt: skip
    assert meta["class_names"] == ("airplane,automobile,bird,cat,deer,dog,frog,horse,ship,truck")


def test_the_model_proto_names_its_width_resolution_and_producer():
    params, buffers = init_params(TINY, 0)
    model = E.build_onnx(TINY, params, buffers, metadata={"k": "v"})
    assert model.graph.name == "mobilenet_a0.25_r0.5"
    assert model.producer_name == "accelsim.train"
    assert model.doc_string == "MobileNet (paper Table 1), alpha 0.25, rho 0.5"
    assert model.opset_import[0].version == 17 and model.ir_version == 8
    assert {p.key: p.value for p in model.metadata_props} == {"k": "v"}
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 14, 14]
    dims = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    assert dims == [1, 10]


def test_a_symbolic_batch_is_named_n_and_the_outputs_have_the_specs_classes():
    spec = MobileNetSpec(alpha=0.25, rho=0.5, num_classes=3)
    params, buffers = init_params(spec, 0)
    model = E.build_onnx(spec, params, buffers, metadata={}, batch=None)
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    for value in (model.graph.output[0], model.graph.value_info[0]):  # probs, logits
        dims = value.type.tensor_type.shape.dim
        assert (dims[0].dim_param, dims[1].dim_value) == ("N", 3)


def test_an_untrained_export_carries_cifar10s_mean_and_std(tmp_path):
    # the published CIFAR-10 channel statistics (accelsim.train.data), R, G, B
    path = tmp_path / "u.onnx"
    parser = argparse.ArgumentParser()
    cli_train.register(parser.add_subparsers(), "train")
    args = parser.parse_args(["train", "--epochs", "0", "--onnx", str(path)])
    assert cli_train._export_untrained(args, "c") == 0
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props["mean_rgb"] == "0.491250,0.482090,0.446521"
    assert props["std_rgb"] == "0.245232,0.242782,0.260629"
    assert props["dataset"] == "none (untrained, seeded initial weights)"
    assert props["class_names"].startswith("airplane,automobile,")
