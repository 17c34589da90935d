"""Chapter 3's answer key (``book/03_cifar10_cnn.ipynb``)."""

import numpy as np

from coursekit import check
from coursekit.answers._common import stand_in_classifier


def wider_params_ratio(answer) -> check.Feedback:
    """Exercise 1: parameters of the CNN with widths (64, 128, 256) over (32, 64, 128)."""
    return check.number(answer, 1_671_114 / 550_570, rtol=0.005, near={
        "not every layer grows 4×: the first convolution (3 input channels) and the dense "
        "layer (twice the inputs, the same 128 units) grow about 2×.": 4.0})


def wider_macs_ratio(answer) -> check.Feedback:
    """Exercise 1: multiply-adds per image, the same ratio."""
    return check.number(answer, 153_289_984 / 38_896_896, rtol=0.005, near={
        "almost: the first convolution reads 3 channels whatever the widths, so it grows "
        "only 2×.": 4.0,
        "doubling C_in and C_out multiplies a convolution's work by 4, not 2.": 2.0})


def augmentation_layers(answer) -> check.Feedback:
    """Exercise 2: Keras layers for ``ImageDataGenerator(width_shift_range=0.2,
    zoom_range=0.15, vertical_flip=True)``, as a ``keras.Sequential``, in that order."""
    if answer is Ellipsis:
        return check.Feedback(False, check.NOT_ANSWERED)
    import keras  # here, so that importing the key stays cheap

    layers = getattr(answer, "layers", None)
    if not isinstance(answer, keras.Sequential) or layers is None:
        return check.Feedback(False, "put your layers in keras.Sequential([...]).")
    wanted = ["RandomTranslation", "RandomZoom", "RandomFlip"]
    if [type(layer).__name__ for layer in layers] != wanted:
        return check.Feedback(False, f"one layer per setting, in order: {', '.join(wanted)}.")
    shift, zoom, flip = layers
    if shift.height_factor not in (0, 0.0, (0, 0), (0.0, 0.0)):
        return check.Feedback(False, "width_shift_range shifts sideways only: the "
                                     "translation's height_factor must be 0.")
    if shift.width_factor not in (0.2, (-0.2, 0.2)):
        return check.Feedback(False, "the translation's width_factor is a fraction of the "
                                     "width: width_shift_range=0.2 is 20 %.")
    if zoom.height_factor not in (0.15, (-0.15, 0.15)):
        return check.Feedback(False, "zoom_range=0.15 zooms by up to 15 %: height_factor 0.15.")
    if zoom.width_factor not in (0.15, (-0.15, 0.15)):
        return check.Feedback(False, "the generator also zooms the width by up to 15 %, drawn "
                                     "on its own: set width_factor=0.15 too.")
    if flip.mode != "vertical":
        return check.Feedback(False, "vertical_flip flips top to bottom: mode \"vertical\".")
    return check.Feedback(True, "your layers do what the generator did.")


def mirror_tta(answer) -> check.Feedback:
    """Exercise 3: a function ``(predict, images (N, H, W, C)) → (N, classes)``: the mean of
    ``predict``'s probabilities for the images and for their mirror images."""
    rng = np.random.default_rng(3)
    batches = [rng.uniform(size=(4, 6, 6, 3)), rng.uniform(size=(2, 5, 7, 3))]
    cases = [((stand_in_classifier, x), (stand_in_classifier(x)
                                         + stand_in_classifier(x[:, :, ::-1])) / 2)
             for x in batches]
    return check.function(answer, cases, rtol=1e-9, near={
        "that flips the images upside down: a mirror image flips the width, axis 2.":
            lambda p, x: (p(x) + p(x[:, ::-1])) / 2,
        "average the two views' probabilities, not the two images.":
            lambda p, x: p((x + x[:, :, ::-1]) / 2)})


def _early_stop(val_loss, patience=3):
    best, wait = 0, 0
    for epoch in range(1, len(val_loss)):
        best, wait = (epoch, 0) if val_loss[epoch] < val_loss[best] else (best, wait + 1)
        if wait >= patience:
            return epoch + 1, best + 1
    return len(val_loss), best + 1


def early_stop(answer) -> check.Feedback:
    """Exercise 4: a function ``(val_loss, patience) → (stop_epoch, best_epoch)``, epochs
    counted from 1, as ``EarlyStopping(monitor="val_loss", restore_best_weights=True)``."""
    curves = [[1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], [1.0, 0.9, 0.8, 0.7],
              [1.0, 1.1, 0.9, 0.95, 0.96, 0.97, 0.5], [0.5, 0.6, 0.7, 0.8, 0.4]]
    cases = [((curve, patience), _early_stop(curve, patience))
             for curve in curves for patience in (2, 3)]
    return check.function(answer, cases, near={
        "count the epochs from 1, as Keras prints them, not from 0.":
            lambda c, p: tuple(e - 1 for e in _early_stop(c, p)),
        "a tie is not an improvement: the loss must fall below the best so far.":
            lambda c, p: _early_stop([v - 1e-9 * i for i, v in enumerate(c)], p)})
