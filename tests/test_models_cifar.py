"""coursekit.models, chapter 3: the CIFAR-10 CNN's shapes and parameter counts from the
formulas, and the augmentation layers (random in training, the identity at inference)."""

import keras
import numpy as np
import pytest

from coursekit import models
from coursekit.reference import conv_params as conv
from coursekit.reference import dense_params as dense


def expected(widths=(32, 64, 128), dense_units=128, num_classes=10):
    """(layer name, output shape without the batch axis, parameters), from the formulas."""
    rows, size, c_in = [], 32, 3
    for b, width in enumerate(widths, start=1):
        rows += [
            (f"block{b}_conv1", (size, size, width), conv(3, c_in, width)),
            (f"block{b}_conv2", (size, size, width), conv(3, width, width)),
        ]
        size //= 2
        rows += [(f"block{b}_pool", (size, size, width), 0),
                 (f"block{b}_dropout", (size, size, width), 0)]
        c_in = width
    flat = size * size * c_in
    return rows + [
        ("flatten", (flat,), 0),
        ("dense", (dense_units,), dense(flat, dense_units)),
        ("dropout", (dense_units,), 0),
        ("output", (num_classes,), dense(dense_units, num_classes)),
    ]


def test_default_cnn_shapes_and_parameter_counts_follow_the_formulas():
    model = models.cifar10_cnn()
    assert models.layer_table(model) == expected()
    assert model.count_params() == sum(p for *_, p in expected()) == 550_570


@pytest.mark.parametrize("widths, dense_units",
                         [((16, 32), 64), ((48, 96, 192), 256), ((8, 16, 32, 64), 32)])
def test_other_widths_and_depths_follow_the_formulas(widths, dense_units):
    dropout = (0.1,) * len(widths) + (0.5,)
    model = models.cifar10_cnn(widths=widths, dense_units=dense_units, dropout=dropout)
    assert models.layer_table(model) == expected(widths, dense_units)
    assert model.count_params() == sum(p for *_, p in expected(widths, dense_units))


def test_a_batch_gives_one_probability_vector_each_and_augmentation_adds_no_parameters():
    x = np.random.default_rng(0).uniform(size=(4, 32, 32, 3)).astype("float32")
    plain = models.cifar10_cnn()
    augmented = models.cifar10_cnn(augment=models.augmentation(zoom=0.1))
    assert augmented.count_params() == plain.count_params()
    assert augmented.layers[0].name == "augmentation"
    probabilities = keras.ops.convert_to_numpy(augmented(x, training=False))
    assert probabilities.shape == (4, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_dropout_needs_one_rate_per_block_and_one_for_the_head():
    with pytest.raises(ValueError, match="4 rates"):
        models.cifar10_cnn(dropout=(0.2, 0.3))


def test_augmentation_maps_the_image_data_generator_settings_one_to_one():
    aug = models.augmentation()  # article 001: rotation 15°, shifts 0.1, horizontal flip
    by_name = {layer.name: layer for layer in aug.layers}
    assert list(by_name) == ["flip", "translate", "rotate"]
    assert by_name["flip"].mode == "horizontal"
    assert by_name["translate"].height_factor == by_name["translate"].width_factor == 0.1
    assert by_name["rotate"].factor == (-15 / 360, 15 / 360)
    assert all(layer.fill_mode == "nearest" for layer in aug.layers[1:])
    shift_and_zoom = models.augmentation(flip=False, rotate_degrees=0, zoom=0.2)
    assert [layer.name for layer in shift_and_zoom.layers] == [
        "translate", "zoom"
    ]


def test_augmentation_is_random_in_training_and_the_identity_at_inference():
    x = np.random.default_rng(1).uniform(size=(8, 32, 32, 3)).astype("float32")
    aug = models.augmentation(seed=3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(aug(x, training=False)), x)
    out = keras.ops.convert_to_numpy(aug(x, training=True))
    assert out.shape == x.shape and not np.allclose(out, x)
    assert out.min() >= 0 and out.max() <= 1 + 1e-6  # nearest fill stays in the image's range
    flip = models.augmentation(translate=0, rotate_degrees=0, seed=0)
    flipped = keras.ops.convert_to_numpy(flip(x, training=True))
    for image, result in zip(x, flipped):  # a flip alone gives the image or its mirror
        assert np.array_equal(result, image) or np.array_equal(result, image[:, ::-1])


def test_multiply_adds_per_image_follow_the_formulas():
    counts = models.multiply_adds(models.cifar10_cnn())
    assert list(counts) == [
        "block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1",
        "block3_conv2",
        "dense", "output",
    ]
    assert counts["block1_conv1"] == 32 * 32 * 32 * 9 * 3
    assert counts["block1_conv2"] == 32 * 32 * 32 * 9 * 32
    assert counts["block2_conv2"] == 16 * 16 * 64 * 9 * 64
    assert counts["block3_conv2"] == 8 * 8 * 128 * 9 * 128
    assert counts["dense"] == 2048 * 128 and counts["output"] == 128 * 10
    # each conv's multiply-adds = its weights (without biases) x the output positions
    model = models.cifar10_cnn()
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            h, w = layer.output.shape[1:3]
            assert counts[layer.name] == int(np.prod(layer.kernel.shape)) * h * w


def test_multiply_adds_see_valid_padding_strides_and_nested_models():
    inner = keras.Sequential([keras.layers.Conv2D(4, 3, strides=2, name="strided")], name="inner")
    model = keras.Sequential([keras.Input((9, 9, 2)), inner,
                              keras.layers.Conv2D(6, 2, name="valid"),
                              keras.layers.Flatten(), keras.layers.Dense(5, name="fc")])
    counts = models.multiply_adds(model)
    assert counts == {"strided": 4 * 4 * 4 * 9 * 2, "valid": 3 * 3 * 6 * 4 * 4, "fc": 54 * 5}
