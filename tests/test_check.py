"""coursekit.check: each kind of wrong answer gets its one sentence, which never states the
expected value; right answers are true, ``...`` is "not yet". Keras only for ``model``
(two tiny Dense models); the rest is NumPy, well under a second."""

import re
import subprocess
import sys

import numpy as np
import pytest
from IPython.lib.pretty import pretty

from coursekit import check

EXPECTED = 18_496  # a number that no sentence below could contain by chance
GRID = np.array([[7.25, 8.5, 9.75], [10.125, 11.375, 12.625]])
BIAS = "off by the bias terms: each filter has one bias."


def one_sentence(feedback: check.Feedback, *secrets) -> str:
    """``feedback``'s sentence, checked: one line, one sentence, no expected value in it."""
    text = str(feedback)
    assert text == repr(feedback) == pretty(feedback), "printed and shown alike"
    assert re.fullmatch(r"(✓ right|✗ not yet): [^\n]+[.?]", text), text
    assert not re.search(r"[.?!] [A-Z]", text), f"more than one sentence: {text}"
    for secret in secrets:
        assert str(secret) not in text and f"{secret:,}" not in text, f"tells {secret}: {text}"
    return text


@pytest.mark.parametrize("answer", [EXPECTED, float(EXPECTED), np.float32(EXPECTED),
                                    np.int64(EXPECTED), np.array(EXPECTED)])
def test_number_right(answer):
    feedback = check.number(answer, EXPECTED)
    assert feedback and feedback.right
    assert one_sentence(feedback) == "✓ right: your answer is correct."


@pytest.mark.parametrize("answer, says", [
    (..., "replace the `...` with your answer"),
    ("18496", "is a str, but a single number is wanted, without quotes"),
    (["18", "496"], "is a list of str, but a single number is wanted"),
    (None, "is None (is a value assigned, or does a function lack a `return`?)"),
    ([EXPECTED], "is a list of int, but a single number"),
    (np.ones(3), "is a NumPy array of shape (3,), but a single number"),
    (True, "is a bool, but a single number"),
    (float("nan"), "your answer is NaN (not a number)"),
    (float("inf"), "your answer is infinity"),
    (-EXPECTED, "your answer has the wrong sign"),
    (EXPECTED * 100, "off by a power of ten: check the units"),
    (EXPECTED / 1000, "off by a power of ten: check the units"),
    (EXPECTED - 64, BIAS),
    (EXPECTED + 0.5, "a whole number is wanted: did you round?"),
    (EXPECTED + 7, "your answer is not right yet"),
])
def test_number_says_what_kind_of_thing_is_wrong(answer, says):
    feedback = check.number(answer, EXPECTED, near={BIAS: EXPECTED - 64})
    assert not feedback
    assert says in one_sentence(feedback, EXPECTED, EXPECTED - 64)


def test_number_tolerances():
    assert check.number(0.1 + 0.2, 0.3)
    assert not check.number(0.31, 0.3)
    assert check.number(0.31, 0.3, atol=0.02) and check.number(0.31, 0.3, rtol=0.1)


@pytest.mark.parametrize("answer", [GRID, GRID.tolist(), GRID.astype(np.float32)])
def test_array_right(answer):
    feedback = check.array(answer, GRID, rtol=1e-6)
    assert feedback
    assert one_sentence(feedback) == "✓ right: every entry of your array is correct."


def _one_off(grid):
    grid = grid.copy()
    grid[1, 2] += 1.0
    return grid


@pytest.mark.parametrize("answer, says", [
    (..., "replace the `...` with your answer"),
    ("7.25 8.5", "is a str, but an array of numbers is wanted, without quotes"),
    ([["a", "b"], ["c", "d"]], "is a list of str, but an array of numbers is wanted"),
    (None, "is None"),
    ([[1.0, 2.0], [3.0]], "cannot be made into an array: are its rows of different lengths?"),
    (GRID[:1], "has shape (1, 3), but shape (2, 3) is wanted"),
    (GRID.ravel(), "has shape (6,), but shape (2, 3) is wanted"),
    (GRID.T, "is the transpose of the right array: swap its axes (`.T`)"),
    (np.where(GRID > 10, np.nan, GRID), "holds NaN (not a number)"),
    (np.where(GRID > 10, np.inf, GRID), "holds infinity"),
    (-GRID, "has the wrong sign"),
    (GRID * 100, "off by a power of ten"),
    (GRID - 1, BIAS),
    (_one_off(GRID), "has 1 of 6 entries not right yet, the first at index (1, 2)"),
])
def test_array_says_what_kind_of_thing_is_wrong(answer, says):
    feedback = check.array(answer, GRID, near={BIAS: GRID - 1})
    assert not feedback
    assert says in one_sentence(feedback, *GRID.ravel())


