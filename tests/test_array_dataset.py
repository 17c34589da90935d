"""coursekit.pipelines.array_dataset: in-memory uint8 images as a tf.data pipeline of
batches, and a model trained on it with compile and fit."""

import keras
import numpy as np
import pytest

from coursekit import models, pipelines


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(50, 32, 32, 3), dtype=np.uint8)
    return x, rng.integers(0, 10, 50).astype(np.uint8)


def batches(ds):
    return [(x.numpy(), y.numpy()) for x, y in ds]


def test_batches_are_scaled_in_order_with_labels_as_given(arrays):
    x, y = arrays
    got = batches(pipelines.array_dataset(x, y, 16))
    assert [len(b[0]) for b in got] == [16, 16, 16, 2]
    assert got[0][0].dtype == np.float32
    np.testing.assert_allclose(np.concatenate([b[0] for b in got]), x / 255.0, atol=1e-7)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in got]), y)


def test_shuffle_is_seeded_reshuffled_every_epoch_and_keeps_the_pairs(arrays):
    x, y = arrays
    ds = pipelines.array_dataset(x, y, 50, shuffle=True, seed=3)
    (x1, y1), = batches(ds)
    (x2, y2), = batches(ds)
    (x3, _), = batches(pipelines.array_dataset(x, y, 50, shuffle=True, seed=3))
    assert not np.array_equal(x1, x2)  # a new order every epoch
    np.testing.assert_array_equal(x1, x3)  # the same seed, the same first epoch
    index = {im.tobytes(): label for im, label in zip(x, y)}  # each image keeps its label
    assert [index[im.tobytes()] for im in np.round(x1 * 255).astype(np.uint8)] == list(y1)


def test_one_hot_labels_and_augmentation_in_the_pipeline(arrays):
    x, y = arrays
    keras.utils.set_random_seed(0)
    flip_only = models.augmentation(translate=0, rotate_degrees=0)
    ds = pipelines.array_dataset(x, y, 25, augment=flip_only, num_classes=10)
    (xa, ya), _ = batches(ds)
    np.testing.assert_array_equal(ya, np.eye(10, dtype=np.float32)[y[:25]])
    assert all(np.allclose(a, im / 255.0) or np.allclose(a, im[:, ::-1] / 255.0)
               for a, im in zip(xa, x[:25]))
    assert not all(np.allclose(a, im / 255.0) for a, im in zip(xa, x[:25]))  # some were flipped


def test_length_mismatch_is_an_error(arrays):
    x, y = arrays
    with pytest.raises(ValueError, match="50 images but 49 labels"):
        pipelines.array_dataset(x, y[:-1], 8)


def test_a_model_learns_from_it():
    """Bright images are class 1, dark ones class 0: compile and fit on the pipeline."""
    rng = np.random.default_rng(1)
    y = np.arange(64) % 2
    x = (rng.integers(0, 100, (64, 8, 8, 3)) + 150 * y[:, None, None, None]).astype(np.uint8)
    keras.utils.set_random_seed(42)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    train = pipelines.array_dataset(x, y, 16, shuffle=True, seed=42, num_classes=2)
    history = model.fit(train, epochs=10, verbose=0, shuffle=False)  # the pipeline shuffles
    assert history.history["accuracy"][-1] == 1.0
