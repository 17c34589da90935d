"""Batch normalization from scratch (coursekit.reference, coursekit.batchnorm) against
numerical gradients and keras.layers.BatchNormalization, on shapes drawn by hypothesis.

Keras computes in float32; the NumPy reference gets the same float32 numbers and works in
float64, so the two agree far inside 1e-5 unless the formula differs (a wrong axis, an
unbiased variance, the momentum the wrong way round are all off by O(1e-2) or more).
"""

from typing import NamedTuple

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coursekit import reference as ref
from coursekit.batchnorm import BatchNorm, with_weights

TOL = {"rtol": 1e-5, "atol": 1e-5}
FEW = settings(max_examples=15, deadline=None)


class BNCase(NamedTuple):
    x: np.ndarray  # float32, (N, C) or (N, H, W, C)
    gamma: np.ndarray  # float32 (C,)
    beta: np.ndarray
    moving_mean: np.ndarray
    moving_variance: np.ndarray
    momentum: float


def make_case(shape, shift=0.0, scale=1.0, momentum=0.99, seed=0):
    rng = np.random.default_rng(seed)
    c = shape[-1]
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    return BNCase(
        x=f32(shift + scale * rng.standard_normal(shape)),
        gamma=f32(rng.uniform(-2, 2, c)),
        beta=f32(rng.uniform(-2, 2, c)),
        moving_mean=f32(rng.uniform(-3, 3, c)),
        moving_variance=f32(rng.uniform(0.1, 5, c)),
        momentum=momentum,
    )


@st.composite
def bn_cases(draw):
    """Dense (N, C) and conv (N, H, W, C) batches with shifted, scaled channels."""
    c = draw(st.integers(1, 4))
    if draw(st.booleans()):
        shape = (draw(st.integers(2, 12)), c)
    else:
        shape = (draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(2, 4)), c)
    return make_case(
        shape,
        shift=draw(st.floats(-5, 5)),
        scale=draw(st.floats(0.1, 10)),
        momentum=draw(st.sampled_from([0.0, 0.5, 0.9, 0.99])),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def keras_bn(case, cls=keras.layers.BatchNormalization):
    """A built Keras (or our) BN layer holding the case's γ, β and moving statistics."""
    return with_weights(
        cls(momentum=case.momentum),
        case.x.shape,
        case.gamma,
        case.beta,
        case.moving_mean,
        case.moving_variance,
    )


def moving_stats(layer):
    return layer.moving_mean.numpy(), layer.moving_variance.numpy()


@FEW
@given(case=bn_cases())
@example(case=make_case((8, 3)))
@example(case=make_case((2, 5, 5, 4), shift=3.0, scale=0.2))
def test_training_mode_matches_keras(case):
    y, cache = ref.batch_norm_forward(case.x, case.gamma, case.beta)
    for cls in (keras.layers.BatchNormalization, BatchNorm):
        layer = keras_bn(case, cls)
        np.testing.assert_allclose(
            layer(case.x, training=True).numpy(), y, **TOL, err_msg=cls.__name__
        )
        expected = [
            ref.moving_average(case.moving_mean, cache.mean, case.momentum),
            ref.moving_average(case.moving_variance, cache.variance, case.momentum),
        ]
        np.testing.assert_allclose(moving_stats(layer), expected, **TOL, err_msg=cls.__name__)


@FEW
@given(case=bn_cases())
def test_inference_mode_matches_keras(case):
    y = ref.batch_norm_inference(
        case.x, case.gamma, case.beta, case.moving_mean, case.moving_variance
    )
    for cls in (keras.layers.BatchNormalization, BatchNorm):
        layer = keras_bn(case, cls)
        for training in (False, None):
            got = layer(case.x, training=training).numpy()
            np.testing.assert_allclose(
                got, y, **TOL, err_msg=f"{cls.__name__} training={training}"
            )
        # Inference never touches the moving statistics.
        np.testing.assert_array_equal(
            moving_stats(layer), [case.moving_mean, case.moving_variance]
        )


@settings(max_examples=8, deadline=None)
@given(case=bn_cases(), steps=st.integers(2, 6))
def test_moving_statistics_after_several_steps(case, steps):
    rng = np.random.default_rng(steps)
    batches = [
        (case.x * rng.uniform(0.5, 2) + rng.normal()).astype(np.float32) for _ in range(steps)
    ]
    mean, variance = case.moving_mean.astype(np.float64), case.moving_variance.astype(np.float64)
    for x in batches:
        _, cache = ref.batch_norm_forward(x, case.gamma, case.beta)
        mean = ref.moving_average(mean, cache.mean, case.momentum)
        variance = ref.moving_average(variance, cache.variance, case.momentum)
    expected = ref.batch_norm_inference(case.x, case.gamma, case.beta, mean, variance)
    for cls in (keras.layers.BatchNormalization, BatchNorm):
        layer = keras_bn(case, cls)
        for x in batches:
            layer(x, training=True)
        np.testing.assert_allclose(
            moving_stats(layer), [mean, variance], **TOL, err_msg=cls.__name__
        )
        got = layer(case.x, training=False).numpy()
        np.testing.assert_allclose(got, expected, **TOL, err_msg=cls.__name__)


@settings(max_examples=10, deadline=None)
@given(case=bn_cases())
@example(case=make_case((1, 3, 3, 2), shift=1.0, scale=3.0))
def test_backward_matches_numerical_gradient(case):
    x, gamma, beta = (
        case.x.astype(np.float64),
        case.gamma.astype(np.float64),
        case.beta.astype(np.float64),
    )
    weights = np.random.default_rng(1).standard_normal(x.shape)  # loss = Σ weights · y

    def loss():
        return np.sum(weights * ref.batch_norm_forward(x, gamma, beta)[0])

    _, cache = ref.batch_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = ref.batch_norm_backward(weights, cache)
    for name, got, a in (("dx", dx, x), ("dgamma", dgamma, gamma), ("dbeta", dbeta, beta)):
        np.testing.assert_allclose(
            got, ref.numerical_gradient(loss, a), rtol=1e-5, atol=1e-6, err_msg=name
        )


@pytest.mark.parametrize("shape", [(6, 3), (2, 4, 4, 3)], ids=["dense", "conv"])
def test_backward_matches_gradient_tape_of_both_layers(shape):
    case = make_case(shape, shift=2.0, scale=3.0, seed=3)
    weights = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    _, cache = ref.batch_norm_forward(case.x, case.gamma, case.beta)
    expected = ref.batch_norm_backward(weights, cache)
    for cls in (keras.layers.BatchNormalization, BatchNorm):
        layer = keras_bn(case, cls)
        x = tf.constant(case.x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(weights * layer(x, training=True))
        got = tape.gradient(loss, [x, layer.gamma.value, layer.beta.value])
        for name, g, e in zip(("dx", "dgamma", "dbeta"), got, expected):
            np.testing.assert_allclose(
                g.numpy(), e, rtol=1e-4, atol=1e-4, err_msg=f"{cls.__name__} {name}"
            )


def test_layer_trains_like_keras_inside_a_model():
    """Same weights, same batches, SGD: a model with our layer stays equal to Keras'."""
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(64, 5)).astype(np.float32)
    y = (x[:, 0] > 2).astype(np.int64)

    def model(bn):
        keras.utils.set_random_seed(0)
        m = keras.Sequential(
            [
                keras.Input((5,)),
                keras.layers.Dense(4),
                bn,
                keras.layers.Dense(2, activation="softmax"),
            ]
        )
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        return m

    ours, theirs = (
        model(BatchNorm(momentum=0.9)),
        model(keras.layers.BatchNormalization(momentum=0.9)),
    )
    for m in (ours, theirs):
        m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), **TOL)
    assert ours.count_params() == theirs.count_params()
    assert (
        len(ours.layers[1].trainable_weights) == 2
        and len(ours.layers[1].non_trainable_weights) == 2
    )


