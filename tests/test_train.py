"""coursekit.train: the recipe's optimizer and schedule, the epoch timer, stopping, and a
tiny compile + fit written out as the chapters write it (deterministic under a seed)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from coursekit import train
from coursekit.profiles import Training

RECIPE = Training(epochs=3, batch_size=16, optimizer="sgd", learning_rate=0.1, min_accuracy=0.9)


@pytest.fixture(scope="module", autouse=True)
def deterministic_ops():
    tf.config.experimental.enable_op_determinism()  # as runtime.start() does


@pytest.fixture(scope="module")
def stripes():
    """64 8×8 images: class 0 has a bright row, class 1 a bright column, plus noise."""
    rng = np.random.default_rng(0)
    y = np.arange(64) % 2
    x = rng.normal(0, 0.3, size=(64, 8, 8, 1)).astype("float32")
    where = rng.integers(0, 8, size=64)
    for i, (label, k) in enumerate(zip(y, where, strict=True)):
        if label == 0:
            x[i, k, :, 0] += 2
        else:
            x[i, :, k, 0] += 2
    return x, y


def fit(x, y, recipe, seed=42, callbacks=()):
    """Seed, build, compile and fit, as a chapter does."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalMaxPooling2D(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    steps = -(-len(x) // recipe.batch_size)
    model.compile(optimizer=train.optimizer(recipe, steps), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    timer = train.EpochTimer()
    history = model.fit(x, y, batch_size=recipe.batch_size, epochs=recipe.epochs,
                        validation_data=(x, y), callbacks=[timer, *callbacks], verbose=0)
    return model, history.history, timer.seconds


def test_the_same_seed_gives_the_same_model_and_history(stripes):
    first, second, other = (fit(*stripes, RECIPE, seed=s) for s in (3, 3, 4))
    assert first[1] == second[1]
    for a, b in zip(first[0].get_weights(), second[0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert other[1]["loss"] != first[1]["loss"]


def test_the_timer_gives_one_positive_time_per_epoch(stripes):
    model, history, seconds = fit(*stripes, RECIPE)
    assert len(seconds) == RECIPE.epochs == len(history["val_loss"]) and min(seconds) > 0
    assert model.optimizer.iterations.numpy() == RECIPE.epochs * 4  # 64 / 16 steps


def test_stop_at_and_first_epoch(stripes):
    assert train.first_epoch({"val_accuracy": [0.5, 0.8, 0.95, 0.9]}, "val_accuracy", 0.8) == 2
    assert train.first_epoch({"val_accuracy": [0.5, 0.8]}, "val_accuracy", 0.99) is None
    recipe = Training(epochs=30, batch_size=16, optimizer="adam", learning_rate=0.02,
                      min_accuracy=0.9)
    _, history, seconds = fit(*stripes, recipe, callbacks=[train.StopAt("val_accuracy", 0.75)])
    epochs = len(history["val_accuracy"])
    assert epochs < recipe.epochs and len(seconds) == epochs
    assert train.first_epoch(history, "val_accuracy", 0.75) == epochs


def test_the_recipe_builds_its_optimizer():
    sgd = train.optimizer(Training(1, 8, "sgd", 0.05, 0.9, momentum=0.9), steps_per_epoch=10)
    assert isinstance(sgd, keras.optimizers.SGD)
    assert sgd.momentum == 0.9 and np.isclose(float(sgd.learning_rate), 0.05)
    adamw = train.optimizer(Training(1, 8, "adamw", 0.01, 0.9, weight_decay=0.05), 10)
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.weight_decay == 0.05


def test_cosine_decay_falls_to_zero_over_the_epochs():
    adam = train.optimizer(Training(4, 8, "adam", 0.002, 0.9, cosine_decay=True), 10)
    schedule = adam._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert np.isclose(float(schedule(0)), 0.002)
    assert np.isclose(float(schedule(20)), 0.001)  # half way: half the rate
    assert float(schedule(40)) < 1e-9  # 4 epochs × 10 steps: down to 0


def test_warmup_rises_linearly_then_decays_to_zero():
    recipe = Training(5, 8, "adamw", 0.002, 0.9, cosine_decay=True, warmup_epochs=1)
    schedule = train.optimizer(recipe, steps_per_epoch=10)._learning_rate
    assert float(schedule(0)) == 0.0
    assert np.isclose(float(schedule(5)), 0.001)  # half of the 10 warm-up steps: half the rate
    assert np.isclose(float(schedule(10)), 0.002)  # the peak, after one epoch
    assert np.isclose(float(schedule(30)), 0.001)  # half of the 40 decay steps
    assert float(schedule(50)) < 1e-9
