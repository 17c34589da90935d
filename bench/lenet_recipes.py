"""Epochs and seconds to 98 % MNIST test accuracy: the seed-000 recipe against chapter 2's.

    python bench/lenet_recipes.py [--target 0.98] [--max-epochs 100] [--train N]

Seed article 000 trains its LeNet-5 (``models.lenet5_seed``) with plain SGD, learning
rate 0.05, batch 256, for 100 epochs. Chapter 2's recipe is the modern LeNet-5
(``models.lenet5_modern``) with Adam and cosine decay, as in the ``quick`` profile. A
third run separates the optimizer from the architecture: the seed's network with the
chapter's recipe. Each run trains on the 60,000 MNIST training images (or ``--train``
of them), is evaluated on the 10,000 test images after every epoch, and stops at the
end of the first epoch that reaches ``--target`` (at most ``--max-epochs``, the seed's
100 by default). Seconds are training seconds only (``Run.seconds_to``: the per-epoch
test evaluation is not counted). Same seed, same data, one process, one after the other.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from coursekit import data, models, profiles, results, train  # noqa: E402
from coursekit.runtime import device_name  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.98, help="test accuracy to reach (0.98)")
    parser.add_argument("--max-epochs", type=int, default=100, help="give up after this many (100)")
    parser.add_argument("--train", type=int, default=None, help="training images (default: all)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args()

    tf.config.experimental.enable_op_determinism()
    (x_train, y_train), (x_test, y_test) = data.load_mnist(profiles.Split(args.train, None))
    x_train = (x_train / 255.0).astype(np.float32)[..., None]
    x_test = (x_test / 255.0).astype(np.float32)[..., None]

    quick = profiles.PROFILES["quick"].training
    seed_recipe = dataclasses.replace(quick["lenet5_seed"], epochs=args.max_epochs)
    # The chapter's recipe keeps its own epoch count: its cosine decay is laid out over it.
    chapter_recipe = quick["lenet5_modern"]
    runs = [
        ("seed net, seed recipe", models.lenet5_seed, seed_recipe),
        ("seed net, chapter recipe", models.lenet5_seed, chapter_recipe),
        ("modern net, chapter recipe", models.lenet5_modern, chapter_recipe),
    ]

    print(f"{device_name()}; TensorFlow {tf.__version__}, Python {platform.python_version()}")
    print(f"load average at start: {'%.2f %.2f %.2f' % os.getloadavg()}")
    print(f"MNIST: {len(x_train):,} training, {len(x_test):,} test images; "
          f"target test accuracy {args.target:.2%}; at most {args.max_epochs} epochs")
    for name, _, recipe in runs:
        schedule = "cosine decay" if recipe.cosine_decay else "constant"
        print(f"  {name:<27} {recipe.optimizer} lr {recipe.learning_rate} ({schedule}"
              f"{f' over {recipe.epochs} epochs' if recipe.cosine_decay else ''}), "
              f"batch {recipe.batch_size}")
    print()

    reached = {}
    print(f"{'run':<27} {'epochs':>6} {'seconds':>8} {'s/epoch':>8} {'test acc':>9}")
    for name, build, recipe in runs:
        stop = train.StopAt("val_accuracy", args.target)
        run = train.fit(build, x_train, y_train, recipe, validation_data=(x_test, y_test),
                        callbacks=[stop])
        epoch = run.first_epoch("val_accuracy", args.target)
        accuracy = run.history["val_accuracy"][-1]
        if epoch is None:
            done = len(run.epoch_seconds)
            print(f"{name:<27} {'>' + str(done):>6} {run.seconds_to(done):>8.1f} "
                  f"{np.mean(run.epoch_seconds):>8.2f} {accuracy:>9.4f}  (not reached)")
            continue
        reached[name] = (epoch, run.seconds_to(epoch))
        print(f"{name:<27} {epoch:>6} {reached[name][1]:>8.1f} "
              f"{np.mean(run.epoch_seconds):>8.2f} {accuracy:>9.4f}", flush=True)

    print(f"load average at end: {'%.2f %.2f %.2f' % os.getloadavg()}")
    base, best = "seed net, seed recipe", "modern net, chapter recipe"
    if base not in reached or best not in reached:
        print("a run did not reach the target: no ratio")
        sys.exit(1)
    (e0, s0), (e1, s1) = reached[base], reached[best]
    print(f"\nseed recipe / chapter recipe to {args.target:.0%}: "
          f"{e0 / e1:.1f}x the epochs, {s0 / s1:.1f}x the seconds")
    if "seed net, chapter recipe" in reached:
        e2, s2 = reached["seed net, chapter recipe"]
        print(f"the optimizer alone (seed net, seed / chapter recipe): "
              f"{e0 / e2:.1f}x the epochs, {s0 / s2:.1f}x the seconds")
    if not args.no_save and args.train is None:
        lines = {f"{name}: epochs to {args.target:.0%}": (e, "epochs") for name, (e, _) in reached.items()}
        lines |= {f"{name}: seconds to {args.target:.0%}": (s, "s") for name, (_, s) in reached.items()}
        lines[f"seed recipe / chapter recipe, seconds to {args.target:.0%}"] = (s0 / s1, "ratio")
        path = results.save_bench("lenet_recipes", "python bench/lenet_recipes.py", lines)
        print(f"saved {path}")


if __name__ == "__main__":
    main()
