"""Time one convolution three ways: NumPy loops, NumPy im2col + one matmul, TensorFlow.

    python bench/conv_speed.py [--batch 64] [--repeats 5] [--loop-batch N]

The layer is the one of a small CIFAR-10 CNN: x of shape (batch, 32, 32, 32), a 3x3
kernel from 32 to 64 channels, stride 1, "same" padding, float32. Each method runs
``--repeats`` times and the best time counts. The three outputs must agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no C++ log lines

import numpy as np
import tensorflow as tf

from coursekit import reference as ref
from coursekit import results, runtime

SHAPE = (32, 32, 32)  # H, W, C_in
KERNEL = (3, 3, 32, 64)  # kh, kw, C_in, C_out


def best_time(fn, repeats: int):
    """(best wall-clock seconds over ``repeats`` calls, the last result)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64, help="images per batch (default 64)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method (default 5)")
    parser.add_argument(
        "--loop-batch",
        type=int,
        help="time conv2d_loop on only this many images, scaled per image (default: the "
        "whole batch; a smaller one overstates its time per image)",
    )
    args = parser.parse_args()
    loop_batch = min(args.loop_batch or args.batch, args.batch)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, *SHAPE), dtype=np.float32)
    w = rng.standard_normal(KERNEL, dtype=np.float32)
    x_tf, w_tf = tf.constant(x), tf.constant(w)
    tf.nn.conv2d(x_tf, w_tf, strides=1, padding="SAME")  # warm-up: TF's first call sets up

    methods = {
        "conv2d_loop": (loop_batch, lambda: ref.conv2d_loop(x[:loop_batch], w, padding="same")),
        "conv2d_im2col": (args.batch, lambda: ref.conv2d_im2col(x, w, padding="same")),
        "tf.nn.conv2d": (
            args.batch,
            lambda: tf.nn.conv2d(x_tf, w_tf, strides=1, padding="SAME").numpy(),
        ),
    }
    per_image, outputs = {}, {}
    for name, (batch, fn) in methods.items():
        seconds, outputs[name] = best_time(fn, args.repeats)
        per_image[name] = seconds / batch

    expected = outputs["tf.nn.conv2d"]
    worst = 0.0
    for name in ("conv2d_loop", "conv2d_im2col"):
        got = outputs[name]
        np.testing.assert_allclose(got, expected[: len(got)], rtol=1e-4, atol=1e-4, err_msg=name)
        worst = max(worst, np.abs(got - expected[: len(got)]).max())

    print(f"{runtime.banner()}; NumPy {np.__version__}")
    print(f"x: ({args.batch}, {', '.join(map(str, SHAPE))}) float32, kernel {KERNEL}, "
          f"stride 1, same padding; best of {args.repeats} runs")
    if loop_batch < args.batch:
        print(f"note: conv2d_loop timed on {loop_batch} of the {args.batch} images and "
              "scaled per image; its Python overhead per output position is then shared "
              "by fewer images, so this overstates its time per image")
    print(f"outputs agree: max |difference| from tf.nn.conv2d = {worst:.1e}\n")
    print(f"{'method':<15} {'images':>6} {'s / image':>11} {'images / s':>11}")
    for name, (batch, _) in methods.items():
        print(f"{name:<15} {batch:>6} {per_image[name]:>11.2e} {1 / per_image[name]:>11.1f}")

    loop, im2col, tf_time = (per_image[n] for n in methods)
    print(f"\nloop / im2col = {loop / im2col:.1f}x   im2col / tf = {im2col / tf_time:.1f}x   "
          f"loop / tf = {loop / tf_time:.1f}x")
    command = " ".join(["python", "bench/conv_speed.py", *sys.argv[1:]])
    saved = results.save_bench("conv_speed", command, {
        "NumPy loops / NumPy im2col (time per image)": (loop / im2col, "ratio"),
        "NumPy im2col / tf.nn.conv2d (time per image)": (im2col / tf_time, "ratio"),
        "tf.nn.conv2d": (1 / tf_time, "images/s"),
    })
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
