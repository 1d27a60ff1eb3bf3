"""Training arithmetic pinned where a single-line bug in it ran unnoticed (issue 19, bugs
planted by hand in accelsim/train/): each expected value is worked out by hand beside it."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.train import layers
from accelsim.train.optim import OptimConfig, Optimizer


def test_weight_decay_adds_the_parameter_not_the_gradient():
    # p = 2, g = 1, decay 0.5: g' = 1 + 0.5 * 2 = 2; no momentum: p = 2 - 0.1 * 2 = 1.8
    # (decay times the gradient would give 2 - 0.1 * 1.5 = 1.85)
    params = {"conv1.weight": np.array([2.0])}
    config = OptimConfig(momentum=0.0, nesterov=False, weight_decay=0.5)
    Optimizer(config, params, no_decay=set()).step(params, {"conv1.weight": np.array([1.0])}, 0.1)
    assert params["conv1.weight"][0] == pytest.approx(1.8)


@pytest.mark.parametrize(("side", "stride", "out"), [(7, 2, 4), (8, 2, 4), (7, 1, 7), (5, 2, 3)])
def test_a_padded_3x3_convolution_has_the_onnx_output_size(side, stride, out):
    # ONNX Conv, kernel 3, pads 1 + 1: floor((side + 2 - 3) / stride) + 1 (7, stride 2 -> 4)
    assert out == (side + 2 - 3) // stride + 1
    shape, out_h, out_w = layers.padded_shape((2, side, side + 1, 3), stride)
    assert shape == (2, side + 2, side + 3, 3)
    assert (out_h, out_w) == (out, (side + 1 + 2 - 3) // stride + 1)
    y, _ = layers.conv3x3_forward(np.ones((1, side, side, 2), np.float32),
                                  np.ones((3, 3, 2, 1), np.float32), stride)  # fmt: skip
    assert y.shape == (1, out, out, 1)


class _Pool:
    """Stands in for the layers' thread pool: records the runs it is given (in order)."""

    def __init__(self) -> None:
        self.runs: list[int] = []

    def map(self, fn, runs):
        runs = list(runs)
        self.runs.append(len(runs))
        return [fn(run) for run in runs]


@pytest.mark.parametrize(("items", "cores", "tasks"), [(2, 2, 2), (3, 2, 2), (8, 2, 2), (9, 2, 4),
                                                      (17, 2, 6), (5, 4, 4)])  # fmt: skip
def test_chunks_go_to_the_pool_in_a_multiple_of_the_cores(monkeypatch, items, cores, tasks):
    # one item per chunk (an item of CHUNK_BYTES); tasks = min(chunks, cores * ceil(chunks /
    # (4 * cores))): 2 chunks on 2 cores -> 2 tasks, 9 -> 2 * ceil(9 / 8) = 4, 17 -> 2 * 3 = 6
    pool = _Pool()
    monkeypatch.setattr(layers, "_pool", lambda: pool)
    monkeypatch.setattr(layers, "cpu_cores", lambda: cores)
    seen: list[tuple[int, int]] = []
    layers.over_chunks(lambda part: seen.append((part.start, part.stop)), items, layers.CHUNK_BYTES,
                       np)  # fmt: skip
    assert pool.runs == [tasks]
    assert seen == [(k, k + 1) for k in range(items)]  # every chunk once, in order


def test_a_single_chunk_runs_in_the_calling_thread(monkeypatch):
    pool = _Pool()
    monkeypatch.setattr(layers, "_pool", lambda: pool)
    seen: list[slice] = []
    layers.over_chunks(seen.append, 10, 8, np)  # 80 bytes: one chunk
    assert seen == [slice(0, 10)] and pool.runs == []


def test_a_long_budget_settles_on_no_more_epochs_than_asked():
    # a day's budget, 1 s spent on 1 epoch of 1 s: 86,399 more would fit, 2 were asked for
    from types import SimpleNamespace

    from accelsim.train.loop import TrainConfig, _settle_epochs

    state = SimpleNamespace(config=TrainConfig(epochs=2, time_budget_s=86_400), elapsed_s=1.0,
                            epochs_done=1, total_epochs=2)  # fmt: skip
    said = _settle_epochs(state, 1.0, 0.0, first=True)  # type: ignore[arg-type]
    assert state.total_epochs == 2
    assert said is not None and "2 epoch(s) in all" in said and "at most 2 epochs" in said


