"""The speed-run appendix's CIFAR-10 network and recipe, after airbench94 (Jordan 2024): a
first layer fixed to whiten 2×2 patches, three conv-pool-BN-GELU blocks, scaled-down logits,
Nesterov SGD at batch 512 with warm-up then cosine decay, label smoothing, flips and 2-pixel
shifts, and flip test-time augmentation. ``RECIPES[profile]`` sets its size per profile."""

from __future__ import annotations

from dataclasses import dataclass, replace

import keras
import numpy as np
from keras import layers


@dataclass(frozen=True)
class Recipe:
    """Everything one speed run depends on; ``replace(recipe, whiten=False)`` removes a trick."""

    epochs: int  # passes over the training images
    min_accuracy: float  # test accuracy (flip TTA) the appendix asserts, a fraction
    widths: tuple[int, int, int] = (32, 128, 128)  # channels of the three blocks
    batch_size: int = 512  # images per step
    learning_rate: float = 1.5  # the peak of the schedule
    warmup: float = 0.2  # fraction of the steps spent rising linearly from 0 to the peak
    momentum: float = 0.9  # Nesterov
    weight_decay: float = 5e-3  # decoupled: each step shrinks the weights by lr × this
    label_smoothing: float = 0.2  # a fraction of the target moved to the other classes
    logit_scale: float = 1 / 9  # the last layer's outputs are multiplied by this
    bn_momentum: float = 0.6  # BN's moving averages keep this much of the old value per step
    whiten: bool = True  # first layer fixed to the patch-whitening filters (else trained)
    flip: bool = True  # random horizontal flips in training
    shift: int = 2  # random shifts of up to this many pixels (reflected border); 0: none


# quick: threshold from bench/speedrun_ablation.py's seed spread (profiles.threshold);
# smoke: above chance; full: an estimate until a GPU run measures it (airbench94, with the
# tricks this recipe leaves out, reaches 94 % at these widths and epochs).
RECIPES = {"smoke": Recipe(epochs=2, min_accuracy=0.25),
           "quick": Recipe(epochs=8, min_accuracy=0.835),
           "full": Recipe(epochs=10, min_accuracy=0.90, widths=(64, 256, 256))}


def whitening_filters(images: np.ndarray, size: int = 2, eps: float = 5e-4) -> np.ndarray:
    """Conv2D kernel ``(size, size, C, 2·size²·C)`` that whitens the ``size×size`` patches of
    float ``images (N, H, W, C)``: each filter is an eigenvector of the patches' covariance
    divided by √(eigenvalue + eps), once with each sign, so the outputs are decorrelated
    with unit variance (the biggest eigenvalue first)."""
    n, h, w, c = images.shape
    patches = np.lib.stride_tricks.sliding_window_view(images, (size, size), axis=(1, 2))
    patches = patches.transpose(0, 1, 2, 4, 5, 3).reshape(-1, size * size * c)  # (kh, kw, C)
    patches = patches - patches.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(patches.T @ patches / len(patches))
    order = np.argsort(eigenvalues)[::-1]
    filters = eigenvectors[:, order] / np.sqrt(eigenvalues[order] + eps)
    kernel = np.concatenate([filters, -filters], axis=1)
    return kernel.reshape(size, size, c, -1).astype("float32")


def network(recipe: Recipe, whitening: np.ndarray | None = None) -> keras.Model:
    """Logits ``(B, 10)`` for float images ``(B, 32, 32, 3)`` in [0, 1]. The 2×2 first layer
    (no padding: 31×31) is fixed to ``whitening`` if given, else trained from a random start."""
    bn = dict(momentum=recipe.bn_momentum, epsilon=1e-5, scale=False)
    first = layers.Conv2D(24, 2, name="whiten", trainable=whitening is None)
    stack = [keras.Input((32, 32, 3)), first]
    for i, width in enumerate(recipe.widths, start=1):
        stack += [
            layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv1"),
            layers.MaxPooling2D(2), layers.BatchNormalization(**bn), layers.Activation("gelu"),
            layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv2"),
            layers.BatchNormalization(**bn), layers.Activation("gelu")]
    stack += [layers.GlobalMaxPooling2D(), layers.Dense(10, use_bias=False, name="logits"),
              layers.Rescaling(recipe.logit_scale)]
    model = keras.Sequential(stack, name="speedrun")
    if whitening is not None:
        first.set_weights([whitening, np.zeros(whitening.shape[-1], "float32")])
    return model


def augmentation(recipe: Recipe, seed: int | None = None) -> keras.Sequential:
    """The recipe's random flips and whole-pixel shifts (border reflected), as layers."""
    shift = recipe.shift / 32
    return keras.Sequential(
        ([layers.RandomFlip("horizontal", seed=seed)] if recipe.flip else [])
        + ([layers.RandomTranslation(shift, shift, fill_mode="reflect", interpolation="nearest",
                                     seed=seed)] if recipe.shift else []), name="augmentation")


def schedule(recipe: Recipe, steps_per_epoch: int) -> keras.optimizers.schedules.CosineDecay:
    """Learning rate per step: rises linearly from 0 over ``warmup`` of the steps, then falls
    along a half cosine to 0 at the last step (no warm-up: the cosine starts at the peak)."""
    steps = recipe.epochs * steps_per_epoch
    warmup = round(recipe.warmup * steps)
    return keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else recipe.learning_rate, decay_steps=steps - warmup,
        warmup_target=recipe.learning_rate if warmup else None, warmup_steps=warmup)


def optimizer(recipe: Recipe, steps_per_epoch: int) -> keras.optimizers.SGD:
    """Nesterov SGD with decoupled weight decay, on ``schedule``."""
    return keras.optimizers.SGD(schedule(recipe, steps_per_epoch), momentum=recipe.momentum,
                                nesterov=True, weight_decay=recipe.weight_decay)


def loss(recipe: Recipe) -> keras.losses.Loss:
    """Cross-entropy of the logits against one-hot labels, smoothed by the recipe."""
    return keras.losses.CategoricalCrossentropy(from_logits=True,
                                                label_smoothing=recipe.label_smoothing)


def predict(model: keras.Model, images: np.ndarray, tta: bool = True,
            batch_size: int = 1000) -> np.ndarray:
    """Class probabilities ``(N, 10)`` for uint8 ``images (N, 32, 32, 3)``; with ``tta``, the
    mean over each image and its mirror image."""
    views = [images, images[:, :, ::-1]] if tta else [images]
    logits = [model.predict(v.astype("float32") / 255.0, batch_size=batch_size, verbose=0)
              for v in views]
    return np.mean([keras.ops.convert_to_numpy(keras.ops.softmax(z)) for z in logits], axis=0)


# The tricks ``without`` removes, in the ablation's order, and the setting that removes each
# (test-time augmentation is removed at prediction: ``predict(..., tta=False)``).
TRICKS = {"whiten": False, "warmup": 0.0, "label_smoothing": 0.0, "shift": 0, "flip": False}


def without(recipe: Recipe, trick: str) -> Recipe:
    """``recipe`` with one of ``TRICKS`` removed."""
    if trick not in TRICKS:
        raise ValueError(f"unknown trick {trick!r}; choose one of {', '.join(TRICKS)}")
    return replace(recipe, **{trick: TRICKS[trick]})
