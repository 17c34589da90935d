"""``tf.data`` pipelines that feed the chapters' models, and a timer for them. Each is finite
(a pass is an epoch) and deterministic: maps keep their order, a shuffle of the whole set
follows ``seed``, anew every epoch (build a new pipeline per ``fit``)."""

import time

import numpy as np
import tensorflow as tf


def array_dataset(images, labels, batch_size: int, *, shuffle: bool = False, seed: int = 0,
                  augment=None, num_classes: int | None = None) -> tf.data.Dataset:
    """uint8 images ``(N, H, W, C)`` and labels in memory: shuffle → batch → float32 in [0, 1]
    → ``augment(x, training=True)`` → labels one-hot ``(B, num_classes)`` if given."""
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")

    def prepare(x, y):
        x = tf.cast(x, tf.float32) / 255.0
        if augment is not None:
            x = augment(x, training=True)
        return x, (tf.one_hot(tf.cast(y, tf.int32), num_classes) if num_classes else y)

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(prepare, num_parallel_calls=tf.data.AUTOTUNE,
                                  deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def load_image(path, image_size: int) -> tf.Tensor:
    """A JPEG file as RGB float32 ``(image_size, image_size, 3)`` in [0, 1] (bilinear resize,
    aspect ratio not kept); ``path``: a str or string tensor."""
    image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
    return tf.image.resize(image, (image_size, image_size)) / 255.0


def image_dataset(paths, labels, image_size: int, batch_size: int, *, shuffle: bool = True,
                  seed: int = 0, cache: bool = True) -> tf.data.Dataset:
    """JPEG files and labels: ``load_image`` (in parallel) → ``cache()`` → shuffle → batch:
    float32 ``(B, size, size, 3)`` and ``(B,)``. An undecodable file stops it (scan first)."""
    paths = [str(p) for p in paths]
    labels = np.asarray(labels, np.float32)
    if len(paths) != len(labels):
        raise ValueError(f"{len(paths)} paths but {len(labels)} labels")
    if not paths:
        raise ValueError("no image paths given")
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    ds = ds.map(lambda p, y: (load_image(p, image_size), y),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def time_pass(dataset: tf.data.Dataset, steps: int | None = None) -> tuple[float, int]:
    """``(seconds, images)`` of one pass over ``dataset`` (or ``steps`` elements) alone: a
    batch ``(images, labels)`` counts its leading axis, one image or raw bytes counts 1."""
    start, count = time.perf_counter(), 0
    for element in (dataset if steps is None else dataset.take(steps)):
        first = element[0] if isinstance(element, tuple) else element
        count += int(first.shape[0]) if first.shape.rank == 4 else 1
    return time.perf_counter() - start, count
