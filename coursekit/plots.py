"""Plots the chapters share: image grids and small annotated matrices."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from coursekit import reference


def show_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 6,
    size: float = 2.0,
    cmap: str | None = "gray",
) -> plt.Figure:
    """A grid of images, each (H, W) or (H, W, 3), with optional titles.

    Single-channel images use ``cmap`` (gray by default) with their own value range,
    so signed feature maps show as they are. Returns the figure.
    """
    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = np.asarray(images[i])
        gray = image.ndim == 2 or image.shape[-1] == 1
        ax.imshow(np.squeeze(image), cmap=cmap if gray else None)
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig


def show_numbers(
    matrices: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    size: float = 0.45,
    fmt: str = "{:g}",
) -> plt.Figure:
    """Small 2-D arrays side by side as shaded grids with every value written in its cell.

    ``size`` is inches per cell. Made for kernels, 8×8 digits and pooling examples.
    """
    widths = [np.shape(m)[1] for m in matrices]
    height = max(np.shape(m)[0] for m in matrices)
    fig, axes = plt.subplots(
        1, len(matrices),
        figsize=(size * (sum(widths) + 1.5 * len(matrices)), size * height + 0.6),
        gridspec_kw={"width_ratios": widths}, squeeze=False,
    )
    for i, (ax, matrix) in enumerate(zip(axes.flat, matrices)):
        matrix = np.asarray(matrix)
        limit = np.abs(matrix).max() or 1.0
        ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for (r, c), value in np.ndenumerate(matrix):
            color = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(c, r, fmt.format(round(float(value), 2)), ha="center", va="center",
                    fontsize=8, color=color)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig


def _plot_history(ax, history, metric: str, color: str, train_label, validation_label) -> None:
    """Draw one run's ``metric`` per epoch (from 1) on ``ax``: training dashed, validation
    (``val_`` + ``metric``) solid, where the history has them."""
    lines = ((metric, "--", train_label), (f"val_{metric}", "-", validation_label))
    for key, style, label in lines:
        if key in history:
            epochs = np.arange(1, len(history[key]) + 1)
            ax.plot(epochs, history[key], style, color=color, label=label)


def learning_curves(
    histories: dict[str, dict[str, Sequence[float]]],
    metrics: Sequence[str] = ("loss", "accuracy"),
    size: float = 4.0,
) -> plt.Figure:
    """One panel per metric, one colour per run: training dashed, validation solid.

    ``histories`` maps a run's name to its Keras history dict (``history.history``),
    with ``metric`` and, when there was validation data, ``val_`` + ``metric`` per epoch.
    Epochs are counted from 1.
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(size * 1.4 * len(metrics), size),
                             squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for i, (name, history) in enumerate(histories.items()):
            _plot_history(ax, history, metric, f"C{i}", f"{name} (train)", f"{name} (validation)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def confusion_matrix(
    matrix: np.ndarray, labels: Sequence[str] | None = None, size: float = 5.0
) -> plt.Figure:
    """A confusion matrix (rows: true class, columns: predicted class) with every count
    written in its cell. The colour scale leaves out the diagonal, so that the errors,
    not the far larger correct counts, stand out."""
    matrix = np.asarray(matrix)
    n = matrix.shape[0]
    labels = [str(i) for i in range(n)] if labels is None else list(labels)
    off_diagonal = np.where(np.eye(n, dtype=bool), 0, matrix)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(off_diagonal, cmap="Reds", vmin=0, vmax=max(off_diagonal.max(), 1))
    for (r, c), value in np.ndenumerate(matrix):
        weight = "bold" if r == c else "normal"
        ax.text(c, r, f"{value:d}", ha="center", va="center", fontsize=8, fontweight=weight)
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    return fig


