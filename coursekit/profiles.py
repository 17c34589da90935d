"""Run profiles: how much work a notebook does. ``COURSEKIT_PROFILE`` picks ``smoke``,
``quick`` or ``full`` (unset: ``full`` on a GPU, else ``quick``); the tables below set every
size, epoch count and threshold, the three profiles side by side."""

import math
import os
from dataclasses import dataclass, replace

ENV_VAR = "COURSEKIT_PROFILE"


@dataclass(frozen=True)
class Split:
    """Numbers of images (None: all). ``validation`` comes from the official training
    data (the same in every run), ``train`` from the rest, ``test`` from the test data."""

    train: int | None
    validation: int
    test: int | None


@dataclass(frozen=True)
class Training:
    """How one model is trained (see ``train.optimizer``) and the accuracy its notebook asserts."""

    epochs: int  # passes over the training images
    batch_size: int  # images per step
    optimizer: str  # a Keras optimizer name: "sgd", "adam", "adamw"
    learning_rate: float  # step size (the peak, with a schedule)
    min_accuracy: float  # test accuracy asserted, a fraction
    momentum: float = 0.0  # SGD's, a fraction
    cosine_decay: bool = False  # after the warm-up, a half cosine down to 0 at the end
    weight_decay: float = 0.0  # AdamW: per step, times the learning rate
    warmup_epochs: float = 0.0  # epochs
    label_smoothing: float = 0.0  # a fraction of the target moved to the other classes


@dataclass(frozen=True)
class Profile:
    name: str
    purpose: str
    data: dict[str, Split]
    training: dict[str, Training]
    settings: dict[str, int | float]


NAMES = ("smoke", "quick", "full")
PURPOSES = ("CI and notebook tests: 2-core CPU, ~3 min a notebook, subsets",
            "laptop CPU: ~15 min a notebook", "GPU or Colab: all the data and the full schedule")

# Images per data set (train, validation, test).   smoke | quick | full
DATA = {
    "mnist": (Split(6_000, 1_000, 1_000), Split(None, 5_000, None), Split(None, 5_000, None)),
    # quick: the offline mirror holds 2 of CIFAR-10's 5 training batches, 20,000 images.
    "cifar10": (Split(4_000, 1_000, 1_000), Split(18_000, 2_000, None), Split(None, 5_000, None)),
    "cats_vs_dogs": (Split(1_600, 400, None), Split(1_600, 400, None), Split(1_600, 400, None)),
    # full: a 20,000-image subset, so that chapter 5 fits ~20 min on a free T4 (estimated).
    # chapter 3's overfitting runs: a subset of cifar10's train split, its validation and test
    "cifar10_overfit": (Split(500, 1_000, 1_000), Split(1_000, 2_000, None),
                        Split(1_000, 5_000, None)),
    "cifar10_bn": (Split(2_000, 500, 500), Split(4_000, 2_000, None), Split(20_000, 5_000, None)),
}

# Recipes: all but the epochs and the threshold, which follow per profile. Article 000
# asks for 100 epochs; the appendix (scaling) uses SGD because Adam's first steps magnify
# rounding differences.
_CIFAR10_CNN = Training(0, batch_size=128, optimizer="adamw", learning_rate=0.002, min_accuracy=0,
                        weight_decay=0.05, cosine_decay=True, warmup_epochs=1, label_smoothing=0.1)
RECIPES = {
    "lenet5_article000": Training(0, 256, "sgd", learning_rate=0.05, min_accuracy=0),
    "lenet5_1998": Training(0, 128, "sgd", learning_rate=0.02, min_accuracy=0, momentum=0.9,
                            cosine_decay=True),
    "lenet5_modern": Training(0, 128, "adam", learning_rate=0.002, min_accuracy=0,
                              cosine_decay=True),
    # Chapter 2: article 003's CNN at the modern LeNet-5's recipe (an equal budget).
    "mnist_article003": Training(0, 128, "adam", learning_rate=0.002, min_accuracy=0,
                                 cosine_decay=True),
    "cifar10_article001": Training(0, 64, "adam", learning_rate=0.001, min_accuracy=0),
    "cifar10_cnn": _CIFAR10_CNN,
    # Chapter 3's overfitting runs (with, without augmentation): 2 warm-up epochs, or one stalls.
    "cifar10_cnn_overfit": Training(0, 32, "adam", learning_rate=0.001, min_accuracy=0,
                                    cosine_decay=True, warmup_epochs=2),
    "cats_vs_dogs_cnn": Training(0, 32, "adam", learning_rate=0.001, min_accuracy=0,
                                 cosine_decay=True),
    # Chapter 5: the chapter-3 CNN with and without BN on the "cifar10_bn" subset, without
    # augmentation; at 10x the learning rate; with batch 32 (for half the epochs).
    "cifar10_cnn_no_bn": _CIFAR10_CNN,
    "cifar10_cnn_bn": _CIFAR10_CNN,
    "cifar10_cnn_bn_high_lr": replace(_CIFAR10_CNN, learning_rate=0.02),
    "cifar10_cnn_bn_small_batch": replace(_CIFAR10_CNN, batch_size=32),
    "cifar10_scaling": Training(0, 128, "sgd", learning_rate=0.02, min_accuracy=0, momentum=0.9),
    # Chapter 4b: chapter 4's task with BN (models.bn_backbone), flip and shift, a schedule;
    # a backbone pretrained on CIFAR-10's 8 classes that are neither cat nor dog; the
    # transfer runs (scratch, frozen, fine-tuned; threshold: fine-tuned, most images).
    "cats_vs_dogs_bn_cnn": Training(0, 32, "adam", learning_rate=0.002, min_accuracy=0,
                                    cosine_decay=True),
    "cifar8_backbone": Training(0, 128, "adam", learning_rate=0.002, min_accuracy=0,
                                cosine_decay=True),
    "cats_vs_dogs_transfer": Training(0, 32, "adam", learning_rate=0.001, min_accuracy=0,
                                      cosine_decay=True),
}