def test_the_exported_model_says_its_training_time_in_whole_seconds(tmp_path):
    import onnx

    from accelsim.train.finish import export_trained
    from accelsim.train.loop import TrainConfig, new_state
    from tests.train.conftest import synthetic_cifar

    data = synthetic_cifar(8, 33)  # 66 test images: more than the 64 the export checks
    config = TrainConfig(alpha=0.125, rho=8 / 28, batch_size=8)
    state = new_state(config, data, np, command="t")
    state.elapsed_s = 12.6  # rounds to 13
    result = export_trained(state, data, tmp_path / "m.onnx", fold_bn=False, export_command="e",
                            device="cpu")  # fmt: skip
    props = {p.key: p.value for p in onnx.load(tmp_path / "m.onnx").metadata_props}
    assert props["training_wall_time_s"] == "13"
    assert result.test_images == 66 and 0 <= result.max_logit_difference <= 1e-4


def test_a_checkpoint_lacking_four_arrays_names_three_and_one_more(tmp_path):
    from accelsim.errors import DataError
    from accelsim.train.checkpoint import check_arrays

    expected = {"param": dict.fromkeys(("a", "b", "c", "d"), (1,))}
    with pytest.raises(DataError) as raised:
        check_arrays(tmp_path / "ck.npz", {"param": {}}, expected)
    assert "checkpoint lacks param arrays a, b, c and 1 more; remove it" in str(raised.value)
    with pytest.raises(DataError) as raised:  # three: all named, no "more"
        check_arrays(tmp_path / "ck.npz", {"param": {"d": np.zeros(1)}}, expected)
    assert "checkpoint lacks param arrays a, b, c; remove it" in str(raised.value)


RESAMPLED = ", then nearest-neighbour resample to 14x14"


@pytest.mark.parametrize(("rho", "said"), [(1.0, ""), (0.5, RESAMPLED)])
def test_the_preprocessing_note_names_a_resample_only_off_28_pixels(rho, said):
    from accelsim.train.export import make_metadata
    from accelsim.train.model import MobileNetSpec

    meta = make_metadata(MobileNetSpec(1.0, rho), epochs=0, test_accuracy=None, test_loss=None,
                         mean=(0.5,) * 3, std=(0.25,) * 3, dataset="d", command="c",
                         seed=0)  # fmt: skip
    ending = f"center crop 28x28 of the 32x32 image{said}; NCHW float32"
    assert meta["preprocessing"].endswith(ending)


def test_pointwise_weights_are_he_initialised_over_their_input_channels():
    # He normal: std sqrt(2 / fan_in), fan_in of a 1x1 conv = its input channels. Layer 27
    # (pw, 256 -> 256 at alpha 1) is square; layer 3 (32 -> 64): std sqrt(2 / 32) = 0.25,
    # not sqrt(2 / 64) = 0.177; 2,048 draws put the sample std within ~1.6 % (one sigma)
    from accelsim.train.model import MobileNetSpec, init_params

    params, _ = init_params(MobileNetSpec(), seed=0)
    assert params["conv3.weight"].shape == (32, 64)
    assert np.std(params["conv3.weight"]) == pytest.approx(0.25, rel=0.06)
    assert np.std(params["conv2.weight"]) == pytest.approx(np.sqrt(2 / 9), rel=0.06)  # dw: 9 taps


def test_the_first_convolution_computes_no_input_gradient(monkeypatch):
    from accelsim.train import model as M

    asked: list[bool] = []
    full = layers.conv3x3_backward

    def recording(dout, cache, weight, *, need_dx=True):
        asked.append(need_dx)
        return full(dout, cache, weight, need_dx=need_dx)

    monkeypatch.setattr(M.L, "conv3x3_backward", recording)
    spec = M.MobileNetSpec(0.125, 8 / 28)
    params, buffers = M.init_params(spec, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype(np.float32)
    logits, cache = M.forward(spec, params, buffers, x, train=True)
    assert cache is not None
    M.backward(spec, params, cache, np.ones_like(logits) / logits.size)
    assert asked == [False]  # layer 1 is the only full 3x3 conv; its input is the image
