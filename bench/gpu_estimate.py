"""How long the ``full`` profile trains each notebook on a GPU: an estimate on paper.

    python bench/gpu_estimate.py

Work: a forward pass costs 2 FLOPs per multiply-add (``models.multiply_adds``), training
an image about 3 forward passes (the backward pass is about twice the forward); every
epoch also runs the validation images forward once, every fit the test images once.
Time: that work at an assumed share of the GPU's peak (``GPUS``), plus ``STEP_SECONDS`` for each
training step (Python, Keras, kernel launches, which a faster GPU does not shrink) and
``FIT_SECONDS`` for each fit (graph building, first-epoch warm-up). Downloads and cells
that do not train are left out. Until a GPU run measures them these are estimates.
Prints the table and saves the T4 float32 minutes per notebook to
``bench/results/gpu_estimate.json``. Builds each model once to count; no training.
"""

import math
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no C++ log lines

from coursekit import models, results, speedrun
from coursekit.profiles import PROFILES, Profile

# Peak FLOP/s and the share of it assumed for the course's small CNNs at batch 32-256
# (fp32: as the notebooks run; mixed: keras.mixed_precision "mixed_float16").
# T4: NVIDIA T4 datasheet. H100 SXM: NVIDIA H100 datasheet, dense (no sparsity); in fp32,
# TensorFlow's default TF32 convolutions could do better than the 67 TFLOP/s assumed.
GPUS = {
    "T4": {"fp32": (8.1e12, 0.10), "mixed": (65e12, 0.03)},
    "H100": {"fp32": (67e12, 0.05), "mixed": (989e12, 0.01)},
}
STEP_SECONDS = 0.005
FIT_SECONDS = 10.0


def _cnn(**kw):
    return lambda p: models.cifar10_cnn(**kw)


# Every fit of each notebook: (recipe, data set, the model for a profile).
RUNS = {
    "01_convolution": [],
    "02_lenet5": [
        ("lenet5_article000", "mnist", lambda p: models.lenet5_article000()),
        ("lenet5_1998", "mnist", lambda p: models.lenet5_1998()),
        ("lenet5_modern", "mnist", lambda p: models.lenet5_modern()),
        ("lenet5_modern", "mnist", lambda p: models.lenet5_article000()),
        ("lenet5_modern", "mnist", lambda p: models.lenet5_modern(augment=True)),
        ("mnist_article003", "mnist", lambda p: models.mnist_article003()),
    ],
    "03_cifar10_cnn": [  # article 001's CNN (10x fewer multiply-adds) counted as the larger
        ("cifar10_article001", "cifar10", _cnn()),
        ("cifar10_cnn", "cifar10", _cnn()),
        ("cifar10_cnn_overfit", "cifar10_overfit", _cnn()),
        ("cifar10_cnn_overfit", "cifar10_overfit", _cnn()),
    ],
    "04_cats_vs_dogs": [("cats_vs_dogs_cnn", "cats_vs_dogs", lambda p: models.cats_vs_dogs_cnn(
        p.settings["cats_vs_dogs_image_size"]))],
    # section 1; the CIFAR-8 backbone (all CIFAR-10 counted); 3 sizes x 3 arms of the same
    # steps (fine-tuning: 2 fits), counted as epochs over the whole split (an upper bound)
    "04b_using_a_trained_cnn": [
        ("cats_vs_dogs_bn_cnn", "cats_vs_dogs", lambda p: models.bn_backbone(
            image_size=p.settings["cats_vs_dogs_image_size"])),
        ("cifar8_backbone", "cifar10", lambda p: models.bn_backbone(image_size=32)),
        *[("cats_vs_dogs_transfer", "cats_vs_dogs", lambda p: models.bn_backbone(
            image_size=p.settings["transfer_image_size"]))] * 12],
    "05_batchnorm": [(key, "cifar10_bn", _cnn(batch_norm=bn)) for key, bn in [
        ("cifar10_cnn_no_bn", None), ("cifar10_cnn_bn", "before"), ("cifar10_cnn_bn", "after"),
        ("cifar10_cnn_bn_high_lr", None), ("cifar10_cnn_bn_high_lr", "before"),
        ("cifar10_cnn_bn_small_batch", None), ("cifar10_cnn_bn_small_batch", "before")]],
    # one device and mirrored; with BN: one, per replica, synchronised, float32, mixed
    "06_scaling": [("cifar10_scaling", "cifar10_bn", _cnn(batch_norm=bn))
                   for bn in (None, None, "before", "before", "before", "before", "before")],
    # the recipe of speedrun.RECIPES, not of the profile's tables
    "07_speedrun": [("speedrun", "cifar10", lambda p: speedrun.network(speedrun.RECIPES[p.name]))],
}


