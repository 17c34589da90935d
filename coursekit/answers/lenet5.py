"""Chapter 2's answer key (``book/02_lenet5.ipynb``)."""

import numpy as np

from coursekit import check, profiles
from coursekit.answers._common import name


def same_padding_params(answer) -> check.Feedback:
    """Exercise 1: parameters of article 000's network with ``same`` padding in C1."""
    return check.number(answer, 61_706, near={
        "that is the count with `valid` padding: with `same`, C1 keeps 28×28, so F5 gets "
        "more inputs.": 44_426})


def same_parameters_network(answer) -> check.Feedback:
    """Exercise 1: which of ``models``' networks has as many parameters (its function's
    name)."""
    if isinstance(answer, str):
        answer = answer.strip().removeprefix("models.").removesuffix("()")
    return name(answer, "lenet5_modern", "not that one: which network keeps 28×28 after C1 "
                                         "and pools twice to 5×5×16?", "lenet5_1998")


def c1_connections(answer) -> check.Feedback:
    """Exercise 2: C1's connections, parameters × output positions."""
    return check.number(answer, 122_304, near={
        "C1's output is 28×28, not its 32×32 input: count output positions.": 156 * 32 * 32,
        "a shared weight is used at every output position: multiply the parameters by "
        "them.": 156})


def c3_connections(answer) -> check.Feedback:
    """Exercise 2: C3's connections, with the paper's connection table."""
    return check.number(answer, 151_600, near={
        "C3 does not read all six S2 maps in every filter: use the connection table's "
        "1,516 parameters, not 2,416.": 2_416 * 100,
        "C3's output is 10×10: multiply by its 100 positions.": 1_516})


def accuracy_from_confusion(answer) -> check.Feedback:
    """Exercise 3: a function of a confusion matrix (rows true, columns predicted) that
    returns the accuracy."""
    rng = np.random.default_rng(2)
    matrices = [rng.integers(0, 50, size=(n, n)) + np.diag(rng.integers(100, 900, n))
                for n in (10, 3)]
    cases = [((m,), np.trace(m) / m.sum()) for m in matrices]
    return check.function(answer, cases, rtol=1e-9, near={
        "that is the mean over the classes of each class's accuracy (the recall): the "
        "accuracy counts every image once.": lambda m: np.mean(np.diag(m) / m.sum(axis=1)),
        "divide the correct answers (the diagonal) by all the answers, not by the number of "
        "classes.": lambda m: np.trace(m) / len(m)})


def augmented_validation_accuracy(answer) -> check.Feedback:
    """Exercise 4: the augmented network's final validation accuracy: it must at least pass
    the profile's threshold for the modern network (the comparison is the learner's)."""
    if answer is Ellipsis:
        return check.Feedback(False, check.NOT_ANSWERED)
    if not isinstance(answer, int | float | np.floating) or not 0 <= answer <= 1:
        return check.Feedback(False, "a validation accuracy is one number between 0 and 1: "
                                     "take the last entry of history['val_accuracy'].")
    threshold = profiles.active().training["lenet5_modern"].min_accuracy
    if answer < threshold:
        return check.Feedback(False, f"below this profile's threshold for the network "
                                     f"({threshold:.3f}): train with augment=True and the "
                                     f"plain run's recipe, for all of its epochs.")
    return check.Feedback(True, "the augmented network learned; now compare it with the "
                                "plain one on the validation images.")
