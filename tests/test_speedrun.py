"""coursekit.speedrun: the whitening filters whiten, the network has the shapes and costs of
its docstring, the schedule warms up and decays, tricks come off one at a time."""

import json
from dataclasses import replace

import keras
import numpy as np
import pytest

from coursekit import models, profiles, results, speedrun

QUICK = speedrun.RECIPES["quick"]


def _images(n=200, seed=0):
    """Correlated colour images in [0, 1]: smooth noise, the same in every channel plus a bit."""
    rng = np.random.default_rng(seed)
    base = rng.random((n, 33, 33, 1))
    smooth = (base[:, 1:, 1:] + base[:, :-1, :-1]) / 2
    return np.clip(smooth + 0.1 * rng.random((n, 32, 32, 3)), 0, 1).astype("float32")


def test_whitening_filters_decorrelate_patches_to_unit_variance():
    images = _images()
    kernel = speedrun.whitening_filters(images)
    assert kernel.shape == (2, 2, 3, 24) and kernel.dtype == np.float32
    np.testing.assert_allclose(kernel[..., 12:], -kernel[..., :12])
    out = keras.ops.convert_to_numpy(keras.ops.conv(images, kernel)).reshape(-1, 24)[:, :12]
    covariance = np.cov(out, rowvar=False)
    # eps damps the smallest directions a little; the others come out white
    np.testing.assert_allclose(np.diag(covariance)[:4], 1, atol=0.01)
    assert np.all(np.diag(covariance) <= 1)
    off = covariance - np.diag(np.diag(covariance))
    assert np.abs(off).max() < 1e-3


def test_network_shapes_and_multiply_adds():
    model = speedrun.network(QUICK, speedrun.whitening_filters(_images(50)))
    assert model.output_shape == (None, 10)
    assert model.get_layer("whiten").output.shape[1:] == (31, 31, 24)
    assert not model.get_layer("whiten").trainable
    macs = models.multiply_adds(model)
    # whiten 31²·24·2²·3, block 1: 31²·32·9·24 and 15²·32·9·32, block 2 at 15² and 7², ...
    assert macs["whiten"] == 31 * 31 * 24 * 12 and macs["block1_conv1"] == 31 * 31 * 32 * 9 * 24
    assert macs["block3_conv2"] == 3 * 3 * 128 * 9 * 128 and macs["logits"] == 128 * 10
    assert 30e6 < sum(macs.values()) < 35e6
    trained = speedrun.network(QUICK)
    assert trained.get_layer("whiten").trainable


def test_optimizer_warms_up_then_decays_to_zero():
    rate = speedrun.schedule(QUICK, steps_per_epoch=10)  # 80 steps, 16 of warm-up
    lr = [float(keras.ops.convert_to_numpy(rate(step))) for step in (0, 8, 16, 48, 80)]
    assert lr[0] == 0 and lr[1] == pytest.approx(0.75) and lr[2] == pytest.approx(1.5)
    assert lr[3] == pytest.approx(0.75, abs=1e-4) and lr[4] == pytest.approx(0, abs=1e-6)
    opt = speedrun.optimizer(QUICK, 10)
    assert opt.nesterov and opt.momentum == 0.9 and opt.weight_decay == QUICK.weight_decay
    flat = speedrun.schedule(speedrun.without(QUICK, "warmup"), 10)
    assert float(keras.ops.convert_to_numpy(flat(0))) == pytest.approx(1.5)


def test_augmentation_shifts_by_whole_pixels_and_flips():
    images = _images(8)
    shift_only = speedrun.augmentation(replace(QUICK, flip=False), seed=3)
    out = keras.ops.convert_to_numpy(shift_only(images, training=True))
    for original, moved in zip(images, out):
        inner = moved[2:-2, 2:-2]  # away from the reflected border
        assert any(np.allclose(inner, original[2 + dy:30 + dy, 2 + dx:30 + dx])
                   for dy in range(-2, 3) for dx in range(-2, 3))
    flip_only = speedrun.augmentation(replace(QUICK, shift=0), seed=3)
    out = keras.ops.convert_to_numpy(flip_only(images, training=True))
    assert all(np.allclose(o, i) or np.allclose(o, i[:, ::-1]) for o, i in zip(out, images))
    assert speedrun.augmentation(replace(QUICK, shift=0, flip=False)).layers == []


def test_predict_averages_the_image_and_its_mirror():
    model = speedrun.network(QUICK)
    images = (255 * _images(4)).astype("uint8")
    plain = speedrun.predict(model, images, tta=False)
    mirrored = speedrun.predict(model, images[:, :, ::-1], tta=False)
    np.testing.assert_allclose(speedrun.predict(model, images), (plain + mirrored) / 2,
                               rtol=1e-5)
    np.testing.assert_allclose(plain.sum(axis=1), 1, rtol=1e-5)


def test_without_removes_one_trick_and_names_the_choices():
    assert not speedrun.without(QUICK, "whiten").whiten
    assert speedrun.without(QUICK, "label_smoothing").label_smoothing == 0
    assert speedrun.without(QUICK, "shift") == replace(QUICK, shift=0)
    assert speedrun.without(QUICK, "flip").flip is False
    assert speedrun.without(QUICK, "warmup").warmup == 0
    with pytest.raises(ValueError, match="unknown trick 'ema'; choose one of whiten"):
        speedrun.without(QUICK, "ema")


def test_every_profile_has_a_recipe():
    assert set(speedrun.RECIPES) == {"smoke", "quick", "full"}
    assert speedrun.RECIPES["smoke"].epochs < QUICK.epochs


def test_quick_threshold_follows_the_seed_spread_on_record():
    record = json.loads((results.BENCH_RESULTS / "speedrun_ablation.json").read_text())
    lines = {k: v["value"] for k, v in record["results"].items()}
    key = "full recipe: test, flip TTA"
    assert lines[f"{key}_n"] >= 3, "run python bench/speedrun_ablation.py --profile quick"
    assert record["command"].endswith("--profile quick")
    assert QUICK.min_accuracy == profiles.threshold(lines[f"{key}_mean"], lines[f"{key}_std"])
