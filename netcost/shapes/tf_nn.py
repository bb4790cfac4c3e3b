"""TensorFlow shape rules of convolution, pooling, fused batch norm and image resize ops, and
of their gradients.
"""
from __future__ import annotations

from typing import Tuple

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Shape, TensorFacts
from .tf_common import (UNKNOWN, _attr, _explicit_paddings, _inputs, _int_values, _ints, _layout,
                        _merge_dim, _n_out, _need_rank, _one, _out, _per_axis, _shape_from_value,
                        _text_attr, _window_out, _with_rank, register)


def _conv(node, ins, spatial: int, depthwise: bool = False):
    x, w = ins[0], ins[1]
    channel_axis, spatial_axes = _layout(node, spatial)
    rank = spatial + 2
    strides = _per_axis(node, "strides", _ints(_attr(node, "strides")), rank) or [1] * rank
    dilations = _per_axis(node, "dilations", _ints(_attr(node, "dilations")), rank) or \
        [1] * rank
    padding = _attr(node, "padding", "VALID")
    explicit = _explicit_paddings(node, padding, rank)
    x = _need_rank(node, x, rank)
    w = _need_rank(node, w, rank, "filter")  # Conv2DShape, Conv3DShape: WithRank(filter, rank)
    kernel = [None] * spatial if w.dims is None else list(w.dims[:spatial])
    if depthwise:
        out_c = None if w.dims is None else _mul(w.dims[2], w.dims[3])
    else:
        out_c = None if w.dims is None else w.dims[-1]
        if w.dims is not None and w.dims[-2] == 0:  # the depth must divide the input's
            raise ShapeError("the filter has an input depth of 0")
        if w.dims is not None and x.dims[channel_axis] is not None and w.dims[-2] is not None \
                and x.dims[channel_axis] % w.dims[-2]:
            raise ShapeError(f"input depth {x.dims[channel_axis]} is not a multiple of the "
                             f"filter depth {w.dims[-2]}")
    if spatial == 3:
        # TF's Conv3DShape reads the rows' dilation where the columns' is and the reverse
        # (dilation_cols = dilations[2], dilation_rows = dilations[3] in NDHWC): shapes (and
        # so tf.profiler) follow it.
        dilations = list(dilations)
        rows, cols = spatial_axes[1], spatial_axes[2]
        dilations[rows], dilations[cols] = dilations[cols], dilations[rows]
    dims = list(x.dims)
    for i, axis in enumerate(spatial_axes):
        k = kernel[i]
        pads = (explicit[2 * axis], explicit[2 * axis + 1]) if padding == "EXPLICIT" else (0, 0)
        if k is None:
            dims[axis] = -(-x.dims[axis] // strides[axis]) if padding == "SAME" and \
                x.dims[axis] is not None else None
        else:
            dims[axis] = _window_out(x.dims[axis], k, strides[axis], dilations[axis], padding,
                                     pads)
    dims[channel_axis] = out_c
    return _one(Shape(tuple(dims)), x.dtype)


@register("Conv2D", "_FusedConv2D", "FusedConv2DBiasActivation")
def conv2d(node, ins):
    return _conv(node, ins, 2)


@register("DepthwiseConv2dNative", "_FusedDepthwiseConv2dNative")
def depthwise(node, ins):
    return _conv(node, ins, 2, depthwise=True)


@register("Conv3D")
def conv3d(node, ins):
    return _conv(node, ins, 3)


@register("Dilation2D")
def dilation2d(node, ins):
    """TF's Dilation2D shape: NHWC, filter [h, w, depth], windows of the rate-dilated filter,
    the input's depth kept."""
    x, w = ins[0], ins[1]
    if x.dims is None:
        return _one(Shape((None,) * 4), x.dtype)
    if len(x.dims) != 4:
        raise ShapeError(f"Dilation2D needs a rank-4 input, got {x.shape}")
    strides = _per_axis(node, "strides", _ints(_attr(node, "strides")), 4) or [1, 1, 1, 1]
    rates = _per_axis(node, "rates", _ints(_attr(node, "rates")), 4) or [1, 1, 1, 1]
    padding = _attr(node, "padding", "VALID")
    dims = list(x.dims)
    for i, axis in enumerate((1, 2)):
        k = None if w.dims is None else w.dims[i]
        if k is None:
            dims[axis] = -(-x.dims[axis] // strides[axis]) if padding == "SAME" and \
                x.dims[axis] is not None else None
        else:
            dims[axis] = _window_out(x.dims[axis], k, strides[axis], rates[axis], padding)
    if dims[3] is None and w.dims is not None:
        dims[3] = w.dims[2]
    return _one(Shape(tuple(dims)), x.dtype)


@register("Conv2DBackpropInput", partial=True)
def conv2d_backprop_input(node, ins):
    """TF's Conv2DBackpropInputShape: batch from out_backprop, spatial dims (and channels)
    from input_sizes, which may also hold only the two spatial sizes (channels then from
    the filter)."""
    sizes, w, dy = _inputs(node, ins, "input_sizes", "filter", "out_backprop")
    w, dy = _gradient_operands(node, 4, (w, "filter"), dy)
    channel_axis, spatial_axes = _layout(node, 2)
    wanted = _shape_from_value(sizes)
    if wanted.dims is None:
        wanted = Shape((None,) * 4)
    batch = None if dy.dims is None else dy.dims[0]
    if len(wanted.dims) == 4:
        dims = list(wanted.dims)
    elif len(wanted.dims) == 2:
        dims = [None] * 4
        for axis, d in zip(spatial_axes, wanted.dims):
            dims[axis] = d
        dims[channel_axis] = None if w.dims is None else w.dims[2]
    else:
        raise ShapeError(f"Conv2DBackpropInput needs input_sizes of 4 or 2 values, got "
                         f"{wanted.rank}")
    dims[0] = batch
    return _one(Shape(tuple(dims)), w.dtype)


@register("Conv3DBackpropInputV2", "DepthwiseConv2dNativeBackpropInput", partial=True)
def conv_backprop_input(node, ins):
    # The output size is given as a tensor (input_sizes).
    sizes, w, dy = _inputs(node, ins, "input_sizes", "filter", "out_backprop")
    rank = 5 if node.op.startswith("Conv3D") else 4
    w, dy = _gradient_operands(node, rank, (w, "filter"), dy)
    return _one(_sized(node, _shape_from_value(sizes), rank, "input_sizes"), w.dtype)


@register("Conv2DBackpropFilter", "Conv3DBackpropFilterV2",
          "DepthwiseConv2dNativeBackpropFilter", partial=True)
def conv_backprop_filter(node, ins):
    x, sizes, dy = _inputs(node, ins, "input", "filter_sizes", "out_backprop")
    rank = 5 if node.op.startswith("Conv3D") else 4
    x, dy = _gradient_operands(node, rank, (x, "input"), dy)
    return _one(_sized(node, _shape_from_value(sizes), rank, "filter_sizes"), x.dtype)


def _gradient_operands(node, rank: int, operand: Tuple[TensorFacts, str], dy: TensorFacts):
    """A convolution gradient's (filter or input, out_backprop) and strides, as its kernels
    take them (the shape functions read little more than the sizes tensor): both tensors of
    the convolution's rank, strides of one positive value per axis. The cost formulas divide
    by them."""
    strides = _per_axis(node, "strides", _ints(_attr(node, "strides")), rank)
    if strides and min(strides) < 1:
        raise ShapeError(f"{node.op} strides must be positive, got {strides}")
    facts, name = operand
    return _need_rank(node, facts, rank, name), _need_rank(node, dy, rank, "out_backprop")


def _sized(node, shape: Shape, rank: int, what: str) -> Shape:
    """The shape a sizes tensor gives (MakeShapeFromShapeTensor, then WithRank(rank))."""
    if shape.dims is not None and len(shape.dims) != rank:
        raise ShapeError(f"{node.op}'s {what} must hold {rank} values, got {shape.rank}")
    return shape


def _pool(node, ins, spatial: int, ksize=None, strides=None):
    """TF's MaxPoolShape, AvgPoolShape and Pool3DShape: a rank-4 (rank-5 for NCHW_VECT_C) or
    rank-5 input, ksize and strides of one value per input axis."""
    x = ins[0]
    channel_axis, spatial_axes = _layout(node, spatial)
    padding = _attr(node, "padding", "VALID")
    rank = 5 if _attr(node, "data_format") == "NCHW_VECT_C" else spatial + 2
    x = _need_rank(node, x, rank)
    ksize = _per_axis(node, "ksize", ksize or _ints(_attr(node, "ksize")), rank)
    strides = _per_axis(node, "strides", strides or _ints(_attr(node, "strides")), rank)
    if ksize is None or strides is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    explicit = _explicit_paddings(node, padding, rank)  # MaxPool's EXPLICIT padding
    dims = list(x.dims)
    for axis in spatial_axes:
        pads = (explicit[2 * axis], explicit[2 * axis + 1]) if padding == "EXPLICIT" else (0, 0)
        dims[axis] = _window_out(x.dims[axis], ksize[axis], strides[axis], 1, padding, pads)
    return _one(Shape(tuple(dims)), x.dtype)


@register("MaxPool", "AvgPool")
def pool2d(node, ins):
    return _pool(node, ins, 2)


@register("MaxPool3D", "AvgPool3D")
def pool3d(node, ins):
    return _pool(node, ins, 3)


@register("MaxPoolV2")
def max_pool_v2(node, ins):
    return _pool(node, ins, 2, _ints(_int_values(ins[1], "MaxPoolV2's ksize")),
                 _ints(_int_values(ins[2], "MaxPoolV2's strides")))


@register("MaxPoolWithArgmax")
def max_pool_argmax(node, ins):
    result = _pool(node, ins, 2)
    shape = result.outputs[0]
    return _out([shape, shape][:_n_out(node)], [ins[0].dtype, "int64"][:_n_out(node)])


@register("MaxPoolGrad")
def max_pool_grad(node, ins):
    return _one(_with_rank(ins[0], 4).shape, ins[0].dtype)


@register("MaxPool3DGrad")
def max_pool3d_grad(node, ins):
    return _one(_with_rank(ins[0], 5).shape, ins[1].dtype)


@register("AvgPool3DGrad", partial=True)
def avg_pool3d_grad(node, ins):
    return _one(_shape_from_value(ins[0]), ins[1].dtype)


@register("ResizeBilinearGrad", "ResizeNearestNeighborGrad", "ResizeBicubicGrad")
def resize_grad(node, ins):
    # The gradient has the original image's shape (the size input for the nearest one).
    if node.op == "ResizeNearestNeighborGrad":
        grads = _need_rank(node, ins[0], 4, "grads input")
        hw = _resize_size(node, ins[1])
        return _one(Shape((grads.dims[0], hw[0], hw[1], grads.dims[3])), grads.dtype)
    return _one(_with_rank(ins[1], 4).shape, ins[1].dtype)


def _batch_norm_layout(node: Node) -> Tuple[int, int]:
    """(rank, channel axis) of a fused batch norm: TF's FusedBatchNormShape takes a rank-5
    input for NDHWC and NCDHW (FusedBatchNormV3 and its gradient), else rank 4
    (WithRank(x, rank)); the channels are axis 1 for NC.. formats, else the last axis."""
    fmt = _text_attr(node, "data_format", "NHWC")
    rank = 5 if fmt in ("NDHWC", "NCDHW") else 4
    return rank, 1 if fmt.startswith("NC") else rank - 1


@register("FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3")
def fused_batch_norm_grad(node, ins):
    """TF's FusedBatchNormGradShape: x_backprop is y_backprop with the channels merged over
    x, scale and the saved mean and variance; two channel vectors; two empty vectors."""
    rank, axis = _batch_norm_layout(node)
    dy, x = _need_rank(node, ins[0], rank, "y_backprop"), _need_rank(node, ins[1], rank, "x")
    c = _merge_dim(dy.dims[axis], x.dims[axis], "batch norm gradient channels")
    for vector_in in ins[2:5]:
        if vector_in.dims is not None and len(vector_in.dims) == 1:
            c = _merge_dim(c, vector_in.dims[0], "batch norm gradient channels")
    dims = list(dy.dims)
    dims[axis] = c
    shapes = [Shape(tuple(dims)), Shape((c,)), Shape((c,)), Shape((0,)), Shape((0,))]
    # Five outputs, whatever the graph reads: reading a sixth is the engine's error to report.
    n = _n_out(node)
    return _out(shapes[:n], [dy.dtype, x.dtype, x.dtype, x.dtype, x.dtype][:n])


@register("AvgPoolGrad", partial=True)
def avg_pool_grad(node, ins):
    return _one(_shape_from_value(ins[0]), ins[1].dtype)


@register("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "_FusedBatchNormEx")
def fused_batch_norm(node, ins):
    # TF's FusedBatchNormShape: x of rank 4, its channels merged with the scale and offset
    # (and the mean and variance, unless a training batch norm ignores them).
    rank, channel_axis = _batch_norm_layout(node)
    x = _need_rank(node, ins[0], rank, "x")
    c = x.dims[channel_axis]
    training = _attr(node, "is_training", False) and \
        _attr(node, "exponential_avg_factor", 1.0) == 1.0
    for vector_in in ins[1:3 if training else 5]:
        if vector_in.dims is not None and len(vector_in.dims) == 1:
            c = _merge_dim(c, vector_in.dims[0], "batch norm channels")
    dims = list(x.dims)
    dims[channel_axis] = c
    vector = Shape((c,))
    shapes = [Shape(tuple(dims)), vector, vector, vector, vector]
    if node.op in ("FusedBatchNormV3", "_FusedBatchNormEx"):
        shapes.append(UNKNOWN)  # reserve_space_3: TF leaves its shape unknown
    shapes = shapes[:_n_out(node)]  # reading an output beyond these is the engine's error
    return _out(shapes, [x.dtype] + ["float32"] * (len(shapes) - 1))


@register("ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea",
          "ScaleAndTranslate")
def resize(node, ins):
    """TF's ResizeShapeFn: images of rank 4 (NHWC), size a vector of 2 ints."""
    x, size = ins[0], ins[1]
    dtype = "float32" if node.op in ("ResizeBilinear", "ResizeBicubic", "ResizeArea") \
        else x.dtype
    hw = _resize_size(node, size)
    if x.dims is None:
        return _one(UNKNOWN, dtype)
    x = _need_rank(node, x, 4, "images input")
    return _one(Shape((x.dims[0], hw[0], hw[1], x.dims[3])), dtype)


def _resize_size(node, size: TensorFacts) -> Tuple[Dim, Dim]:
    """The (height, width) a resize reads from its size input: TF's WithRank(size, 1) and
    WithValue(Dim(size, 0), 2) ("Dimension must be 2 but is 4")."""
    if size.dims is not None and (len(size.dims) != 1 or size.dims[0] not in (None, 2)):
        raise ShapeError(f"{node.op}'s size must be a vector of 2 values (height, width), "
                         f"got shape {size.shape}")
    values = _int_values(size, f"{node.op}'s size")
    if values is None or len(values) != 2:
        return None, None
    return int(values[0]), int(values[1])
