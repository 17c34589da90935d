"""Training speed of the chapter-3 CIFAR-10 CNN with and without XLA (``jit_compile``).

    python bench/xla_speed.py [--images 4096] [--batch 128] [--repeats 3]

Trains the same model on the same random 32×32×3 batches with ``jit_compile=False``
and ``True``, alternating, ``--repeats`` epochs each after one warm-up epoch (which
includes compiling), and reports the best images/s of each and their ratio. Op
determinism stays off here: Keras refuses XLA when it is on (see the appendix).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no C++ log lines

import keras
import numpy as np

from coursekit import models, results, runtime


def epoch_seconds(model: keras.Model, x: np.ndarray, y: np.ndarray, batch: int) -> float:
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.random((args.images, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, args.images)
    compiled = {}
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        model = models.cifar10_cnn()
        model.compile("adam", "sparse_categorical_crossentropy", jit_compile=jit)
        assert model.jit_compile is jit, "Keras refused jit_compile: is op determinism on?"
        epoch_seconds(model, x, y, args.batch)  # warm-up, tracing and (with XLA) compiling
        compiled[jit] = model
    best = {False: np.inf, True: np.inf}
    for _ in range(args.repeats):
        for jit, model in compiled.items():
            best[jit] = min(best[jit], epoch_seconds(model, x, y, args.batch))
    speed = {jit: args.images / seconds for jit, seconds in best.items()}

    print(runtime.banner())
    print(f"chapter-3 CNN ({models.cifar10_cnn().count_params():,} parameters), "
          f"{args.images} images of 32x32x3, batch {args.batch}, "
          f"best of {args.repeats} epochs after a warm-up\n")
    print(f"{'jit_compile':<12} {'s / epoch':>10} {'images / s':>11}")
    for jit in (False, True):
        print(f"{str(jit):<12} {best[jit]:>10.2f} {speed[jit]:>11.0f}")
    ratio = speed[True] / speed[False]
    print(f"\nXLA / no XLA (images/s) = {ratio:.2f}x")
    command = " ".join(["python", "bench/xla_speed.py", *sys.argv[1:]])
    saved = results.save_bench("xla_speed", command, {
        "training without XLA": (speed[False], "images/s"),
        "training with XLA (jit_compile=True)": (speed[True], "images/s"),
        "XLA / no XLA (images/s)": (ratio, "ratio"),
    })
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
