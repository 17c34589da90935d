"""coursekit.models: shapes and parameter counts from the formulas, and the 1998 paper's."""

import keras
import numpy as np
import pytest

from coursekit import models
from coursekit.reference import conv_params as conv
from coursekit.reference import dense_params as dense

# (layer name, output shape without the batch axis, parameters), from the formulas.
EXPECTED = {
    models.lenet5_article000: [
        ("C1", (24, 24, 6), conv(5, 1, 6)),
        ("S2", (12, 12, 6), 0),
        ("C3", (8, 8, 16), conv(5, 6, 16)),
        ("S4", (4, 4, 16), 0),
        ("flatten", (256,), 0),
        ("F5", (120,), dense(256, 120)),
        ("F6", (84,), dense(120, 84)),
        ("output", (10,), dense(84, 10)),
    ],
    models.lenet5_1998: [
        ("pad_to_32", (32, 32, 1), 0),
        ("rescale", (32, 32, 1), 0),
        ("C1", (28, 28, 6), conv(5, 1, 6)),
        ("S2", (14, 14, 6), 2 * 6),
        ("C3", (10, 10, 16), conv(5, 6, 16)),
        ("S4", (5, 5, 16), 2 * 16),
        ("C5", (1, 1, 120), conv(5, 16, 120)),
        ("flatten", (120,), 0),
        ("F6", (84,), dense(120, 84)),
        ("output", (10,), dense(84, 10)),
    ],
    models.lenet5_modern: [
        ("C1", (28, 28, 6), conv(5, 1, 6)),
        ("S2", (14, 14, 6), 0),
        ("C3", (10, 10, 16), conv(5, 6, 16)),
        ("S4", (5, 5, 16), 0),
        ("flatten", (400,), 0),
        ("C5", (120,), dense(400, 120)),
        ("F6", (84,), dense(120, 84)),
        ("output", (10,), dense(84, 10)),
    ],
    models.mnist_article003: [
        ("conv1", (26, 26, 32), conv(3, 1, 32)),
        ("pool1", (13, 13, 32), 0),
        ("conv2", (11, 11, 64), conv(3, 32, 64)),
        ("pool2", (5, 5, 64), 0),
        ("conv3", (3, 3, 64), conv(3, 64, 64)),
        ("flatten", (576,), 0),
        ("dense", (64,), dense(576, 64)),
        ("output", (10,), dense(64, 10)),
    ],
}
TOTALS = {models.lenet5_article000: 44_426, models.lenet5_1998: 61_750,
          models.lenet5_modern: 61_706, models.mnist_article003: 93_322}


def test_article003_multiply_adds_per_layer():
    # output positions × kernel taps × input channels × filters; dense: inputs × outputs
    assert models.multiply_adds(models.mnist_article003()) == {
        "conv1": 26 * 26 * 9 * 1 * 32, "conv2": 11 * 11 * 9 * 32 * 64,
        "conv3": 3 * 3 * 9 * 64 * 64, "dense": 576 * 64, "output": 64 * 10}


@pytest.mark.parametrize("build", list(EXPECTED), ids=lambda f: f.__name__)
def test_layer_shapes_and_parameter_counts_follow_the_formulas(build):
    model = build()
    assert models.layer_table(model) == EXPECTED[build]
    assert model.count_params() == sum(p for *_, p in EXPECTED[build]) == TOTALS[build]


@pytest.mark.parametrize("build", list(EXPECTED), ids=lambda f: f.__name__)
def test_a_batch_of_digits_gives_one_probability_vector_each(build):
    x = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype("float32")
    probabilities = keras.ops.convert_to_numpy(build()(x))
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_the_papers_counts_total_60000_and_differ_from_keras_only_at_c3_and_the_output():
    paper = models.LENET5_1998_PAPER
    assert sum(paper.values()) == 60_000  # "about 60,000 trainable parameters"
    table = models.C3_TABLE
    assert table.shape == (6, 16)
    assert list(table.sum(axis=0)) == [3] * 6 + [4] * 9 + [6]
    assert paper["C3"] == 5 * 5 * table.sum() + 16 == 1_516
    keras_counts = {layer.name: layer.count_params() for layer in models.lenet5_1998().layers}
    differ = {name for name, n in paper.items() if keras_counts[name] != n}
    assert differ == {"C3", "output"}


def test_the_c3_table_lists_neighbouring_maps_then_the_rest():
    table = models.C3_TABLE
    for column in range(6):  # three neighbours, cyclically: 0-1-2, 1-2-3, ...
        assert set(np.flatnonzero(table[:, column])) == {(column + i) % 6 for i in range(3)}
    for column in range(6, 12):
        assert set(np.flatnonzero(table[:, column])) == {(column - 6 + i) % 6 for i in range(4)}
    for column, rows in zip((12, 13, 14), ({0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5})):
        assert set(np.flatnonzero(table[:, column])) == rows  # two pairs, not neighbours
    assert table[:, 15].all()


def test_subsampling_is_a_trainable_sum_of_2x2_blocks():
    x = np.arange(2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3) / 10
    layer = models.Subsampling(activation="linear")
    layer.build(x.shape)
    coefficient = np.array([0.5, -1.0, 2.0], "float32")
    bias = np.array([0.1, 0.0, -0.3], "float32")
    layer.set_weights([coefficient, bias])
    block_sums = x.reshape(2, 2, 2, 2, 2, 3).sum(axis=(2, 4))
    np.testing.assert_allclose(layer(x), coefficient * block_sums + bias, rtol=1e-5)
    assert layer.count_params() == 6


def test_scaled_tanh_maps_plus_minus_one_to_about_plus_minus_one():
    y = keras.ops.convert_to_numpy(models.scaled_tanh(np.array([-1.0, 0.0, 1.0])))
    np.testing.assert_allclose(y, [-1, 0, 1], atol=1e-4)


def test_the_1998_input_has_paper_background_and_ink():
    model = models.lenet5_1998()
    image = np.zeros((1, 28, 28, 1), "float32")
    image[0, 10, 10, 0] = 1.0
    padded = model.get_layer("rescale")(model.get_layer("pad_to_32")(image))
    out = keras.ops.convert_to_numpy(padded)[0, :, :, 0]
    assert out.shape == (32, 32)
    np.testing.assert_allclose(out[0, 0], -0.1)  # the padding is background too
    np.testing.assert_allclose(out[12, 12], 1.175)


def test_augmentation_adds_no_parameters_and_is_off_at_inference():
    plain, augmented = models.lenet5_modern(), models.lenet5_modern(augment=True)
    assert augmented.count_params() == plain.count_params()
    augmented.set_weights(plain.get_weights())
    x = np.random.default_rng(1).uniform(size=(4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(augmented(x, training=False), plain(x, training=False), rtol=1e-6)
    assert not np.allclose(augmented(x, training=True), plain(x, training=True))
