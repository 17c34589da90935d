"""Seeding and the banner (profile, versions, hardware) every notebook and bench prints."""

import os
import platform
from pathlib import Path

import keras
import tensorflow as tf

from coursekit import profiles  # importing coursekit set TensorFlow's log level


def device_name() -> str:
    """The device TensorFlow computes on, e.g. ``'GPU: NVIDIA H100 (x1)'``."""
    if gpus := tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)} (x{len(gpus)})"
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.exists() else []
    return f"CPU: {names[0] if names else platform.machine()} ({os.cpu_count()} cores)"


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__}


def banner() -> str:
    """Versions, device and load average (1, 5, 15 min), in two lines."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
            f"{platform.python_version()}\ndevice: {device_name()}; load average {load}")


def split_cpu(replicas: int) -> list[str]:
    """Split the CPU into ``replicas`` logical devices for ``tf.distribute``; their names.
    Only before TensorFlow's first tensor, else a ``RuntimeError``."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)])
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def start(seed: int = 42) -> profiles.Profile:
    """Seed everything, make ops deterministic, print the banner: the active run profile."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    profile = profiles.active()
    print(f"profile: {profile.name} ({profile.purpose})\n{banner()}\nseed: {seed}")
    return profile
