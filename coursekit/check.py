"""Check a learner's answer and say in one sentence whether it is right and, if not, what kind
of thing is wrong, never what the right answer is::

    from coursekit import check

    padding_valid = 14  # the learner's answer, in place of ...
    check.number(padding_valid, 14)  # the cell shows: ✓ right: your answer is correct.

Every checker returns a ``Feedback``: true when the answer is right, shown as its sentence
("✓ right: ..." or "✗ not yet: ...") when it ends a cell or is printed. An answer still
``...`` (a student notebook run as given) is "not yet", not an error. The book's solution
cells assert their checks, ``assert check.number(padding_valid, 14)``, so a wrong solution
fails its cell; ``python -m coursekit.students`` turns each into ``print(check.number(...))``
for the student notebooks.
"""

import copy
import re

import numpy as np

NOT_ANSWERED = "replace the `...` with your answer."


class Feedback:
    """A verdict (``bool(feedback)``) and its one sentence (``feedback.why``)."""

    def __init__(self, right: bool, why: str):
        self.right, self.why = right, why

    def __bool__(self) -> bool:
        return self.right

    def __repr__(self) -> str:
        return f"{'✓ right' if self.right else '✗ not yet'}: {self.why}"

    __str__ = __repr__


def _a(answer) -> str:
    """``answer``'s type for a sentence: ``'a str'``, ``'a list of str'``, ``'None'``."""
    if answer is None:
        return "None"
    kind, inner = type(answer).__name__.replace("ndarray", "NumPy array"), answer
    while isinstance(inner, list | tuple) and inner:  # a list of lists of str: "list of str"
        inner = inner[0]
    if inner is not answer:
        kind += f" of {type(inner).__name__}"
    elif getattr(answer, "shape", ()) != ():
        kind += f" of shape {tuple(answer.shape)}"
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _wrong_type(answer, what: str, wanted: str) -> str:
    if answer is None:
        return f"{what} is None (is a value assigned, or does a function lack a `return`?), " \
               f"but {wanted} is wanted."
    hint = ", without quotes" if isinstance(answer, str) else ""
    return f"{what} is {_a(answer)}, but {wanted} is wanted{hint}."


def _raised(error: Exception) -> str:
    """``'ZeroDivisionError: division by zero'``: the type and the message's first line (after
    Keras' "Exception encountered when calling ...", which says only where; no colour codes)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip().rstrip(".") for line in text.splitlines() if line.strip()
             and not line.startswith("Exception encountered when calling")]
    return f"{type(error).__name__}: {lines[0] if lines else '(no message)'}"


def _close(value, expected, rtol: float, atol: float) -> bool:
    value, expected = np.asarray(value), np.asarray(expected)
    return value.shape == expected.shape and bool(np.allclose(value, expected, rtol, atol))


def _diagnose(value, expected, rtol, atol, near, what: str) -> str | None:
    """A sentence for a typical mistake: ``near``'s, NaN or inf, a sign, a power of ten."""
    for sentence, wrong in (near or {}).items():
        if _close(value, wrong, rtol, atol):
            return sentence
    has = "is" if value.ndim == 0 else "holds"
    if np.isnan(value).any():
        return f"{what} {has} NaN (not a number), which comes from 0/0, inf - inf or a NaN input."
    if np.isinf(value).any():
        return f"{what} {has} infinity, which comes from a division by zero or an overflow."
    if _close(-value, expected, rtol, atol):
        return f"{what} has the wrong sign."
    if any(_close(value, expected * 10.0**k, rtol, atol * 10.0**k) for k in (-3, -2, -1,
                                                                                  1, 2, 3)):
        return f"{what} is off by a power of ten: check the units (a percentage or a fraction? " \
               f"bytes or kilobytes?)."
    return None


def number(answer, expected: float, *, rtol: float = 1e-6, atol: float = 0.0,
           near: dict[str, float] | None = None) -> Feedback:
    """Is ``answer`` a real number within ``atol + rtol·|expected|`` of ``expected``?
    ``near``: {the sentence to say: the wrong number a typical mistake gives}."""
    if answer is Ellipsis:
        return Feedback(False, NOT_ANSWERED)
    value = np.asarray(answer, dtype=object if isinstance(answer, list | tuple) else None)
    if value.ndim != 0 or value.dtype.kind not in "iuf":
        return Feedback(False, _wrong_type(answer, "your answer", "a single number"))
    value = value.astype(float)
    if _close(value, expected, rtol, atol):
        return Feedback(True, "your answer is correct.")
    why = _diagnose(value, expected, rtol, atol, near, "your answer")
    if why is None and float(expected).is_integer() and not float(value).is_integer():
        why = "your answer has a fractional part, but a whole number is wanted: did you round?"
    return Feedback(False, why or "your answer is not right yet: check your working step by step.")


