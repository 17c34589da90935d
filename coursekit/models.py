"""The course's models, one builder per network.

Every builder returns an **uncompiled** ``keras.Model`` whose input is a batch of
images scaled to [0, 1] and whose output is one softmax probability per class. How a
model is trained (optimizer, learning rate, loss) belongs to the chapter that trains it;
how long (epochs, batch size) and how well (the accuracy asserted) to
``coursekit.profiles``.

Chapter 2, LeNet-5 on MNIST (input (N, 28, 28, 1), output (N, 10)):

- ``lenet5_article000``: the variant of article 000 (ReLU, average pooling, ``valid``
  padding, 6-16-120-84-10): 44,426 parameters.
- ``lenet5_1998``: LeCun et al. (1998) as close as Keras layers allow: 32×32 padded input,
  scaled tanh, trainable subsampling, C1-S2-C3-S4-C5-F6: 61,750 parameters (the paper's
  net has 60,000 trainable ones: see ``LENET5_1998_PAPER``).
- ``lenet5_modern``: the same shapes with ReLU, max pooling and a softmax output, with
  optional light augmentation: 61,706 parameters.
- ``mnist_article003``: article 003's CNN, three 3×3 convolutions (32-64-64, ReLU, two
  max poolings), dense 64 and softmax: 93,322 parameters.

Chapter 3, a CNN for CIFAR-10 (input (N, 32, 32, 3), output (N, 10)):

- ``cifar10_cnn``: a compact VGG-style CNN (blocks of two 3×3 convs, max pooling,
  dropout; no BatchNorm), widths configurable: 550,570 parameters with the defaults.
- ``cifar10_article001``: article 001's CNN with its two bugs fixed: 32-64 3×3 convs
  (valid), max pooling, a softmax layer: 42,442 parameters.
- ``augmentation``: random flip, translation, rotation (and zoom) as preprocessing
  layers, defaults mapped one to one from article 001's ``ImageDataGenerator``.

Chapter 4, cats vs dogs (input (N, S, S, 3), output (N, 1): one sigmoid probability of
the class labelled 1, "dogs"; the one exception to the softmax rule above):

- ``cats_vs_dogs_cnn``: four blocks of a 3×3 conv and max pooling, global average
  pooling instead of a flatten, dropout and one sigmoid unit: 388,673 parameters with
  the defaults, whatever the image size S.
- ``bn_backbone`` (chapter 4b): four blocks of a 3×3 conv, BatchNorm, ReLU and max
  pooling, then global average pooling; no head, any image size: output (N, 256).
- ``cats_vs_dogs_article004``: article 004's model as written (nine valid 3×3 convs on
  256×256, GAP, dense 1024 and 256): 10,717,249 parameters; counted, not trained.

Any model: ``layer_table`` (name, output shape, parameters per layer) and
``multiply_adds`` (per image, per layer).
"""

from __future__ import annotations

import math

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


