"""Chapter 5's answer key (``book/05_batchnorm.ipynb``)."""

import numpy as np

from coursekit import check

EPSILON = 1e-3  # reference.batch_norm_forward's default, as Keras'


def _identity(x):
    """γ, β that make training-mode BN return ``x (N, C)``: √(σ²_B + ε) and μ_B."""
    return np.sqrt(x.var(axis=0) + EPSILON), x.mean(axis=0)


def identity_parameters(answer) -> check.Feedback:
    """Exercise 1: a function of a batch ``x (N, C)`` returning ``(gamma, beta)``, each
    ``(C,)``, with which BN in training mode returns ``x`` unchanged."""
    rng = np.random.default_rng(5)
    batches = [rng.normal(4.0, 3.0, size=(10, 3)), rng.normal(-1.0, 0.5, size=(64, 2))]
    cases = [((x,), np.stack(_identity(x))) for x in batches]
    return check.function(answer, cases, rtol=1e-6, near={
        "you left out ε: BN divides by √(σ² + ε), so γ must undo exactly that.":
            lambda x: np.stack([x.std(axis=0), x.mean(axis=0)]),
        "γ and β are swapped: return (gamma, beta) in that order.":
            lambda x: np.stack(_identity(x)[::-1]),
        "γ must undo the division by the standard deviation: √(σ² + ε), not σ² + ε.":
            lambda x: np.stack([x.var(axis=0) + EPSILON, x.mean(axis=0)])})


def bn_parameters(answer) -> check.Feedback:
    """Exercise 2: parameters of a ``BatchNormalization`` after ``Conv2D(64, 3)``."""
    return check.number(answer, 256, near={
        "count the moving mean and variance too: Keras stores them as (untrained) weights.":
            128})


def bn_trainable(answer) -> check.Feedback:
    """Exercise 2: how many of them are trainable."""
    return check.number(answer, 128, near={
        "the moving mean and variance are not trained: they are averaged.": 256,
        "both γ and β are trained, one of each per channel.": 64})


def momentum_steps_099(answer) -> check.Feedback:
    """Exercise 3: steps after which the starting value weighs less than 1 %, momentum 0.99."""
    return check.number(answer, 459, near={
        "after 458 steps 0.99**458 is still just above 0.01: one step more.": 458,
        "that is 0.9's count: this one is for 0.99.": 44})


def momentum_steps_09(answer) -> check.Feedback:
    """Exercise 3: the same for momentum 0.9."""
    return check.number(answer, 44, near={
        "after 43 steps 0.9**43 is still just above 0.01: one step more.": 43,
        "that is 0.99's count: this one is for 0.9.": 459})


def scaled_output_change(answer) -> check.Feedback:
    """Exercise 4: the largest change of BN's output when its input is multiplied by 3."""
    return check.number(answer, 0.0, atol=0.01)  # outputs of order 1: unchanged to 2 decimals


def constant_output_layer(answer) -> check.Feedback:
    """Exercise 5: which layer, on a batch of one example, gives the same output whatever
    the example: ``"BatchNormalization"`` or ``"LayerNormalization"``."""
    if answer is Ellipsis:
        return check.Feedback(False, check.NOT_ANSWERED)
    names = ("BatchNormalization", "LayerNormalization")
    if not isinstance(answer, str) or answer.strip() not in names:
        return check.Feedback(False, f"answer with one of the two names, as a string: "
                                     f"{names[0]!r} or {names[1]!r}.")
    if answer.strip() == names[1]:
        return check.Feedback(False, "not that one: over which values does each layer take "
                                     "its mean, when the batch holds one example?")
    return check.Feedback(True, "your answer is correct.")


def extra_parameters_after(answer) -> check.Feedback:
    """Exercise 6: parameters of the chapter's CNN with BN after the ReLU minus with BN
    before it (``models.cifar10_cnn``)."""
    return check.number(answer, 576, near={
        "the hidden dense layer gets BN too: count its biases as well.": 448,
        "after minus before, not before minus after.": -576})
