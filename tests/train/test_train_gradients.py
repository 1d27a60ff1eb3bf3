"""Every layer's backward agrees with central finite differences (float64, tiny shapes)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from accelsim.train import batchnorm as B
from accelsim.train import depthwise as D
from accelsim.train import jit
from accelsim.train import layers as L
from accelsim.train import model as M

EPS = 1e-6


def numeric_grad(f: Callable[[], float], array: np.ndarray, samples: int, rng) -> tuple:
    """Central differences of scalar f() w.r.t. `samples` random entries of `array` (in place)."""
    flat = array.reshape(-1)
    picks = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
    values = []
    for k in picks:
        saved = flat[k]
        flat[k] = saved + EPS
        plus = f()
        flat[k] = saved - EPS
        minus = f()
        flat[k] = saved
        values.append((plus - minus) / (2 * EPS))
    return picks, np.array(values)


def assert_grad(f, array, analytic, rng, samples=12):
    picks, numeric = numeric_grad(f, array, samples, rng)
    np.testing.assert_allclose(analytic.reshape(-1)[picks], numeric, rtol=1e-5, atol=1e-7)


@pytest.fixture
def rng():
    return np.random.default_rng(1)


@pytest.mark.parametrize("stride", [1, 2])
def test_conv3x3_gradients_match_finite_differences(rng, stride):
    x = rng.standard_normal((2, 5, 6, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    out, cache = L.conv3x3_forward(x, w, stride)
    g = rng.standard_normal(out.shape)
    dx, dw = L.conv3x3_backward(g, cache, w)

    def f():
        return float((L.conv3x3_forward(x, w, stride)[0] * g).sum())

    assert_grad(f, x, dx, rng)
    assert_grad(f, w, dw, rng)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", ["einsum", "taps", "compiled"])
@pytest.mark.parametrize("side", [6, 7])
def test_depthwise_gradients_match_finite_differences(rng, stride, kernel, side):
    if kernel == "compiled" and jit.kernels_for(np) is None:
        pytest.skip("numba not installed (or ACCELSIM_NUMBA=0)")
    forward = getattr(D, f"forward_{kernel}")
    backward = getattr(D, f"backward_{kernel}")
    x = rng.standard_normal((2, side, 6, 3))
    w = rng.standard_normal((3, 3, 3))
    out, cache = forward(x, w, stride)
    g = rng.standard_normal(out.shape)
    dx, dw = backward(g, cache, w)

    def f():
        return float((forward(x, w, stride)[0] * g).sum())

    assert_grad(f, x, dx, rng)
    assert_grad(f, w, dw, rng)


def test_depthwise_kernels_agree_and_match_a_hand_sum(rng):
    x = rng.standard_normal((2, 5, 5, 4))
    w = rng.standard_normal((3, 3, 4))
    taps, _ = D.forward_taps(x, w, 2)
    einsum, _ = D.forward_einsum(x, w, 2)
    np.testing.assert_allclose(einsum, taps, rtol=1e-12)
    if jit.kernels_for(np) is not None:
        np.testing.assert_allclose(D.forward_compiled(x, w, 2)[0], taps, rtol=1e-12)
    # output (1, 1) at stride 2 sees input rows/cols 1..3: sum of x[1:4, 1:4] * w per channel
    expected = (x[0, 1:4, 1:4] * w).sum(axis=(0, 1))
    np.testing.assert_allclose(taps[0, 1, 1], expected, rtol=1e-12)


def test_pointwise_gradients_match_finite_differences(rng):
    x = rng.standard_normal((2, 3, 3, 4))
    w = rng.standard_normal((4, 5))
    out, cache = L.pointwise_forward(x, w)
    g = rng.standard_normal(out.shape)
    dx, dw = L.pointwise_backward(g, cache, w)

    def f():
        return float((L.pointwise_forward(x, w)[0] * g).sum())

    assert_grad(f, x, dx, rng)
    assert_grad(f, w, dw, rng)


@pytest.mark.parametrize("relu", [False, True])
def test_batchnorm_gradients_match_finite_differences(rng, relu, cpu_kernels):
    x = rng.standard_normal((3, 2, 2, 4)) * 2 + 1
    scale, bias = rng.standard_normal(4), rng.standard_normal(4)

    def run():
        return B.batchnorm_forward(x, scale, bias, np.zeros(4), np.ones(4), train=True, relu=relu)

    out, cache = run()
    if relu:
        assert out.min() == 0.0
    g = rng.standard_normal(out.shape)
    dx, dscale, dbias = B.batchnorm_backward(g, cache, scale)

    def f():
        return float((run()[0] * g).sum())

    assert_grad(f, x, dx, rng)
    assert_grad(f, scale, dscale, rng)
    assert_grad(f, bias, dbias, rng)


def test_batchnorm_training_output_by_hand(cpu_kernels):
    # one channel, values 1, 3: mean 2, biased var 1 -> xhat = -1, +1 (eps 1e-5 aside);
    # scale 2, bias 0.5 -> -1.5, 2.5; with the fused ReLU -> 0, 2.5
    x = np.array([1.0, 3.0]).reshape(2, 1, 1, 1)
    mean, var = np.zeros(1), np.ones(1)
    out, _ = B.batchnorm_forward(
        x, np.array([2.0]), np.array([0.5]), mean, var, train=True, relu=True
    )
    np.testing.assert_allclose(out.ravel(), [0.0, 2.5], atol=1e-4)
    # running stats: 0.9 * 0 + 0.1 * 2 = 0.2; 0.9 * 1 + 0.1 * (unbiased var 2) = 1.1
    np.testing.assert_allclose([mean[0], var[0]], [0.2, 1.1])


def test_avgpool_fc_gradients_match_finite_differences(rng):
    x = rng.standard_normal((2, 3, 3, 4))
    w, b = rng.standard_normal((4, 5)), rng.standard_normal(5)
    g = rng.standard_normal((2, 5))

    def f():
        return float((L.fc_forward(L.avgpool_forward(x), w, b) * g).sum())

    pooled = L.avgpool_forward(x)
    dpooled, dw, db = L.fc_backward(g, pooled, w)
    dx = L.avgpool_backward(dpooled, x.shape)
    assert_grad(f, x, dx, rng)
    assert_grad(f, w, dw, rng)
    assert_grad(f, b, db, rng)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_cross_entropy_gradient_matches_finite_differences(rng, smoothing):
    logits = rng.standard_normal((4, 10))
    labels = np.array([0, 3, 9, 3])
    _, dlogits, _ = L.softmax_cross_entropy(logits, labels, label_smoothing=smoothing)

    def f():
        return float(L.softmax_cross_entropy(logits, labels, label_smoothing=smoothing)[0])

    assert_grad(f, logits, dlogits, rng, samples=40)


def test_softmax_cross_entropy_of_uniform_logits_is_log_k():
    # all-equal logits: p = 1/10 for every class, so CE = ln 10 = 2.302585...
    loss, _, probs = L.softmax_cross_entropy(np.zeros((3, 10)), np.array([1, 2, 3]))
    assert float(loss) == pytest.approx(np.log(10))
    np.testing.assert_allclose(probs, 0.1)


def test_whole_network_gradients_match_finite_differences(rng, cpu_kernels):
    # alpha 1/8 and rho 2/7 give an 8x8 input, 4..32 channels: small enough for float64 FD.
    spec = M.MobileNetSpec(alpha=0.125, rho=8 / 28)
    params, buffers = M.init_params(spec, seed=3)
    params = {k: v.astype(np.float64) for k, v in params.items()}
    params = {
        k: v + 0.1 * rng.standard_normal(v.shape) if "bn" in k else v for k, v in params.items()
    }
    buffers = {k: v.astype(np.float64) for k, v in buffers.items()}
    x = rng.standard_normal((4, spec.input_size, spec.input_size, 3))
    labels = np.array([1, 0, 7, 3])

    def loss():
        logits, _ = M.forward(spec, params, buffers, x, train=True)
        return float(L.softmax_cross_entropy(logits, labels)[0])

    logits, cache = M.forward(spec, params, buffers, x, train=True)
    _, dlogits, _ = L.softmax_cross_entropy(logits, labels)
    grads = M.backward(spec, params, cache, dlogits)
    assert set(grads) == set(params)
    for name in (
        "conv1.weight",
        "conv2.weight",
        "conv3.weight",
        "bn5.scale",
        "conv24.weight",
        "bn27.bias",
        "fc.weight",
        "fc.bias",
    ):
        assert_grad(loss, params[name], grads[name], rng, samples=6)


def test_gpu_code_path_gives_the_same_gradients_as_the_cpu_one(rng, monkeypatch, cpu_kernels):
    # CuPy runs the tap depthwise kernel and the array batch norm on whole arrays (no
    # cache-sized chunks, never the compiled kernels); NumPy the einsum or compiled kernels on
    # chunks. Run the GPU path here on NumPy: same gradients (float64).
    spec = M.MobileNetSpec(alpha=0.25, rho=12 / 28)
    params, buffers = M.init_params(spec, seed=2)
    params = {k: v.astype(np.float64) for k, v in params.items()}
    x = rng.standard_normal((8, 12, 12, 3))
    labels = rng.integers(0, 10, 8)

    def gradients():
        fresh = {k: v.astype(np.float64) for k, v in buffers.items()}
        logits, cache = M.forward(spec, params, fresh, x, train=True)
        _, dlogits, _ = L.softmax_cross_entropy(logits, labels)
        return M.backward(spec, params, cache, dlogits)

    monkeypatch.setattr(L, "CHUNK_BYTES", 4096)  # several chunks even for this tiny batch
    cpu = gradients()
    monkeypatch.setattr(L, "over_chunks", lambda work, count, nbytes, xp: [work(slice(0, count))])
    monkeypatch.setattr(jit, "kernels_for", lambda xp: None)
    monkeypatch.setattr(D, "forward", D.forward_taps)
    monkeypatch.setattr(D, "backward", D.backward_taps)
    gpu = gradients()
    for name in cpu:
        np.testing.assert_allclose(gpu[name], cpu[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_compiled_kernels_are_bypassed_for_cupy_arrays():
    # a CuPy array's module is `cupy`: the CPU-only compiled kernels must never see it
    class FakeCupy:
        __name__ = "cupy"

    assert jit.kernels_for(FakeCupy()) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_and_numpy_kernels_give_the_same_training_step(rng, monkeypatch, dtype):
    # float32 as in training (sums in a different order: agree to float32 rounding)
    if jit.kernels_for(np) is None:
        pytest.skip("numba not installed (or ACCELSIM_NUMBA=0)")
    spec = M.MobileNetSpec(alpha=0.25, rho=12 / 28)
    params, buffers = M.init_params(spec, seed=4)
    params = {k: v.astype(dtype) for k, v in params.items()}
    x = rng.standard_normal((8, 12, 12, 3)).astype(dtype)
    labels = rng.integers(0, 10, 8)

    def step():
        fresh = {k: v.astype(dtype) for k, v in buffers.items()}
        logits, cache = M.forward(spec, params, fresh, x, train=True)
        _, dlogits, _ = L.softmax_cross_entropy(logits, labels)
        return logits, fresh, M.backward(spec, params, cache, dlogits)

    compiled = step()
    monkeypatch.setattr(jit, "kernels_for", lambda xp: None)
    reference = step()
    tol = {"rtol": 2e-3, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-9, "atol": 1e-12}
    for got, want in zip(compiled, reference, strict=True):
        if isinstance(want, dict):
            for name in want:
                assert got[name].dtype == want[name].dtype, name
                np.testing.assert_allclose(got[name], want[name], **tol, err_msg=name)
        else:
            np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (3, 3), (4, 2), (5, 8), (7, 9)])
def test_compiled_depthwise_matches_the_numpy_kernel_on_odd_sizes(rng, stride, shape):
    # the compiled kernels split pixels into interior (nine-term expression), border rows
    # and border columns, and gather dx (at stride 1 as a flipped forward): every split,
    # images under 3x3 and a channel count off the vector width, against the einsum kernel
    if jit.kernels_for(np) is None:
        pytest.skip("numba not installed (or ACCELSIM_NUMBA=0)")
    x = rng.standard_normal((3, *shape, 5))
    w = rng.standard_normal((3, 3, 5))
    want, want_cache = D.forward_einsum(x, w, stride)
    got, got_cache = D.forward_compiled(x, w, stride)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(want.shape)
    for got_grad, want_grad in zip(
        D.backward_compiled(g, got_cache, w), D.backward_einsum(g, want_cache, w), strict=True
    ):
        np.testing.assert_allclose(got_grad, want_grad, rtol=1e-12, atol=1e-12)
