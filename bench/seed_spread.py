"""Spread over random seeds of every headline model's test accuracy under a run profile.

    python bench/seed_spread.py [--profile quick] [--seeds 0 1 2] [--only NAME ...]

Each headline model of the chapters is trained exactly as its chapter trains it (data,
splits, pipeline, recipe, loss), once per seed: the seed sets the weights' initialisation
and the order of the training batches; the train / validation / test split is the
profile's and never changes (data seed 0). Each run is evaluated on the test set once, at
the end. The record keeps, per model, the mean, standard deviation (ddof=1) and count of
the test accuracies and the mean training seconds. Chapter 3's secondary runs (article
001's CNN; the overfitting runs, the lower of the two arms) record the validation accuracy
their chapter asserts instead. The quick profile's accuracy thresholds
follow from it by one rule (``profiles.threshold``): mean - 3 std, rounded down to 0.5 %.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from coursekit import datasets, models, pipelines, profiles, results, runtime, train


def _fit(model, recipe, data, steps_per_epoch, loss, validation):
    model.compile(optimizer=train.optimizer(recipe, steps_per_epoch), loss=loss,
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(data, epochs=recipe.epochs, validation_data=validation, verbose=0)
    return time.perf_counter() - start


def _scale(x: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], as chapter 2 feeds them."""
    return (x / 255.0).astype(np.float32)[..., None]


