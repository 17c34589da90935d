"""The scaling appendix's answer key (``book/06_scaling.ipynb``)."""

from coursekit import check
from coursekit.answers._common import name


def steps_on_four_gpus(answer) -> check.Feedback:
    """Exercise 1: steps per epoch over 50,000 images, 4 replicas of batch 128."""
    return check.number(answer, 98, near={
        "that is one device's count: the global batch is 4 × 128 = 512.": 391,
        "round up: the last, smaller batch is a step too.": 97})


def scaled_learning_rate(answer) -> check.Feedback:
    """Exercise 1: the learning rate the linear scaling rule gives for a base of 0.001."""
    return check.number(answer, 0.004, rtol=1e-6, near={
        "the linear scaling rule multiplies the rate by the growth of the global batch: 4×.":
            0.001,
        "the rate grows in proportion to the batch, not to its square root.": 0.002})


def per_replica_division_factor(answer) -> check.Feedback:
    """Exercise 2: by what factor the summed gradient grows when 2 replicas divide their
    loss by their own batch instead of the global batch."""
    return check.number(answer, 2.0, rtol=1e-6, near={
        "each replica's part is divided by half the global batch: it doubles, and so does "
        "their sum.": 1.0,
        "that is the factor per replica squared: the sum of two doubled parts is doubled.":
            4.0})


def mixed_variable_dtype(answer) -> check.Feedback:
    """Exercise 3: the dtype of a layer's weights under ``mixed_float16``."""
    return name(answer, "float32", "Keras keeps the weights in float32 under mixed "
                                          "precision, so that small updates are not rounded "
                                          "away; look at layer.kernel.dtype.", "float64")


def mixed_compute_dtype(answer) -> check.Feedback:
    """Exercise 3: the dtype the layer computes in under ``mixed_float16``."""
    return name(answer, "float16", "the arithmetic is what mixed precision makes "
                                          "cheaper: look at layer.compute_dtype.", "float64")


def steps_for_subset(answer) -> check.Feedback:
    """Exercise 4: steps per epoch over 4,000 images at a global batch of 256."""
    return check.number(answer, 16, near={
        "round up: the last, smaller batch is a step too.": 15,
        "that is per replica's batch of 128: the step takes the global batch of 256.": 32})


def last_batch_per_replica(answer) -> check.Feedback:
    """Exercise 4: images each of 2 replicas gets in the last batch of that epoch."""
    return check.number(answer, 80, near={
        "that is the whole last batch: 2 replicas split it.": 160,
        "that is a full batch's share: the last batch holds only the images left over.":
            128})
