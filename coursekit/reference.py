"""NumPy reference implementations of the layers of a CNN, written to be read.

Everything follows the Keras/TensorFlow conventions, so the results can be checked
against ``keras.layers`` and ``tf.nn`` to round-off:

- images are NHWC: ``x`` has shape ``(N, H, W, C)``;
- a convolution kernel has shape ``(kh, kw, C_in, C_out)`` and a dense kernel
  ``(in, out)``, as Keras stores them;
- a "convolution" is a cross-correlation (the kernel is not flipped);
- ``padding="valid"`` uses no padding; ``padding="same"`` pads so that the output has
  ``ceil(n / stride)`` positions, putting any odd padding element after (bottom/right).

Float inputs keep their dtype (float32 stays float32); other inputs become float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_PADDINGS = ("valid", "same")


def output_size(n: int, k: int, stride: int = 1, padding: str = "valid") -> int:
    """Number of window positions along one axis of length ``n`` for a window of ``k``.

    ``valid``: ``floor((n - k) / stride) + 1``; ``same``: ``ceil(n / stride)``.
    """
    padding = _padding_mode(padding)
    for name, value in (("input size n", n), ("window size k", k), ("stride", stride)):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")
    if padding == "same":
        return math.ceil(n / stride)
    if k > n:
        raise ValueError(
            f"window size k={k} is larger than the input n={n}: with padding='valid' "
            "there is no position for it; use padding='same' or a smaller window"
        )
    return (n - k) // stride + 1


def pad_amounts(n: int, k: int, stride: int = 1, padding: str = "valid") -> tuple[int, int]:
    """Padding ``(before, after)`` along one axis, as TensorFlow computes it.

    ``same``: ``total = max((out - 1) * stride + k - n, 0)`` split as
    ``before = total // 2`` and ``after = total - before``; ``valid``: ``(0, 0)``.
    """
    out = output_size(n, k, stride, padding)
    if _padding_mode(padding) == "valid":
        return 0, 0
    total = max((out - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def conv_params(kernel_size, in_channels: int, out_channels: int) -> int:
    """Parameters of a 2-D convolution: ``kh·kw·C_in·C_out`` weights + ``C_out`` biases.

    ``kernel_size``: an int ``k`` (a k×k kernel) or a pair ``(kh, kw)``.
    """
    kh, kw = _pair(kernel_size, "kernel_size")
    return kh * kw * in_channels * out_channels + out_channels


def dense_params(in_features: int, out_features: int) -> int:
    """Parameters of a dense layer: ``in·out`` weights + ``out`` biases."""
    return in_features * out_features + out_features


def conv2d_loop(x, w, b=None, stride=1, padding="valid"):
    """2-D convolution by direct loops over output positions and output channels.

    x: (N, H, W, C_in), w: (kh, kw, C_in, C_out), b: (C_out,) or None,
    stride: int or (sh, sw). Returns (N, H_out, W_out, C_out).
    """
    x, w, b = _check_conv(x, w, b)
    kh, kw, _, c_out = w.shape
    g = _Geometry.of(x, (kh, kw), stride, padding)
    xp = g.pad(x)
    out = np.zeros((x.shape[0], g.out_h, g.out_w, c_out), dtype=np.result_type(x, w))
    for i in range(g.out_h):
        for j in range(g.out_w):
            # The receptive field of output (i, j) for every image: (N, kh, kw, C_in).
            top, left = i * g.sh, j * g.sw
            patch = xp[:, top : top + kh, left : left + kw, :]
            for c in range(c_out):
                # One neuron: the same weights w[..., c] at every position (sharing).
                out[:, i, j, c] = np.sum(patch * w[..., c], axis=(1, 2, 3))
    if b is not None:
        out += b
    return out


def im2col(x, kh, kw, stride=1, padding="valid"):
    """Unfold every (kh, kw) patch of ``x`` into one row.

    x: (N, H, W, C_in). Returns (N * H_out * W_out, kh * kw * C_in), rows in NHW order
    and each row in (kh, kw, C_in) order, so ``im2col(x, ...) @ w.reshape(-1, C_out)``
    is the convolution with a Keras kernel ``w``.
    """
    x = _check_rank(x, 4, "x", "(N, H, W, C)")
    patches = _patches(x, (kh, kw), stride, padding)  # (N, H_out, W_out, C, kh, kw)
    rows = patches.transpose(0, 1, 2, 4, 5, 3)  # (N, H_out, W_out, kh, kw, C)
    return rows.reshape(-1, kh * kw * x.shape[3])


def conv2d_im2col(x, w, b=None, stride=1, padding="valid"):
    """2-D convolution as one matrix product: ``im2col(x) @ w.reshape(-1, C_out)``.

    Same arguments and result as :func:`conv2d_loop`.
    """
    x, w, b = _check_conv(x, w, b)
    kh, kw, _, c_out = w.shape
    g = _Geometry.of(x, (kh, kw), stride, padding)
    out = im2col(x, kh, kw, stride, padding) @ w.reshape(-1, c_out)
    if b is not None:
        out += b
    return out.reshape(x.shape[0], g.out_h, g.out_w, c_out)


def conv2d_backward(x, w, grad_out, stride=1, padding="valid"):
    """Gradients of a convolution, given ``grad_out`` = dLoss/d(output).

    x: (N, H, W, C_in), w: (kh, kw, C_in, C_out), grad_out: (N, H_out, W_out, C_out).
    Returns ``(grad_x, grad_w, grad_b)`` with the shapes of x, w and the bias (C_out,).
    """
    x, w, _ = _check_conv(x, w, None)
    kh, kw, c_in, c_out = w.shape
    g = _Geometry.of(x, (kh, kw), stride, padding)
    expected = (x.shape[0], g.out_h, g.out_w, c_out)
    grad_out = _float_array(grad_out)
    if grad_out.shape != expected:
        raise ValueError(f"grad_out must have the output's shape {expected}, got {grad_out.shape}")

    # Forward: out = cols @ w2 + b, with cols = im2col(x) and w2 the kernel as a matrix.
    cols = im2col(x, kh, kw, stride, padding)
    g2 = grad_out.reshape(-1, c_out)
    grad_w = (cols.T @ g2).reshape(w.shape)
    grad_b = g2.sum(axis=0)
    grad_cols = (g2 @ w.reshape(-1, c_out).T).reshape(*expected[:3], kh, kw, c_in)

    # col2im: each kernel offset (di, dj) sent grad_cols[..., di, dj, :] to the input
    # pixels it read; overlapping patches add up. Then drop the padding.
    grad_xp = g.pad(np.zeros(x.shape, dtype=grad_cols.dtype))
    for di in range(kh):
        for dj in range(kw):
            rows = slice(di, di + g.sh * g.out_h, g.sh)
            columns = slice(dj, dj + g.sw * g.out_w, g.sw)
            grad_xp[:, rows, columns, :] += grad_cols[:, :, :, di, dj, :]
    (top, _), (left, _) = g.pads
    grad_x = grad_xp[:, top : top + x.shape[1], left : left + x.shape[2], :]
    return grad_x, grad_w, grad_b


def max_pool2d(x, pool=2, stride=None, padding="valid"):
    """Max pooling. x: (N, H, W, C); pool, stride: int or pair (stride defaults to pool).

    Padding positions never win (as in TensorFlow). Returns (N, H_out, W_out, C).
    """
    x = _check_rank(x, 4, "x", "(N, H, W, C)")
    pool = _pair(pool, "pool")
    stride = pool if stride is None else stride
    return _patches(x, pool, stride, padding, fill=-np.inf).max(axis=(4, 5))


def avg_pool2d(x, pool=2, stride=None, padding="valid"):
    """Average pooling. x: (N, H, W, C); pool, stride: int or pair (stride defaults to pool).

    Each window is averaged over its real elements only: padding is not counted
    (as in ``tf.nn.avg_pool2d``). Returns (N, H_out, W_out, C).
    """
    x = _check_rank(x, 4, "x", "(N, H, W, C)")
    pool = _pair(pool, "pool")
    stride = pool if stride is None else stride
    sums = _patches(x, pool, stride, padding).sum(axis=(4, 5))
    counts = _patches(np.ones_like(x[:1, ..., :1]), pool, stride, padding).sum(axis=(4, 5))
    return sums / counts


def dense(x, w, b):
    """Fully connected layer ``y = x @ w + b``. x: (N, in), w: (in, out), b: (out,)."""
    x = _check_rank(x, 2, "x", "(N, in)")
    w = _check_rank(w, 2, "w", "(in, out), as Keras stores a Dense kernel")
    b = _check_rank(b, 1, "b", "(out,)")
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"feature mismatch: x has {x.shape[1]} features (shape {x.shape}) "
            f"but w expects {w.shape[0]} (shape {w.shape})"
        )
    if b.shape != (w.shape[1],):
        raise ValueError(f"b must have shape ({w.shape[1]},) to match w {w.shape}, got {b.shape}")
    return x @ w + b



@dataclass(frozen=True)
class FieldRow:
    """One row of :func:`receptive_field`: a layer's window and where its output stands.

    ``kernel``, ``stride``, ``dilation``: the layer's window along one axis (pixels of its
    input); ``field``: the receptive field of one output unit, in input-image pixels;
    ``jump``: how many input-image pixels apart two neighbouring output units are.
    """

    name: str
    kernel: int
    stride: int
    dilation: int
    field: int
    jump: int


def receptive_field(layers) -> list[FieldRow]:
    """Receptive field of one unit after each layer of a stack, along one axis.

    ``layers``: ``(name, kernel, stride)`` or ``(name, kernel, stride, dilation)`` tuples,
    or a Keras model whose convolution and pooling layers are read along their first
    spatial axis (padding layers and layers that keep the spatial shape are skipped; the
    table ends at the first layer without spatial axes, e.g. ``Flatten``). Starting from
    one pixel (``field = jump = 1``), each layer applies
    ``k_eff = dilation·(kernel − 1) + 1``, ``field += (k_eff − 1)·jump``, ``jump *= stride``.
    Padding moves a field but does not change its size. Returns one :class:`FieldRow` per
    layer, the input first.
    """
    if hasattr(layers, "layers"):
        layers = _geometry_of_keras(layers)
    rows = [FieldRow("input", 1, 1, 1, 1, 1)]
    for name, kernel, stride, *dilation in layers:
        dilation = dilation[0] if dilation else 1
        for label, value in (("kernel", kernel), ("stride", stride), ("dilation", dilation)):
            if not (isinstance(value, (int, np.integer)) and value >= 1):
                raise ValueError(f"layer {name!r}: {label} must be a positive int, got {value!r}")
        k_eff = dilation * (kernel - 1) + 1
        field, jump = rows[-1].field + (k_eff - 1) * rows[-1].jump, rows[-1].jump * stride
        rows.append(FieldRow(name, int(kernel), int(stride), int(dilation), field, jump))
    return rows


def _geometry_of_keras(model) -> list[tuple[str, int, int, int]]:
    """``(name, kernel, stride, dilation)`` of the conv and pooling layers of ``model``."""
    geometry = []
    for layer in model.layers:
        shape_in, shape_out = tuple(layer.input.shape), tuple(layer.output.shape)
        if len(shape_out) < 3:  # Flatten, Dense, global pooling: no spatial axes left
            break
        window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if window is not None:
            dilation = getattr(layer, "dilation_rate", (1,))[0]
            geometry.append((layer.name, window[0], layer.strides[0], dilation))
        elif shape_in[1:-1] != shape_out[1:-1] and "Padding" not in type(layer).__name__:
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) changes the "
                             "spatial shape but has no kernel_size or pool_size to read")
    return geometry

# --- batch normalization ---------------------------------------------------------------
#
# Keras' conventions (``keras.layers.BatchNormalization``): the channels are the last
# axis and every other axis is averaged over, so a dense input (N, C) is normalised
# over its N rows and a conv input (N, H, W, C) over its N·H·W positions, one mean and
# variance per channel; the variance is the biased one (divided by the count, not
# count - 1); ε = 1e-3; the moving statistics keep ``momentum`` of their old value.


@dataclass(frozen=True)
class BatchNormCache:
    """What :func:`batch_norm_forward` keeps for :func:`batch_norm_backward`.

    ``mean`` and ``variance`` are the batch statistics (C,), which also feed
    :func:`moving_average`; ``x_hat`` is the normalised input, ``inv_std`` is
    ``1 / sqrt(variance + epsilon)`` (C,), and ``gamma`` the scale used.
    """

    x_hat: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray


def batch_norm_forward(x, gamma, beta, epsilon=1e-3):
    """Batch normalization in training mode: normalise with the batch's own statistics.

    x: (N, C) or (N, H, W, C), channels last; gamma, beta: (C,). Per channel c,
    ``mean_c`` and ``variance_c`` are taken over every axis but the last, then
    ``y = gamma_c * (x - mean_c) / sqrt(variance_c + epsilon) + beta_c``.
    Returns ``(y, cache)``; ``cache`` (a :class:`BatchNormCache`) holds the batch mean
    and variance and what the backward pass needs.
    """
    x, gamma, beta = _check_batch_norm(x, gamma, beta)
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    variance = ((x - mean) ** 2).mean(axis=axes)  # biased: divided by the count
    inv_std = 1.0 / np.sqrt(variance + epsilon)
    x_hat = (x - mean) * inv_std
    cache = BatchNormCache(x_hat=x_hat, mean=mean, variance=variance, inv_std=inv_std, gamma=gamma)
    return gamma * x_hat + beta, cache


def batch_norm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Batch normalization in inference mode: the same formula as
    :func:`batch_norm_forward`, with the moving mean and variance (C,) in place of the
    batch's. Each example's output no longer depends on the rest of its batch."""
    x, gamma, beta = _check_batch_norm(x, gamma, beta)
    moving_mean, moving_variance = _float_array(moving_mean), _float_array(moving_variance)
    for name, value in (("moving_mean", moving_mean), ("moving_variance", moving_variance)):
        if value.shape != gamma.shape:
            raise ValueError(f"{name} must have shape {gamma.shape} (one per channel), "
                             f"got {value.shape}")
    return gamma * (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta


def batch_norm_backward(grad_out, cache):
    """Gradients of :func:`batch_norm_forward`, given ``grad_out`` = dLoss/dy.

    With m the number of values per channel (N, or N·H·W), ĝ = dLoss/dx̂ = γ·grad_out:
    ``dbeta = Σ grad_out``, ``dgamma = Σ grad_out·x̂`` and
    ``dx = inv_std · (ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))``, the means and sums taken over
    the m values of each channel. The two mean terms are there because the batch mean
    and variance depend on every x too. Returns ``(dx, dgamma, dbeta)``.
    """
    grad_out = _float_array(grad_out)
    if grad_out.shape != cache.x_hat.shape:
        raise ValueError(f"grad_out must have the output's shape {cache.x_hat.shape}, "
                         f"got {grad_out.shape}")
    axes = tuple(range(grad_out.ndim - 1))
    dbeta = grad_out.sum(axis=axes)
    dgamma = (grad_out * cache.x_hat).sum(axis=axes)
    g_hat = grad_out * cache.gamma
    dx = cache.inv_std * (
        g_hat - g_hat.mean(axis=axes) - cache.x_hat * (g_hat * cache.x_hat).mean(axis=axes)
    )
    return dx, dgamma, dbeta


def moving_average(moving, batch_value, momentum=0.99):
    """One update of a moving statistic, Keras' convention:
    ``moving * momentum + batch_value * (1 - momentum)``.

    A momentum near 1 forgets slowly: after n updates the starting value still weighs
    ``momentum ** n``. Apply it to the mean and to the variance after each training batch.
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    return _float_array(moving) * momentum + _float_array(batch_value) * (1.0 - momentum)


def numerical_gradient(f, a, h=1e-6):
    """The gradient of the scalar ``f()`` with respect to every entry of the float64
    array ``a``, by central differences ``(f(a + h) - f(a - h)) / 2h``, one entry at a
    time. ``f`` reads ``a``, which is changed in place and restored. Slow (two calls per
    entry): for checking an analytic gradient on a small input."""
    if a.dtype != np.float64:
        raise ValueError(f"a must be a float64 array (float32 round-off swamps h={h}), "
                         f"got {a.dtype}")
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        saved = a[i]
        a[i] = saved + h
        up = f()
        a[i] = saved - h
        down = f()
        a[i] = saved
        grad[i] = (up - down) / (2 * h)
    return grad


def _check_batch_norm(x, gamma, beta):
    """``x`` (N, ..., C) with γ and β of shape (C,), as float arrays."""
    x = _float_array(x)
    if x.ndim < 2:
        raise ValueError(f"x must be (N, C) or (N, H, W, C), channels last, got shape {x.shape}")
    gamma, beta = _float_array(gamma), _float_array(beta)
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (x.shape[-1],):
            raise ValueError(
                f"{name} must have shape ({x.shape[-1]},), one per channel of x {x.shape}, "
                f"got {value.shape}"
            )
    return x, gamma, beta


# --- private helpers -------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """Where a (kh, kw) window goes over the H and W axes of an NHWC array."""

    sh: int
    sw: int
    out_h: int
    out_w: int
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))

    @classmethod
    def of(cls, x, window, stride, padding) -> _Geometry:
        """The single place where stride and padding are normalised and checked."""
        (kh, kw), (sh, sw) = _pair(window, "window"), _pair(stride, "stride")
        _, h, w, _ = x.shape
        return cls(
            sh=sh,
            sw=sw,
            out_h=output_size(h, kh, sh, padding),
            out_w=output_size(w, kw, sw, padding),
            pads=(pad_amounts(h, kh, sh, padding), pad_amounts(w, kw, sw, padding)),
        )

    def pad(self, x, fill=0.0):
        """``x`` with the padding added around H and W."""
        return np.pad(x, ((0, 0), *self.pads, (0, 0)), constant_values=fill)


def _patches(x, window, stride, padding, fill=0.0):
    """A strided view of every window of ``x``: shape (N, H_out, W_out, C, kh, kw)."""
    g = _Geometry.of(x, window, stride, padding)
    views = sliding_window_view(g.pad(x, fill), _pair(window, "window"), axis=(1, 2))
    return views[:, :: g.sh, :: g.sw]


def _padding_mode(padding) -> str:
    """'valid' or 'same' (any letter case, so TensorFlow's 'SAME' works too)."""
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in _PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return mode


def _pair(value, name) -> tuple[int, int]:
    """An int ``v`` as ``(v, v)``; a pair as itself. Both entries must be positive ints."""
    pair = (value, value) if np.ndim(value) == 0 else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in pair):
        raise ValueError(f"{name} must be a positive int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _float_array(a):
    """``a`` as an array; float dtypes are kept, anything else becomes float64."""
    a = np.asarray(a)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64)


def _check_rank(a, ndim, name, layout):
    """``a`` as a float array, or a ValueError naming the expected layout."""
    a = _float_array(a)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D with shape {layout}, got shape {a.shape}")
    return a


def _check_conv(x, w, b):
    """Check and convert the arguments of a convolution; returns ``(x, w, b)``."""
    x = _check_rank(x, 4, "x", "(N, H, W, C_in)")
    w = _check_rank(w, 4, "w", "(kh, kw, C_in, C_out), as Keras stores a Conv2D kernel")
    if x.shape[3] != w.shape[2]:
        raise ValueError(
            f"channel mismatch: x has C_in={x.shape[3]} channels (shape {x.shape}) "
            f"but w expects C_in={w.shape[2]} (shape {w.shape})"
        )
    if b is not None:
        b = _float_array(b)
        if b.shape != (w.shape[3],):
            raise ValueError(f"b must have shape (C_out,) = ({w.shape[3]},), got {b.shape}")
    return x, w, b
