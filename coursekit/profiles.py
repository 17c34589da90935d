"""Run profiles: how much work a notebook does, in one table.

``COURSEKIT_PROFILE`` picks one of:

- ``smoke``: CI and the notebook tests (2-core CPU, no GPU, each notebook ~3 minutes or
  less): data subsets, one or two epochs, yet every chapter still asserts it learned.
- ``quick``: a laptop CPU (each notebook ~15 minutes or less) on the real data.
- ``full``: a GPU or Colab: the full data and schedule; the book's headline numbers.

Unset, it is ``full`` when TensorFlow sees a GPU and ``quick`` otherwise. Every size,
epoch count and accuracy threshold a notebook uses lives in ``PROFILES`` below, never
in a cell: ``Profile.data`` says how many examples of each data set to take,
``Profile.training`` how each model is trained (a ``Training`` recipe per model,
keyed by the name of its builder in ``coursekit.models``) and the test accuracy the
notebook asserts it reaches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

ENV_VAR = "COURSEKIT_PROFILE"


@dataclass(frozen=True)
class Split:
    """How many examples a profile takes from a data set (``None``: all of them)."""

    train: int | None
    test: int | None


@dataclass(frozen=True)
class Training:
    """How a profile trains one model, and the test accuracy the notebook asserts.

    ``optimizer`` is a ``keras.optimizers`` name (``"sgd"``, ``"adam"``, ...), built by
    ``coursekit.train`` with ``learning_rate`` and, for SGD, ``momentum``. With
    ``cosine_decay`` the learning rate falls from ``learning_rate`` to 0 along a half
    cosine over the ``epochs``; otherwise it stays constant.
    """

    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    min_accuracy: float
    momentum: float = 0.0
    cosine_decay: bool = False


@dataclass(frozen=True)
class Profile:
    """One row of the table: a name, what it is for, the sizes per data set and the
    training recipe per model."""

    name: str
    purpose: str
    data: dict[str, Split] = field(default_factory=dict)
    training: dict[str, Training] = field(default_factory=dict)


# Chapter 2. The seed's recipe is the same everywhere (seed 000: SGD, learning rate
# 0.05, batch 256; it asks for 100 epochs, the notebook shows fewer suffice). The 1998
# net: SGD with momentum and a decaying learning rate (the paper decayed its own by
# hand). The modern one: Adam with cosine decay. Measured targets (quick, full MNIST):
# modern >= 98.8 %; full: >= 99.0 %, the 1998 paper's 0.95 % error.
def _seed_recipe(epochs: int, min_accuracy: float) -> Training:
    return Training(epochs, batch_size=256, optimizer="sgd", learning_rate=0.05, min_accuracy=min_accuracy)


def _lenet5_1998(epochs: int, min_accuracy: float) -> Training:
    return Training(
        epochs, batch_size=128, optimizer="sgd", learning_rate=0.02, momentum=0.9,
        cosine_decay=True, min_accuracy=min_accuracy,
    )


def _lenet5_modern(epochs: int, min_accuracy: float) -> Training:
    return Training(
        epochs, batch_size=128, optimizer="adam", learning_rate=0.002, cosine_decay=True,
        min_accuracy=min_accuracy,
    )


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="CI and notebook tests: 2-core CPU, ~3 min a notebook, subsets",
        data={
            "mnist": Split(train=6_000, test=1_000),
            "cifar10": Split(train=4_000, test=1_000),
            "cats_vs_dogs": Split(train=400, test=200),
        },
        training={
            "lenet5_seed": _seed_recipe(epochs=20, min_accuracy=0.90),
            "lenet5_1998": _lenet5_1998(epochs=5, min_accuracy=0.90),
            "lenet5_modern": _lenet5_modern(epochs=5, min_accuracy=0.90),
        },
    ),
    "quick": Profile(
        name="quick",
        purpose="laptop CPU: ~15 min a notebook on the real data",
        data={
            "mnist": Split(train=None, test=None),
            # The offline mirror holds 2 of CIFAR-10's 5 training batches.
            "cifar10": Split(train=20_000, test=None),
            "cats_vs_dogs": Split(train=None, test=None),
        },
        training={
            "lenet5_seed": _seed_recipe(epochs=20, min_accuracy=0.975),
            "lenet5_1998": _lenet5_1998(epochs=12, min_accuracy=0.985),
            "lenet5_modern": _lenet5_modern(epochs=12, min_accuracy=0.988),
        },
    ),
    "full": Profile(
        name="full",
        purpose="GPU or Colab: full data and schedule, the book's headline numbers",
        data={
            "mnist": Split(train=None, test=None),
            "cifar10": Split(train=None, test=None),
            "cats_vs_dogs": Split(train=None, test=None),
        },
        training={
            "lenet5_seed": _seed_recipe(epochs=30, min_accuracy=0.978),
            "lenet5_1998": _lenet5_1998(epochs=20, min_accuracy=0.988),
            "lenet5_modern": _lenet5_modern(epochs=30, min_accuracy=0.990),
        },
    ),
}


def _has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def active() -> Profile:
    """The profile named by ``COURSEKIT_PROFILE``, or the default for this machine."""
    name = os.environ.get(ENV_VAR, "").strip().lower()
    if not name:
        name = "full" if _has_gpu() else "quick"
    if name not in PROFILES:
        raise ValueError(
            f"{ENV_VAR}={name!r} is not a run profile; "
            f"set it to one of {', '.join(PROFILES)} (or unset it for the default)."
        )
    return PROFILES[name]
