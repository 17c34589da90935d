"""Compile and fit inside a MirroredStrategy's scope on two logical CPU devices gives the
single-device result. Runs in a subprocess, because TensorFlow's devices can
only be split before it starts, and this test process has started it.

MultiWorkerMirroredStrategy with two worker processes on 127.0.0.1 (coursekit.multiworker)
trains as one process on one device does: equal up to rounding, i.e. within 1e-12 of the
largest update in float64 (measured: 7e-16) and 1e-4 in float32 (measured: 1.2e-6)."""

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from coursekit import multiworker

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


def _updates(result, precision):
    return [np.array(u) for u in result[precision]["update"]]


def _gap(a, b):
    """Largest difference between two runs' weight updates, relative to the largest of a's."""
    return max(np.abs(x - y).max() for x, y in zip(a, b)) / max(np.abs(x).max() for x in a)


def test_two_workers_on_loopback_train_as_one_device():
    (alone,) = multiworker.run(workers=0, timeout=120)
    chief, second = multiworker.run(workers=2, timeout=120)
    assert alone["replicas"] == 1 and chief["replicas"] == second["replicas"] == 2
    for precision, tolerance in (("float32", 1e-4), ("float64", 1e-12)):
        one, two = _updates(alone, precision), _updates(chief, precision)
        assert max(np.abs(u).max() for u in one) > 1e-3, "training should move the weights"
        assert _gap(two, _updates(second, precision)) == 0, "the workers should stay in sync"
        assert _gap(one, two) < tolerance, (precision, _gap(one, two))
        np.testing.assert_allclose(chief[precision]["loss"], alone[precision]["loss"],
                                   rtol=tolerance)


def _children_running_multiworker():
    found = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and (
                b"coursekit.multiworker" in cmdline):
            found.append(proc.name)
    return found


def test_a_cluster_past_its_timeout_is_killed_with_a_clear_error():
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="ran past 1 s"):
        multiworker.run(workers=2, timeout=1)  # importing TensorFlow alone takes longer
    assert time.monotonic() - started < 30
    assert not _children_running_multiworker()


def test_free_ports_are_distinct_and_bindable():
    ports = multiworker.free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
