"""coursekit.plots.batch_norm_steps: three histograms of one channel, standardised in the
middle, γ and β applied on the right."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from coursekit import plots  # noqa: E402


def test_three_histograms_of_one_channel():
    x = np.random.default_rng(0).normal(5.0, 3.0, size=(8, 4, 4, 2))
    fig = plots.batch_norm_steps(x, np.array([1.0, 2.0]), np.array([0.0, -1.0]), channel=1,
                                 bins=10)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
    counts = [sum(p.get_height() for p in ax.patches) for ax in fig.axes]
    assert counts == [8 * 4 * 4] * 3  # every value of the channel, in every panel
    means = [ax.lines[0].get_xdata()[0] for ax in fig.axes]
    np.testing.assert_allclose(means[1:], [0.0, -1.0], atol=1e-9)  # x̂ centred, then + β
    assert abs(means[0] - x[..., 1].mean()) < 1e-9 and "std 2.00" in fig.axes[2].get_title()
    plt.close(fig)
