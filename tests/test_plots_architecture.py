"""coursekit.plots.architecture: one box per layer, labelled with its output shape."""

import keras
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from coursekit import plots  # noqa: E402


def test_one_box_per_layer_with_shapes_parameters_and_shrinking_maps():
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(4, 3, name="conv"),  # 10×10×4, 40 parameters
        keras.layers.MaxPooling2D(2, name="pool"),  # 5×5×4
        keras.layers.Flatten(name="flatten"),  # 100
        keras.layers.Dense(3, name="out"),  # 303 parameters
    ], name="tiny")
    fig = plots.architecture(model)
    (ax,) = fig.axes
    boxes = ax.patches
    assert len(boxes) == 5  # the input and four layers
    heights = [box.get_height() for box in boxes]
    assert heights[0] > heights[1] > heights[2] > heights[3] == heights[4]  # 12, 10, 5, vectors
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # not the arrows
    assert texts[::2] == ["input", "conv", "pool", "flatten", "out"]
    assert "10×10×4\n40 params" in texts[3] and "Dense\n3\n303 params" == texts[9]
    assert boxes[1].get_facecolor() != boxes[4].get_facecolor()  # conv vs dense colours
    assert ax.get_title() == "tiny: 343 parameters"
    plt.close(fig)