def mnist_runs(profile):
    mnist = datasets.load_mnist(profile.data["mnist"])
    x_train, y_train = mnist.train
    val = (_scale(mnist.validation[0]), mnist.validation[1])
    test = (_scale(mnist.test[0]), mnist.test[1])

    def run(build, key):
        def one(seed):
            recipe = profile.training[key]
            keras.utils.set_random_seed(seed)
            model = build()
            model.compile(optimizer=train.optimizer(recipe, -(-len(x_train) // recipe.batch_size)),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            start = time.perf_counter()
            model.fit(_scale(x_train), y_train, batch_size=recipe.batch_size,
                      epochs=recipe.epochs, validation_data=val, verbose=0)
            seconds = time.perf_counter() - start
            return model.evaluate(*test, verbose=0)[1], seconds
        return one

    return {
        "lenet5_article000": run(models.lenet5_article000, "lenet5_article000"),
        "lenet5_1998": run(models.lenet5_1998, "lenet5_1998"),
        "lenet5_modern": run(models.lenet5_modern, "lenet5_modern"),
        "mnist_article003": run(models.mnist_article003, "mnist_article003"),
    }


def cifar10_runs(profile):
    def cnn(seed, key="cifar10_cnn", data_key="cifar10", batch_norm=None, augment=True):
        recipe = profile.training[key]
        cifar = datasets.load_cifar10(profile.data[data_key])
        (x, y), (xv, yv), (xt, yt) = cifar.train, cifar.validation, cifar.test
        keras.utils.set_random_seed(seed)  # first: it also seeds the augmentation layers
        flip_and_shift = models.augmentation(rotate_degrees=0) if augment else None
        data = pipelines.array_dataset(x, y, recipe.batch_size, shuffle=True, seed=seed,
                                       augment=flip_and_shift, num_classes=10)
        val = pipelines.array_dataset(xv, yv, 500, num_classes=10)
        if data_key == "cifar10_bn":
            model = models.cifar10_cnn(batch_norm=batch_norm,
                                       bn_momentum=profile.settings["cifar10_bn_momentum"])
        else:
            model = models.cifar10_cnn()
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
        seconds = _fit(model, recipe, data, int(data.cardinality()), loss, val)
        test = pipelines.array_dataset(xt, yt, 500, num_classes=10)
        return model.evaluate(test, verbose=0, return_dict=True)["accuracy"], seconds

    def bn(batch_norm):
        return lambda seed: cnn(seed, "cifar10_cnn_bn", "cifar10_bn", batch_norm, False)

    def sparse(seed, key, build, x, y, augment):
        """Validation accuracy of a chapter-3 secondary run (sparse labels, as there)."""
        recipe = profile.training[key]
        xv, yv = datasets.load_cifar10(profile.data["cifar10"]).validation
        keras.utils.set_random_seed(seed)
        data = pipelines.array_dataset(x, y, recipe.batch_size, shuffle=True, seed=seed,
                                       augment=augment() if augment else None)
        val = pipelines.array_dataset(xv, yv, 500)
        model = build()
        model.compile(optimizer=train.optimizer(recipe, int(data.cardinality())),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        history = model.fit(data, epochs=recipe.epochs, validation_data=val, verbose=0)
        return history.history["val_accuracy"][-1], time.perf_counter() - start

    def article(seed):
        x, y = datasets.load_cifar10(profile.data["cifar10"]).train
        return sparse(seed, "cifar10_article001", models.cifar10_article001, x, y,
                      models.augmentation)

    def overfit(seed):
        """The lower of the two arms' validation accuracies, as chapter 3 asserts it."""
        x, y = datasets.load_cifar10(profile.data["cifar10"]).train
        few = datasets.balanced_subset(y, profile.data["cifar10_overfit"].train, seed=0)
        arms = [sparse(seed, "cifar10_cnn_overfit", models.cifar10_cnn, x[few], y[few], aug)
                for aug in (None, lambda: models.augmentation(rotate_degrees=0))]
        return min(a for a, _ in arms), sum(s for _, s in arms)

    return {"cifar10_cnn": cnn, "cifar10_cnn_no_bn": bn(None), "cifar10_cnn_bn": bn("before"),
            "cifar10_article001": article, "cifar10_cnn_overfit": overfit}


def cats_vs_dogs_runs(profile):
    def one(seed):
        recipe = profile.training["cats_vs_dogs_cnn"]
        size = profile.settings["cats_vs_dogs_image_size"]
        folder = datasets.load_cats_vs_dogs(profile.data["cats_vs_dogs"])
        keras.utils.set_random_seed(seed)
        data = pipelines.image_dataset(*folder.train, size, recipe.batch_size, seed=seed)
        val = pipelines.image_dataset(*folder.validation, size, 100, shuffle=False)
        flip = models.augmentation(translate=0, rotate_degrees=0)
        model = models.cats_vs_dogs_cnn(size, augment=flip)
        seconds = _fit(model, recipe, data, int(data.cardinality()), "binary_crossentropy", val)
        test = pipelines.image_dataset(*folder.test, size, 100, shuffle=False)
        return model.evaluate(test, verbose=0, return_dict=True)["accuracy"], seconds

    return {"cats_vs_dogs_cnn": one}


def using_a_trained_cnn_runs(profile):
    """Chapter 4b's headline numbers: the BN CNN from scratch; the fine-tuned CIFAR-8
    backbone on the most training images (its pretraining and the head included)."""
    cats = datasets.load_cats_vs_dogs(profile.data["cats_vs_dogs"])

    def classifier(backbone, size, frozen=False):
        inputs = keras.Input((size, size, 3))
        x = models.augmentation(translate=0.1, rotate_degrees=0)(inputs)
        x = backbone(x, training=False) if frozen else backbone(x)
        x = keras.layers.Dropout(0.3)(x)
        return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))

    def bn_cnn(seed):
        recipe, size = profile.training["cats_vs_dogs_bn_cnn"], profile.settings[
            "cats_vs_dogs_image_size"]
        keras.utils.set_random_seed(seed)
        data = pipelines.image_dataset(*cats.train, size, recipe.batch_size, seed=seed)
        val = pipelines.image_dataset(*cats.validation, size, 100, shuffle=False)
        model = classifier(models.bn_backbone(), size)
        seconds = _fit(model, recipe, data, int(data.cardinality()), "binary_crossentropy", val)
        test = pipelines.image_dataset(*cats.test, size, 100, shuffle=False)
        return model.evaluate(test, verbose=0, return_dict=True)["accuracy"], seconds

    def fine_tuned(seed):
        keep = np.array([0, 1, 2, 4, 6, 7, 8, 9])  # CIFAR-10 without cat (3) and dog (5)
        x, y = datasets.load_cifar10(profile.data["cifar10"]).train
        x, y = x[np.isin(y, keep)], np.searchsorted(keep, y[np.isin(y, keep)])
        recipe = profile.training["cifar8_backbone"]
        keras.utils.set_random_seed(seed)
        data = pipelines.array_dataset(x, y, recipe.batch_size, shuffle=True, seed=seed)
        backbone = models.bn_backbone()
        inputs = keras.Input((32, 32, 3))
        h = backbone(models.augmentation(translate=0.1, rotate_degrees=0)(inputs))
        pretrain = keras.Model(inputs, keras.layers.Dense(8, activation="softmax")(
            keras.layers.Dropout(0.3)(h)))
        seconds = _fit(pretrain, recipe, data, len(data), "sparse_categorical_crossentropy",
                       None)
        size, steps = (profile.settings[k] for k in ("transfer_image_size",
                                                     "transfer_steps_per_epoch"))
        n = profile.settings["transfer_images_largest"]
        recipe = profile.training["cats_vs_dogs_transfer"]
        paths, labels = cats.train
        keep = datasets.balanced_subset(labels, n, seed=0)
        keras.utils.set_random_seed(seed)
        data = (pipelines.image_dataset([paths[i] for i in keep], labels[keep], size, n,
                                        shuffle=False).unbatch().cache()
                .shuffle(n, seed=seed).repeat().batch(recipe.batch_size))
        pretrained, backbone = backbone.get_weights(), models.bn_backbone()  # as the chapter
        backbone.set_weights(pretrained)
        model = classifier(backbone, size, frozen=True)
        backbone.trainable = False
        head = recipe.epochs // 2
        for part in (dataclasses.replace(recipe, epochs=head), dataclasses.replace(
                recipe, epochs=recipe.epochs - head, learning_rate=recipe.learning_rate / 10)):
            model.compile(optimizer=train.optimizer(part, steps), loss="binary_crossentropy",
                          metrics=["accuracy"])
            start = time.perf_counter()
            model.fit(data, epochs=part.epochs, steps_per_epoch=steps, verbose=0)
            seconds += time.perf_counter() - start
            backbone.trainable = True
        test = pipelines.image_dataset(*cats.test, size, 100, shuffle=False)
        return model.evaluate(test, verbose=0, return_dict=True)["accuracy"], seconds

    return {"cats_vs_dogs_bn_cnn": bn_cnn, "cats_vs_dogs_transfer": fine_tuned}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=list(profiles.PROFILES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", help="train only these models")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args()

    tf.config.experimental.enable_op_determinism()
    profile = profiles.PROFILES[args.profile]
    print(runtime.banner())
    runs = {**cifar10_runs(profile), **cats_vs_dogs_runs(profile),
            **using_a_trained_cnn_runs(profile), **mnist_runs(profile)}
    name = f"seed_spread_{profile.name}"
    record_path = results.BENCH_RESULTS / f"{name}.json"
    previous = json.loads(record_path.read_text()) if record_path.exists() else {}
    lines = {k: (v["value"], v["unit"]) for k, v in previous.get("results", {}).items()}
    this_run = shlex.join(["python", "bench/seed_spread.py", *sys.argv[1:]])
    for model_name, run in runs.items():
        if args.only and model_name not in args.only:
            continue
        accuracies, seconds = [], []
        for seed in args.seeds:
            accuracy, s = run(seed)
            accuracies.append(accuracy), seconds.append(s)
            print(f"{model_name:<20} seed {seed}: accuracy {accuracy:.4f}, "
                  f"training {s:.0f} s", flush=True)
        if len(accuracies) < 2:
            continue  # no spread from one seed
        mean, std = float(np.mean(accuracies)), float(np.std(accuracies, ddof=1))
        print(f"{model_name:<20} {mean:.4f} ± {std:.4f} over {len(accuracies)} seeds; "
              f"threshold {profiles.threshold(mean, std):.3f}\n", flush=True)
        lines |= {f"{model_name}_accuracy_mean": (mean, "accuracy"),
                  f"{model_name}_accuracy_std": (std, "accuracy"),
                  f"{model_name}_accuracy_n": (len(accuracies), "count"),
                  f"{model_name}_train_seconds_mean": (float(np.mean(seconds)), "s")}
        if not args.no_save:  # after every model, so that a long run keeps what it measured
            # the commands whose lines the record keeps, one per line, this one last
            commands = [c for c in previous.get("command", "").splitlines() if c != this_run]
            results.save_bench(name, "\n".join([*commands, this_run]), lines)
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
