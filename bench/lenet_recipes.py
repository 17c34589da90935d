"""Epochs and seconds to 98 % MNIST validation accuracy: article 000's recipe vs chapter 2's.

    python bench/lenet_recipes.py [--target 0.98] [--max-epochs 100] [--train N]

Article 000 trains its LeNet-5 (``models.lenet5_article000``) with plain SGD, learning
rate 0.05, batch 256, for 100 epochs. Chapter 2's recipe is the modern LeNet-5
(``models.lenet5_modern``) with Adam and cosine decay, as in the ``quick`` profile. A
third run separates the optimizer from the architecture: article 000's network with the
chapter's recipe. Each run trains on the MNIST training images left after the 5,000 of
the validation split (55,000, or ``--train`` of them), is evaluated on the validation
split after every epoch (the test set is not used: this bench chooses a recipe), and
stops at the end of the first epoch that reaches ``--target`` (at most ``--max-epochs``,
the article's 100 by default). Seconds are training seconds (``train.EpochTimer``: the
validation passes are not counted). Same seed, same data, one process, one after another.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no C++ log lines

import keras
import numpy as np
import tensorflow as tf

from coursekit import datasets, models, profiles, results, runtime, train


def scaled(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], as chapter 2 feeds them."""
    return (images / 255.0).astype(np.float32)[..., None], labels


def fit(build, recipe, data, validation, target):
    """Seed, build, compile and fit until ``target``; (history, seconds per epoch)."""
    x, y = data
    keras.utils.set_random_seed(42)
    model = build()
    model.compile(optimizer=train.optimizer(recipe, -(-len(x) // recipe.batch_size)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = train.EpochTimer()
    history = model.fit(x, y, batch_size=recipe.batch_size, epochs=recipe.epochs,
                        validation_data=validation, verbose=0,
                        callbacks=[timer, train.StopAt("val_accuracy", target)])
    return history.history, timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.98, help="validation accuracy (0.98)")
    parser.add_argument("--max-epochs", type=int, default=100, help="give up after this many")
    parser.add_argument("--train", type=int, default=None, help="training images (default: all)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args()

    tf.config.experimental.enable_op_determinism()
    mnist = datasets.load_mnist(profiles.Split(args.train, 5_000, None))
    data, validation = scaled(*mnist.train), scaled(*mnist.validation)

    quick = profiles.PROFILES["quick"].training
    article_recipe = dataclasses.replace(quick["lenet5_article000"], epochs=args.max_epochs)
    # The chapter's recipe keeps its own epoch count: its cosine decay is laid out over it.
    chapter_recipe = quick["lenet5_modern"]
    runs = [
        ("article-000 net, its recipe", models.lenet5_article000, article_recipe),
        ("article-000 net, chapter recipe", models.lenet5_article000, chapter_recipe),
        ("modern net, chapter recipe", models.lenet5_modern, chapter_recipe),
    ]

    print(runtime.banner())
    print(f"MNIST: {len(data[0]):,} training, {len(validation[0]):,} validation images; "
          f"target validation accuracy {args.target:.2%}; at most {args.max_epochs} epochs")
    for name, _, recipe in runs:
        schedule = "constant"
        if recipe.cosine_decay:
            schedule = f"cosine decay over {recipe.epochs} epochs"
        print(f"  {name:<32} {recipe.optimizer} lr {recipe.learning_rate} ({schedule}), "
              f"batch {recipe.batch_size}")
    print(f"\n{'run':<32} {'epochs':>6} {'seconds':>8} {'s/epoch':>8} {'val acc':>8}")

    reached = {}
    for name, build, recipe in runs:
        history, seconds = fit(build, recipe, data, validation, args.target)
        epoch = train.first_epoch(history, "val_accuracy", args.target)
        done = epoch or len(seconds)
        print(f"{name:<32} {'' if epoch else '>'}{done:>5} {sum(seconds[:done]):>8.1f} "
              f"{np.mean(seconds):>8.2f} {history['val_accuracy'][-1]:>8.4f}"
              + ("" if epoch else "  (not reached)"), flush=True)
        if epoch:
            reached[name] = (epoch, sum(seconds[:epoch]))

    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base, alone, best = (name for name, _, _ in runs)
    if base not in reached or best not in reached:
        print("a run did not reach the target: no ratio")
        sys.exit(1)
    (e0, s0), (e1, s1) = reached[base], reached[best]
    print(f"\narticle 000's recipe / chapter recipe to {args.target:.0%}: "
          f"{e0 / e1:.1f}x the epochs, {s0 / s1:.1f}x the seconds")
    if alone in reached:
        e2, s2 = reached[alone]
        print(f"the recipe alone (article-000 net, its / chapter recipe): "
              f"{e0 / e2:.1f}x the epochs, {s0 / s2:.1f}x the seconds")
    if not args.no_save and args.train is None:
        target = f"{args.target:.0%} validation accuracy"
        lines = {f"{name}: epochs to {target}": (e, "epochs") for name, (e, _) in reached.items()}
        lines |= {f"{name}: seconds to {target}": (s, "s") for name, (_, s) in reached.items()}
        lines[f"article 000's recipe / chapter recipe, seconds to {target}"] = (s0 / s1, "ratio")
        path = results.save_bench("lenet_recipes", "python bench/lenet_recipes.py", lines)
        print(f"saved {path}")


if __name__ == "__main__":
    main()
