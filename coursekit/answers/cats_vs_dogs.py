"""Chapter 4's answer key (``book/04_cats_vs_dogs.ipynb``)."""

from coursekit import check
from coursekit.answers._common import true_or_false


def shuffle_buffer_gb(answer) -> check.Feedback:
    """Exercise 1: GB (10⁹ bytes) of 2,000 decoded 256×256 RGB float32 images."""
    return check.number(answer, 2_000 * 256 * 256 * 3 * 4 / 1e9, rtol=0.01, near={
        "a float32 takes 4 bytes, not 1.": 2_000 * 256 * 256 * 3 / 1e9,
        "each pixel has 3 channels.": 2_000 * 256 * 256 * 4 / 1e9,
        "that is in GiB (2³⁰ bytes): the exercise counts GB, 10⁹ bytes.":
            2_000 * 256 * 256 * 3 * 4 / 2**30})


def shuffle_paths_mb(answer) -> check.Feedback:
    """Exercise 1: MB (10⁶ bytes) of 2,000 file paths of 100 bytes."""
    return check.number(answer, 0.2, rtol=0.01, near={
        "that is in bytes: divide by 10⁶ for MB.": 200_000,
        "that is in kB: divide by 1,000 more for MB.": 200})


def label_from_name(answer) -> check.Feedback:
    """Exercise 2: a function from a Kaggle-style path (``.../cat.123.jpg``) to the label,
    0 for cats and 1 for dogs (the chapter's ``label_to_index``, from sorted folder names)."""
    cases = [(("train/cats/cat.12.jpg",), 0), (("/data/dogs/dog.7.jpg",), 1),
             (("dog.1000.jpg",), 1),  # no folder at all
             (("train/dogs/cat.5.jpg",), 0)]  # a cat filed under dogs: the name decides
    return check.function(answer, cases)


def flatten_params_64(answer) -> check.Feedback:
    """Exercise 3: parameters of cats_vs_dogs_cnn with Flatten for GAP, 64×64 inputs."""
    return check.number(answer, 392_513, near={
        "that is the count with global average pooling: Flatten feeds the output unit "
        "(64/16)² × 256 values.": 388_673,
        "you forgot the output unit's bias.": 392_512})


def flatten_params_256(answer) -> check.Feedback:
    """Exercise 3: the same at 256×256."""
    return check.number(answer, 453_953, near={
        "that is the count with global average pooling: Flatten feeds the output unit "
        "(256/16)² × 256 values.": 388_673,
        "you forgot the output unit's bias.": 453_952})


def gap_params_256(answer) -> check.Feedback:
    """Exercise 3: parameters with global average pooling at 256×256."""
    return check.number(answer, 388_673, near={
        "that is the Flatten count: global average pooling gives 256 values at any image "
        "size.": 453_953})


def repeat_then_shuffle_misses(answer) -> check.Feedback:
    """Exercise 4: does ``repeat().shuffle(8)`` miss numbers in its first 8 elements?"""
    return true_or_false(answer, True, "the buffer holds 8 elements of the repeated stream: the "
                                  "second pass's numbers enter it before the first pass ends.")


def shuffle_then_repeat_missing(answer) -> check.Feedback:
    """Exercise 4: how many of the 8 numbers ``shuffle(8).repeat()`` misses in its first 8."""
    return check.number(answer, 0, near={
        "shuffle(8) sees the whole pass of 8 before repeat starts the next one.": 1})