def threshold(mean: float, std: float) -> float:
    """The quick threshold from a seed spread of test accuracies (fractions): mean − 3 std,
    rounded down to 0.5 % (e.g. 0.9891 ± 0.0008 → 0.985)."""
    return math.floor(round((mean - 3 * std) * 200, 6)) / 200


# Per model: epochs and the accuracy (a fraction) its notebook asserts. smoke: learning
# above chance. quick, a headline model: ``threshold`` of its test accuracy over seeds
# (bench/seed_spread.py, book/results.md; tests/test_thresholds.py checks the rule); quick,
# a secondary run without a spread: smoke's bar, above chance. full: measured for LeNet-5,
# else estimates until a GPU run measures them. cifar10_scaling compares runs, not accuracy.
#                                   epochs             test accuracy asserted
#                                   smoke quick full   smoke  quick   full
EPOCHS_MIN_ACCURACY = {
    "lenet5_article000":            ((20,  20,   30),  (0.85,  0.970,  0.978)),
    "lenet5_1998":                  ((5,   12,   20),  (0.90,  0.985,  0.988)),
    "lenet5_modern":                ((5,   12,   30),  (0.90,  0.985,  0.990)),
    "mnist_article003":             ((5,   12,   30),  (0.90,  0.990,  0.990)),
    "cifar10_article001":           ((2,   3,    10),  (0.25,  0.43,   0.45)),
    "cifar10_cnn":                  ((8,   15,   40),  (0.35,  0.71,   0.75)),
    "cifar10_cnn_overfit":          ((30,  40,   40),  (0.25,  0.36,   0.25)),
    "cats_vs_dogs_cnn":             ((15,  30,   60),  (0.60,  0.72,   0.72)),
    "cifar10_cnn_no_bn":            ((6,   8,    20),  (0.12,  0.33,   0.40)),
    "cifar10_cnn_bn":               ((6,   8,    20),  (0.15,  0.555,  0.40)),
    "cifar10_cnn_bn_high_lr":       ((3,   8,    20),  (0.20,  0.20,   0.40)),
    "cifar10_cnn_bn_small_batch":   ((2,   4,    10),  (0.20,  0.20,   0.40)),
    "cifar10_scaling":              ((2,   2,    2),   (0.0,   0.0,    0.0)),
    "cats_vs_dogs_bn_cnn":          ((10,  30,   60),  (0.60,  0.780,  0.78)),
    "cifar8_backbone":              ((4,   5,    15),  (0.30,  0.30,   0.60)),
    "cats_vs_dogs_transfer":        ((6,   8,    10),  (0.55,  0.600,  0.60)),
}  # fmt: skip

# Other numbers, by key.                        smoke | quick | full
SETTINGS = {
    "cats_vs_dogs_image_size":          (48,    64,     160),  # pixels, side of the square
    "cats_vs_dogs_errata_images":       (128,   320,    320),  # images, article-004 demo
    "cifar10_bn_momentum":              (0.9,   0.9,    0.9),  # BN moving-average momentum
    "cifar10_bn_max_epochs_ratio":      (1.0,   0.5,    0.5),  # BN epochs / no-BN epochs
    "transfer_image_size":              (32,    32,     32),   # pixels: probed 32 and 64
    "transfer_steps_per_epoch":         (25,    25,     50),   # steps, every transfer run
    "transfer_images_smallest":         (100,   100,    100),  # images, x4 up to the largest
    "transfer_images_largest":          (400,   1600,   1600),  # images
}  # fmt: skip


# Profile i: column i of every table above.
PROFILES = {name: Profile(
    name, PURPOSES[i], data={k: v[i] for k, v in DATA.items()},
    training={m: replace(r, epochs=EPOCHS_MIN_ACCURACY[m][0][i],
                         min_accuracy=EPOCHS_MIN_ACCURACY[m][1][i]) for m, r in RECIPES.items()},
    settings={k: v[i] for k, v in SETTINGS.items()}) for i, name in enumerate(NAMES)}


def _has_gpu() -> bool:
    import tensorflow as tf  # only when no profile is named: importing it takes seconds

    return bool(tf.config.list_physical_devices("GPU"))


def active() -> Profile:
    """The profile named by ``COURSEKIT_PROFILE``, or the default for this machine."""
    name = os.environ.get(ENV_VAR, "").strip().lower() or ("full" if _has_gpu() else "quick")
    if name not in PROFILES:
        raise ValueError(f"{ENV_VAR}={name!r} is not a run profile; set it to one of "
                         f"{', '.join(PROFILES)} (or unset it for the default).")
    return PROFILES[name]
