"""coursekit.train on a tiny synthetic task: seeded, timed, and the recipe's optimizer."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from coursekit import train  # noqa: E402
from coursekit.profiles import Training  # noqa: E402

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
    for i, (label, k) in enumerate(zip(y, where)):
        if label == 0:
            x[i, k, :, 0] += 2
        else:
            x[i, :, k, 0] += 2
    return x, y


def tiny_cnn():
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


def test_the_same_seed_gives_the_same_history(stripes):
    x, y = stripes
    first = train.fit(tiny_cnn, x, y, RECIPE, validation_data=(x, y), seed=3)
    second = train.fit(tiny_cnn, x, y, RECIPE, validation_data=(x, y), seed=3)
    other = train.fit(tiny_cnn, x, y, RECIPE, validation_data=(x, y), seed=4)
    assert first.history == second.history
    for a, b in zip(first.model.get_weights(), second.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert other.history["loss"] != first.history["loss"]


def test_the_run_holds_history_and_times(stripes):
    x, y = stripes
    run = train.fit(tiny_cnn, x, y, RECIPE, validation_data=(x, y))
    assert set(run.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == RECIPE.epochs for values in run.history.values())
    assert len(run.epoch_seconds) == RECIPE.epochs and min(run.epoch_seconds) > 0
    assert run.seconds >= sum(run.epoch_seconds) == run.seconds_to(RECIPE.epochs)
    assert run.model.optimizer.iterations.numpy() == RECIPE.epochs * 4  # 64 / 16 steps


def test_it_learns_an_easy_task(stripes):
    x, y = stripes
    recipe = Training(epochs=15, batch_size=16, optimizer="adam", learning_rate=0.02, min_accuracy=0.9)
    run = train.fit(tiny_cnn, x, y, recipe)
    assert run.history["accuracy"][-1] >= recipe.min_accuracy
    assert run.history["loss"][-1] < run.history["loss"][0]


def test_first_epoch_and_stop_at(stripes):
    x, y = stripes
    run = train.Run(model=None, history={"val_accuracy": [0.5, 0.8, 0.95, 0.9]}, seconds=4.0,
                    epoch_seconds=[1.0, 1.0, 1.5, 0.5])
    assert run.first_epoch("val_accuracy", 0.8) == 2
    assert run.first_epoch("val_accuracy", 0.99) is None
    assert run.seconds_to(3) == 3.5

    recipe = Training(epochs=30, batch_size=16, optimizer="adam", learning_rate=0.02, min_accuracy=0.9)
    stopped = train.fit(tiny_cnn, x, y, recipe, validation_data=(x, y),
                        callbacks=[train.StopAt("val_accuracy", 0.75)])
    epochs = len(stopped.history["val_accuracy"])
    assert epochs < recipe.epochs and len(stopped.epoch_seconds) == epochs
    assert stopped.first_epoch("val_accuracy", 0.75) == epochs


def test_the_recipe_builds_its_optimizer():
    sgd = train.optimizer(Training(1, 8, "sgd", 0.05, 0.9, momentum=0.9), steps_per_epoch=10)
    assert isinstance(sgd, keras.optimizers.SGD)
    assert sgd.momentum == 0.9 and np.isclose(float(sgd.learning_rate), 0.05)

    adam = train.optimizer(Training(4, 8, "adam", 0.002, 0.9, cosine_decay=True), steps_per_epoch=10)
    assert isinstance(adam, keras.optimizers.Adam)
    schedule = adam._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert np.isclose(float(schedule(0)), 0.002)
    assert np.isclose(float(schedule(20)), 0.001)  # half way: half the rate
    assert float(schedule(40)) < 1e-9  # 4 epochs × 10 steps: down to 0


def test_a_dataset_of_batches_trains_deterministically(stripes):
    x, y = stripes

    def dataset():  # a new one per run: a reused one goes on to its next shuffle order
        return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(RECIPE.batch_size)

    first = train.fit(tiny_cnn, dataset(), None, RECIPE, validation_data=dataset())
    second = train.fit(tiny_cnn, dataset(), None, RECIPE, validation_data=dataset())
    assert first.history == second.history and set(first.history) >= {"loss", "val_accuracy"}
    assert first.model.optimizer.iterations.numpy() == RECIPE.epochs * 4  # 64 / 16 steps


def test_an_endless_dataset_is_a_clear_error(stripes):
    x, y = stripes
    endless = tf.data.Dataset.from_tensor_slices((x, y)).batch(16).repeat()
    with pytest.raises(ValueError, match="infinite length.*repeat"):
        train.fit(tiny_cnn, endless, None, RECIPE)


def test_jit_compile_reaches_compile_where_keras_turns_it_down_under_determinism(stripes):
    x, y = stripes  # op determinism is on (see the fixture): Keras refuses XLA, and says so
    with pytest.warns(UserWarning, match="doesn't support `jit_compile=True`"):
        xla = train.fit(tiny_cnn, x, y, RECIPE, jit_compile=True)
    plain = train.fit(tiny_cnn, x, y, RECIPE, jit_compile=False)
    assert xla.model.jit_compile is False
    assert xla.history == plain.history
