"""Run profiles: how much work a notebook does, in one table.

``COURSEKIT_PROFILE`` picks one of:

- ``smoke``: CI and the notebook tests (2-core CPU, no GPU, each notebook ~3 minutes or
  less): data subsets, one or two epochs, yet every chapter still asserts it learned.
- ``quick``: a laptop CPU (each notebook ~15 minutes or less) on the real data.
- ``full``: a GPU or Colab: the full data and schedule; the book's headline numbers.

Unset, it is ``full`` when TensorFlow sees a GPU and ``quick`` otherwise. Every size,
epoch count and accuracy threshold a notebook uses lives in ``PROFILES`` below, never
in a cell.
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
class Profile:
    """One row of the table: a name, what it is for, and the sizes per data set."""

    name: str
    purpose: str
    data: dict[str, Split] = field(default_factory=dict)


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="CI and notebook tests: 2-core CPU, ~3 min a notebook, subsets",
        data={
            "mnist": Split(train=6_000, test=1_000),
            "cifar10": Split(train=4_000, test=1_000),
            "cats_vs_dogs": Split(train=400, test=200),
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
    ),
    "full": Profile(
        name="full",
        purpose="GPU or Colab: full data and schedule, the book's headline numbers",
        data={
            "mnist": Split(train=None, test=None),
            "cifar10": Split(train=None, test=None),
            "cats_vs_dogs": Split(train=None, test=None),
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
