"""Chapter 4's models and recipes: the cats-vs-dogs CNN, article 004's model, the errata."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from coursekit import models, profiles


@pytest.mark.parametrize("size", [64, 96, 128])
def test_cats_vs_dogs_cnn_shapes_and_parameters(size):
    model = models.cats_vs_dogs_cnn(size)
    assert model.output_shape == (None, 1)
    assert model.get_layer("gap").output.shape == (None, 256)
    assert model.get_layer("block4_pool").output.shape == (None, size // 16, size // 16, 256)
    widths = [3, 32, 64, 128, 256]
    convs = sum(3 * 3 * a * b + b for a, b in zip(widths, widths[1:]))
    assert model.count_params() == convs + 257 == 388_673  # GAP: the same at any size
    p = model(np.random.default_rng(0).random((2, size, size, 3), np.float32))
    assert p.shape == (2, 1) and np.all((0 <= p) & (p <= 1))


def test_cats_vs_dogs_cnn_augmentation_is_training_only():
    plain = models.cats_vs_dogs_cnn(32, widths=(8, 16))
    augmented = models.cats_vs_dogs_cnn(32, widths=(8, 16), augment=models.augmentation(seed=1))
    expected = (3 * 9 * 8 + 8) + (8 * 9 * 16 + 16) + 17
    assert augmented.count_params() == plain.count_params() == expected
    augmented.set_weights(plain.get_weights())
    x = np.random.default_rng(1).random((4, 32, 32, 3), np.float32)
    np.testing.assert_allclose(augmented(x, training=False), plain(x, training=False), atol=1e-6)
    assert augmented.name.endswith("_augmented")


def test_article004_model_as_written():
    model = models.cats_vs_dogs_article004()
    assert model.count_params() == 10_717_249
    assert model.output_shape == (None, 1)
    assert sum(models.multiply_adds(model).values()) > 70 * sum(
        models.multiply_adds(models.cats_vs_dogs_cnn()).values())


def test_one_sigmoid_unit_with_categorical_crossentropy_does_not_learn():
    """Article 004's erratum, as the chapter shows it (with op determinism on, as
    ``runtime.start`` sets it): one output normalised to sum to 1 is always 1, so the loss
    is 0 whatever the weights and every gradient is exactly 0. (Without determinism,
    TensorFlow's fused softmax kernel returns softmax(z) - y = 1 - y for the logit
    instead, the gradient only for labels that sum to 1: not learning either.)"""
    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(0)
    model = models.cats_vs_dogs_cnn(32, widths=(8, 16))
    x = np.random.default_rng(2).random((8, 32, 32, 3), np.float32)
    y = np.array([0, 1] * 4, np.float32)[:, None]
    bias = model.get_layer("output").bias
    for loss in (keras.losses.CategoricalCrossentropy(), keras.losses.BinaryCrossentropy()):
        with tf.GradientTape() as tape:
            p = model(x, training=True)
            value = loss(y, p)
        grads = tape.gradient(value, model.trainable_weights)
        largest = max(float(tf.reduce_max(tf.abs(g))) for g in grads)
        if loss.name == "categorical_crossentropy":
            assert float(value) == 0.0 and largest == 0.0
        else:
            assert float(value) > 0.1 and largest > 0
            bias_grad = grads[[w.path for w in model.trainable_weights].index(bias.path)]
            assert float(bias_grad[0]) == pytest.approx(float(np.mean(p - y)), abs=1e-6)


def test_every_profile_has_the_chapter_4_recipe_and_settings():
    for profile in profiles.PROFILES.values():
        recipe = profile.training["cats_vs_dogs_cnn"]
        assert recipe.optimizer == "adam" and recipe.epochs > 0 and recipe.min_accuracy < 1
        assert recipe.min_accuracy > 0.5  # every profile asserts learning above chance
        settings = profile.settings
        assert settings["cats_vs_dogs_image_size"] % 16 == 0
        assert settings["cats_vs_dogs_errata_images"] >= recipe.batch_size
