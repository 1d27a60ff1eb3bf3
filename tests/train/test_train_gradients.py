"""Every layer's backward agrees with central finite differences (float64, tiny shapes)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

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
def test_depthwise_gradients_match_finite_differences(rng, stride):
    x = rng.standard_normal((2, 7, 6, 3))
    w = rng.standard_normal((3, 3, 3))
    out, cache = L.depthwise_forward(x, w, stride)
    g = rng.standard_normal(out.shape)
    dx, dw = L.depthwise_backward(g, cache, w)

    def f():
        return float((L.depthwise_forward(x, w, stride)[0] * g).sum())

    assert_grad(f, x, dx, rng)
    assert_grad(f, w, dw, rng)


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


def test_batchnorm_gradients_match_finite_differences(rng):
    x = rng.standard_normal((3, 2, 2, 4)) * 2 + 1
    scale, bias = rng.standard_normal(4), rng.standard_normal(4)

    def run():
        return L.batchnorm_forward(x, scale, bias, np.zeros(4), np.ones(4), train=True)

    out, cache = run()
    g = rng.standard_normal(out.shape)
    dx, dscale, dbias = L.batchnorm_backward(g, cache, scale)

    def f():
        return float((run()[0] * g).sum())

    assert_grad(f, x, dx, rng)
    assert_grad(f, scale, dscale, rng)
    assert_grad(f, bias, dbias, rng)


def test_relu_avgpool_fc_gradients_match_finite_differences(rng):
    x = rng.standard_normal((2, 3, 3, 4))
    w, b = rng.standard_normal((4, 5)), rng.standard_normal(5)
    g = rng.standard_normal((2, 5))

    def f():
        return float((L.fc_forward(L.avgpool_forward(L.relu_forward(x)), w, b) * g).sum())

    relu = L.relu_forward(x)
    pooled = L.avgpool_forward(relu)
    dpooled, dw, db = L.fc_backward(g, pooled, w)
    dx = L.relu_backward(L.avgpool_backward(dpooled, relu.shape), relu)
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


def test_whole_network_gradients_match_finite_differences(rng):
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