def misclassified(
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    limit: int = 24,
    ncols: int = 8,
    names: Sequence[str] | None = None,
) -> plt.Figure:
    """The first ``limit`` images whose prediction is wrong, titled ``true→predicted``,
    as a ``show_images`` grid."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))[:limit]
    name = (lambda k: str(k)) if names is None else (lambda k: names[k])
    titles = [f"{name(y_true[i])}→{name(y_pred[i])}" for i in wrong]
    return show_images([images[i] for i in wrong], titles, ncols=ncols, size=1.2)


def show_kernels(kernels: np.ndarray, ncols: int = 8, size: float = 1.2) -> plt.Figure:
    """Convolution kernels (kh, kw, C_in, C_out) as a grid of (kh, kw) images, one per
    (output, input) channel pair, on a blue-white-red scale centred on 0 (each with
    its own range)."""
    kernels = np.asarray(kernels)
    c_in, c_out = kernels.shape[2:]
    images, titles = [], []
    for o in range(c_out):
        for c in range(c_in):
            k = kernels[:, :, c, o]
            limit = np.abs(k).max() or 1.0
            images.append((k / limit + 1) / 2)  # -limit..limit -> 0..1
            titles.append(f"{o}" if c_in == 1 else f"{o}←{c}")
    colored = [plt.cm.RdBu_r(im)[..., :3] for im in images]
    fig = show_images(colored, titles, ncols=ncols, size=size)
    return fig


def curves_side_by_side(
    panels: dict[str, dict[str, dict[str, Sequence[float]]]],
    metric: str = "accuracy",
    size: float = 3.6,
) -> plt.Figure:
    """Several comparisons of runs next to each other, one panel each, on a shared y axis.

    ``panels`` maps a panel title to the ``histories`` of :func:`learning_curves` (a run's
    name → its Keras history dict). Each panel draws ``metric`` per epoch, training dashed
    and validation solid, one colour per run name, the same colour in every panel.
    """
    names = list(dict.fromkeys(name for histories in panels.values() for name in histories))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(size * 1.3 * len(panels), size), sharey=True, squeeze=False
    )
    for ax, (title, histories) in zip(axes.flat, panels.items()):
        for name, history in histories.items():
            _plot_history(ax, history, metric, f"C{names.index(name)}", None, name)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes.flat[0].set_ylabel(f"{metric} (validation solid, training dashed)")
    fig.tight_layout()
    return fig



def batch_norm_steps(x, gamma, beta, channel: int = 0, bins: int = 40,
                     size: float = 3.0) -> plt.Figure:
    """One channel through Batch Normalization in training mode, in three histograms.

    ``x``: (N, C) or (N, H, W, C); ``gamma``, ``beta``: (C,). The panels show the
    ``m`` values (N, or N·H·W) of channel ``channel``: as they come in, standardised with
    the batch's mean and variance (x̂), and scaled and shifted (y = γ x̂ + β), each titled
    with its mean and standard deviation; a dotted line marks each mean. Returns the figure.
    """
    y, cache = reference.batch_norm_forward(x, gamma, beta)
    values = [a[..., channel].ravel() for a in (np.asarray(x), cache.x_hat, y)]
    titles = ["input x", "standardised x̂", f"y = γ x̂ + β (γ={gamma[channel]:.2g}, "
              f"β={beta[channel]:.2g})"]
    fig, axes = plt.subplots(1, 3, figsize=(size * 3.3, size))
    for ax, v, title in zip(axes, values, titles):
        ax.hist(v, bins=bins, color="C0")
        ax.axvline(v.mean(), color="C3", linestyle=":")
        ax.set_title(f"{title}\nmean {v.mean():.2f}, std {v.std():.2f} over m={v.size}",
                     fontsize=9)
    axes[0].set_ylabel("count")
    fig.tight_layout()
    return fig


def conv_geometry(configs, size: float = 0.3) -> plt.Figure:
    """Where a k×k window lands on an n×n input, one panel per ``(n, k, stride, padding)``
    in ``configs``: input pixels white, zero padding grey (TensorFlow's split, the odd one
    after), the windows of the first output row outlined, one colour each. ``size`` is
    inches per cell; each title gives the output size. Returns the figure."""
    sides = [sum(reference.pad_amounts(n, k, s, p)) + n for n, k, s, p in configs]
    figsize = (size * sum(sides) + 0.5 * len(configs), size * max(sides) + 1)
    fig, axes = plt.subplots(1, len(configs), squeeze=False, figsize=figsize,
                             gridspec_kw={"width_ratios": sides})
    for ax, (n, k, stride, padding), side in zip(axes.flat, configs, sides):
        before = reference.pad_amounts(n, k, stride, padding)[0]
        out = reference.output_size(n, k, stride, padding)
        cells = np.full((side, side), 0.75)  # padding
        cells[before : before + n, before : before + n] = 1.0  # the input
        ax.imshow(cells, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks(np.arange(-0.5, side), minor=True)
        ax.set_yticks(np.arange(-0.5, side), minor=True)
        ax.grid(which="minor", color="0.4", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        for j in range(out):
            inset = 0.06 * (j % 4)  # overlapping windows stay visible
            corner = (j * stride - 0.5 + inset, -0.5 + inset)
            ax.add_patch(plt.Rectangle(corner, k - 2 * inset, k - 2 * inset, fill=False,
                                       edgecolor=f"C{j % 10}", linewidth=2))
        ax.set_title(f"n={n}, k={k}, s={stride}\n{padding} → {out}×{out}", fontsize=9)
    fig.tight_layout()
    return fig


# Box colours of ``architecture``, by the kind of layer (Keras class name).
_LAYER_COLOURS = {"Conv2D": "C0", "MaxPooling2D": "C1", "AveragePooling2D": "C1",
                  "Subsampling": "C1", "Dense": "C2"}


def architecture(model, width: float = 1.05) -> plt.Figure:
    """A built Keras model drawn left to right: one box per layer (the input first), titled
    with the layer's name and labelled with its class, output shape (without the batch
    axis, e.g. ``28×28×6``) and parameters. A box's height follows the side of its
    feature maps (a vector: a thin box), so the maps can be seen shrinking; convolutions
    blue, pooling orange, dense green, the rest grey. ``width``: inches per box. Returns
    the figure; its one axes holds one ``Rectangle`` per box, in order."""
    rows = [("input", "Input", tuple(model.input_shape[1:]), 0)]
    rows += [(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]),
              layer.count_params()) for layer in model.layers]
    biggest = max(shape[0] for _, _, shape, _ in rows if len(shape) == 3)
    fig, ax = plt.subplots(figsize=(width * len(rows), 2.6))
    for i, (name, kind, shape, params) in enumerate(rows):
        height = 0.3 + 0.7 * shape[0] / biggest if len(shape) == 3 else 0.12
        ax.add_patch(plt.Rectangle((i, -height / 2), 0.75, height, edgecolor="0.2",
                                   facecolor=_LAYER_COLOURS.get(kind, "0.8"), alpha=0.8))
        ax.text(i + 0.375, height / 2 + 0.04, name, ha="center", va="bottom", fontsize=8,
                weight="bold")
        label = f"{kind}\n{'×'.join(map(str, shape))}\n{params:,} params"
        ax.text(i + 0.375, -height / 2 - 0.04, label, ha="center", va="top", fontsize=7)
        if i:
            ax.annotate("", xy=(i, 0), xytext=(i - 0.25, 0), arrowprops={"arrowstyle": "->"})
    ax.set(xlim=(-0.1, len(rows) - 0.15), ylim=(-1.0, 0.65))
    ax.axis("off")
    ax.set_title(f"{model.name}: {model.count_params():,} parameters", fontsize=9)
    fig.tight_layout()
    return fig
