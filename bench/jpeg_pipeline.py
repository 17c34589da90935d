"""Images per second of three tf.data pipelines over the same JPEGs, two epochs each.

    python bench/jpeg_pipeline.py [--size 96] [--epochs 2] [--batch 32] [--files N]

The files are the 2,000 JPEGs of cats vs dogs' ``train/`` (``coursekit.datasets``: the
``COURSEKIT_DATA`` mirror, the cache or a download). The pipelines, one after the other
in one run, each iterated without a model (the input pipeline alone):

- article 004's, as written (``article004_pipeline`` below): a serial ``map`` (no
  ``num_parallel_calls``), ``repeat().shuffle(2000).batch(32)``, no cache, no prefetch;
  once at the article's 256×256 and once at ``--size`` for a like-for-like comparison;
- the course's tuned pipeline (``pipelines.image_dataset``): parallel map, cache,
  shuffle, batch, prefetch, at ``--size``;
- ``keras.utils.image_dataset_from_directory`` on the training folder at ``--size``
  (its defaults: it shuffles the file paths, no cache).

An epoch is one pass over the files (article 004's endless dataset: ``2000 // batch``
batches). Ratios are against article 004's pipeline at the same size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from coursekit import datasets, pipelines, profiles, results, runtime  # noqa: E402


def article004_pipeline(paths, labels, image_size: int = 256, batch_size: int = 32):
    """Article 004's training pipeline as written (``decode_jpeg(channel=3)`` fixed to
    ``channels=3``, which its code needs to run at all): ``from_tensor_slices(paths)
    .map(load)`` one file at a time, zipped with the labels, then
    ``repeat().shuffle(len(paths)).batch(batch_size)``: an endless dataset, an unseeded
    shuffle of decoded images, no cache, no prefetch."""

    def load_preprocess_image(path):
        raw = tf.io.read_file(path)
        image = tf.io.decode_jpeg(raw, channels=3)
        image = tf.image.resize(image, [image_size, image_size])
        image = tf.cast(image, tf.float32)
        return image / 255

    image_ds = tf.data.Dataset.from_tensor_slices(list(paths)).map(load_preprocess_image)
    label_ds = tf.data.Dataset.from_tensor_slices(np.asarray(labels, np.float32))
    ds = tf.data.Dataset.zip((image_ds, label_ds))
    return ds.repeat().shuffle(buffer_size=len(paths)).batch(batch_size)


def epoch_seconds(make, epochs: int, steps: int | None) -> tuple[list[float], int]:
    """Seconds of each epoch and the images seen. ``steps``: batches per epoch of an
    endless dataset (read from one iterator), or None for a finite one (one pass each)."""
    seconds, count = [], 0
    ds = make()
    iterator = iter(ds) if steps is not None else None
    for _ in range(epochs):
        start = time.perf_counter()
        batches = (next(iterator) for _ in range(steps)) if steps is not None else iter(ds)
        for x, _ in batches:
            count += int(x.shape[0])
        seconds.append(time.perf_counter() - start)
    return seconds, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=96,
                        help="image side after resizing (default 96, the chapter's)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--files", type=int, default=None,
                        help="time only this many files (default: all 2,000; a quick check)")
    args = parser.parse_args()

    cats = datasets.load_cats_vs_dogs(profiles.Split(train=args.files, validation=0, test=None))
    (paths, labels), train_dir = cats.train, cats.root / "train"
    if args.files:  # the one-liner reads a folder: give it one with just these files
        train_dir = Path(tempfile.mkdtemp(prefix="jpeg-bench-"))
        for p in paths:
            (train_dir / Path(p).parent.name).mkdir(exist_ok=True)
            (train_dir / Path(p).parent.name / Path(p).name).symlink_to(p)
    steps = len(paths) // args.batch
    candidates = {
        "article 004 as written, 256x256": (
            lambda: article004_pipeline(paths, labels, 256, args.batch), steps),
        f"article 004, {args.size}x{args.size}": (
            lambda: article004_pipeline(paths, labels, args.size, args.batch), steps),
        f"course (tuned), {args.size}x{args.size}": (
            lambda: pipelines.image_dataset(paths, labels, args.size, args.batch), None),
        f"image_dataset_from_directory, {args.size}x{args.size}": (
            lambda: keras.utils.image_dataset_from_directory(
                train_dir, image_size=(args.size, args.size), batch_size=args.batch,
                seed=0, verbose=False), None),
    }
    print(runtime.banner())
    print(f"{len(paths)} JPEGs, batch {args.batch}, {args.epochs} epochs")
    rate = {}
    print(f"{'pipeline':<42} {'epoch s':>14} {'total s':>8} {'images/s':>9}")
    for name, (make, endless_steps) in candidates.items():
        seconds, count = epoch_seconds(make, args.epochs, endless_steps)
        rate[name] = count / sum(seconds)
        per_epoch = " ".join(f"{s:6.2f}" for s in seconds)
        print(f"{name:<42} {per_epoch:>14} {sum(seconds):8.2f} {rate[name]:9,.0f}")
    base = rate[f"article 004, {args.size}x{args.size}"]
    print(f"ratios (images/s over article 004 at {args.size}x{args.size}):")
    for name, r in rate.items():
        print(f"  {name:<42} {r / base:6.2f}x")
    if args.files:
        shutil.rmtree(train_dir)
        return  # a quick check: nothing saved
    path = results.save_bench(
        "jpeg_pipeline", " ".join(["python bench/jpeg_pipeline.py", *sys.argv[1:]]),
        {f"{name}, images/s": (r, "images/s") for name, r in rate.items()}
        | {f"course / article 004 at {args.size}x{args.size}": (
            rate[f"course (tuned), {args.size}x{args.size}"] / base, "ratio")},
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
