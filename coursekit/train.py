"""Seeded, timed training under a run profile.

    run = train.fit(models.lenet5_modern, x_train, y_train, profile.training["lenet5_modern"],
                    validation_data=(x_test, y_test))
    run.history["val_accuracy"][-1], run.seconds

``fit`` seeds every random generator, builds the model, compiles it with the optimizer
the ``profiles.Training`` recipe names and trains it for the recipe's epochs and batch
size: the same seed gives the same model and the same history (with op determinism on,
as ``runtime.start`` sets it).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras

from coursekit.profiles import Training


@dataclass
class Run:
    """What one ``fit`` gives back.

    ``history`` maps each metric (``loss``, ``accuracy``, ``val_loss``, ...) to one value
    per epoch. ``epoch_seconds`` are the wall-clock seconds of each epoch's training,
    without its validation pass; ``seconds`` is the whole ``model.fit`` call.
    """

    model: keras.Model
    history: dict[str, list[float]]
    seconds: float
    epoch_seconds: list[float]

    def first_epoch(self, metric: str, at_least: float) -> int | None:
        """The first epoch (counted from 1) where ``metric`` ≥ ``at_least``, or None."""
        return next((i + 1 for i, v in enumerate(self.history[metric]) if v >= at_least), None)

    def seconds_to(self, epoch: int) -> float:
        """Training seconds (validation excluded) of epochs 1 to ``epoch``."""
        return sum(self.epoch_seconds[:epoch])


class EpochTimer(keras.callbacks.Callback):
    """Records each epoch's training seconds, stopping the clock when validation starts."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._stopped = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        self._stopped = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append((self._stopped or time.perf_counter()) - self._start)


class StopAt(keras.callbacks.Callback):
    """Stops training at the end of the first epoch where ``monitor`` ≥ ``target``."""

    def __init__(self, monitor: str, target: float):
        super().__init__()
        self.monitor, self.target = monitor, target

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get(self.monitor, -math.inf) >= self.target:
            self.model.stop_training = True


def optimizer(training: Training, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """The recipe's optimizer; with ``cosine_decay``, its learning rate decays to 0 over
    ``training.epochs * steps_per_epoch`` steps (after ``warmup_epochs`` of linear warm-up
    from 0, when the recipe has them)."""
    learning_rate = training.learning_rate
    if training.cosine_decay:
        warmup = round(training.warmup_epochs * steps_per_epoch)
        if warmup:
            learning_rate = keras.optimizers.schedules.CosineDecay(
                0.0, decay_steps=training.epochs * steps_per_epoch - warmup,
                warmup_target=learning_rate, warmup_steps=warmup,
            )
        else:
            learning_rate = keras.optimizers.schedules.CosineDecay(
                learning_rate, decay_steps=training.epochs * steps_per_epoch
            )
    config = {"learning_rate": learning_rate}
    if training.momentum:
        config["momentum"] = training.momentum
    if training.weight_decay:
        config["weight_decay"] = training.weight_decay
    return keras.optimizers.get({"class_name": training.optimizer, "config": config})


def fit(
    build: Callable[[], keras.Model],
    x,
    y,
    training: Training,
    *,
    validation_data=None,
    seed: int = 42,
    loss: str = "sparse_categorical_crossentropy",
    metrics: Sequence[str] = ("accuracy",),
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = 0,
    strategy=None,
    jit_compile: bool | str = "auto",
) -> Run:
    """Seed, build with ``build()``, compile with the recipe and train; return the ``Run``.

    ``x``, ``y`` are arrays, or ``x`` is a ``tf.data.Dataset`` of ``(images, labels)``
    batches and ``y`` is None (the dataset then sets the batch size, and should be
    batched with ``training.batch_size``). ``validation_data`` is an ``(x, y)`` pair or
    such a dataset, evaluated after every epoch (its metrics appear in the history as
    ``val_...``). ``callbacks`` are added to the timer. ``verbose`` is passed to
    ``model.fit`` (2: one line per epoch). With a ``tf.distribute`` ``strategy``, the
    model and its optimizer are built in its scope, so each batch is split across its
    replicas (the batch size is the global one). ``jit_compile`` goes to
    ``model.compile``: True compiles each training step with XLA (Keras' ``"auto"`` does
    so on a GPU, not on a CPU); with op determinism on, as ``runtime.start`` sets it,
    Keras turns XLA down with a warning.
    """
    keras.utils.set_random_seed(seed)
    if y is None:
        steps_per_epoch = int(x.cardinality())
        if steps_per_epoch < 0:
            raise ValueError("x is a dataset of unknown or infinite length: fit needs a finite one "
                             "(do not .repeat() it, or apply .take(steps) / assert_cardinality).")
    else:
        steps_per_epoch = math.ceil(len(x) / training.batch_size)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = build()
        model.compile(optimizer=optimizer(training, steps_per_epoch), loss=loss, metrics=list(metrics),
                      jit_compile=jit_compile)
    timer = EpochTimer()
    start = time.perf_counter()
    history = model.fit(
        x,
        y,
        batch_size=None if y is None else training.batch_size,
        shuffle=y is not None,  # arrays: reshuffled every epoch; a dataset: as it comes
        epochs=training.epochs,
        validation_data=validation_data,
        callbacks=[timer, *callbacks],
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    return Run(model, history.history, seconds, timer.seconds)