def _array_why(answer, expected, rtol, atol, near, what: str) -> str | None:
    """Why ``answer`` is not ``expected`` (arrays of numbers), or None when it is."""
    expected = np.asarray(expected)
    try:
        value = np.asarray(answer)
    except ValueError:  # a ragged list
        return f"{what} cannot be made into an array: are its rows of different lengths?"
    if value.dtype.kind not in "biuf":
        return _wrong_type(answer, what, "an array of numbers")
    if value.shape != expected.shape:
        if _close(value.T, expected, rtol, atol):
            return f"{what} is the transpose of the right array: swap its axes (`.T`)."
        return f"{what} has shape {value.shape}, but shape {expected.shape} is wanted."
    if _close(value, expected, rtol, atol):
        return None
    if value.ndim == 2 and _close(value.T, expected, rtol, atol):
        return f"{what} is the transpose of the right array: swap its axes (`.T`)."
    why = _diagnose(value.astype(float), expected, rtol, atol, near, what)
    if why or value.ndim == 0:
        return why or f"{what} is not right yet."
    wrong = ~np.isclose(value, expected, rtol, atol)
    first = tuple(int(i) for i in np.argwhere(wrong)[0]) if value.ndim > 1 else wrong.argmax()
    return f"{what} has {wrong.sum()} of {wrong.size} entries not right yet, the first at " \
           f"index {first}."


def array(answer, expected, *, rtol: float = 1e-6, atol: float = 0.0,
          near: dict[str, object] | None = None) -> Feedback:
    """Is ``answer`` array-like, of ``expected``'s shape, each entry as ``number`` checks?
    ``near``: {the sentence to say: the wrong array a typical mistake gives}."""
    if answer is Ellipsis:
        return Feedback(False, NOT_ANSWERED)
    why = _array_why(answer, expected, rtol, atol, near, "your answer")
    return Feedback(why is None, why or "every entry of your array is correct.")


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def function(answer, cases: list[tuple[tuple, object]], *, rtol: float = 1e-6,
             atol: float = 0.0, near: dict[str, object] | None = None) -> Feedback:
    """Does ``answer(*args)`` give ``expected`` for each ``(args, expected)`` of ``cases``?
    Numbers and arrays are compared as by ``array``, anything else with ``==``. ``near``:
    {the sentence to say: a function that makes a typical mistake}, said when ``answer``
    agrees with that function on every case. The learner's function gets copies of args."""
    if answer is Ellipsis:
        return Feedback(False, NOT_ANSWERED)
    if not callable(answer):
        return Feedback(False, f"your answer is {_a(answer)}, not a function: pass the "
                               f"function's name, without calling it (no parentheses).")
    outputs = []
    for n, (args, _) in enumerate(cases, start=1):
        try:
            outputs.append(answer(*copy.deepcopy(args)))
        except Exception as error:  # the learner's code: say what it raised, and where
            return Feedback(False, f"your function raised {_raised(error)} on the "
                                   f"{_ordinal(n)} test input.")
    if any(out is Ellipsis for out in outputs):
        return Feedback(False, NOT_ANSWERED)

    def why_wrong(out, expected, n: int) -> str | None:
        what = f"your function's output on the {_ordinal(n)} test input"
        if np.asarray(expected).dtype.kind not in "biuf":
            return None if np.array_equal(out, expected) else f"{what} is not right yet."
        return _array_why(out, expected, rtol, atol, None, what)

    whys = [why_wrong(out, exp, n) for n, (out, (_, exp)) in enumerate(zip(outputs, cases), 1)]
    if not any(whys):
        return Feedback(True, f"your function gives the right output on all {len(cases)} test "
                              f"inputs.")
    for sentence, mistake in (near or {}).items():
        if not any(why_wrong(out, mistake(*copy.deepcopy(args)), 1)
                   for out, (args, _) in zip(outputs, cases)):
            return Feedback(False, sentence)
    return Feedback(False, next(why for why in whys if why))


def model(answer, *, input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None = None,
          params: int | None = None) -> Feedback:
    """Is ``answer`` a Keras model that maps a batch of 2 examples of ``input_shape`` (no
    batch axis) to ``output_shape`` (no batch axis) and has ``params`` parameters? A wrong
    count is told as "N parameters too many/too few": the model's structure is the
    exercise, not its count, and the difference points at the layer to look at."""
    if answer is Ellipsis:
        return Feedback(False, NOT_ANSWERED)
    import keras  # here, so that importing check stays cheap

    if not isinstance(answer, keras.Model):
        hint = ": put your layers in keras.Sequential([...])" * isinstance(answer, keras.Layer)
        return Feedback(False, f"your answer is {_a(answer)}, not a Keras model{hint}.")
    batch = np.zeros((2, *input_shape), np.float32)
    try:
        shape = tuple(answer(batch).shape[1:])
    except Exception as error:  # the learner's model: say what it raised
        return Feedback(False, f"your model, given a batch of shape {batch.shape}, raised "
                               f"{_raised(error)}.")
    if output_shape is not None and shape != tuple(output_shape):
        return Feedback(False, f"your model's output has shape {shape} per example, but "
                               f"{tuple(output_shape)} is wanted.")
    if params is not None and answer.count_params() != params:
        extra = answer.count_params() - params
        return Feedback(False, f"your model has {abs(extra):,} parameters too "
                               f"{'many' if extra > 0 else 'few'}: check each layer's units, "
                               f"kernel size and bias.")
    return Feedback(True, "your model has the right output shape and parameter count.")
