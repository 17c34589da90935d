"""The speed-run appendix's answer key (``book/07_speedrun.ipynb``)."""

import numpy as np

from coursekit import check
from coursekit.answers._common import stand_in_classifier


def lr_after_10_percent(answer) -> check.Feedback:
    """Exercise 1: the learning rate after 10 % of the steps (peak 1.5, 20 % warm-up)."""
    return check.number(answer, 0.75, atol=0.01, near={
        "at 10 % of the steps the warm-up, 20 % of them, is only half done.": 1.5,
        "the warm-up rises linearly from 0: 10 % is half of 20 %.": 0.15})


def lr_after_60_percent(answer) -> check.Feedback:
    """Exercise 1: the learning rate after 60 % of the steps."""
    return check.number(answer, 0.75, atol=0.01, near={
        "the cosine starts after the warm-up: it has covered (0.6 − 0.2) / 0.8 of its length, "
        "not 0.6 of it.": 0.75 * (1 + np.cos(0.6 * np.pi)),
        "60 % of the steps is past the warm-up: the rate is falling along the cosine.": 1.5})


def brightness_variance(answer) -> check.Feedback:
    """Exercise 2: variance of the first (brightness) whitened output on validation patches,
    with filters from 100 images: still whitened, within 0.1 of 1."""
    return check.number(answer, 1.0, atol=0.1)


def full_width_ratio(answer) -> check.Feedback:
    """Exercise 3: multiply-adds per image of the ``full`` network over the ``quick`` one's."""
    return check.number(answer, 3.57, atol=0.01, near={
        "not every convolution is 4× bigger: block 1's first still reads 24 channels.": 4.0,
        "doubling C_in and C_out multiplies a convolution's work by 4, not 2.": 2.0})


def _views_mean(predict, images, views):
    return np.mean([predict(v) for v in views(images)], axis=0)


def four_views(answer) -> check.Feedback:
    """Exercise 4: a function ``(predict, images (N, H, W, C)) → (N, classes)``: the mean of
    ``predict`` over the images, their mirror images, and both shifted one pixel right."""
    rng = np.random.default_rng(7)
    batches = [rng.uniform(size=(4, 6, 6, 3)), rng.uniform(size=(2, 5, 7, 3))]

    def views(flip_axis=2, shift_axis=2):
        return lambda x: [x, np.flip(x, flip_axis), np.roll(x, 1, shift_axis),
                          np.roll(np.flip(x, flip_axis), 1, shift_axis)]

    cases = [((stand_in_classifier, x), _views_mean(stand_in_classifier, x, views()))
             for x in batches]
    return check.function(answer, cases, rtol=1e-9, near={
        "you averaged two views only: the mirror image and the shifted image, "
        "and both of them shifted.":
            lambda p, x: _views_mean(p, x, lambda v: [v, np.flip(v, 2)]),
        "the images are (N, H, W, C): the width is axis 2, not 1.":
            lambda p, x: _views_mean(p, x, views(flip_axis=1, shift_axis=1)),
        "shift along the width (axis 2), as the mirror image flips it.":
            lambda p, x: _views_mean(p, x, views(shift_axis=1))})
