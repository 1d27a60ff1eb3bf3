"""The ONNX export matches the NumPy forward pass through onnxruntime (BN kept and folded)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from accelsim.train import export as E
from accelsim.train import model as M

TINY = M.MobileNetSpec(alpha=0.25, rho=12 / 28)


def _trained_looking(spec, seed=0):
    """Seeded weights with non-trivial batch-norm statistics (init has mean 0, var 1)."""
    params, buffers = M.init_params(spec, seed)
    rng = np.random.default_rng(seed + 1)
    for name in params:
        if name.startswith("bn"):
            params[name] = (params[name] + 0.3 * rng.standard_normal(params[name].shape)).astype(
                np.float32
            )
    for name in buffers:
        shift = rng.random(buffers[name].shape) * (0.5 if name.endswith("var") else 0.4)
        buffers[name] = (buffers[name] + shift - (0 if name.endswith("var") else 0.2)).astype(
            np.float32
        )
    return params, buffers


def _metadata(spec):
    return E.make_metadata(
        spec,
        epochs=3,
        test_accuracy=0.5,
        test_loss=1.25,
        mean=(0.5,) * 3,
        std=(0.25,) * 3,
        dataset="synthetic",
        command="pytest",
        seed=0,
    )


@pytest.mark.parametrize("fold_bn", [False, True])
def test_export_matches_numpy_forward_via_onnxruntime(fold_bn):
    params, buffers = _trained_looking(TINY)
    x = np.random.default_rng(5).standard_normal((3, 12, 12, 3)).astype(np.float32)
    logits, _ = M.forward(TINY, params, buffers, x, train=False)
    model = E.build_onnx(TINY, params, buffers, metadata=_metadata(TINY), fold_bn=fold_bn)
    ort_logits, ort_probs = E.onnx_logits(model, x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(ort_logits, logits, atol=1e-4)
    np.testing.assert_allclose(ort_probs.sum(axis=1), 1.0, atol=1e-6)
    assert E.check_against_numpy(model, x.transpose(0, 3, 1, 2), logits) <= 1e-4


def test_export_check_fails_loudly_on_wrong_logits():
    params, buffers = _trained_looking(TINY)
    x = np.zeros((1, 3, 12, 12), np.float32)
    model = E.build_onnx(TINY, params, buffers, metadata=_metadata(TINY))
    with pytest.raises(RuntimeError, match="logits differ from the NumPy forward pass"):
        E.check_against_numpy(model, x, np.full((1, 10), 100.0, np.float32))


def test_node_names_are_stable_and_in_execution_order():
    params, buffers = _trained_looking(TINY)
    model = E.build_onnx(TINY, params, buffers, metadata=_metadata(TINY))
    expected = [f"{op}{i}" for i in range(1, 28) for op in ("conv", "bn", "relu")]
    assert [n.name for n in model.graph.node] == [*expected, "avgpool", "flatten", "fc", "softmax"]
    assert [i.name for i in model.graph.input] == ["input"]
    assert [o.name for o in model.graph.output] == ["probs"]
    assert model.opset_import[0].version == 17
    conv4 = next(n for n in model.graph.node if n.name == "conv4")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in conv4.attribute}
    # layer 4: depthwise (group = channels = int(64 * 0.25) = 16), stride 2
    assert attrs["group"] == 16
    assert attrs["strides"] == [2, 2]


def test_folded_export_has_no_batch_norm_and_conv_biases():
    params, buffers = _trained_looking(TINY)
    model = E.build_onnx(TINY, params, buffers, metadata=_metadata(TINY), fold_bn=True)
    assert not [n for n in model.graph.node if n.op_type == "BatchNormalization"]
    assert all(len(n.input) == 3 for n in model.graph.node if n.op_type == "Conv")


def test_metadata_carries_what_a_caller_needs(tmp_path):
    params, buffers = _trained_looking(TINY)
    path = tmp_path / "m.onnx"
    E.save_onnx(E.build_onnx(TINY, params, buffers, metadata=_metadata(TINY)), path)
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props["width_multiplier"] == "0.25"
    assert props["resolution_multiplier"] == "0.428571"  # 12/28 printed with %g
    assert props["test_accuracy"] == "0.5000"
    assert props["class_names"].split(",")[:2] == ["airplane", "automobile"]
    assert "nearest-neighbour resample to 12x12" in props["preprocessing"]
    # the normalisation a caller must apply, each to 6 decimals: mean 0.5, std 0.25 a channel
    assert (props["mean_rgb"], props["std_rgb"]) == ("0.500000,0.500000,0.500000",
                                                      "0.250000,0.250000,0.250000")  # fmt: skip
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_folded_batch_norm_with_a_variance_near_epsilon_keeps_epsilon_added():
    # bn1's running variance 2e-5, twice epsilon (1e-5): the folded scale is
    # gamma / sqrt(3e-5), not gamma / sqrt(1e-5) (sqrt 3 = 1.7 times larger); onnxruntime on
    # the folded model must still match the NumPy forward pass, which adds epsilon
    params, buffers = _trained_looking(TINY)
    buffers["bn1.var"] = np.full_like(buffers["bn1.var"], 2e-5)
    x = np.random.default_rng(6).standard_normal((2, 12, 12, 3)).astype(np.float32)
    logits, _ = M.forward(TINY, params, buffers, x, train=False)
    model = E.build_onnx(TINY, params, buffers, metadata=_metadata(TINY), fold_bn=True)
    ort_logits, _ = E.onnx_logits(model, x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(ort_logits, logits, rtol=1e-3, atol=1e-3)
