"""coursekit.images.array_dataset: in-memory uint8 images as a tf.data pipeline of batches,
and coursekit.train's optional weight decay and learning-rate warm-up."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from coursekit import images, models, train  # noqa: E402
from coursekit.profiles import Training  # noqa: E402


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(50, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 50).astype(np.uint8)


def batches(ds):
    return [(x.numpy(), y.numpy()) for x, y in ds]


def test_batches_are_scaled_in_order_with_labels_as_given(arrays):
    x, y = arrays
    got = batches(images.array_dataset(x, y, 16))
    assert [len(b[0]) for b in got] == [16, 16, 16, 2]
    assert got[0][0].dtype == np.float32
    np.testing.assert_allclose(np.concatenate([b[0] for b in got]), x / 255.0, atol=1e-7)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in got]), y)


def test_shuffle_is_seeded_reshuffled_every_epoch_and_keeps_the_pairs(arrays):
    x, y = arrays
    ds = images.array_dataset(x, y, 50, shuffle=True, seed=3)
    (x1, y1), = batches(ds)
    (x2, y2), = batches(ds)
    (x3, _), = batches(images.array_dataset(x, y, 50, shuffle=True, seed=3))
    assert not np.array_equal(x1, x2)  # a new order every epoch
    np.testing.assert_array_equal(x1, x3)  # the same seed, the same first epoch
    index = {im.tobytes(): label for im, label in zip(x, y)}  # each image keeps its label
    assert [index[im.tobytes()] for im in np.round(x1 * 255).astype(np.uint8)] == list(y1)


def test_one_hot_labels_and_augmentation_in_the_pipeline(arrays):
    x, y = arrays
    keras.utils.set_random_seed(0)
    ds = images.array_dataset(x, y, 25, augment=models.augmentation(translate=0, rotate_degrees=0), num_classes=10)
    (xa, ya), _ = batches(ds)
    np.testing.assert_array_equal(ya, np.eye(10, dtype=np.float32)[y[:25]])
    flipped = [np.allclose(a, im / 255.0) or np.allclose(a, im[:, ::-1] / 255.0) for a, im in zip(xa, x[:25])]
    assert all(flipped)
    assert not all(np.allclose(a, im / 255.0) for a, im in zip(xa, x[:25]))  # some were flipped


def test_length_mismatch_is_an_error(arrays):
    x, y = arrays
    with pytest.raises(ValueError, match="50 images but 49 labels"):
        images.array_dataset(x, y[:-1], 8)


def test_warmup_then_cosine_and_weight_decay_reach_the_optimizer():
    recipe = Training(epochs=4, batch_size=8, optimizer="adamw", learning_rate=0.01, min_accuracy=0,
                      cosine_decay=True, warmup_epochs=1, weight_decay=0.05)
    opt = train.optimizer(recipe, steps_per_epoch=10)
    assert isinstance(opt, keras.optimizers.AdamW) and opt.weight_decay == pytest.approx(0.05)
    schedule = opt._learning_rate
    values = [float(schedule(step)) for step in (0, 5, 10, 25, 40)]
    assert values[0] == 0 and values[1] == pytest.approx(0.005) and values[2] == pytest.approx(0.01)
    assert values[3] == pytest.approx(0.005, rel=1e-4) and values[4] == pytest.approx(0, abs=1e-9)
    plain = train.optimizer(Training(2, 8, "adam", 0.01, 0, cosine_decay=True), steps_per_epoch=10)
    assert float(plain._learning_rate(0)) == pytest.approx(0.01)  # no warm-up: unchanged
    assert not hasattr(plain, "weight_decay") or not plain.weight_decay
