"""coursekit.models.cifar10_cnn(batch_norm=...): where the BN layers go, the parameter
counts from the formulas, and the default left exactly as chapter 3 built it."""

import keras
import numpy as np
import pytest

from coursekit import models

WIDTHS, DENSE = (8, 16), 12
DROPOUT = (0.1, 0.1, 0.2)


def build(batch_norm=None, **kwargs):
    return models.cifar10_cnn(widths=WIDTHS, dense_units=DENSE, dropout=DROPOUT,
                              batch_norm=batch_norm, **kwargs)


def names(model):
    return [layer.name for layer in model.layers]


def test_default_is_the_chapter_3_model():
    plain, explicit = models.cifar10_cnn(), models.cifar10_cnn(batch_norm=None)
    assert names(plain) == names(explicit) and plain.name == explicit.name == "cifar10_cnn"
    assert plain.count_params() == explicit.count_params()
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)


@pytest.mark.parametrize("placement", ["before", "after"])
def test_parameter_counts_follow_the_formulas(placement):
    plain, bn = build(), build(placement)
    channels = [w for w in WIDTHS for _ in range(2)] + [DENSE]  # one BN per conv and the dense
    dropped_biases = sum(channels) if placement == "before" else 0
    assert bn.count_params() == plain.count_params() - dropped_biases + 4 * sum(channels)
    trainable = sum(keras.ops.size(w) for w in bn.trainable_weights)
    assert int(trainable) == plain.count_params() - dropped_biases + 2 * sum(channels)
    assert bn.name == f"cifar10_cnn_bn_{placement}"


def test_bn_goes_before_or_after_the_relu():
    before, after = names(build("before")), names(build("after"))
    assert before[:4] == ["block1_conv1", "block1_conv1_bn", "block1_conv1_relu", "block1_conv2"]
    assert after[:3] == ["block1_conv1", "block1_conv1_bn", "block1_conv2"]
    b = {layer.name: layer for layer in build("before").layers}
    a = {layer.name: layer for layer in build("after").layers}
    assert not b["block1_conv1"].use_bias
    assert b["block1_conv1"].activation is keras.activations.linear
    assert a["block1_conv1"].use_bias and a["block1_conv1"].activation is keras.activations.relu
    assert not b["dense"].use_bias and "dense_bn" in b and "dense_relu" in b
    assert b["dense_bn"].momentum == 0.99
    assert build("after", bn_momentum=0.9).get_layer("dense_bn").momentum == 0.9


def test_outputs_are_probabilities_in_both_modes():
    x = np.random.default_rng(0).uniform(size=(4, 32, 32, 3)).astype("float32")
    model = build("before")
    for training in (True, False):
        p = keras.ops.convert_to_numpy(model(x, training=training))
        assert p.shape == (4, 10)
        np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)


def test_unknown_placement_is_a_clear_error():
    with pytest.raises(ValueError, match="batch_norm must be one of"):
        build("middle")


@pytest.mark.parametrize("normalization, suffix, layer_type", [
    ("layer", "ln", keras.layers.LayerNormalization),
    ("group", "gn", keras.layers.GroupNormalization)])
def test_layer_and_group_normalization_in_the_same_places(normalization, suffix, layer_type):
    plain, normed = build(), build("before", normalization=normalization)
    assert names(normed)[:3] == ["block1_conv1", f"block1_conv1_{suffix}", "block1_conv1_relu"]
    channels = [w for w in WIDTHS for _ in range(2)] + [DENSE]
    # γ and β per channel, all trainable, no moving statistics; the biases dropped
    assert normed.count_params() == plain.count_params() - sum(channels) + 2 * sum(channels)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in normed.layers)
    assert sum(isinstance(layer, layer_type) for layer in normed.layers) == len(channels)
    assert normed.name == f"cifar10_cnn_{suffix}_before"


def test_group_counts_divide_the_channels():
    gn = {layer.name: layer for layer in build("before", normalization="group").layers}
    assert [gn[n].groups for n in ("block1_conv1_gn", "block2_conv1_gn", "dense_gn")] == [8, 8, 4]


def test_layer_and_group_norm_ignore_the_rest_of_the_batch():
    x = np.random.default_rng(1).uniform(size=(4, 32, 32, 3)).astype("float32")
    for normalization in ("layer", "group", "batch"):
        model = models.cifar10_cnn(widths=WIDTHS, dense_units=DENSE, dropout=(0, 0, 0),
                                   batch_norm="before", normalization=normalization)
        alone = keras.ops.convert_to_numpy(model(x[:1], training=True))
        together = keras.ops.convert_to_numpy(model(x, training=True))[:1]
        assert np.allclose(alone, together, atol=1e-5) == (normalization != "batch")


def test_unknown_normalization_is_a_clear_error():
    with pytest.raises(ValueError, match="normalization must be one of"):
        build("before", normalization="instance")
