"""Augment CIFAR-10 two ways: article 001's ImageDataGenerator.flow against tf.data with
Keras preprocessing layers.

    python bench/augment_pipeline.py [--images 10000] [--batch 64]

Both produce the same thing from the same uint8 arrays (the first ``--images`` CIFAR-10
training images of the course data): shuffled batches of float32 images in [0, 1],
randomly flipped left-right, shifted by up to 10 % and rotated by up to 15 degrees, with
``fill_mode="nearest"`` (article 001's settings; ``models.augmentation()`` maps them one to
one onto layers). Each pipeline runs one timed epoch over the images after a warm-up epoch,
and every batch is brought back to the host as a NumPy array, so both deliver the same
thing. Timed in one run:

- ``ImageDataGenerator.flow``: Keras' legacy generator, as article 001 uses it (Keras 3
  keeps it only as ``tf.keras.preprocessing.image.ImageDataGenerator``): NumPy and SciPy,
  one image at a time, in the calling thread.
- ``tf.data + layers``: ``coursekit.pipelines.array_dataset`` with ``models.augmentation()``,
  whole batches at a time, the map run in parallel (all cores).
- ``tf.data + layers, 1 thread``: the same, with tf.data and its ops held to one thread,
  for a like-for-like comparison with the single-threaded generator.

Before timing, a check that the two do the same preprocessing: with every random
setting at 0, both must return the input images scaled to [0, 1].
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from coursekit import datasets, models, pipelines, profiles, results, runtime  # noqa: E402

ARTICLE001_SETTINGS = dict(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1,
                           horizontal_flip=True)


def generator_epochs(x, y, batch, shuffle=True, **settings):
    """A function that runs one epoch of ImageDataGenerator.flow batches (float32 in [0, 1])."""
    gen = tf.keras.preprocessing.image.ImageDataGenerator(rescale=1 / 255, **settings)
    flow = gen.flow(x, y, batch_size=batch, shuffle=shuffle, seed=0)

    def epoch():
        for i in range(len(flow)):
            yield flow[i]
        flow.on_epoch_end()  # a new shuffle, as fit does between epochs

    return epoch


def dataset_epochs(x, y, batch, augment, one_thread=False, shuffle=True):
    """A function that runs one epoch of the tf.data pipeline's batches, as NumPy arrays.
    The dataset (and its map function's graph) is built once, here."""
    ds = pipelines.array_dataset(x, y, batch, shuffle=shuffle, seed=0, augment=augment)
    if one_thread:
        options = tf.data.Options()
        options.threading.private_threadpool_size = 1
        options.threading.max_intra_op_parallelism = 1
        ds = ds.with_options(options)

    def epoch():
        for xb, yb in ds:
            yield xb.numpy(), yb.numpy()

    return epoch


def timed_epoch(epoch):
    """(images per second over one epoch, after a warm-up epoch, images seen)."""
    for _ in epoch():  # warm-up: first calls, thread pools, caches
        pass
    start, seen = time.perf_counter(), 0
    for xb, _ in epoch():
        assert xb.dtype == np.float32 and xb.shape[1:] == (32, 32, 3)
        assert 0.0 <= xb.min() and xb.max() <= 1.0 + 1e-6
        seen += len(xb)
    return seen / (time.perf_counter() - start), seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000,
                        help="training images to augment (default 10,000)")
    parser.add_argument("--batch", type=int, default=64,
                        help="images per batch (default 64, article 001's)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)

    cifar = datasets.load_cifar10(profiles.Split(train=args.images, validation=0, test=None))
    x, y = cifar.train
    identity_gen = next(generator_epochs(x[:64], y[:64], 64, shuffle=False)())[0]
    identity_layers = next(dataset_epochs(x[:64], y[:64], 64, None, shuffle=False)())[0]
    np.testing.assert_allclose(identity_gen, x[:64] / 255.0, atol=1e-6)
    np.testing.assert_allclose(identity_layers, x[:64] / 255.0, atol=1e-6)

    augment = models.augmentation()  # article 001's settings, one layer each
    methods = {
        "ImageDataGenerator.flow": generator_epochs(x, y, args.batch, **ARTICLE001_SETTINGS),
        "tf.data + layers": dataset_epochs(x, y, args.batch, augment),
        "tf.data + layers, 1 thread": dataset_epochs(x, y, args.batch, augment, one_thread=True),
    }
    speed = {}
    for name, epoch in methods.items():
        speed[name], seen = timed_epoch(epoch)

    print(f"{runtime.banner()}; NumPy {np.__version__}")
    print(f"{seen:,} CIFAR-10 training images (uint8 -> float32 [0, 1]), batch {args.batch}, "
          "one epoch each; flip + shift 10 % + rotate 15 deg, fill nearest")
    print("check: with no random setting, both return the same images scaled to [0, 1]\n")
    print(f"{'pipeline':<28} {'images / s':>11}")
    for name, s in speed.items():
        print(f"{name:<28} {s:>11,.0f}")
    generator = speed["ImageDataGenerator.flow"]
    parallel, single = speed["tf.data + layers"], speed["tf.data + layers, 1 thread"]
    print(f"\ntf.data + layers / ImageDataGenerator.flow = {parallel / generator:.1f}x "
          f"(all {os.cpu_count()} cores), {single / generator:.1f}x (1 thread each)")
    saved = results.save_bench(
        "augment_pipeline", " ".join(["python", "bench/augment_pipeline.py", *sys.argv[1:]]), {
            "ImageDataGenerator.flow (article 001)": (generator, "images/s"),
            "tf.data + preprocessing layers": (parallel, "images/s"),
            "tf.data + layers / ImageDataGenerator (all cores)": (parallel / generator, "ratio"),
            "tf.data + layers / ImageDataGenerator (1 thread each)": (single / generator, "ratio"),
        })
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
