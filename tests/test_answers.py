"""The answer key: every answer says "not yet" to an unanswered ``...``, and its typical
mistakes get their own sentence (the right answers are checked by the chapters' runs)."""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

from coursekit import answers, check
from coursekit.answers import batchnorm, cats_vs_dogs, cifar10_cnn, convolution, lenet5, speedrun

KEYS = [importlib.import_module(f"coursekit.answers.{m.name}")
        for m in pkgutil.iter_modules(answers.__path__) if not m.name.startswith("_")]
FUNCTIONS = [(f"{key.__name__.rsplit('.', 1)[1]}.{name}", fn) for key in KEYS
             for name, fn in inspect.getmembers(key, inspect.isfunction)
             if fn.__module__ == key.__name__ and not name.startswith("_")
             and inspect.signature(fn).return_annotation is check.Feedback]


def test_every_chapter_with_answers_has_a_key():
    names = {key.__name__.rsplit(".", 1)[1] for key in KEYS}
    assert names >= {"convolution", "lenet5", "cifar10_cnn", "cats_vs_dogs", "trained_cnn",
                     "batchnorm", "scaling",
                     "speedrun"}


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


def _early_stop_zero_based(val_loss, patience=3):
    best, wait = 0, 0
    for epoch in range(1, len(val_loss)):
        best, wait = (epoch, 0) if val_loss[epoch] < val_loss[best] else (best, wait + 1)
        if wait >= patience:
            return epoch, best
    return len(val_loss) - 1, best


@pytest.mark.parametrize("key, answer, says", [
    (batchnorm.identity_parameters, lambda x: (x.std(axis=0), x.mean(axis=0)), "left out ε"),
    (batchnorm.identity_parameters,
     lambda x: (x.mean(axis=0), np.sqrt(x.var(axis=0) + 1e-3)), "swapped"),
    (lenet5.accuracy_from_confusion, lambda m: np.trace(m) / len(m), "number of classes"),
    (cifar10_cnn.mirror_tta, lambda p, x: (p(x) + p(x[:, ::-1])) / 2, "upside down"),
    (cifar10_cnn.mirror_tta, lambda p, x: p((x + x[:, :, ::-1]) / 2), "not the two images"),
    (cifar10_cnn.early_stop, _early_stop_zero_based, "from 1"),
    (speedrun.four_views, lambda p, x: (p(x) + p(x[:, :, ::-1])) / 2, "two views only"),
    (cats_vs_dogs.label_from_name, lambda path: int("dogs" in path), "3rd test input")])
def test_function_answers_name_the_typical_mistake(key, answer, says):
    feedback = key(answer)
    assert not feedback and says in feedback.why, feedback.why


@pytest.mark.parametrize("layers, says", [
    ([("RandomTranslation", (0.0,), {"width_factor": 0.2}),
      ("RandomZoom", (0.15,), {"width_factor": 0.15}), ("RandomFlip", ("vertical",), {})],
     "do what the generator did"),
    ([("RandomTranslation", (0.2,), {"width_factor": 0.2}),
      ("RandomZoom", (0.15,), {"width_factor": 0.15}), ("RandomFlip", ("vertical",), {})],
     "height_factor must be 0"),
    ([("RandomTranslation", (0.0,), {"width_factor": 0.2}), ("RandomZoom", (0.15,), {}),
      ("RandomFlip", ("vertical",), {})], "width_factor=0.15 too"),
    ([("RandomTranslation", (0.0,), {"width_factor": 0.2}),
      ("RandomZoom", (0.15,), {"width_factor": 0.15}), ("RandomFlip", ("horizontal",), {})],
     "top to bottom"),
    ([("RandomFlip", ("vertical",), {})], "in order")])
def test_the_augmentation_layers_are_checked_setting_by_setting(layers, says):
    import keras

    model = keras.Sequential([getattr(keras.layers, name)(*args, **kwargs)
                              for name, args, kwargs in layers])
    assert says in cifar10_cnn.augmentation_layers(model).why