def lenet5_article000(num_classes: int = 10) -> keras.Model:
    """LeNet-5 as article 000 builds it.

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
        name="lenet5_article000",
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

    With ``augment=True``, random shifts of up to 2 pixels (7 % of 28) and rotations of up
    to 7.2 degrees (0.02 of a turn) apply while training (no parameters; off at inference).
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


def mnist_article003(num_classes: int = 10) -> keras.Model:
    """Article 003's MNIST CNN, as the article builds it.

    Input (N, 28, 28, 1) in [0, 1]; output (N, ``num_classes``) softmax probabilities.
    Conv 32@3×3 ReLU (valid) → 26×26×32, max pool → 13×13×32, conv 64@3×3 ReLU →
    11×11×64, max pool → 5×5×64, conv 64@3×3 ReLU → 3×3×64, flatten → 576, dense 64
    ReLU, dense softmax. 93,322 parameters for 10 classes (320 + 18,496 + 36,928 +
    36,928 + 650), about 2.8 million multiply-adds per image.
    """
    return keras.Sequential(
        [
            keras.Input(MNIST_SHAPE),
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(64, 3, activation="relu", name="conv3"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dense(num_classes, activation="softmax", name="output"),
        ],
        name="mnist_article003",
    )


# --- Chapter 3: a CNN for CIFAR-10 ------------------------------------------------------

CIFAR10_SHAPE = (32, 32, 3)


def cifar10_article001() -> keras.Model:
    """Article 001's CNN with its two bugs fixed (``Conv2D(32, (3, 3))``, ``learning_rate=``).

    Input (N, 32, 32, 3) in [0, 1]; conv 32@3×3 ReLU → 30×30, max pool → 15×15, conv
    64@3×3 ReLU → 13×13, max pool → 6×6, flatten → 2,304, dense softmax (N, 10).
    """
    return keras.Sequential([
        keras.Input(CIFAR10_SHAPE),
        layers.Conv2D(32, (3, 3), activation="relu", name="conv1"),
        layers.MaxPooling2D((2, 2), name="pool1"),
        layers.Conv2D(64, (3, 3), activation="relu", name="conv2"),
        layers.MaxPooling2D((2, 2), name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(10, activation="softmax", name="output"),
    ], name="cifar10_article001")


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
    identity. The defaults are article 001's ``ImageDataGenerator(rotation_range=15,
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
        steps.append(layers.RandomTranslation(
            translate, translate, fill_mode=fill_mode, seed=seed, name="translate"))
    if rotate_degrees:
        steps.append(layers.RandomRotation(
            rotate_degrees / 360.0, fill_mode=fill_mode, seed=seed, name="rotate"))
    if zoom:
        steps.append(layers.RandomZoom(zoom, fill_mode=fill_mode, seed=seed, name="zoom"))
    return keras.Sequential(steps, name="augmentation")


def cifar10_cnn(
    num_classes: int = 10,
    widths: tuple[int, ...] = (32, 64, 128),
    dense_units: int = 128,
    dropout: tuple[float, ...] = (0.1, 0.1, 0.2, 0.3),
    augment: keras.Layer | None = None,
    batch_norm: str | None = None,
    bn_momentum: float = 0.99,
    normalization: str = "batch",
) -> keras.Model:
    """A compact VGG-style CNN for CIFAR-10 (chapter 3), without BatchNorm.

    Input (N, 32, 32, 3) in [0, 1]; output (N, ``num_classes``) softmax probabilities.
    One block per entry of ``widths``: two 3×3 convolutions with ``same`` padding and
    ReLU (``block{b}_conv1``, ``block{b}_conv2``), a 2×2 max pooling that halves the
    height and width (``block{b}_pool``) and dropout ``dropout[b - 1]``
    (``block{b}_dropout``). Then ``flatten``, ``dense`` (``dense_units``, ReLU),
    ``dropout`` (``dropout[-1]``) and the softmax ``output``. ``dropout`` holds one rate
    per block and one for the head; the defaults are light, for short schedules with
    augmentation (chapter 3 trains it for 15 epochs on a CPU). With the defaults:
    32×32×32 → 16×16×32, 64 → 8×8×64, 128 → 4×4×128, flatten 2,048, dense 128,
    output 10: 550,570 parameters.

    ``augment`` (e.g. ``augmentation()``), when given, is applied right after the input:
    random while training, the identity at inference. It has no parameters.

    ``batch_norm`` (chapter 5) adds a ``BatchNormalization`` (momentum ``bn_momentum``)
    to every convolution and to the hidden dense layer: ``"before"`` the ReLU (the layer
    loses its bias, which the BN's β replaces: ``{name}``, ``{name}_bn``,
    ``{name}_relu``) or ``"after"`` it (``{name}`` with its ReLU, then ``{name}_bn``).
    Each BN layer adds 4 C parameters, 2 C of them trainable (γ, β); the moving mean and
    variance are not. None (the default) gives the chapter-3 model unchanged.

    ``normalization`` picks the layer placed there: ``"batch"`` (the above), ``"layer"``
    (``LayerNormalization``, Keras' default axis: each position's C channels, per image:
    ``{name}_ln``) or ``"group"`` (``GroupNormalization`` over ``gcd(C, 8)`` groups of
    channels and all positions, per image: ``{name}_gn``). Both add 2 C trainable
    parameters and no moving statistics: they never look at the rest of the batch.
    """
    if batch_norm not in BN_PLACEMENTS:
        raise ValueError(f"batch_norm must be one of {BN_PLACEMENTS}, got {batch_norm!r}")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {tuple(NORMALIZATIONS)}, "
                         f"got {normalization!r}")
    if len(dropout) != len(widths) + 1:
        raise ValueError(f"dropout needs {len(widths) + 1} rates (one per block, one for the "
                         f"head), got {dropout}")
    def norm(name, channels):
        return NORMALIZATIONS[normalization](name, channels, bn_momentum)

    steps = [keras.Input(CIFAR10_SHAPE)]
    if augment is not None:
        steps.append(augment)
    for b, (width, rate) in enumerate(zip(widths, dropout), start=1):
        steps += [
            *_relu_with_bn(_conv3x3(width), f"block{b}_conv1", batch_norm, norm, width),
            *_relu_with_bn(_conv3x3(width), f"block{b}_conv2", batch_norm, norm, width),
            layers.MaxPooling2D(2, name=f"block{b}_pool"),
            layers.Dropout(rate, name=f"block{b}_dropout"),
        ]
    steps += [
        layers.Flatten(name="flatten"),
        *_relu_with_bn(lambda **kw: layers.Dense(dense_units, **kw), "dense", batch_norm,
                       norm, dense_units),
        layers.Dropout(dropout[-1], name="dropout"),
        layers.Dense(num_classes, activation="softmax", name="output"),
    ]
    suffix = f"_{normalization[0]}n_{batch_norm}" if batch_norm else ""
    suffix += "_augmented" if augment is not None else ""
    return keras.Sequential(steps, name="cifar10_cnn" + suffix)


# Where ``cifar10_cnn(batch_norm=...)`` puts BatchNormalization: nowhere, or before or
# after each ReLU.
BN_PLACEMENTS = (None, "before", "after")

# What it puts there: normalization -> (name, channels, momentum) -> layer.
NORMALIZATIONS = {
    "batch": lambda name, c, momentum: layers.BatchNormalization(momentum=momentum,
                                                                 name=f"{name}_bn"),
    "layer": lambda name, c, momentum: layers.LayerNormalization(name=f"{name}_ln"),
    "group": lambda name, c, momentum: layers.GroupNormalization(math.gcd(c, 8),
                                                                 name=f"{name}_gn"),
}


def _conv3x3(width: int):
    return lambda **kw: layers.Conv2D(width, 3, padding="same", **kw)


def _relu_with_bn(make, name: str, batch_norm: str | None, norm, channels: int) -> list:
    """``make(name=..., activation=..., use_bias=...)`` (a Conv2D or Dense) with a ReLU,
    and ``norm(name, channels)`` (a normalisation layer) before or after the ReLU, or
    none (see ``cifar10_cnn``)."""
    if batch_norm is None:
        return [make(name=name, activation="relu")]
    bn = norm(name, channels)
    if batch_norm == "after":
        return [make(name=name, activation="relu"), bn]
    return [make(name=name, use_bias=False), bn, layers.Activation("relu", name=f"{name}_relu")]


def layer_table(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """One row per layer of ``model`` (nested models count as one layer): its name, its
    output shape without the batch axis and its number of parameters, e.g.
    ``("C1", (24, 24, 6), 156)``. Chapters 2 and 3 check these against the formulas."""
    return [(layer.name, tuple(layer.output.shape[1:]), layer.count_params())
            for layer in model.layers]


def multiply_adds(model: keras.Model) -> dict[str, int]:
    """Multiply-adds per image of each ``Conv2D`` and ``Dense`` layer of a built model.

    A convolution computes one dot product of length kh·kw·C_in per output number:
    H_out·W_out·C_out·kh·kw·C_in multiply-adds (``groups`` divides it). A dense layer:
    n_in·n_out. Bias additions, activations and pooling are left out (they are a few
    per output number, against hundreds). Returns ``{layer name: multiply-adds}`` in
    layer order; layers of models nested inside ``model`` are included.
    """
    counts = {}
    for layer in _all_layers(model):
        if isinstance(layer, layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            c_in = layer.input.shape[-1]
            counts[layer.name] = int(h * w * c_out * kh * kw * c_in // layer.groups)
        elif isinstance(layer, layers.Dense):
            counts[layer.name] = int(layer.input.shape[-1] * layer.units)
    return counts


def _all_layers(model: keras.Model):
    """The layers of ``model`` in order, those of nested models in their place."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


