"""The speed-run recipe (``coursekit.speedrun``) with each trick removed once, over seeds.

    python bench/speedrun_ablation.py [--profile quick] [--seeds 0 1 2] [--without ...]

Every run trains on the profile's CIFAR-10 train split and is scored on its validation
split, with and without flip test-time augmentation: the choices are made there. The full
recipe's runs are also scored once on the test set, for the appendix's headline spread and
threshold (``profiles.threshold``). One run of chapter 3's CNN, trained as chapter 3 trains
it, gives the accuracy-versus-seconds curve to compare with, on the same machine. Order:
the full recipe, chapter 3's CNN, then each trick removed, in the order given.

A run takes minutes on a laptop CPU, so the record is rewritten after every run, and a new
invocation with the same profile skips the runs already in it (``--fresh`` starts over):
an interrupted ablation resumes where it stopped. ``bench/results/speedrun_ablation.json``
holds every run (``"runs"``), per variant the mean, std (ddof=1) and count of the
validation accuracies and the mean training seconds, and the two models' curves (per
epoch: training seconds so far, validation accuracy) under ``"curves"``.
"""

from __future__ import annotations

import argparse
import json
import os

import keras
import numpy as np

from coursekit import datasets, models, pipelines, profiles, results, runtime, speedrun, train

TRICKS = tuple(speedrun.TRICKS)


def speedrun_once(recipe, cifar, seed):
    """One speed run: (model, validation accuracies per epoch, seconds per epoch)."""
    (x_train, y_train), (x_val, y_val) = cifar.train, cifar.validation
    keras.utils.set_random_seed(seed)
    whitening = speedrun.whitening_filters(x_train[:2000] / 255.0) if recipe.whiten else None
    data = pipelines.array_dataset(x_train, y_train, recipe.batch_size, shuffle=True, seed=seed,
                                   augment=speedrun.augmentation(recipe, seed), num_classes=10)
    model = speedrun.network(recipe, whitening)
    model.compile(optimizer=speedrun.optimizer(recipe, len(data)), loss=speedrun.loss(recipe),
                  metrics=["accuracy"])
    timer = train.EpochTimer()
    validation = pipelines.array_dataset(x_val, y_val, 1000, num_classes=10)
    history = model.fit(data, epochs=recipe.epochs, callbacks=[timer], verbose=0, shuffle=False,
                        validation_data=validation)
    return model, history.history["val_accuracy"], timer.seconds


def accuracy(model, images, labels, tta):
    return float((speedrun.predict(model, images, tta).argmax(axis=1) == labels).mean())


def chapter3_once(profile, cifar, seed):
    """Chapter 3's CNN as its chapter trains it: (validation accuracies, seconds per epoch)."""
    recipe = profile.training["cifar10_cnn"]
    keras.utils.set_random_seed(seed)
    data = pipelines.array_dataset(*cifar.train, recipe.batch_size, shuffle=True, seed=seed,
                                   augment=models.augmentation(rotate_degrees=0), num_classes=10)
    model = models.cifar10_cnn()
    model.compile(optimizer=train.optimizer(recipe, len(data)), metrics=["accuracy"],
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing))
    timer = train.EpochTimer()
    history = model.fit(data, epochs=recipe.epochs, callbacks=[timer], verbose=0, shuffle=False,
                        validation_data=pipelines.array_dataset(*cifar.validation, 500,
                                                                num_classes=10))
    return history.history["val_accuracy"], timer.seconds


def spread(lines, key, values, unit):
    lines[f"{key}_mean"] = (float(np.mean(values)), unit)
    lines[f"{key}_std"] = (float(np.std(values, ddof=1)) if len(values) > 1 else 0.0, unit)
    lines[f"{key}_n"] = (len(values), "count")


SCORES = {"validation": "accuracy", "validation, flip TTA": "accuracy",
          "test, flip TTA": "accuracy", "training": "s"}


def save(profile_name, runs, curves):
    """Rewrite the record from every run so far: per variant, each score's spread."""
    lines = {}
    for name in dict.fromkeys(r["variant"] for r in runs if r["variant"] != "chapter 3 CNN"):
        done = [r for r in runs if r["variant"] == name]
        for score, unit in SCORES.items():
            if all(score in r for r in done):
                spread(lines, f"{name}: {score}", [r[score] for r in done], unit)
    for r in (r for r in runs if r["variant"] == "chapter 3 CNN"):
        lines["chapter 3 CNN: validation"] = (r["validation"], "accuracy")
        lines["chapter 3 CNN: training"] = (r["training"], "s")
    command = f"python bench/speedrun_ablation.py --profile {profile_name}"
    path = results.save_bench("speedrun_ablation", command, lines)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "runs": runs, "curves": curves}, indent=1) + "\n")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=profiles.NAMES)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--without", nargs="*", default=list(TRICKS), choices=TRICKS,
                        help="the tricks to remove, one at a time (default: all, in order)")
    parser.add_argument("--fresh", action="store_true", help="ignore the runs on record")
    args = parser.parse_args(argv)
    os.environ[profiles.ENV_VAR] = args.profile
    runtime.start()
    profile = profiles.active()
    cifar = datasets.load_cifar10(profile.data["cifar10"])
    full = speedrun.RECIPES[args.profile]
    path = results.BENCH_RESULTS / "speedrun_ablation.json"
    old = {} if args.fresh or not path.exists() else json.loads(path.read_text())
    same = old.get("command", "").endswith(f"--profile {args.profile}")
    runs, curves = (old["runs"], old["curves"]) if same else ([], {})
    done = {(r["variant"], r["seed"]) for r in runs}
    plan = [("full recipe", full, s) for s in args.seeds]
    plan += [("chapter 3 CNN", None, args.seeds[0])]
    plan += [(f"without {t}", speedrun.without(full, t), s) for t in args.without
             for s in args.seeds]
    for name, recipe, seed in (p for p in plan if (p[0], p[2]) not in done):
        if recipe is None:
            val_curve, seconds = chapter3_once(profile, cifar, seed)
            run = {"validation": val_curve[-1]}
            curves[name] = {"seconds": np.cumsum(seconds).tolist(), "val_accuracy": val_curve}
        else:
            model, val_curve, seconds = speedrun_once(recipe, cifar, seed)
            run = {"validation": accuracy(model, *cifar.validation, tta=False),
                   "validation, flip TTA": accuracy(model, *cifar.validation, tta=True)}
            if name == "full recipe":
                run["test, flip TTA"] = accuracy(model, *cifar.test, tta=True)
                if seed == args.seeds[0]:
                    curves["speedrun"] = {"seconds": np.cumsum(seconds).tolist(),
                                          "val_accuracy": val_curve}
        runs.append({"variant": name, "seed": seed, **run, "training": float(sum(seconds))})
        print(f"{name}, seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in run.items())
              + f", training {sum(seconds):.0f} s; wrote {save(args.profile, runs, curves)}",
              flush=True)


if __name__ == "__main__":
    main()
