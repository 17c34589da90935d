"""coursekit.plots.curves_side_by_side: one panel per comparison, one colour per run."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from coursekit import plots  # noqa: E402


def test_one_panel_per_comparison_and_the_same_colour_for_the_same_run():
    a = {"accuracy": [0.1, 0.2, 0.3], "val_accuracy": [0.15, 0.25, 0.2]}
    b = {"accuracy": [0.2, 0.4], "val_accuracy": [0.3, 0.5]}
    fig = plots.curves_side_by_side({"first": {"A": a, "B": b}, "second": {"B": b}})
    first, second = fig.axes
    assert [first.get_title(), second.get_title()] == ["first", "second"]
    assert len(first.lines) == 4 and len(second.lines) == 2  # training and validation per run
    b_first = [line for line in first.lines if line.get_label() == "B"][0]
    b_second = [line for line in second.lines if line.get_label() == "B"][0]
    assert b_first.get_color() == b_second.get_color() == "C1"
    assert list(b_second.get_xdata()) == [1, 2] and list(b_second.get_ydata()) == [0.3, 0.5]
    assert [t.get_text() for t in second.get_legend().get_texts()] == ["B"]
    plt.close(fig)