def work(profile: Profile = PROFILES["full"]) -> dict[str, tuple[float, int, int]]:
    """Per notebook: training FLOPs, training steps and fits under ``profile``."""
    out = {}
    for notebook, runs in RUNS.items():
        flop = steps = 0
        for key, data, build in runs:
            recipe = (speedrun.RECIPES[profile.name] if key == "speedrun"
                      else profile.training[key])
            split, (all_train, all_test) = profile.data[data], results.DATA_SIZES[data]
            n_train = split.train or all_train - split.validation
            forward = 2 * sum(models.multiply_adds(build(profile)).values())
            flop += forward * (recipe.epochs * (3 * n_train + split.validation)
                               + (split.test or all_test))
            steps += recipe.epochs * math.ceil(n_train / recipe.batch_size)
        out[notebook] = (flop, steps, len(runs))
    return out


def minutes(flop: float, steps: int, fits: int, gpu: str, precision: str = "fp32") -> float:
    """Estimated minutes for that work on ``gpu`` (a key of ``GPUS``)."""
    peak, utilisation = GPUS[gpu][precision]
    return (flop / (peak * utilisation) + steps * STEP_SECONDS + fits * FIT_SECONDS) / 60


def table(profile: Profile = PROFILES["full"]) -> list[str]:
    """Markdown rows: estimated minutes of training per notebook on each GPU."""
    columns = [(gpu, precision) for gpu in GPUS for precision in GPUS[gpu]]
    rows = ["| notebook | fits | steps | PFLOP | "
            + " | ".join(f"{g} {p}, min" for g, p in columns) + " |",
            "|:--|" + "--:|" * (3 + len(columns))]
    for notebook, (flop, steps, fits) in work(profile).items():
        rows.append(f"| {notebook} | {fits} | {steps:,} | {flop / 1e15:.2f} | " + " | ".join(
            f"{minutes(flop, steps, fits, g, p):.1f}" for g, p in columns) + " |")
    return rows


SECTION = """## `full` on a GPU: an estimate

No GPU has run the `full` profile yet. This table estimates, on paper, how long each
notebook trains under it (`bench/gpu_estimate.py`): 2 FLOPs per multiply-add of each model,
3 forward passes per training image, one per validation and test image, at an assumed
share of the GPU's peak, plus 5 ms per training step and 10 s per fit. Peaks: T4 8.1
TFLOP/s fp32 and 65 TFLOP/s fp16 (NVIDIA T4 datasheet); H100 SXM 67 and 989 TFLOP/s
(NVIDIA H100 datasheet, without sparsity). Assumed shares: 10 % (T4) and 5 % (H100) in
fp32, as the notebooks run; 3 % and 1 % in mixed precision. Small CNNs at batch 32-256
stay far from a GPU's peak: for comparison, NVIDIA measured ResNet-50 inference on a T4
in fp32 at 430 images/s at batch 128 (about 3.5 TFLOP/s, 43 %; their mixed-precision
figure is 2.3 times that, not 8), for a network 10-100 times larger per image than ours;
and `runtime.start` turns on deterministic ops, which rules out some fast cuDNN
algorithms. On the 2-core CPU of this page, chapter 3 trains at about 140 GFLOP/s; a T4
at the assumed 0.81 TFLOP/s is about 6 times that. The test suite keeps every notebook
under 20 minutes in the T4 fp32 column.
"""


def section(profile: Profile = PROFILES["full"]) -> list[str]:
    """The results page's section: the explanation above and the table."""
    return [SECTION, *table(profile)]


def main(folder: Path = results.BENCH_RESULTS) -> Path:
    print("\n".join(section()))
    full = work(PROFILES["full"])
    path = results.save_bench("gpu_estimate", "python bench/gpu_estimate.py", {
        f"{notebook}, T4 fp32": (minutes(*full[notebook], "T4"), "min") for notebook in RUNS},
        folder)
    print(f"saved {path}")
    return path


if __name__ == "__main__":
    main()
