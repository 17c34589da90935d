"""Chapter 4b's answer key (``book/04b_using_a_trained_cnn.ipynb``)."""

import numpy as np

from coursekit import check
from coursekit.answers._common import true_or_false


def head_phase_trainable(answer) -> check.Feedback:
    """Exercise 1: trainable weights of the fine-tuned model in the head phase."""
    return check.number(answer, 257, near={
        "count the output unit's bias too.": 256,
        "in the head phase the backbone is frozen: only the new output unit trains.":
            389_153})


def second_phase_trainable(answer) -> check.Feedback:
    """Exercise 1: trainable weights once the backbone is unfrozen."""
    return check.number(answer, 389_153, near={
        "the BN moving means and variances are never trained, even unfrozen: leave out "
        "2 per channel.": 390_113,
        "once unfrozen, the backbone trains too, not only the head.": 257})


def frozen_uses_batch(answer) -> check.Feedback:
    """Exercise 2: frozen backbone called with ``training=True``: do its BN layers use the
    batch's statistics (so that one image's features depend on its batch)?"""
    return true_or_false(answer, False, "in Keras 3 a frozen BatchNormalization layer runs in "
                                        "inference mode, whatever training= says.")


def unfrozen_uses_batch(answer) -> check.Feedback:
    """Exercise 2: the same once unfrozen."""
    return true_or_false(answer, True, "unfrozen and called with training=True, BN normalises "
                                       "with the batch's own mean and variance.")


def answered(answer) -> check.Feedback:
    """Exercise 3: a function ``(p, threshold) → bool array``: which photos the model answers,
    those whose confidence max(p, 1 − p) reaches the threshold."""
    p = np.array([0.5, 0.05, 0.95, 0.3, 0.7, 0.9, 0.1])
    cases = [((p, t), np.maximum(p, 1 - p) >= t) for t in (0.5, 0.7, 0.9, 0.96)]
    return check.function(answer, cases, atol=0, near={
        "that is p itself, not the confidence: a photo with p = 0.05 is a sure cat.":
            lambda q, t: q >= t,
        "the threshold itself is reached: use ≥, not >.":
            lambda q, t: np.maximum(q, 1 - q) > t})


def preprocess_scale(answer) -> check.Feedback:
    """Exercise 4: the ``scale`` of the ``Rescaling`` that maps [0, 1] pixels to [-1, 1]."""
    return check.number(answer, 2.0, near={
        "[0, 1] is one unit wide, [-1, 1] two: the scale doubles it.": 1.0,
        "that is for 0-255 pixels; ours are in [0, 1] already.": 1 / 127.5})


def preprocess_offset(answer) -> check.Feedback:
    """Exercise 4: its ``offset``."""
    return check.number(answer, -1.0, near={
        "after doubling, [0, 2] must move down by 1.": 1.0,
        "the offset is added after the scale: 2·v − 1, so −1, not −0.5.": -0.5})


def cat_dog_share(answer) -> check.Feedback:
    """Exercise 5: the share of CIFAR-10's training images that are cats or dogs."""
    return check.number(answer, 0.2, atol=0.03, near={  # a subset: about a fifth
        "two of the ten balanced classes, not one.": 0.1})
