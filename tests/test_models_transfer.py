"""Chapter 4b's backbone: BatchNorm CNN without a head, any image size, reusable."""

import keras
import numpy as np

from coursekit import models


def test_bn_backbone_shapes_parameters_and_any_image_size():
    backbone = models.bn_backbone()
    widths = [3, 32, 64, 128, 256]
    convs = sum(3 * 3 * a * b for a, b in zip(widths, widths[1:]))  # no bias: BN's beta
    assert backbone.count_params() == convs + 4 * sum(widths[1:]) == 389_856
    moving = sum(int(np.prod(w.shape)) for w in backbone.non_trainable_weights)
    assert moving == 2 * sum(widths[1:]) == 960  # moving means and variances
    x = np.random.default_rng(0).random((2, 64, 64, 3), np.float32)
    for size in (32, 64):
        assert backbone(x[:, :size, :size], training=False).shape == (2, 256)
    assert models.multiply_adds(models.bn_backbone(image_size=32))["block1_conv"] == (
        32 * 32 * 32 * 3 * 3 * 3)


def test_frozen_backbone_keeps_its_weights_and_bn_statistics():
    keras.utils.set_random_seed(0)
    backbone = models.bn_backbone(widths=(4, 8))
    inputs = keras.Input((16, 16, 3))
    outputs = keras.layers.Dense(1, activation="sigmoid")(backbone(inputs, training=False))
    model = keras.Model(inputs, outputs)
    backbone.trainable = False
    assert len(model.trainable_weights) == 2  # the head's kernel and bias
    before = [w.copy() for w in backbone.get_weights()]
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(1).random((8, 16, 16, 3), np.float32)
    model.fit(x, np.array([0, 1] * 4, np.float32), epochs=2, verbose=0)
    for a, b in zip(before, backbone.get_weights()):
        np.testing.assert_array_equal(a, b)