# --- Chapter 4: cats vs dogs, a binary classifier ---------------------------------------


def cats_vs_dogs_cnn(
    image_size: int = 96,
    widths: tuple[int, ...] = (32, 64, 128, 256),
    dropout: float = 0.3,
    augment: keras.Layer | None = None,
) -> keras.Model:
    """A compact CNN that tells cats (0) from dogs (1), without BatchNorm (chapter 4).

    Input (N, ``image_size``, ``image_size``, 3) in [0, 1]; output (N, 1), the sigmoid
    probability of "dog": train it with binary cross-entropy. One block per entry of
    ``widths``: a 3×3 convolution with ``same`` padding and ReLU (``block{b}_conv``) and a
    2×2 max pooling (``block{b}_pool``). Then global average pooling (``gap``: the mean of
    each of the last block's maps, ``widths[-1]`` numbers whatever the image size, where
    a flatten would give S/16 · S/16 · ``widths[-1]``), ``dropout`` and one sigmoid unit
    (``output``). With the defaults, 96 → 48 → 24 → 12 → 6, GAP 256: 388,673 parameters
    (the same at any image size).

    ``augment`` (e.g. ``augmentation(translate=0, rotate_degrees=...)``), when given, is
    applied right after the input: random while training, the identity at inference.
    """
    steps = [keras.Input((image_size, image_size, 3))]
    if augment is not None:
        steps.append(augment)
    for b, width in enumerate(widths, start=1):
        steps += [
            layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{b}_conv"),
            layers.MaxPooling2D(2, name=f"block{b}_pool"),
        ]
    steps += [
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dropout(dropout, name="dropout"),
        layers.Dense(1, activation="sigmoid", name="output"),
    ]
    suffix = "_augmented" if augment is not None else ""
    return keras.Sequential(steps, name="cats_vs_dogs_cnn" + suffix)


