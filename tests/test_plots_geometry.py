"""coursekit.plots.conv_geometry: padding cells, one outlined window per output column."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit import plots  # noqa: E402


@pytest.mark.parametrize(
    "n, k, stride, padding, padded, windows, lefts",
    [
        (5, 3, 2, "same", 7, 3, [-0.5, 1.5, 3.5]),  # pads 1 + 1, output 3
        (8, 3, 2, "same", 9, 4, [-0.5, 1.5, 3.5, 5.5]),  # pads 0 + 1 (odd: after), output 4
        (7, 3, 1, "valid", 7, 5, [-0.5, 0.5, 1.5, 2.5, 3.5]),  # no padding, output 5
    ],
)
def test_padding_cells_and_windows(n, k, stride, padding, padded, windows, lefts):
    fig = plots.conv_geometry([(n, k, stride, padding), (4, 2, 2, "valid")])
    ax, other = fig.axes
    assert len(other.patches) == 2 and other.images[0].get_array().shape == (4, 4)
    cells = ax.images[0].get_array()
    assert cells.shape == (padded, padded)
    assert int((np.asarray(cells) == 1.0).sum()) == n * n  # the input pixels, white
    rectangles = ax.patches
    assert len(rectangles) == windows
    assert [round(r.get_x() - 0.06 * (j % 4), 6) for j, r in enumerate(rectangles)] == lefts
    assert f"{windows}×{windows}" in ax.get_title()
    plt.close(fig)
