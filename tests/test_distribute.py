"""Compile and fit inside a MirroredStrategy's scope on two logical CPU devices gives the
single-device result. Runs in a subprocess, because TensorFlow's devices can
only be split before it starts, and this test process has started it."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import keras
    import tensorflow as tf
    from coursekit import runtime, train
    from coursekit.profiles import Training

    devices = runtime.split_cpu(2)
    assert len(devices) == 2, devices
    tf.config.experimental.enable_op_determinism()

    rng = np.random.default_rng(0)
    y = np.arange(256) % 2
    x = rng.normal(0, 0.3, size=(256, 8, 8, 1)).astype("float32")
    x[y == 0, 3, :, 0] += 2  # class 0: a bright row; class 1: a bright column
    x[y == 1, :, 3, 0] += 2

    def build():
        return keras.Sequential([
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ])

    recipe = Training(epochs=3, batch_size=32, optimizer="sgd", learning_rate=0.1,
                      min_accuracy=0.9)
    def dataset():
        return tf.data.Dataset.from_tensor_slices((x, y)).batch(recipe.batch_size)

    def fit(strategy):
        keras.utils.set_random_seed(1)
        with strategy.scope():
            model = build()
            model.compile(optimizer=train.optimizer(recipe, 256 // recipe.batch_size),
                          loss="sparse_categorical_crossentropy")
        history = model.fit(dataset(), epochs=recipe.epochs, verbose=0)
        return model, history.history

    single, single_history = fit(tf.distribute.get_strategy())
    strategy = tf.distribute.MirroredStrategy(devices)
    mirrored, mirrored_history = fit(strategy)
    assert strategy.num_replicas_in_sync == 2
    assert mirrored.optimizer.iterations.numpy() == 3 * 256 // 32
    for a, b in zip(single.get_weights(), mirrored.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mirrored_history["loss"], single_history["loss"], rtol=1e-4)
    assert single_history["loss"][-1] < single_history["loss"][0]
    print("same result on", strategy.num_replicas_in_sync, "replicas:", mirrored_history["loss"])
""")


def test_mirrored_strategy_on_two_cpus_matches_one_device():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "same result on 2 replicas" in done.stdout


def test_split_cpu_after_start_is_a_clear_error():
    script = ("import tensorflow as tf\nfrom coursekit import runtime\ntf.constant(1)\n"
              "try:\n    runtime.split_cpu(2)\n"
              "except RuntimeError as e:\n    print('refused:', e)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert "refused:" in done.stdout and "initialized" in done.stdout, (
        done.stdout + done.stderr[-2000:])