def test_array_square_transposed_and_1d_index():
    square = np.array([[1.5, 2.5], [3.5, 4.5]])
    assert "is the transpose" in str(check.array(square.T, square))
    assert "the first at index 2." in str(check.array([1, 2, 4, 4], [1, 2, 3, 4]))
    assert check.array([True, False], [True, False])


def _ratio(a, b):
    return a / b


@pytest.mark.parametrize("answer, says", [
    (..., "replace the `...` with your answer"),
    (0.125, "your answer is a float, not a function: pass the function's name, without calling"),
    (_ratio, "your function raised ZeroDivisionError: division by zero on the 2nd test input"),
    (lambda a, b: b and a / b + (a > 4),
     "your function's output on the 3rd test input is not right yet"),
    (lambda a, b: [a, b], "output on the 1st test input has shape (2,), but shape () is wanted"),
    (lambda a, b: None, "output on the 1st test input is None"),
    (lambda a, b: ..., "replace the `...` with your answer"),
    (lambda a, b: b and a // b, "use true division `/`, not floor division `//`."),
])
def test_function_says_on_which_input_it_is_wrong(answer, says):
    def safe(a, b):
        return b and a / b

    cases = [((1, 8), 0.125), ((3, 0), 0), ((5, 8), 0.625)]
    assert check.function(safe, cases)
    feedback = check.function(
        answer, cases, near={"use true division `/`, not floor division `//`.":
                             lambda a, b: b and a // b})
    assert not feedback
    assert says in one_sentence(feedback, 0.125, 0.625)


def test_function_right_copies_its_inputs_and_compares_anything():
    def total(values):
        values.append(0)  # the learner's function may change its input: the case stays
        return sum(values)

    cases = [(([1, 2],), 3), ((np.arange(4).tolist(),), 6)]
    feedback = check.function(total, cases)
    assert feedback and cases[0][0] == ([1, 2],)
    assert one_sentence(feedback) == ("✓ right: your function gives the right output on all 2 "
                                      "test inputs.")
    assert check.function(str.upper, [(("cat",), "CAT")])
    assert "1st test input is not right yet" in str(check.function(str.lower, [(("Cat",),
                                                                                 "CAT")]))
    assert check.function(np.transpose, [((GRID,), GRID.T)])


def test_feedback_is_its_verdict_and_asserts_as_it():
    assert bool(check.Feedback(True, "fine.")) and not check.Feedback(False, "no.")
    with pytest.raises(AssertionError):
        assert check.number(3, 4)  # how the book's solution cells use it


def test_importing_check_does_not_import_keras():
    code = "import sys, coursekit.check; assert 'keras' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_model(keras):
    def dense(units: int, bias: bool = True):
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, use_bias=bias)])

    shapes = {"input_shape": (4,), "output_shape": (3,)}
    right = check.model(dense(3), **shapes, params=15)
    assert right
    assert one_sentence(right) == ("✓ right: your model has the right output shape and "
                                   "parameter count.")
    cases = [
        (check.model(..., **shapes, params=15), "replace the `...` with your answer"),
        (check.model(keras.layers.Dense(3), **shapes), "is a Dense, not a Keras model: put "
                                                       "your layers in keras.Sequential"),
        (check.model("Dense(3)", **shapes), "your answer is a str, not a Keras model."),
        (check.model(dense(2), **shapes, params=15),
         "your model's output has shape (2,) per example, but (3,) is wanted."),
        (check.model(dense(3, bias=False), **shapes, params=15),
         "your model has 3 parameters too few: check each layer's units"),
        (check.model(dense(3), input_shape=(4,), params=12), "has 3 parameters too many"),
        (check.model(dense(3), input_shape=(5,), params=15),
         "your model, given a batch of shape (2, 5), raised ValueError: "),
    ]
    for feedback, says in cases:
        assert not feedback
        assert says in str(feedback), str(feedback)
        one_sentence(feedback, 15)