def test_frozen_layer_normalises_with_moving_statistics_like_keras():
    case = make_case((8, 3), shift=4.0, seed=5)
    y = ref.batch_norm_inference(
        case.x, case.gamma, case.beta, case.moving_mean, case.moving_variance
    )
    for cls in (keras.layers.BatchNormalization, BatchNorm):
        layer = keras_bn(case, cls)
        layer.trainable = False
        np.testing.assert_allclose(
            layer(case.x, training=True).numpy(), y, **TOL, err_msg=cls.__name__
        )
        np.testing.assert_array_equal(
            moving_stats(layer), [case.moving_mean, case.moving_variance]
        )


def test_a_batch_of_one_in_training_mode_outputs_beta():
    case = make_case((1, 4), seed=6)
    y, cache = ref.batch_norm_forward(case.x, case.gamma, case.beta)
    np.testing.assert_array_equal(cache.variance, 0)
    np.testing.assert_allclose(y[0], case.beta)
    np.testing.assert_allclose(keras_bn(case)(case.x, training=True).numpy()[0], case.beta, **TOL)


def test_float32_stays_float32_and_config_round_trips():
    case = make_case((4, 2))
    assert ref.batch_norm_forward(case.x, case.gamma, case.beta)[0].dtype == np.float32
    layer = BatchNorm(momentum=0.9, epsilon=1e-5, name="bn")
    clone = BatchNorm.from_config(layer.get_config())
    assert (clone.momentum, clone.epsilon, clone.name) == (0.9, 1e-5, "bn")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ref.batch_norm_forward(np.ones(3), np.ones(3), np.zeros(3)), "channels last"),
        (
            lambda: ref.batch_norm_forward(np.ones((2, 3)), np.ones(2), np.zeros(3)),
            "gamma must have shape",
        ),
        (
            lambda: ref.batch_norm_inference(
                np.ones((2, 3)), np.ones(3), np.zeros(3), np.zeros(2), np.ones(3)
            ),
            "moving_mean must have shape",
        ),
        (
            lambda: ref.batch_norm_backward(
                np.ones((2, 2)),
                ref.batch_norm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3))[1],
            ),
            "grad_out must have",
        ),
        (lambda: ref.moving_average(0.0, 1.0, momentum=1.5), "momentum must be in"),
        (lambda: ref.numerical_gradient(lambda: 0.0, np.ones(2, np.float32)), "float64"),
    ],
)
def test_bad_arguments_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
