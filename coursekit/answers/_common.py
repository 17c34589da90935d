"""What several chapters' answer keys share."""

import numpy as np

from coursekit import check


def true_or_false(answer, expected: bool, why: str) -> check.Feedback:
    """Is ``answer`` the bool ``expected``? ``why``: what to say when it is the other one."""
    if answer is Ellipsis:
        return check.Feedback(False, check.NOT_ANSWERED)
    if not isinstance(answer, bool | np.bool_):
        return check.Feedback(False, f"your answer is {answer!r}: answer True or False.")
    right = bool(answer) == expected
    return check.Feedback(right, "your answer is correct." if right else why)


def name(answer, expected: str, why: str, example: str) -> check.Feedback:
    """Is ``answer`` the string ``expected`` (surrounding spaces aside)? ``why``: what to say
    when it is another name; ``example``: a name of the right kind, for a wrong type."""
    if answer is Ellipsis:
        return check.Feedback(False, check.NOT_ANSWERED)
    if not isinstance(answer, str):
        return check.Feedback(False, f"your answer is {answer!r}: answer with a name, as a "
                                     f"string such as {example!r}.")
    right = answer.strip() == expected
    return check.Feedback(right, "your answer is correct." if right else why)


def stand_in_classifier(images: np.ndarray) -> np.ndarray:
    """A stand-in for a model, for checking functions that call one: class probabilities
    ``(N, 3)`` for ``images (N, H, W, C)`` that change when the images are flipped or
    shifted."""
    n = len(images)
    weights = np.arange(images[0].size * 3, dtype=float).reshape(-1, 3) % 7 - 3
    logits = images.reshape(n, -1) @ weights / images[0].size * 3
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