def bn_backbone(widths: tuple[int, ...] = (32, 64, 128, 256), image_size: int | None = None,
                bn_momentum: float = 0.9, name: str = "backbone") -> keras.Model:
    """The convolutional part of a CNN with BatchNorm, for any image size (chapter 4b).

    Input (N, H, W, 3) in [0, 1], any H and W (or ``image_size`` square: needed by
    ``multiply_adds``); output (N, ``widths[-1]``): global average pooling (``gap``) of the
    last block's maps. One block per entry of ``widths``: a 3×3
    convolution with ``same`` padding and no bias (``block{b}_conv``), BatchNormalization
    before the ReLU (``block{b}_bn``, momentum ``bn_momentum``: 0.9, so that the moving
    statistics settle within a few hundred steps; ``block{b}_relu``) and a 2×2 max pooling
    (``block{b}_pool``). A head (dropout, a dense layer) on top makes a classifier; the
    same backbone can be trained on one task and reused on another (transfer learning).
    With the defaults: 389,856 parameters, 960 of them BN moving means and variances.
    """
    steps = [keras.Input((image_size, image_size, 3))]
    for b, width in enumerate(widths, start=1):
        steps += [
            layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{b}_conv"),
            layers.BatchNormalization(momentum=bn_momentum, name=f"block{b}_bn"),
            layers.Activation("relu", name=f"block{b}_relu"),
            layers.MaxPooling2D(2, name=f"block{b}_pool"),
        ]
    steps.append(layers.GlobalAveragePooling2D(name="gap"))
    return keras.Sequential(steps, name=name)


def cats_vs_dogs_article004(image_size: int = 256) -> keras.Model:
    """Article 004's model, as written: six 3×3 conv widths 64-64-128-128-256-256
    with ``valid`` padding and a max pooling after each pair, then 512, pool, 512, pool,
    1024, global average pooling, dense 1024 and 256 (ReLU) and one sigmoid unit.

    Input (N, 256, 256, 3) in [0, 1] (the article's size); output (N, 1).
    10,717,249 parameters. Built to count and compare, not trained in the course.
    """
    steps = [keras.Input((image_size, image_size, 3))]
    for width, pool in ((64, False), (64, True), (128, False), (128, True), (256, False),
                        (256, True), (512, True), (512, True)):
        steps.append(layers.Conv2D(width, 3, activation="relu"))
        if pool:
            steps.append(layers.MaxPooling2D())
    steps += [
        layers.Conv2D(1024, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(1024, activation="relu"),
        layers.Dense(256, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
    return keras.Sequential(steps, name="cats_vs_dogs_article004")
