"""Plots the chapters share: image grids and small annotated matrices."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np


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
        ax.imshow(np.squeeze(image), cmap=cmap if image.ndim == 2 or image.shape[-1] == 1 else None)
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
        1, len(matrices), figsize=(size * (sum(widths) + 1.5 * len(matrices)), size * height + 0.6),
        gridspec_kw={"width_ratios": widths}, squeeze=False,
    )
    for i, (ax, matrix) in enumerate(zip(axes.flat, matrices)):
        matrix = np.asarray(matrix)
        limit = np.abs(matrix).max() or 1.0
        ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for (r, c), value in np.ndenumerate(matrix):
            color = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(c, r, fmt.format(round(float(value), 2)), ha="center", va="center", fontsize=8, color=color)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig
