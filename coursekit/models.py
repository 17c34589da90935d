"""The course's models, one builder per network.

Every builder returns an **uncompiled** ``keras.Model`` whose input is a batch of
images scaled to [0, 1] and whose output is one softmax probability per class. How a
model is trained (optimizer, learning rate, loss) belongs to the chapter that trains it;
how long (epochs, batch size) and how well (the accuracy asserted) to
``coursekit.profiles``.

Chapter 2, LeNet-5 on MNIST (input (N, 28, 28, 1), output (N, 10)):

- ``lenet5_seed``: the variant of seed article 000 (ReLU, average pooling, ``valid``
  padding, 6-16-120-84-10): 44,426 parameters.
- ``lenet5_1998``: LeCun et al. (1998) as close as Keras layers allow: 32×32 padded input,
  scaled tanh, trainable subsampling, C1-S2-C3-S4-C5-F6: 61,750 parameters (the paper's
  net has 60,000 trainable ones: see ``LENET5_1998_PAPER``).
- ``lenet5_modern``: the same shapes with ReLU, max pooling and a softmax output, with
  optional light augmentation: 61,706 parameters.

Chapter 3, a CNN for CIFAR-10 (input (N, 32, 32, 3), output (N, 10)):

- ``cifar10_cnn``: a compact VGG-style CNN (blocks of two 3×3 convs, max pooling,
  dropout; no BatchNorm), widths configurable: 550,570 parameters with the defaults.
- ``augmentation``: random flip, translation, rotation (and zoom) as preprocessing
  layers, defaults mapped one to one from seed 001's ``ImageDataGenerator``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

MNIST_SHAPE = (28, 28, 1)

# LeCun's squashing function f(a) = A tanh(S a): f(±1) = ±1, steepest around 0.
TANH_A, TANH_S = 1.7159, 2.0 / 3.0

# C3's connection table (LeCun et al. 1998, table I): which of S2's 6 maps (rows) each
# of C3's 16 maps (columns) reads. Maps 0-5 read 3 neighbouring maps, 6-11 read 4
# neighbouring ones, 12-14 read 4 non-neighbouring ones, and map 15 reads all 6.
C3_TABLE = np.array(
    [
        [1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1],
        [1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1],
        [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1],
        [0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1],
        [0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1],
        [0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1],
    ],
    dtype=bool,
)

# The paper's trainable parameters per layer (section II.B). The output layer's 84×10
# RBF centres were drawn by hand (7×12 bitmaps of the digits) and kept fixed.
LENET5_1998_PAPER = {
    "C1": 156,
    "S2": 12,
    "C3": 1_516,
    "S4": 32,
    "C5": 48_120,
    "F6": 10_164,
    "output": 0,
}


def scaled_tanh(x):
    """LeCun's activation ``1.7159 * tanh(2x / 3)``."""
    return TANH_A * ops.tanh(TANH_S * x)


@keras.saving.register_keras_serializable(package="coursekit")
class Subsampling(layers.Layer):
    """LeNet-5's S-layers: each output is ``activation(w_c * (sum of a 2×2 block) + b_c)``.

    One trainable coefficient ``w_c`` and one bias ``b_c`` per channel (2 C parameters),
    unlike Keras' pooling layers, which have none. Input (N, H, W, C), output
    (N, H // 2, W // 2, C). The coefficient starts at 1/4, where the layer is an average
    pooling followed by the activation.
    """

    def __init__(self, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(
            shape=(channels,), initializer=keras.initializers.Constant(0.25), name="coefficient"
        )
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")

    def call(self, x):
        block_sum = 4.0 * ops.average_pool(x, pool_size=2, strides=2, padding="valid")
        return self.activation(block_sum * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else h // 2, None if w is None else w // 2, c)

    def get_config(self):
        return {**super().get_config(), "activation": keras.activations.serialize(self.activation)}


def lenet5_seed(num_classes: int = 10) -> keras.Model:
    """LeNet-5 as seed article 000 builds it.

    Input (N, 28, 28, 1) in [0, 1]; output (N, ``num_classes``) softmax probabilities.
    Conv 6@5×5 ReLU (valid) → 24×24×6, average pool → 12×12×6, conv 16@5×5 ReLU →
    8×8×16, average pool → 4×4×16, flatten → 256, dense 120 ReLU, dense 84 ReLU, dense
    softmax. 44,426 parameters for 10 classes.
    """
    return keras.Sequential(
        [
            keras.Input(MNIST_SHAPE),
            layers.Conv2D(6, 5, activation="relu", name="C1"),
            layers.AveragePooling2D(2, name="S2"),
            layers.Conv2D(16, 5, activation="relu", name="C3"),
            layers.AveragePooling2D(2, name="S4"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", name="F5"),
            layers.Dense(84, activation="relu", name="F6"),
            layers.Dense(num_classes, activation="softmax", name="output"),
        ],
        name="lenet5_seed",
    )


def lenet5_1998(num_classes: int = 10) -> keras.Model:
    """LeNet-5 of LeCun, Bottou, Bengio and Haffner (1998), as close as Keras layers allow.

    Input (N, 28, 28, 1) in [0, 1]; output (N, ``num_classes``) softmax probabilities.
    The digit is padded to 32×32 and rescaled so that the background is −0.1 and the ink
    1.175, as in the paper. Then C1: conv 6@5×5 → 28×28×6; S2: subsampling → 14×14×6;
    C3: conv 16@5×5 → 10×10×16; S4: subsampling → 5×5×16; C5: conv 120@5×5 → 1×1×120;
    F6: dense 84; all with the scaled tanh ``1.7159 tanh(2a/3)``. Two differences remain:
    C3 reads all 6 maps of S2 (the paper: the ``C3_TABLE`` subsets, 1,516 instead of 2,416
    parameters), and the output is a softmax dense layer (850 parameters) instead of 10
    Euclidean RBF units with fixed, hand-drawn centres. 61,750 parameters for 10 classes.
    """
    return keras.Sequential(
        [
            keras.Input(MNIST_SHAPE),
            layers.ZeroPadding2D(2, name="pad_to_32"),
            layers.Rescaling(1.275, offset=-0.1, name="rescale"),
            layers.Conv2D(6, 5, activation=scaled_tanh, name="C1"),
            Subsampling(activation=scaled_tanh, name="S2"),
            layers.Conv2D(16, 5, activation=scaled_tanh, name="C3"),
            Subsampling(activation=scaled_tanh, name="S4"),
            layers.Conv2D(120, 5, activation=scaled_tanh, name="C5"),
            layers.Flatten(name="flatten"),
            layers.Dense(84, activation=scaled_tanh, name="F6"),
            layers.Dense(num_classes, activation="softmax", name="output"),
        ],
        name="lenet5_1998",
    )


def lenet5_modern(num_classes: int = 10, augment: bool = False) -> keras.Model:
    """LeNet-5's shapes with today's defaults: ReLU, max pooling, softmax.

    Input (N, 28, 28, 1) in [0, 1]; output (N, ``num_classes``) softmax probabilities.
    Conv 6@5×5 ReLU with ``same`` padding → 28×28×6 (the 1998 shapes without padding the
    input), max pool → 14×14×6, conv 16@5×5 ReLU → 10×10×16, max pool → 5×5×16, flatten
    → 400, dense 120, 84 (ReLU) and the softmax. 61,706 parameters for 10 classes.

    With ``augment=True``, random shifts of up to 2 pixels and rotations of up to about
    8 degrees are applied while training (no parameters; inactive at inference).
    """
    augmentation = []
    if augment:
        augmentation = [
            layers.RandomRotation(0.02, fill_mode="constant", name="rotate"),
            layers.RandomTranslation(0.07, 0.07, fill_mode="constant", name="shift"),
        ]
    return keras.Sequential(
        [
            keras.Input(MNIST_SHAPE),
            *augmentation,
            layers.Conv2D(6, 5, padding="same", activation="relu", name="C1"),
            layers.MaxPooling2D(2, name="S2"),
            layers.Conv2D(16, 5, activation="relu", name="C3"),
            layers.MaxPooling2D(2, name="S4"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", name="C5"),
            layers.Dense(84, activation="relu", name="F6"),
            layers.Dense(num_classes, activation="softmax", name="output"),
        ],
        name="lenet5_modern" + ("_augmented" if augment else ""),
    )


# --- Chapter 3: a CNN for CIFAR-10 ------------------------------------------------------

CIFAR10_SHAPE = (32, 32, 3)


def augmentation(
    flip: bool = True,
    translate: float = 0.1,
    rotate_degrees: float = 15.0,
    zoom: float = 0.0,
    fill_mode: str = "nearest",
    seed: int | None = None,
) -> keras.Sequential:
    """Random image transformations as Keras preprocessing layers, active only in training.

    Works on (N, H, W, C) images in [0, 1]; at inference (``training=False``) it is the
    identity. The defaults are seed article 001's ``ImageDataGenerator(rotation_range=15,
    width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True)``, one layer per
    setting, with the generator's default ``fill_mode="nearest"``:

    - ``flip``: ``RandomFlip("horizontal")`` (``horizontal_flip=True``);
    - ``translate``: ``RandomTranslation(translate, translate)``, a shift of up to that
      fraction of the height and width (``height_shift_range``, ``width_shift_range``);
    - ``rotate_degrees``: ``RandomRotation(rotate_degrees / 360)``, Keras' factor being a
      fraction of a full turn (``rotation_range`` in degrees);
    - ``zoom``: ``RandomZoom(zoom)`` (``zoom_range``), left out at 0.

    A setting of 0 (or False) leaves its layer out. No parameters.
    """
    steps = []
    if flip:
        steps.append(layers.RandomFlip("horizontal", seed=seed, name="flip"))
    if translate:
        steps.append(layers.RandomTranslation(translate, translate, fill_mode=fill_mode, seed=seed, name="translate"))
    if rotate_degrees:
        steps.append(layers.RandomRotation(rotate_degrees / 360.0, fill_mode=fill_mode, seed=seed, name="rotate"))
    if zoom:
        steps.append(layers.RandomZoom(zoom, fill_mode=fill_mode, seed=seed, name="zoom"))
    return keras.Sequential(steps, name="augmentation")


def cifar10_cnn(
    num_classes: int = 10,
    widths: tuple[int, ...] = (32, 64, 128),
    dense_units: int = 128,
    dropout: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5),
    augment: keras.Layer | None = None,
) -> keras.Model:
    """A compact VGG-style CNN for CIFAR-10 (chapter 3), without BatchNorm.

    Input (N, 32, 32, 3) in [0, 1]; output (N, ``num_classes``) softmax probabilities.
    One block per entry of ``widths``: two 3×3 convolutions with ``same`` padding and
    ReLU (``block{b}_conv1``, ``block{b}_conv2``), a 2×2 max pooling that halves the
    height and width (``block{b}_pool``) and dropout ``dropout[b - 1]``
    (``block{b}_dropout``). Then ``flatten``, ``dense`` (``dense_units``, ReLU),
    ``dropout`` (``dropout[-1]``) and the softmax ``output``. ``dropout`` holds one rate
    per block and one for the head. With the defaults: 32×32×32 → 16×16×32, 64 → 8×8×64,
    128 → 4×4×128, flatten 2,048, dense 128, output 10: 550,570 parameters.

    ``augment`` (e.g. ``augmentation()``), when given, is applied right after the input:
    random while training, the identity at inference. It has no parameters.
    """
    if len(dropout) != len(widths) + 1:
        raise ValueError(f"dropout needs {len(widths) + 1} rates (one per block, one for the head), got {dropout}")
    steps = [keras.Input(CIFAR10_SHAPE)]
    if augment is not None:
        steps.append(augment)
    for b, (width, rate) in enumerate(zip(widths, dropout), start=1):
        steps += [
            layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{b}_conv1"),
            layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{b}_conv2"),
            layers.MaxPooling2D(2, name=f"block{b}_pool"),
            layers.Dropout(rate, name=f"block{b}_dropout"),
        ]
    steps += [
        layers.Flatten(name="flatten"),
        layers.Dense(dense_units, activation="relu", name="dense"),
        layers.Dropout(dropout[-1], name="dropout"),
        layers.Dense(num_classes, activation="softmax", name="output"),
    ]
    return keras.Sequential(steps, name="cifar10_cnn" + ("_augmented" if augment is not None else ""))
