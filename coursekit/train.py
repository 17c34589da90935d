"""What the chapters' training shares: the recipe's optimizer, epoch timing, stopping:
``model.compile(optimizer=train.optimizer(recipe, steps_per_epoch), ...)``,
``model.fit(..., callbacks=[timer := train.EpochTimer()])``, ``sum(timer.seconds)``."""

import math
import time

import keras

from coursekit.profiles import Training


def optimizer(training: Training, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """The recipe's Keras optimizer. With ``cosine_decay`` the learning rate rises linearly
    from 0 over ``warmup_epochs``, then falls along a half cosine to 0 at the last step."""
    learning_rate = training.learning_rate
    if training.cosine_decay:
        warmup = round(training.warmup_epochs * steps_per_epoch)
        learning_rate = keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else learning_rate,
            decay_steps=training.epochs * steps_per_epoch - warmup,
            warmup_target=learning_rate if warmup else None, warmup_steps=warmup)
    config = {"learning_rate": learning_rate, "momentum": training.momentum,
              "weight_decay": training.weight_decay}  # the last two only where set
    return keras.optimizers.get({"class_name": training.optimizer,
                                 "config": {k: v for k, v in config.items() if v}})


class EpochTimer(keras.callbacks.Callback):
    """``.seconds``: each epoch's training time in s, without its validation pass."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._stopped = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        self._stopped = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append((self._stopped or time.perf_counter()) - self._start)


class StopAt(keras.callbacks.Callback):
    """Stops training after the first epoch where ``monitor`` ≥ ``target``."""

    def __init__(self, monitor: str, target: float):
        super().__init__()
        self.monitor, self.target = monitor, target

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get(self.monitor, -math.inf) >= self.target:
            self.model.stop_training = True


def first_epoch(history: dict[str, list[float]], metric: str, at_least: float) -> int | None:
    """The first epoch (counted from 1) where ``history[metric]`` ≥ ``at_least``, or None."""
    return next((i for i, v in enumerate(history[metric], start=1) if v >= at_least), None)
