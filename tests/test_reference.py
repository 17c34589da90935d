"""coursekit.reference against TensorFlow and Keras, on shapes drawn by hypothesis.

Inputs are float64, so the NumPy and TensorFlow results agree far inside the 1e-5
tolerance; any real mistake (wrong padding side, wrong patch order) is off by O(1).
"""

from typing import NamedTuple

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coursekit import reference as ref

TOL = {"rtol": 1e-5, "atol": 1e-5}
FEW = settings(max_examples=20, deadline=None)
MANY = settings(max_examples=40, deadline=None)


class ConvCase(NamedTuple):
    x: np.ndarray  # (N, H, W, C_in)
    w: np.ndarray  # (kh, kw, C_in, C_out)
    b: np.ndarray  # (C_out,)
    stride: tuple[int, int]
    padding: str


def make_case(n, h, w, c_in, kh, kw, c_out, stride, padding, seed=0):
    rng = np.random.default_rng(seed)
    return ConvCase(
        x=rng.standard_normal((n, h, w, c_in)),
        w=rng.standard_normal((kh, kw, c_in, c_out)),
        b=rng.standard_normal(c_out),
        stride=stride,
        padding=padding,
    )


@st.composite
def conv_cases(draw):
    """Small convolutions: kernels 1-4 (odd and even), strides 1-3 per axis, both paddings."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["valid", "same"]))
    low_h, low_w = (1, 1) if padding == "same" else (kh, kw)
    return make_case(
        n=draw(st.integers(1, 2)),
        h=draw(st.integers(low_h, kh + 6)),
        w=draw(st.integers(low_w, kw + 6)),
        c_in=draw(st.integers(1, 3)),
        kh=kh,
        kw=kw,
        c_out=draw(st.integers(1, 3)),
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=padding,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def tf_conv2d(case):
    out = tf.nn.conv2d(case.x, case.w, strides=[1, *case.stride, 1], padding=case.padding.upper())
    return tf.nn.bias_add(out, case.b).numpy()


@MANY
@given(case=conv_cases())
# Odd sizes with "same" and stride 2: the case where TF pads more after than before.
@example(case=make_case(1, 7, 5, 3, 3, 3, 2, (2, 2), "same"))
@example(case=make_case(2, 5, 9, 2, 2, 4, 3, (2, 2), "same"))
@example(case=make_case(1, 6, 6, 1, 4, 3, 1, (2, 3), "same"))
def test_conv2d_matches_tf_nn_conv2d(case):
    expected = tf_conv2d(case)
    for conv in (ref.conv2d_loop, ref.conv2d_im2col):
        got = conv(case.x, case.w, case.b, stride=case.stride, padding=case.padding)
        np.testing.assert_allclose(got, expected, **TOL, err_msg=conv.__name__)


@FEW
@given(case=conv_cases())
def test_conv2d_and_output_size_match_keras_conv2d(case):
    kh, kw, _, c_out = case.w.shape
    layer = keras.layers.Conv2D(
        c_out, (kh, kw), strides=case.stride, padding=case.padding, dtype="float64"
    )
    layer.build(case.x.shape)
    layer.set_weights([case.w, case.b])
    expected = np.asarray(layer(case.x))

    n, h, w, _ = case.x.shape
    sh, sw = case.stride
    predicted_shape = (
        n,
        ref.output_size(h, kh, sh, case.padding),
        ref.output_size(w, kw, sw, case.padding),
        c_out,
    )
    assert expected.shape == predicted_shape
    got = ref.conv2d_im2col(case.x, case.w, case.b, stride=case.stride, padding=case.padding)
    np.testing.assert_allclose(got, expected, **TOL)


@MANY
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same"]),
)
def test_output_size_and_pad_amounts_match_keras_and_tf(n, k, stride, padding):
    if padding == "valid" and k > n:
        with pytest.raises(ValueError, match="larger than the input"):
            ref.output_size(n, k, stride, padding)
        return
    layer = keras.layers.Conv2D(1, (k, 1), strides=(stride, 1), padding=padding)
    keras_size = layer.compute_output_shape((1, n, 1, 1))[1]
    assert ref.output_size(n, k, stride, padding) == keras_size

    # Padding explicitly by pad_amounts gives exactly TensorFlow's own padding.
    x = tf.reshape(tf.range(1.0, n + 1, dtype=tf.float64), (1, n, 1, 1))
    kernel = tf.reshape(tf.range(1.0, k + 1, dtype=tf.float64), (k, 1, 1, 1))
    explicit = [[0, 0], list(ref.pad_amounts(n, k, stride, padding)), [0, 0], [0, 0]]
    by_tf = tf.nn.conv2d(x, kernel, [1, stride, 1, 1], padding.upper())
    by_amounts = tf.nn.conv2d(x, kernel, [1, stride, 1, 1], explicit)
    np.testing.assert_array_equal(by_amounts.numpy(), by_tf.numpy())


def test_im2col_rows_are_flattened_patches():
    x = np.arange(2 * 4 * 5 * 3, dtype=float).reshape(2, 4, 5, 3)
    cols = ref.im2col(x, 2, 3, stride=(2, 1))
    assert cols.shape == (2 * 2 * 3, 2 * 3 * 3)
    # Row order is (image, row, column): row 4 is image 0, output row 1, output column 1.
    np.testing.assert_array_equal(cols[0], x[0, 0:2, 0:3, :].ravel())
    np.testing.assert_array_equal(cols[4], x[0, 2:4, 1:4, :].ravel())
    np.testing.assert_array_equal(cols[6], x[1, 0:2, 0:3, :].ravel())


@MANY
@given(case=conv_cases(), seed=st.integers(0, 2**32 - 1))
@example(case=make_case(2, 7, 7, 2, 3, 3, 2, (2, 2), "same"), seed=0)
def test_conv2d_backward_matches_gradient_tape(case, seed):
    expected_out_shape = tf_conv2d(case).shape
    grad_out = np.random.default_rng(seed).standard_normal(expected_out_shape)
    x, w, b = (tf.Variable(a) for a in (case.x, case.w, case.b))
    with tf.GradientTape() as tape:
        out = tf.nn.bias_add(
            tf.nn.conv2d(x, w, strides=[1, *case.stride, 1], padding=case.padding.upper()), b
        )
        loss = tf.reduce_sum(out * grad_out)
    expected = tape.gradient(loss, [x, w, b])

    got = ref.conv2d_backward(case.x, case.w, grad_out, stride=case.stride, padding=case.padding)
    for name, g, e in zip(("grad_x", "grad_w", "grad_b"), got, expected):
        np.testing.assert_allclose(g, e.numpy(), **TOL, err_msg=name)


@st.composite
def pool_cases(draw):
    """(x, pool, stride, padding); stride None means 'the pool size', as in Keras."""
    pool = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    low_h, low_w = (1, 1) if padding == "same" else pool
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(low_h, 9)),
        draw(st.integers(low_w, 9)),
        draw(st.integers(1, 3)),
    )
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    x = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal(shape)
    return x, pool, stride, padding


@MANY
@given(case=pool_cases())
@example(case=(np.random.default_rng(0).standard_normal((1, 7, 5, 2)), (3, 3), (2, 2), "same"))
def test_pooling_matches_tf_nn(case):
    x, pool, stride, padding = case
    tf_stride = pool if stride is None else stride
    for ours, theirs in ((ref.max_pool2d, tf.nn.max_pool2d), (ref.avg_pool2d, tf.nn.avg_pool2d)):
        expected = theirs(x, ksize=pool, strides=tf_stride, padding=padding.upper()).numpy()
        got = ours(x, pool=pool, stride=stride, padding=padding)
        np.testing.assert_allclose(got, expected, **TOL, err_msg=ours.__name__)


@FEW
@given(
    n=st.integers(1, 4),
    n_in=st.integers(1, 6),
    n_out=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_dense_matches_keras_dense(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((n, n_in)), rng.standard_normal((n_in, n_out))
    b = rng.standard_normal(n_out)
    layer = keras.layers.Dense(n_out, dtype="float64")
    layer.build((None, n_in))
    layer.set_weights([w, b])
    np.testing.assert_allclose(ref.dense(x, w, b), np.asarray(layer(x)), **TOL)


@pytest.mark.parametrize("kernel_size, c_in, c_out", [(3, 1, 6), ((5, 3), 6, 16), (1, 64, 32)])
def test_conv_params_counts_what_keras_conv2d_holds(kernel_size, c_in, c_out):
    layer = keras.layers.Conv2D(c_out, kernel_size)
    layer.build((None, 8, 8, c_in))
    assert ref.conv_params(kernel_size, c_in, c_out) == layer.count_params()
    assert ref.conv_params(5, 6, 16) == 5 * 5 * 6 * 16 + 16 == 2_416  # LeNet-5's C3, all maps


@pytest.mark.parametrize("n_in, n_out", [(400, 120), (84, 10), (1, 1)])
def test_dense_params_counts_what_keras_dense_holds(n_in, n_out):
    layer = keras.layers.Dense(n_out)
    layer.build((None, n_in))
    assert ref.dense_params(n_in, n_out) == layer.count_params() == n_in * n_out + n_out


def test_float32_stays_float32():
    x = np.ones((1, 4, 4, 2), dtype=np.float32)
    w = np.ones((3, 3, 2, 1), dtype=np.float32)
    assert ref.conv2d_loop(x, w).dtype == np.float32
    assert ref.conv2d_im2col(x, w).dtype == np.float32


X = np.zeros((1, 5, 5, 3))
W = np.zeros((3, 3, 3, 2))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ref.conv2d_loop(X, np.zeros((3, 3, 4, 2))), r"channel mismatch: x has C_in=3"),
        (lambda: ref.conv2d_im2col(X, np.zeros((3, 3, 1, 2))), r"channel mismatch"),
        (lambda: ref.conv2d_backward(X, np.zeros((3, 3, 2, 2)), X), r"channel mismatch"),
        (lambda: ref.conv2d_loop(X[0], W), r"x must be 4-D .*got shape \(5, 5, 3\)"),
        (lambda: ref.conv2d_im2col(X, W[0]), r"w must be 4-D .*\(kh, kw, C_in, C_out\)"),
        (lambda: ref.im2col(X[0], 3, 3), r"x must be 4-D"),
        (lambda: ref.max_pool2d(X[0]), r"x must be 4-D"),
        (lambda: ref.conv2d_loop(X, W, np.zeros(3)), r"b must have shape \(C_out,\) = \(2,\)"),
        (lambda: ref.conv2d_loop(X, W, padding="full"), r"padding must be 'valid' or 'same'"),
        (lambda: ref.avg_pool2d(X, padding="causal"), r"padding must be 'valid' or 'same'"),
        (lambda: ref.output_size(5, 3, padding="full"), r"padding must be 'valid' or 'same'"),
        (lambda: ref.output_size(2, 3), r"k=3 is larger than the input n=2"),
        (lambda: ref.conv2d_im2col(X, np.zeros((6, 3, 3, 2))), r"larger than the input"),
        (lambda: ref.conv2d_loop(X, W, stride=0), r"stride must be a positive int"),
        (lambda: ref.max_pool2d(X, pool=(2, 2, 2)), r"pool must be a positive int or a pair"),
        (
            lambda: ref.conv2d_backward(X, W, np.zeros((1, 5, 5, 2))),
            r"grad_out must have the output's shape \(1, 3, 3, 2\)",
        ),
        (lambda: ref.dense(np.zeros(3), np.zeros((3, 2)), np.zeros(2)), r"x must be 2-D"),
        (lambda: ref.dense(np.zeros((1, 4)), np.zeros((3, 2)), np.zeros(2)), r"feature mismatch"),
        (lambda: ref.dense(np.zeros((1, 3)), np.zeros((3, 2)), np.zeros(3)), r"b must .*\(2,\)"),
    ],
)
def test_bad_arguments_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- receptive field ---------------------------------------------------------------------


def test_receptive_field_of_lenet5_1998_by_hand():
    # C1 5×5, S2 2×2/2, C3 5×5, S4 2×2/2, C5 5×5: C5 sees the whole 32×32 padded digit.
    layers = [("C1", 5, 1), ("S2", 2, 2), ("C3", 5, 1), ("S4", 2, 2), ("C5", 5, 1)]
    rows = ref.receptive_field(layers)
    assert [r.name for r in rows] == ["input", "C1", "S2", "C3", "S4", "C5"]
    assert [r.field for r in rows] == [1, 5, 6, 14, 16, 32]
    assert [r.jump for r in rows] == [1, 1, 2, 2, 4, 4]


def test_dilation_widens_the_kernel():
    # 3×3 kernels with dilation 1, 2, 4 (as in WaveNet-style stacks): 3, 7, 15.
    rows = ref.receptive_field([("a", 3, 1, 1), ("b", 3, 1, 2), ("c", 3, 1, 4)])
    assert [r.field for r in rows[1:]] == [3, 7, 15]
    assert ref.receptive_field([("d", 3, 1, 2)])[1].field == 5  # k_eff = 2·(3−1)+1


def _ones_stack(size, geometry):
    """Valid-padding conv stack with every weight 1, for the brute-force field."""
    stack = [keras.Input((size, size, 1))]
    for name, k, s, d in geometry:
        stack.append(keras.layers.Conv2D(1, k, strides=s, dilation_rate=d, use_bias=False,
                                         kernel_initializer="ones", name=name))
    return keras.Sequential(stack)


@pytest.mark.parametrize(
    "geometry",
    [
        [("a", 3, 1, 1), ("b", 2, 2, 1), ("c", 3, 1, 1)],
        [("a", 5, 2, 1), ("b", 3, 1, 2), ("c", 3, 2, 1)],
        [("a", 1, 1, 1), ("b", 4, 3, 1), ("c", 2, 1, 3)],
    ],
)
def test_receptive_field_is_the_support_of_the_gradient(geometry):
    model = _ones_stack(40, geometry)
    x = tf.Variable(np.random.default_rng(0).uniform(0.5, 1.0, (1, 40, 40, 1)))
    with tf.GradientTape() as tape:
        unit = model(x)[0, 0, 0, 0]  # top-left unit: its field starts at pixel 0
    support = np.nonzero(tape.gradient(unit, x).numpy()[0, :, 0, 0])[0]
    assert support.min() == 0
    assert support.max() + 1 == ref.receptive_field(geometry)[-1].field
    assert [r.field for r in ref.receptive_field(model)] == [
        r.field for r in ref.receptive_field(geometry)
    ]


def test_receptive_field_reads_a_keras_model_and_stops_at_flatten():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.ZeroPadding2D(2),
        keras.layers.Conv2D(4, 5, padding="same", name="conv"),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(),
        keras.layers.Dense(3),
    ])
    rows = ref.receptive_field(model)
    assert [(r.name, r.kernel, r.stride, r.field, r.jump) for r in rows] == [
        ("input", 1, 1, 1, 1), ("conv", 5, 1, 5, 1), ("pool", 2, 2, 6, 2)]


def test_receptive_field_refuses_what_it_cannot_read():
    resize = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Resizing(4, 4)])
    with pytest.raises(ValueError, match="changes the spatial shape"):
        ref.receptive_field(resize)
    with pytest.raises(ValueError, match="stride must be a positive int"):
        ref.receptive_field([("bad", 3, 0)])
