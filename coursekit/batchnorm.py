"""Batch normalization as a small Keras layer, written from scratch.

``BatchNorm`` computes what :func:`coursekit.reference.batch_norm_forward` and
:func:`~coursekit.reference.batch_norm_inference` compute, line for line, with
``keras.ops`` instead of NumPy, so that Keras can differentiate it and train it inside a
model. Its gradients are Keras' automatic ones; the tests check that they equal
:func:`~coursekit.reference.batch_norm_backward` and that the layer equals
``keras.layers.BatchNormalization`` in both modes.

Per channel c (the last axis), over every other axis of the batch::

    training:   y = γ_c (x − mean_c) / sqrt(var_c + ε) + β_c      (batch statistics)
                moving_mean ← momentum · moving_mean + (1 − momentum) · mean
                moving_var  ← momentum · moving_var  + (1 − momentum) · var
    inference:  y = γ_c (x − moving_mean_c) / sqrt(moving_var_c + ε) + β_c

γ and β are trainable weights, learned by gradient descent; the moving mean and variance
are non-trainable weights, tracked (never differentiated). As in Keras, a layer whose
``trainable`` is False always runs in inference mode, even when called with
``training=True``: that is what freezing a BN layer for fine-tuning means.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="coursekit")
class BatchNorm(keras.layers.Layer):
    """Batch normalization over the last axis, with Keras' defaults.

    ``momentum`` (0.99) is how much of the old moving statistics each training batch
    keeps; ``epsilon`` (1e-3) is added to the variance. γ starts at 1, β at 0, the moving
    mean at 0 and the moving variance at 1, as in ``keras.layers.BatchNormalization``.
    Input (N, ..., C), output the same shape; 4 C weights, 2 C of them trainable.
    """

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum, self.epsilon = momentum, epsilon
        self.supports_masking = False

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=channels, initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(
            shape=channels, initializer="zeros", trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            shape=channels, initializer="ones", trainable=False, name="moving_variance"
        )

    def call(self, x, training=None):
        if training and self.trainable:
            axes = tuple(range(len(x.shape) - 1))
            mean = ops.mean(x, axis=axes)
            # The statistics are computed from x, so the gradient flows through them too.
            variance = ops.mean(ops.square(x - mean), axis=axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + ops.stop_gradient(mean) * (1 - m))
            self.moving_variance.assign(
                self.moving_variance * m + ops.stop_gradient(variance) * (1 - m)
            )
        else:
            mean, variance = self.moving_mean, self.moving_variance
        x_hat = (x - mean) / ops.sqrt(variance + self.epsilon)
        return self.gamma * x_hat + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


def with_weights(layer, input_shape, gamma, beta, moving_mean, moving_variance):
    """Build a batch-norm ``layer`` (ours or ``keras.layers.BatchNormalization``) for
    inputs shaped ``input_shape`` and set its four weights, in Keras' order: γ, β, the
    moving mean and the moving variance, each (C,). Returns the layer, ready to compare.
    """
    layer.build(tuple(input_shape))
    layer.set_weights([gamma, beta, moving_mean, moving_variance])
    return layer
