"""The answer key: every answer says "not yet" to an unanswered ``...``, and its typical
mistakes get their own sentence (the right answers are checked by the chapters' runs)."""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

from coursekit import answers
from coursekit.answers import convolution

KEYS = [importlib.import_module(f"coursekit.answers.{m.name}")
        for m in pkgutil.iter_modules(answers.__path__)]
FUNCTIONS = [(f"{key.__name__.rsplit('.', 1)[1]}.{name}", fn) for key in KEYS
             for name, fn in inspect.getmembers(key, inspect.isfunction)
             if fn.__module__ == key.__name__ and not name.startswith("_")]


def test_every_chapter_with_answers_has_a_key():
    names = {key.__name__.rsplit(".", 1)[1] for key in KEYS}
    assert names >= {"convolution", "batchnorm", "speedrun"}


@pytest.mark.parametrize("name, fn", FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_an_unanswered_answer_is_not_yet(name, fn):
    feedback = fn(...)
    assert not feedback and "replace the `...`" in repr(feedback), name


@pytest.mark.parametrize("answer, says", [
    (15, "rounded down, not up"), (13, "forgot the + 1"), (28, "divide by the stride"),
    ("14", "a single number"), (14.5, "whole number")])
def test_output_size_mistakes_are_named(answer, says):
    feedback = convolution.valid_size(answer)
    assert not feedback and says in feedback.why


@pytest.mark.parametrize("answer, says", [
    (18_432, "forgot the biases"), (640, "all 32 input channels"), (36_864, "one bias")])
def test_parameter_count_mistakes_are_named(answer, says):
    assert says in convolution.conv_params_first(answer).why


@pytest.mark.parametrize("kernel, right, says", [
    ([[0, 1, 1], [-1, 0, 1], [-1, -1, 0]], True, "responds most to the diagonal"),
    ([[1, 0, -1], [2, 0, -2], [1, 0, -1]], False, "vertical edge at least as strongly"),
    ([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], False, "horizontal edge"),
    (np.zeros((3, 3)), False, "does not respond to the diagonal edge"),
    (np.ones((2, 2)), False, "must be a 3×3 array"),
    ("edges", False, "must be a 3×3 array"),
    ([[np.nan] * 3] * 3, False, "NaN")])
def test_the_diagonal_kernel_is_checked_by_what_it_does(kernel, right, says):
    feedback = convolution.diagonal_kernel(kernel)
    assert bool(feedback) is right and says in feedback.why
