"""Chapter 1's answer key (``book/01_convolution.ipynb``)."""

import numpy as np

from coursekit import check, reference


def valid_size(answer) -> check.Feedback:
    """Exercise 1: output side of a 5×5, stride-2 convolution on 32×32, ``valid`` padding."""
    return check.number(answer, 14, near={
        "with `valid` padding the division by the stride is rounded down, not up.": 15,
        "you forgot the + 1: the first window's position counts too.": 13,
        "that is the output side with stride 1: divide by the stride.": 28})


def same_size(answer) -> check.Feedback:
    """Exercise 1: the same convolution with ``same`` padding."""
    return check.number(answer, 16, near={
        "`same` padding keeps the size only at stride 1: divide by the stride.": 32,
        "that is the `valid` size: `same` pads first, so only the stride shrinks it.": 14})


def conv_params_first(answer) -> check.Feedback:
    """Exercise 2: parameters of ``Conv2D(64, 3)`` on 32 input channels."""
    return check.number(answer, 18_496, near={
        "you forgot the biases: one per filter.": 18_432,
        "each filter spans all 32 input channels: multiply by them.": 640,
        "each filter has one bias, not one per weight.": 36_864})


def conv_params_second(answer) -> check.Feedback:
    """Exercise 2: parameters of a second ``Conv2D(64, 3)`` stacked on the first."""
    return check.number(answer, 36_928, near={
        "the second layer's input is the first one's output: 64 channels, not 32.": 18_496,
        "you forgot the biases: one per filter.": 36_864})


def average_kernel(answer) -> check.Feedback:
    """Exercise 3: the 2×2 kernel that makes a convolution average its window."""
    return check.array(answer, np.full((2, 2), 0.25), near={
        "that kernel sums the window: divide by the number of values in it.": np.ones((2, 2))})


def average_stride(answer) -> check.Feedback:
    """Exercise 3: the stride that makes it 2×2 average pooling."""
    return check.number(answer, 2, near={
        "with stride 1 the windows overlap; pooling moves by a whole window.": 1})


def _edges() -> dict[str, np.ndarray]:
    """9×9 images with a diagonal (top left to bottom right), vertical, horizontal edge."""
    vertical = np.tile(np.arange(9) >= 4, (9, 1)).astype(np.float32)
    return {"diagonal": np.triu(np.ones((9, 9), np.float32)), "vertical": vertical,
            "horizontal": vertical.T.copy()}


def diagonal_kernel(answer) -> check.Feedback:
    """Exercise 4: a 3×3 kernel whose strongest response is to a diagonal edge running from
    the top left to the bottom right (stronger than to a vertical or horizontal edge)."""
    if answer is Ellipsis:
        return check.array(answer, np.zeros((3, 3)))
    kernel = np.asarray(answer, dtype=float) if isinstance(answer, list | np.ndarray) else None
    if kernel is None or kernel.shape != (3, 3):
        return check.Feedback(False, "your kernel must be a 3×3 array (a list of 3 rows of 3 "
                                     "numbers, or np.array of one).")
    if not np.isfinite(kernel).all():
        return check.Feedback(False, "your kernel contains NaN or infinity.")
    response = {name: np.abs(reference.conv2d_loop(image[None, :, :, None],
                                                   kernel[:, :, None, None])).max()
                for name, image in _edges().items()}
    if response["diagonal"] == 0:
        return check.Feedback(False, "your kernel does not respond to the diagonal edge at "
                                     "all: its weights must differ across the diagonal.")
    for other in ("vertical", "horizontal"):
        if response[other] >= response["diagonal"]:
            return check.Feedback(False, f"your kernel responds to a {other} edge at least as "
                                         f"strongly as to the diagonal one: weigh the pixels "
                                         f"on either side of the diagonal, not of a {other} "
                                         f"line.")
    return check.Feedback(True, "your kernel responds most to the diagonal edge.")


def valid_stack_depth(answer) -> check.Feedback:
    """Exercise 5: how many ``Conv2D(8, 3)`` with ``valid`` padding fit on a 28×28 input."""
    return check.number(answer, 13, near={
        "a 14th layer would leave 28 − 2·14 = 0 pixels: no map at all.": 14,
        "each `valid` 3×3 layer removes k − 1 = 2 pixels, not 1.": 27})


def stacked_field(answer) -> check.Feedback:
    """Exercise 6: receptive field (pixels, one side) of three stacked 3×3, stride-1 convs."""
    return check.number(answer, 7, near={
        "each 3×3 layer adds k − 1 = 2 pixels to the field, not k = 3.": 9,
        "that is the field of two layers: count the third one too.": 5})


def stack_params(answer) -> check.Feedback:
    """Exercise 6: parameters of the three 3×3 convolutions, 64 channels in and out."""
    return check.number(answer, 110_784, near={
        "you forgot the biases: one per filter, in each of the three layers.": 110_592,
        "that is one layer's count: the stack has three.": 36_928})


def single_params(answer) -> check.Feedback:
    """Exercise 6: parameters of the one convolution with the same field, 64 channels."""
    return check.number(answer, 200_768, near={
        "you forgot the biases: one per filter.": 200_704,
        "that is a 5×5 convolution: the same field as three 3×3 layers needs 7×7.": 102_464})
