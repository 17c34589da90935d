"""Images per second of three tf.data pipelines over the same JPEGs, two epochs each.

    python bench/jpeg_pipeline.py [--size 96] [--epochs 2] [--batch 32] [--files N]

The files are the 2,000 training JPEGs of cats vs dogs (``coursekit.data``: the
``COURSEKIT_DATA`` mirror, the cache or a download). The pipelines, one after the other
in one run, each iterated without a model (the input pipeline alone):

- seed 004 as written (``images.seed_pipeline``): a serial ``map`` (no
  ``num_parallel_calls``), ``repeat().shuffle(2000).batch(32)``, no cache, no prefetch;
  once at the seed's 256×256 and once at ``--size`` for a like-for-like comparison;
- the course's tuned pipeline (``images.image_dataset``): parallel map, cache, shuffle,
  batch, prefetch, at ``--size``;
- ``keras.utils.image_dataset_from_directory`` on the training folder at ``--size``
  (its defaults: it shuffles the file paths, no cache).

An epoch is one pass over the files (the seed's endless dataset: ``2000 // batch``
batches). Ratios are against the seed's pipeline at the same size.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from coursekit import data, images, profiles, results, runtime  # noqa: E402


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
    parser.add_argument("--size", type=int, default=96, help="image side after resizing (default 96, the chapter's)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--files", type=int, default=None,
                        help="time only this many files (default: all 2,000; a quick check)")
    args = parser.parse_args()

    folder = data.load_cats_vs_dogs(profiles.Split(train=args.files, test=None))
    paths, labels = list(folder.train_paths), folder.train_labels
    train_dir = folder.root / "train"
    if args.files:  # the one-liner reads a folder: give it one with just these files
        import tempfile

        train_dir = Path(tempfile.mkdtemp(prefix="jpeg-bench-"))
        for p in paths:
            (train_dir / Path(p).parent.name).mkdir(exist_ok=True)
            (train_dir / Path(p).parent.name / Path(p).name).symlink_to(p)
    steps = len(paths) // args.batch
    pipelines = {
        "seed 004 as written, 256x256": (
            lambda: images.seed_pipeline(paths, labels, 256, args.batch), steps),
        f"seed 004, {args.size}x{args.size}": (
            lambda: images.seed_pipeline(paths, labels, args.size, args.batch), steps),
        f"course (tuned), {args.size}x{args.size}": (
            lambda: images.image_dataset(paths, labels, args.size, args.batch, seed=0), None),
        f"image_dataset_from_directory, {args.size}x{args.size}": (
            lambda: keras.utils.image_dataset_from_directory(
                train_dir, image_size=(args.size, args.size), batch_size=args.batch,
                seed=0, verbose=False), None),
    }
    print(f"{runtime.device_name()}; TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"{len(paths)} JPEGs, batch {args.batch}, {args.epochs} epochs")
    rate = {}
    print(f"{'pipeline':<42} {'epoch s':>14} {'total s':>8} {'images/s':>9}")
    for name, (make, endless_steps) in pipelines.items():
        seconds, count = epoch_seconds(make, args.epochs, endless_steps)
        rate[name] = count / sum(seconds)
        per_epoch = " ".join(f"{s:6.2f}" for s in seconds)
        print(f"{name:<42} {per_epoch:>14} {sum(seconds):8.2f} {rate[name]:9,.0f}")
    base = rate[f"seed 004, {args.size}x{args.size}"]
    print(f"ratios (images/s over seed 004 at {args.size}x{args.size}):")
    for name, r in rate.items():
        print(f"  {name:<42} {r / base:6.2f}x")
    if args.files:
        import shutil

        shutil.rmtree(train_dir)
        return  # a quick check: nothing saved
    path = results.save_bench(
        "jpeg_pipeline", " ".join(["python bench/jpeg_pipeline.py", *sys.argv[1:]]),
        {f"{name}, images/s": (r, "images/s") for name, r in rate.items()}
        | {f"course / seed 004 at {args.size}x{args.size}": (
            rate[f"course (tuned), {args.size}x{args.size}"] / base, "ratio")},
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
