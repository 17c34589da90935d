"""Seeding and the one-line environment banner every notebook starts with."""

from __future__ import annotations

import os
import platform

from coursekit import profiles


def device_name() -> str:
    """A readable name of the device TensorFlow computes on, e.g. ``'GPU: NVIDIA H100'``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)} (x{len(gpus)})"
    return f"CPU: {cpu_model()} ({os.cpu_count()} cores)"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def split_cpu(replicas: int) -> list[str]:
    """Split the CPU into ``replicas`` logical devices, for trying ``tf.distribute`` on one
    machine; returns their names (``['/device:CPU:0', ...]``).

    Must run before TensorFlow creates its first tensor (at the top of a program or a
    fresh kernel); afterwards TensorFlow refuses with a ``RuntimeError``.
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)]
    )
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def versions() -> dict[str, str]:
    """Versions of Python, TensorFlow and Keras, as strings."""
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def start(seed: int = 42) -> profiles.Profile:
    """Seed Python, NumPy and TensorFlow, turn on op determinism, print the banner.

    Returns the active run profile.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    profile = profiles.active()
    v = versions()
    print(
        f"profile: {profile.name} ({profile.purpose})\n"
        f"TensorFlow {v['tensorflow']}, Keras {v['keras']}, Python {v['python']}\n"
        f"device: {device_name()}\nseed: {seed}"
    )
    return profile
