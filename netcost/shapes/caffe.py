"""Shape rules for Caffe layer types, with Caffe's exact arithmetic.

Each rule mirrors the Reshape()/LayerSetUp() of the Caffe layer (BVLC caffe
src/caffe/layers/*.cpp, or the fork named beside it) but only computes shapes. Attrs hold
each layer's parameter message as a dict with defaults filled, unset no-default fields None.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Param, Shape
from .engine import ShapeRegistry, ShapeResult

CAFFE_SHAPES = ShapeRegistry("caffe")
register = CAFFE_SHAPES.register

UNKNOWN = Shape.unknown()


# ---------------------------------------------------------------- helpers

def _axis(axis: int, rank: int, what: str = "axis") -> int:
    """Caffe's CanonicalAxisIndex: negative axes count from the end."""
    if not -rank <= axis < rank:
        raise ShapeError(f"{what} {axis} is out of range for a blob of rank {rank}")
    return axis + rank if axis < 0 else axis


def _need_rank(shape: Shape, what: str = "input") -> Optional[int]:
    return shape.rank


def _w(node: Node, name: str, shape: Sequence[Dim], learnable: bool = True) -> Param:
    return Param(f"{node.name}/{name}", Shape(tuple(shape)), learnable)


def _same(shape: Shape, count: int) -> List[Shape]:
    return [shape] * count


def _first(ins: Sequence[Shape], node: Node) -> Shape:
    if not ins:
        raise ShapeError(f"{node.op} layer needs a bottom blob")
    return ins[0]


def _need_tops(node: Node) -> int:
    """The layer's top count, which its Caffe class's MinTopBlobs() (or ExactNumTopBlobs())
    puts at 1 or more: layer.hpp's CheckBlobCounts refuses fewer ("Slice Layer produces at
    least 1 top blob(s) as output")."""
    if not node.outputs:
        raise ShapeError(f"{node.op} needs at least one top, got 0")
    return len(node.outputs)


def _attr(node: Node, field: str) -> dict:
    return node.attrs.get(field) or {}


def _positive(value: Optional[int], what: str) -> None:
    if value is not None and value <= 0:
        raise ShapeError(f"{what} must be positive, got {value}")


# ---------------------------------------------------------------- element-wise and friends

PASSTHROUGH = (
    "AbsVal", "BNLL", "Dropout", "ELU", "Exp", "Log", "Power", "ReLU", "Sigmoid", "TanH",
    "Threshold", "Clip", "Swish", "Softmax", "MVN", "LRN", "ReLU6", "ShuffleChannel",
    "Split", "GELU", "HardSigmoid", "HardSwish", "Mish", "TanHShrink",
)


@register(*PASSTHROUGH)
def passthrough(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """Same shape out as in (Split copies its bottom to every top)."""
    shape = _first(ins, node)
    if node.op == "ShuffleChannel":
        group = _attr(node, "shuffle_channel_param").get("group") or 1
        channels = shape.dims[1] if shape.rank and shape.rank > 1 else None
        if channels is not None and channels % group:
            raise ShapeError(f"group {group} does not divide {channels} channels")
    return ShapeResult(_same(shape, len(node.outputs)))


def _channels(shape: Shape, axis: int = 1) -> Dim:
    if shape.dims is None:
        return None
    return shape.dims[_axis(axis, len(shape.dims))] if shape.dims else 1


@register("BatchNorm")
def batch_norm(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Caffe's BatchNorm stores running mean and variance and one moving-average factor;
    # none of them is learned by gradient (scale and shift live in a Scale layer).
    shape = _first(ins, node)
    c = _channels(shape) if shape.rank != 1 else 1
    params = [_w(node, "mean", [c], False), _w(node, "variance", [c], False),
              _w(node, "moving_average_factor", [1], False)]
    return ShapeResult(_same(shape, len(node.outputs)), params)


@register("BN")
def bn_pspnet(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # PSPNet/DeepLab fork: one layer with learned slope and bias and stored mean/variance,
    # blobs of shape 1xCx1x1.
    shape = _first(ins, node)
    c = _channels(shape)
    params = [_w(node, "scale", [1, c, 1, 1]), _w(node, "shift", [1, c, 1, 1]),
              _w(node, "mean", [1, c, 1, 1], False), _w(node, "variance", [1, c, 1, 1], False)]
    return ShapeResult(_same(shape, len(node.outputs)), params)


def _scale_param_shape(node: Node, shape: Shape, p: dict) -> List[Dim]:
    """The scale/bias blob shape of Caffe's Scale and Bias layers: axis..axis+num_axes."""
    if shape.dims is None:
        return [None]
    rank = len(shape.dims)
    axis = _axis(p.get("axis", 1), rank) if rank else 0
    num_axes = p.get("num_axes", 1)
    if num_axes == -1:
        return list(shape.dims[axis:])
    if num_axes < -1 or axis + num_axes > rank:
        raise ShapeError(f"num_axes {num_axes} from axis {axis} exceeds the input rank {rank}")
    return list(shape.dims[axis:axis + num_axes])


@register("Scale")
def scale(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "scale_param")
    params = []
    blob_shape = _scale_param_shape(node, shape, p)
    if len(ins) == 1:  # with two bottoms the scale comes from the second, not a blob
        params.append(_w(node, "scale", blob_shape))
    if p.get("bias_term"):
        if len(ins) > 1:  # scale_layer.cpp sets the bias num_axes to bottom[1]'s rank
            blob_shape = [None] if ins[1].dims is None else _scale_param_shape(
                node, shape, dict(p, num_axes=len(ins[1].dims)))
        params.append(_w(node, "bias", blob_shape))
    return ShapeResult(_same(shape, len(node.outputs)), params)


@register("Bias")
def bias(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    params = []
    if len(ins) == 1:
        params.append(_w(node, "bias", _scale_param_shape(node, shape, _attr(node, "bias_param"))))
    return ShapeResult(_same(shape, len(node.outputs)), params)


@register("PReLU")
def prelu(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    shared = _attr(node, "prelu_param").get("channel_shared")
    slopes = [] if shared else [_channels(shape)]  # shared: a 0-axis (scalar) blob
    return ShapeResult(_same(shape, len(node.outputs)), [_w(node, "slope", slopes)])


@register("Normalize")
def normalize(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: L2 normalization with a learned scale per channel (or one shared).
    shape = _first(ins, node)
    shared = _attr(node, "norm_param").get("channel_shared")
    slopes = [] if shared else [_channels(shape)]  # shared: a 0-axis (scalar) blob
    return ShapeResult(_same(shape, len(node.outputs)), [_w(node, "scale", slopes)])


@register("Eltwise")
def eltwise(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    for other in ins[1:]:
        _check_same(shape, other, "Eltwise inputs")
    coeffs = _attr(node, "eltwise_param").get("coeff") or []
    if coeffs and len(coeffs) != len(ins):
        raise ShapeError(f"Eltwise has {len(coeffs)} coefficients for {len(ins)} inputs")
    return ShapeResult(_same(shape, len(node.outputs)))


@register("Axpy")
def axpy(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SENet fork: top = a * x + y with a of shape NxCx1x1 and x, y of shape NxCxHxW.
    if len(ins) != 3:
        raise ShapeError(f"Axpy needs 3 bottoms (a, x, y), got {len(ins)}")
    _check_same(ins[1], ins[2], "Axpy x and y")
    return ShapeResult(_same(ins[1], len(node.outputs)))


def _check_same(a: Shape, b: Shape, what: str) -> None:
    if a.dims is None or b.dims is None:
        return
    if len(a.dims) != len(b.dims) or any(x is not None and y is not None and x != y
                                         for x, y in zip(a.dims, b.dims)):
        raise ShapeError(f"{what} differ in shape: {a} vs {b}")


# ---------------------------------------------------------------- losses and metrics

LOSSES = ("EuclideanLoss", "SigmoidCrossEntropyLoss", "ContrastiveLoss", "HingeLoss",
          "InfogainLoss", "MultinomialLogisticLoss", "MultiBoxLoss")


@register(*LOSSES)
def loss(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # A loss is a scalar; SoftmaxWithLoss may also expose its probabilities as a second top.
    outputs = [Shape(()), _first(ins, node)]
    return ShapeResult(outputs[:len(node.outputs)])


@register("SoftmaxWithLoss")
def softmax_loss(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Caffe's setup reads the softmax axis with CanonicalAxisIndex: out of range is an error.
    shape = _first(ins, node)
    if shape.dims is not None:
        _axis(_attr(node, "softmax_param").get("axis", 1), len(shape.dims), "softmax axis")
    return loss(node, ins)


@register("Accuracy")
def accuracy(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    outputs = [Shape(())][:len(node.outputs)]
    if len(node.outputs) > 1:  # per-class accuracy: one value per class
        axis = _attr(node, "accuracy_param").get("axis", 1)
        shape = _first(ins, node)
        classes = None if shape.dims is None else shape.dims[_axis(axis, len(shape.dims))]
        outputs.append(Shape((classes,)))
    return ShapeResult(outputs)


@register("Silence", "HDF5Output")
def sink(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    return ShapeResult([])


# ---------------------------------------------------------------- convolution family

def _spatial_values(p: dict, n: int, name: str, default: int, what: str) -> List[int]:
    """Caffe's repeated kernel_size/stride/pad/dilation: none, one for all axes, or one per
    axis; the _h/_w forms win for 2-D."""
    h, w = p.get(f"{name}_h"), p.get(f"{name}_w")
    values = p.get(name)
    if values is None:
        values = []
    elif not isinstance(values, list):
        values = [values]
    if name == "pad" and not h and not w:
        h = w = None  # pad_h/pad_w default to 0: only non-zero values tell they were given
    if h is not None or w is not None:
        if n != 2:
            raise ShapeError(f"{name}_h/{name}_w are only valid for 2-D {what}")
        if values:
            raise ShapeError(f"give either {name} or {name}_h/{name}_w, not both")
        if h is None or w is None:
            raise ShapeError(f"{name}_h and {name}_w must be given together")
        return [h, w]
    if not values:
        return [default] * n
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise ShapeError(f"{name} has {len(values)} values for {n} spatial axes")
    return list(values)


def _conv_geometry(p: dict, n: int):
    kernel = _spatial_values(p, n, "kernel", 0, "convolution") if p.get("kernel_h") is not None \
        or p.get("kernel_w") is not None else _spatial_values(
            {"kernel": p.get("kernel_size")}, n, "kernel", 0, "convolution")
    if n and not p.get("kernel_size") and p.get("kernel_h") is None:
        raise ShapeError("convolution kernel size is not set (kernel_size or kernel_h/kernel_w)")
    stride = _spatial_values(p, n, "stride", 1, "convolution")
    pad = _spatial_values(p, n, "pad", 0, "convolution")
    dilation = _spatial_values({"dilation": p.get("dilation")}, n, "dilation", 1, "convolution")
    for k in kernel:
        _positive(k, "kernel size")
    for s in stride:
        _positive(s, "stride")
    for d in dilation:
        _positive(d, "dilation")
    for q in pad:
        if q < 0:
            raise ShapeError(f"pad must not be negative, got {q}")
    return kernel, stride, pad, dilation


def _conv_setup(node: Node, ins: Sequence[Shape]):
    shape = _first(ins, node)
    p = _attr(node, "convolution_param")
    if shape.dims is None:
        return shape, p, None, None
    rank = len(shape.dims)
    axis = _axis(p.get("axis", 1), rank, "convolution axis")
    n = rank - axis - 1
    # base_conv_layer.cpp allows no spatial axis (a 0-D convolution, Caffe's
    # Test0DConvolution); im2col_layer.cpp needs one.
    if n < (1 if node.op == "Im2col" else 0):
        raise ShapeError(f"{node.op} needs at least one spatial axis after axis {axis}; "
                         f"input is {shape}")
    for other in ins[1:]:
        _check_same(shape, other, "convolution bottoms")
    return shape, p, axis, n


def _group_and_outputs(node: Node, p: dict, channels: Dim):
    num_output = p.get("num_output")
    if not num_output:
        raise ShapeError("num_output is not set (or is zero)")
    group = p.get("group", 1)
    _positive(group, "group")
    if channels is not None and channels % group:
        raise ShapeError(f"group {group} does not divide the {channels} input channels")
    if num_output % group:
        raise ShapeError(f"group {group} does not divide num_output {num_output}")
    return num_output, group


def _conv_family(node: Node, ins: Sequence[Shape], out_size, weight_dims) -> ShapeResult:
    """Shared by Convolution and Deconvolution: they differ only in the output-size formula
    and the weight layout."""
    shape, p, axis, n = _conv_setup(node, ins)
    num_output = p.get("num_output")
    if n is None:
        # Rank unknown: the weights still exist, with unknown dims (never silently none).
        group = p.get("group") or 1
        weights = [_w(node, "weight", weight_dims(None, num_output, group))]
        bias = [_w(node, "bias", [num_output])] if p.get("bias_term") else []
        return ShapeResult(_same(UNKNOWN, len(node.outputs)), weights + bias)
    kernel, stride, pad, dilation = _conv_geometry(p, n)
    channels = shape.dims[axis]
    num_output, group = _group_and_outputs(node, p, channels)
    spatial = tuple(None if size is None else out_size(size, k, s, q, d, shape)
                    for size, k, s, q, d in zip(shape.dims[axis + 1:], kernel, stride, pad,
                                                dilation))
    out = Shape(shape.dims[:axis] + (num_output,) + spatial)
    params = [_w(node, "weight", weight_dims(channels, num_output, group) + list(kernel))]
    if p.get("bias_term"):
        params.append(_w(node, "bias", [num_output]))
    derived = {"kernel": tuple(kernel), "stride": tuple(stride), "pad": tuple(pad),
               "dilation": tuple(dilation), "group": group, "axis": axis}
    return ShapeResult(_same(out, len(node.outputs)), params, derived=derived)


def _conv_out(size: int, k: int, s: int, q: int, d: int, shape: Shape) -> int:
    # floor((in + 2*pad - (dilation*(kernel-1) + 1)) / stride) + 1  (conv_layer.cpp)
    extent = d * (k - 1) + 1
    if size + 2 * q < extent:
        raise ShapeError(f"kernel extent {extent} is larger than the padded input "
                         f"{size}+2*{q} (input {shape})")
    return (size + 2 * q - extent) // s + 1


def _deconv_out(size: int, k: int, s: int, q: int, d: int, shape: Shape) -> int:
    # stride*(in-1) + dilation*(kernel-1) + 1 - 2*pad  (deconv_layer.cpp)
    return s * (size - 1) + d * (k - 1) + 1 - 2 * q


@register("Convolution", "ConvolutionDepthwise", "DepthwiseConvolution")
def convolution(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Weights: C_out x (C_in / group) x kernel.
    return _conv_family(node, ins, _conv_out, lambda c_in, c_out, group: [
        c_out, None if c_in is None else c_in // group])


@register("Deconvolution")
def deconvolution(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Caffe stores deconvolution weights as C_in x (C_out / group) x kernel.
    return _conv_family(node, ins, _deconv_out, lambda c_in, c_out, group: [
        c_in, None if c_out is None else c_out // group])


@register("Im2col")
def im2col(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape, p, axis, n = _conv_setup(node, ins)
    if n is None:
        return ShapeResult(_same(UNKNOWN, len(node.outputs)))
    kernel, stride, pad, dilation = _conv_geometry(p, n)
    spatial = [None if size is None else (size + 2 * q - (d * (k - 1) + 1)) // s + 1
               for size, k, s, q, d in zip(shape.dims[axis + 1:], kernel, stride, pad, dilation)]
    channels = _mul(shape.dims[axis], *kernel)
    return ShapeResult([Shape(shape.dims[:axis] + (channels,) + tuple(spatial))])


# ---------------------------------------------------------------- pooling

def _pool_window(p: dict, name: str, default: Optional[int]):
    h, w = p.get(f"{name}_h"), p.get(f"{name}_w")
    if name == "pad" and not h and not w:
        h = w = None  # pad_h/pad_w default to 0: only non-zero values tell they were given
    single = p.get(name) if name != "kernel" else p.get("kernel_size")
    if h is not None or w is not None:
        if single is not None and name == "kernel":
            raise ShapeError("give either kernel_size or kernel_h/kernel_w, not both")
        if h is None or w is None:
            raise ShapeError(f"{name}_h and {name}_w must be given together")
        return h, w
    if single is None:
        single = default
    return single, single


@register("Pooling")
def pooling(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """Caffe rounds the output size up, then drops a last window that would start inside the
    right/bottom padding (pooling_layer.cpp); forks with ceil_mode: false round down."""
    shape = _first(ins, node)
    p = _attr(node, "pooling_param")
    if shape.dims is None:
        return ShapeResult(_same(UNKNOWN, len(node.outputs)))
    if len(shape.dims) != 4:
        raise ShapeError(f"Pooling needs a 4-D input (N, C, H, W), got {shape}")
    n, c, height, width = shape.dims
    if p.get("global_pooling"):
        if p.get("kernel_size") is not None or p.get("kernel_h") is not None:
            raise ShapeError("global pooling takes no kernel size")
        return ShapeResult(_same(Shape((n, c, 1, 1)), len(node.outputs)),
                           derived={"window": (height, width), "global": True})
    kh, kw = _pool_window(p, "kernel", None)
    if kh is None:
        raise ShapeError("pooling kernel size is not set (kernel_size or kernel_h/kernel_w)")
    sh, sw = _pool_window(p, "stride", p.get("stride", 1))
    ph, pw = _pool_window(p, "pad", p.get("pad", 0))
    for value, what in ((kh, "kernel size"), (kw, "kernel size"), (sh, "stride"), (sw, "stride")):
        _positive(value, what)
    if ph < 0 or pw < 0:
        raise ShapeError("pad must not be negative")
    if ph >= kh or pw >= kw:
        raise ShapeError(f"pad {ph}x{pw} must be smaller than the kernel {kh}x{kw}")
    ceil_mode = p.get("ceil_mode", True)
    if ceil_mode is None:
        ceil_mode = True
    if p.get("round_mode") == "FLOOR":  # BVLC master's own switch
        ceil_mode = False
    # pooling_layer.cpp clips both axes as soon as either pad is non-zero.
    padded = bool(ph or pw)
    out_h = _pooled(height, kh, sh, ph, ceil_mode, shape, padded)
    out_w = _pooled(width, kw, sw, pw, ceil_mode, shape, padded)
    return ShapeResult(_same(Shape((n, c, out_h, out_w)), len(node.outputs)),
                       derived={"window": (kh, kw), "stride": (sh, sw), "pad": (ph, pw),
                                "global": False})


def _pooled(size: Dim, kernel: int, stride: int, pad: int, ceil_mode: bool, shape: Shape,
            padded: bool) -> Dim:
    if size is None:
        return None
    span = size + 2 * pad - kernel
    if span < 0:
        raise ShapeError(f"pooling kernel {kernel} is larger than the padded input "
                         f"{size}+2*{pad} (input {shape})")
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if padded and (out - 1) * stride >= size + pad:
        out -= 1  # the last window would start in the padding
    return out


def _spp_level_fits(level: int, height: Dim, width: Dim) -> None:
    """spp_layer.cpp pools level l with 2^l bins per side: kernel ceil(size / bins) and pad
    (kernel x bins - size + 1) / 2, and the pooling layer it builds requires pad < kernel.
    A level with more bins than the input has pixels fails that check, so the pyramid's
    height is bounded by the input's size (and by 32 for any int32 blob)."""
    bins = 2 ** level
    for size in (height, width):
        if size is None:
            if level > 31:
                raise ShapeError(f"pyramid level {level} has {bins} bins per side, more than "
                                 "any blob dimension")
            continue
        kernel = -(-size // bins)
        pad = (kernel * bins - size + 1) // 2
        if pad >= kernel:
            raise ShapeError(f"pyramid level {level} pools a side of {size} into {bins} bins: "
                             f"padding {pad} would not be less than the kernel {kernel}")


@register("SPP")
def spp(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Spatial pyramid pooling: level l pools into 2^l x 2^l bins, all flattened and joined.
    shape = _first(ins, node)
    height = _attr(node, "spp_param").get("pyramid_height")
    _positive(height, "pyramid_height")
    if height is None:
        raise ShapeError("pyramid_height is not set")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if len(shape.dims) != 4:
        raise ShapeError(f"SPP needs a 4-D input, got {shape}")
    n, c, h, w = shape.dims
    for level in range(height):
        _spp_level_fits(level, h, w)
    bins = (4 ** height - 1) // 3  # 1 + 4 + ... + 4^(height-1)
    if height == 1:  # spp_layer.cpp: one pooling layer's top, no flatten/concat
        return ShapeResult([Shape((n, c, 1, 1))])
    return ShapeResult([Shape((n, _mul(c, bins)))])


@register("ROIPooling")
def roi_pooling(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Fast R-CNN fork: one pooled_h x pooled_w map per region of interest (bottom 1: R x 5).
    if len(ins) != 2:
        raise ShapeError(f"ROIPooling needs 2 bottoms (features, rois), got {len(ins)}")
    p = _attr(node, "roi_pooling_param")
    features, rois = ins
    c = _channels(features)
    r = None if rois.dims is None or not rois.dims else rois.dims[0]
    return ShapeResult([Shape((r, c, p.get("pooled_h", 0), p.get("pooled_w", 0)))])


@register("PSROIPooling")
def psroi_pooling(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # R-FCN fork: position-sensitive pooling into output_dim x group_size x group_size.
    if len(ins) != 2:
        raise ShapeError(f"PSROIPooling needs 2 bottoms (features, rois), got {len(ins)}")
    p = _attr(node, "psroi_pooling_param")
    group, out_dim = p.get("group_size"), p.get("output_dim")
    rois = ins[1]
    r = None if rois.dims is None or not rois.dims else rois.dims[0]
    return ShapeResult([Shape((r, out_dim, group, group))])


# ---------------------------------------------------------------- fully connected, recurrent

@register("InnerProduct")
def inner_product(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Flattens axis.. into K inputs: out = shape[:axis] + [num_output]; W is N x K.
    shape = _first(ins, node)
    p = _attr(node, "inner_product_param")
    num_output = p.get("num_output")
    if not num_output:
        raise ShapeError("num_output is not set (or is zero)")
    if shape.dims is None:
        k = None
        out = UNKNOWN
    else:
        axis = _axis(p.get("axis", 1), len(shape.dims))
        k = _mul(*shape.dims[axis:])
        out = Shape(shape.dims[:axis] + (num_output,))
    weight = [k, num_output] if p.get("transpose") else [num_output, k]
    params = [_w(node, "weight", weight)]
    if p.get("bias_term"):
        params.append(_w(node, "bias", [num_output]))
    return ShapeResult([out], params)


@register("Embed")
def embed(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "embed_param")
    num_output, input_dim = p.get("num_output"), p.get("input_dim")
    if not num_output or not input_dim:
        raise ShapeError("Embed needs num_output and input_dim")
    out = UNKNOWN if shape.dims is None else Shape(shape.dims + (num_output,))
    params = [_w(node, "weight", [input_dim, num_output])]
    if p.get("bias_term"):
        params.append(_w(node, "bias", [num_output]))
    return ShapeResult([out], params)


@register("LSTM", "RNN")
def recurrent(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """Inputs x (T x N x ...), cont (T x N), optional static x_static (N x ...).
    LSTM learns W_xc (4H x in), b_c (4H), W_hc (4H x H) [+ W_xc_static (4H x static)];
    RNN learns W_xh (H x in), b_h, W_hh (H x H), W_ho (H x H), b_o [+ W_xh_static]."""
    if len(ins) < 2:
        raise ShapeError(f"{node.op} needs bottoms x and cont, got {len(ins)}")
    x = ins[0]
    hidden = _attr(node, "recurrent_param").get("num_output")
    if not hidden:
        raise ShapeError("num_output is not set (or is zero)")
    if x.dims is None:
        out, inputs = UNKNOWN, None
    else:
        if len(x.dims) < 2:
            raise ShapeError(f"{node.op} input must be T x N x ..., got {x}")
        out = Shape((x.dims[0], x.dims[1], hidden))
        inputs = _mul(*x.dims[2:])
    static = None
    if len(ins) > 2:
        s = ins[2]
        static = None if s.dims is None else _mul(*s.dims[1:])
    gates = 4 * hidden if node.op == "LSTM" else hidden
    if node.op == "LSTM":
        params = [_w(node, "W_xc", [gates, inputs]), _w(node, "b_c", [gates])]
        if len(ins) > 2:
            params.append(_w(node, "W_xc_static", [gates, static]))
        params.append(_w(node, "W_hc", [gates, hidden]))
    else:
        params = [_w(node, "W_xh", [hidden, inputs]), _w(node, "b_h", [hidden])]
        if len(ins) > 2:
            params.append(_w(node, "W_xh_static", [hidden, static]))
        params += [_w(node, "W_hh", [hidden, hidden]), _w(node, "W_ho", [hidden, hidden]),
                   _w(node, "b_o", [hidden])]
    outputs = [out]
    # Exposed final hidden (and cell) states when expose_hidden is set: 1 x N x H each.
    for _ in node.outputs[1:]:
        outputs.append(UNKNOWN if x.dims is None else Shape((1, x.dims[1], hidden)))
    return ShapeResult(outputs, params)


# ---------------------------------------------------------------- shape manipulation

@register("Concat")
def concat(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "concat_param")
    # Legacy concat_dim wins only when written in the file (it has a default of 1 too).
    axis = p.get("axis", 1)
    if p.get("concat_dim") not in (None, 1):
        axis = p["concat_dim"]
    if any(s.dims is None for s in ins):
        return ShapeResult([UNKNOWN])
    rank = len(shape.dims)
    axis = _axis(axis, rank, "concat axis")
    total: Dim = 0
    for other in ins:
        if len(other.dims) != rank:
            raise ShapeError(f"Concat inputs differ in rank: {shape} vs {other}")
        for i, (a, b) in enumerate(zip(shape.dims, other.dims)):
            if i != axis and a is not None and b is not None and a != b:
                raise ShapeError(f"Concat inputs differ outside axis {axis}: {shape} vs {other}")
        size = other.dims[axis]
        total = None if total is None or size is None else total + size
    return ShapeResult([Shape(shape.dims[:axis] + (total,) + shape.dims[axis + 1:])])


@register("Slice")
def slice_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "slice_param")
    axis = p.get("axis", 1)
    if p.get("slice_dim") not in (None, 1):
        axis = p["slice_dim"]
    tops = _need_tops(node)  # slice_layer.hpp: MinTopBlobs() is 1
    if shape.dims is None:
        return ShapeResult(_same(UNKNOWN, tops))
    axis = _axis(axis, len(shape.dims), "slice axis")
    size = shape.dims[axis]
    points = p.get("slice_point") or []
    if points:
        if len(points) != tops - 1:
            raise ShapeError(f"{len(points)} slice points for {tops} tops (need {tops - 1})")
        bounds = [0] + list(points) + [size]
        if any(b is not None and a is not None and b <= a for a, b in zip(bounds, bounds[1:])):
            raise ShapeError(f"slice points {points} are not increasing inside size {size}")
        sizes = [None if b is None else b - a for a, b in zip(bounds, bounds[1:])]
    else:
        if size is not None and size % tops:
            raise ShapeError(f"cannot split size {size} evenly into {tops} tops")
        sizes = [None if size is None else size // tops] * tops
    return ShapeResult([Shape(shape.dims[:axis] + (s,) + shape.dims[axis + 1:]) for s in sizes])


@register("Flatten")
def flatten(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    p = _attr(node, "flatten_param")
    rank = len(shape.dims)
    start = _axis(p.get("axis", 1), rank)
    end = _axis(p.get("end_axis", -1), rank)
    merged = _mul(*shape.dims[start:end + 1])
    return ShapeResult([Shape(shape.dims[:start] + (merged,) + shape.dims[end + 1:])])


@register("Reshape")
def reshape(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """Caffe reshape: 0 copies the input dim at that position, one -1 is inferred; only axes
    axis..axis+num_axes of the input are replaced."""
    shape = _first(ins, node)
    p = _attr(node, "reshape_param")
    spec = list((p.get("shape") or {}).get("dim") or [])
    if spec.count(-1) > 1:
        raise ShapeError("reshape may infer at most one dimension (-1)")
    if any(d < -1 for d in spec):
        raise ShapeError(f"reshape dims must be >= -1, got {spec}")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    rank = len(shape.dims)
    axis = p.get("axis", 0)
    start = axis + rank + 1 if axis < 0 else axis
    if not 0 <= start <= rank:
        raise ShapeError(f"reshape axis {axis} out of range for rank {rank}")
    num_axes = p.get("num_axes", -1)
    end = rank if num_axes == -1 else start + num_axes
    if num_axes < -1 or end > rank:
        raise ShapeError(f"reshape num_axes {num_axes} out of range")
    replaced = shape.dims[start:end]
    new: List[Dim] = []
    for i, d in enumerate(spec):
        if d == 0:
            if i >= len(replaced):
                raise ShapeError(f"reshape dim {i} is 0 (copy) but the input has no axis there")
            new.append(replaced[i])
        else:
            new.append(d)
    if -1 in new:
        total = _mul(*replaced)
        known = _mul(*[d for d in new if d != -1])
        if total is None or known is None:
            new[new.index(-1)] = None
        else:
            if known == 0 or total % known:
                raise ShapeError(f"cannot reshape {shape} into {spec}: {total} elements")
            new[new.index(-1)] = total // known
    else:
        total, count = _mul(*replaced), _mul(*new)
        if total is not None and count is not None and total != count:
            raise ShapeError(f"cannot reshape {shape} into {spec}: element counts "
                             f"{total} and {count} differ")
    return ShapeResult([Shape(shape.dims[:start] + tuple(new) + shape.dims[end:])])


@register("Crop")
def crop(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Dims from `axis` on take the reference blob's (bottom 1) sizes, after the offsets.
    if len(ins) != 2:
        raise ShapeError(f"Crop needs 2 bottoms (to crop, reference), got {len(ins)}")
    data, ref = ins
    if data.dims is None or ref.dims is None:
        return ShapeResult([UNKNOWN])
    if len(data.dims) != len(ref.dims):
        raise ShapeError(f"Crop bottoms differ in rank: {data} vs {ref}")
    p = _attr(node, "crop_param")
    rank = len(data.dims)
    axis = _axis(p.get("axis", 2), rank, "crop axis")
    offsets = p.get("offset") or []
    if offsets and len(offsets) not in (1, rank - axis):
        raise ShapeError(f"{len(offsets)} crop offsets for {rank - axis} cropped axes")
    dims = list(data.dims)
    for i in range(axis, rank):
        offset = offsets[0] if len(offsets) == 1 else (offsets[i - axis] if offsets else 0)
        if data.dims[i] is not None and ref.dims[i] is not None and \
                data.dims[i] < ref.dims[i] + offset:
            raise ShapeError(f"cannot crop axis {i} of {data} to {ref.dims[i]} at offset "
                             f"{offset}")
        dims[i] = ref.dims[i]
    return ShapeResult([Shape(tuple(dims))])


@register("Reduction")
def reduction(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Reduces all axes from `axis` on: output is shape[:axis] (a scalar for axis 0).
    shape = _first(ins, node)
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    axis = _axis(_attr(node, "reduction_param").get("axis", 0), len(shape.dims))
    return ShapeResult([Shape(shape.dims[:axis])])


@register("Tile")
def tile(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "tile_param")
    tiles = p.get("tiles")
    if tiles is None or tiles <= 0:
        raise ShapeError("tiles must be set and positive")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    axis = _axis(p.get("axis", 1), len(shape.dims))
    dims = list(shape.dims)
    dims[axis] = _mul(dims[axis], tiles)
    return ShapeResult([Shape(tuple(dims))])


@register("ArgMax")
def argmax(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "argmax_param")
    top_k = p.get("top_k", 1)
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if p.get("axis") is not None:
        axis = _axis(p["axis"], len(shape.dims))
        if shape.dims[axis] is not None and top_k > shape.dims[axis]:
            raise ShapeError(f"top_k {top_k} exceeds the axis size {shape.dims[axis]}")
        dims = list(shape.dims)
        dims[axis] = top_k
        return ShapeResult([Shape(tuple(dims))])
    # Without an axis Caffe takes the top_k of each item's values flattened (count(1): the
    # blob needs an axis) and emits N x (1 or 2 with max values) x top_k, padded to rank 3+.
    if not shape.dims:
        raise ShapeError(f"ArgMax without an axis needs an input of rank 1 or more (each "
                         f"item's values flattened), got {shape}")
    per_item = _mul(*shape.dims[1:])
    if per_item is not None and top_k > per_item:
        raise ShapeError(f"top_k {top_k} exceeds the {per_item} values of each item of the "
                         f"input {shape}")
    dims = [1] * max(3, len(shape.dims))
    dims[0] = shape.dims[0]
    dims[1] = 2 if p.get("out_max_val") else 1
    dims[2] = top_k
    return ShapeResult([Shape(tuple(dims))])


@register("BatchReindex")
def batch_reindex(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    data, index = ins[0], ins[1]
    if data.dims is None or index.dims is None:
        return ShapeResult([UNKNOWN])
    return ShapeResult([Shape(index.dims[:1] + data.dims[1:])])


@register("Filter")
def filter_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # How many items pass the selector is only known at run time.
    outputs = [UNKNOWN if s.dims is None else Shape((None,) + s.dims[1:])
               for s in ins[:len(node.outputs)]]
    return ShapeResult(outputs, note="Filter keeps a data-dependent number of items")


@register("Permute")
def permute(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: `order` lists the new axis order; axes it does not name follow in order.
    shape = _first(ins, node)
    order = list(_attr(node, "permute_param").get("order") or [])
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    rank = len(shape.dims)
    if any(not 0 <= o < rank for o in order) or len(set(order)) != len(order):
        raise ShapeError(f"permute order {order} is not a permutation of {rank} axes")
    order += [i for i in range(rank) if i not in order]
    return ShapeResult([Shape(tuple(shape.dims[o] for o in order))])


@register("PriorBox")
def prior_box(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """SSD fork: 1 x 2 x (H*W*num_priors*4): boxes and their variances. Priors per cell:
    aspect ratios (1 first, duplicates dropped, flipped when flip) per min size, plus one
    per max size."""
    if len(ins) != 2:
        raise ShapeError(f"PriorBox needs 2 bottoms (feature map, image), got {len(ins)}")
    p = _attr(node, "prior_box_param")
    min_sizes = p.get("min_size") or []
    if not min_sizes:
        raise ShapeError("PriorBox needs min_size")
    ratios = [1.0]
    for r in p.get("aspect_ratio") or []:
        for value in ([r, 1.0 / r] if p.get("flip", True) else [r]):
            if all(abs(value - seen) >= 1e-6 for seen in ratios):
                ratios.append(value)
    max_sizes = p.get("max_size") or []
    if max_sizes and len(max_sizes) != len(min_sizes):
        raise ShapeError("PriorBox needs as many max_size as min_size")
    priors = len(min_sizes) * len(ratios) + len(max_sizes)
    fmap = ins[0]
    if fmap.dims is None or len(fmap.dims) < 4:
        return ShapeResult([Shape((1, 2, None))])
    return ShapeResult([Shape((1, 2, _mul(fmap.dims[2], fmap.dims[3], priors, 4)))])


@register("DetectionOutput")
def detection_output(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: 1 x 1 x (detections kept) x 7; the count depends on the image.
    return ShapeResult([Shape((1, 1, None, 7))],
                       note="DetectionOutput keeps a data-dependent number of boxes")


@register("DetectionEvaluate")
def detection_evaluate(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    return ShapeResult([Shape((1, 1, None, 5))],
                       note="DetectionEvaluate emits a data-dependent number of rows")


@register("Interp")
def interp(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """PSPNet/DeepLab fork: bilinear resize. Effective input = in + pad_beg + pad_end (pads
    are <= 0); shrink gives (in-1)/shrink+1; zoom gives in + (in-1)*(zoom-1); or an explicit
    height/width; or the size of a second bottom."""
    shape = _first(ins, node)
    p = _attr(node, "interp_param")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if len(shape.dims) != 4:
        raise ShapeError(f"Interp needs a 4-D input, got {shape}")
    n, c, h, w = shape.dims
    pad_beg, pad_end = p.get("pad_beg", 0), p.get("pad_end", 0)
    if pad_beg > 0 or pad_end > 0:
        raise ShapeError("Interp pad_beg and pad_end must be <= 0")
    h = None if h is None else h + pad_beg + pad_end
    w = None if w is None else w + pad_beg + pad_end
    shrink, zoom = p.get("shrink_factor", 1), p.get("zoom_factor", 1)
    explicit_shrink = p.get("shrink_factor") not in (None, 1)
    explicit_zoom = p.get("zoom_factor") not in (None, 1)
    for name, factor, given in (("shrink_factor", shrink, explicit_shrink),
                                ("zoom_factor", zoom, explicit_zoom)):
        if given and factor < 1:  # interp_layer.cpp: CHECK_GE(factor, 1)
            raise ShapeError(f"Interp {name} must be positive, got {factor}")

    def shrunk(x):
        return None if x is None else (x - 1) // shrink + 1

    def zoomed(x):
        return None if x is None else x + (x - 1) * (zoom - 1)

    if explicit_shrink and explicit_zoom:
        oh, ow = zoomed(shrunk(h)), zoomed(shrunk(w))
    elif explicit_zoom:
        oh, ow = zoomed(h), zoomed(w)
    elif explicit_shrink:
        oh, ow = shrunk(h), shrunk(w)
    elif p.get("height") and p.get("width"):
        oh, ow = p["height"], p["width"]
    elif len(ins) == 2:
        oh, ow = _legacy_height_width(ins[1], "Interp's second bottom")
    else:
        raise ShapeError("Interp needs zoom_factor, shrink_factor, height/width or a "
                         "second bottom")
    return ShapeResult([Shape((n, c, oh, ow))])


def _legacy_height_width(shape: Shape, what: str):
    """A blob's height() and width(): Caffe's Blob::LegacyShape takes blobs of at most 4 axes
    ("Cannot use legacy accessors on Blobs with > 4 axes") and reads an axis the blob lacks
    as 1."""
    if shape.dims is None:
        return None, None
    if len(shape.dims) > 4:
        raise ShapeError(f"{what} {shape} has more than 4 axes: Caffe reads its height and "
                         f"width with the legacy 4-D accessors")
    dims = shape.dims + (1,) * (4 - len(shape.dims))
    return dims[2], dims[3]


@register("Upsample")
def upsample(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """SegNet-style fork: out = in * scale (scale_h/scale_w), or upsample_h/upsample_w, minus
    one where pad_out_h/pad_out_w is set; a second bottom (pooling mask) may give the size."""
    shape = _first(ins, node)
    p = _attr(node, "upsample_param")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if len(shape.dims) != 4:
        raise ShapeError(f"Upsample needs a 4-D input, got {shape}")
    n, c, h, w = shape.dims
    if p.get("upsample_h") and p.get("upsample_w"):
        return ShapeResult([Shape((n, c, p["upsample_h"], p["upsample_w"]))])
    scale = p.get("scale", 2)
    sh = p.get("scale_h") or scale
    sw = p.get("scale_w") or scale
    oh = None if h is None else h * sh - (1 if p.get("pad_out_h") else 0)
    ow = None if w is None else w * sw - (1 if p.get("pad_out_w") else 0)
    return ShapeResult([Shape((n, c, oh, ow))])


@register("Parameter")
def parameter(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    dims = tuple((_attr(node, "parameter_param").get("shape") or {}).get("dim") or [])
    return ShapeResult([Shape(dims)], [_w(node, "blob", dims)])


# ---------------------------------------------------------------- data sources

def _blob_shape(shape: dict) -> Shape:
    return Shape(tuple(shape.get("dim") or []))


@register("Input")
def input_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shapes = _attr(node, "input_param").get("shape") or []
    tops = len(node.outputs)
    if not shapes:
        return ShapeResult(_same(UNKNOWN, tops), note="Input layer gives no shape")
    if len(shapes) not in (1, tops):
        raise ShapeError(f"Input layer has {len(shapes)} shapes for {tops} tops")
    result = [_blob_shape(s) for s in (shapes * tops if len(shapes) == 1 else shapes)]
    for s in result:
        if any(d < 0 for d in s.dims):
            raise ShapeError(f"Input shape {s} has a negative dimension")
    return ShapeResult(result)


def _crop_or_resize(transform: dict, height: Optional[int], width: Optional[int]):
    crop_size = transform.get("crop_size") or 0
    if crop_size:
        return crop_size, crop_size
    return height, width


def _transform_channels(transform: dict) -> Optional[int]:
    if transform.get("force_color"):
        return 3
    if transform.get("force_gray"):
        return 1
    means = transform.get("mean_value") or []
    return len(means) if len(means) > 1 else None  # one mean value fits any channel count


def _data_outputs(node: Node, image: Shape, label: Shape, note: Optional[str]) -> ShapeResult:
    outputs = [image] + [label] * (len(node.outputs) - 1)
    return ShapeResult(outputs, note=note if not image.is_known else None)


@register("Data")
def data_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Channels and size are stored in the database, not in the net; crop_size, force_color
    # or several mean values reveal some of them.
    _need_tops(node)  # data_layer.hpp: MinTopBlobs() is 1 (the images; then the labels)
    p = _attr(node, "data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size")
    declared = (_attr(node, "input_param").get("shape") or [])
    if declared:
        # Caffe itself ignores it, but files written for viewers (Netscope presets) state
        # the image shape of a Data layer this way; it is the only size the file gives.
        image = _blob_shape(declared[0])
        return _data_outputs(node, image, Shape((image.dims[0] if image.dims else batch,)), None)
    h, w = _crop_or_resize(transform, None, None)
    image = Shape((batch, _transform_channels(transform), h, w))
    return _data_outputs(node, image, Shape((batch,)),
                         f"Data layer reads image sizes from its database "
                         f"'{p.get('source') or '?'}'; give --input {node.outputs[0]}=NxCxHxW")


@register("ImageData")
def image_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # image_data_layer.hpp: ExactNumTopBlobs() is 2 (images, labels); forks vary the
    # count, so only the images' top is required here.
    _need_tops(node)
    p = _attr(node, "image_data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size", 1)
    channels = 3 if p.get("is_color", True) else 1
    h, w = _crop_or_resize(transform, p.get("new_height") or None, p.get("new_width") or None)
    image = Shape((batch, channels, h, w))
    return _data_outputs(node, image, Shape((batch,)),
                         f"ImageData images keep their file sizes; give --input "
                         f"{node.outputs[0]}=NxCxHxW")


@register("WindowData")
def window_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    p = _attr(node, "window_data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size")
    crop = transform.get("crop_size") or p.get("crop_size") or None
    image = Shape((batch, 3, crop, crop))
    return _data_outputs(node, image, Shape((batch,)), "WindowData needs crop_size for its size")


@register("MemoryData")
def memory_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    p = _attr(node, "memory_data_param")
    batch = p.get("batch_size")
    image = Shape((batch, p.get("channels"), p.get("height"), p.get("width")))
    return _data_outputs(node, image, Shape((batch,)), "MemoryData sizes not all given")


@register("DummyData")
def dummy_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    p = _attr(node, "dummy_data_param")
    tops = len(node.outputs)
    shapes = [_blob_shape(s) for s in p.get("shape") or []]
    if not shapes:  # legacy num/channels/height/width lists
        nums = p.get("num") or []
        legacy = [p.get(f) or [] for f in ("channels", "height", "width")]
        count = 0 if not nums else \
            tops if any(len(v) > 1 for v in [nums] + legacy) else len(nums)
        if count:
            def pick(values, i):
                return values[i] if len(values) > 1 else values[0]

            shapes = [Shape((pick(nums, i), pick(p.get("channels") or [1], i),
                             pick(p.get("height") or [1], i), pick(p.get("width") or [1], i)))
                      for i in range(count)]
    if not shapes:
        raise ShapeError("DummyData gives no shape")
    if len(shapes) not in (1, tops):
        raise ShapeError(f"DummyData has {len(shapes)} shapes for {tops} tops")
    return ShapeResult(shapes * tops if len(shapes) == 1 else shapes)


@register("HDF5Data")
def hdf5_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    _need_tops(node)  # hdf5_data_layer.hpp: MinTopBlobs() is 1 (one per dataset read)
    batch = _attr(node, "hdf5_data_param").get("batch_size")
    outputs = [Shape((batch, None, None, None)) for _ in node.outputs]
    return ShapeResult(outputs, note=f"HDF5Data reads its shapes from the HDF5 files; give "
                                     f"--input {node.outputs[0]}=... for each top")


@register("AnnotatedData")
def annotated_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: images resized by transform_param.resize_param, labels are variable-length.
    p = _attr(node, "data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size")
    resize = transform.get("resize_param") or {}
    h, w = _crop_or_resize(transform, resize.get("height") or None, resize.get("width") or None)
    image = Shape((batch, _transform_channels(transform) or 3, h, w))
    outputs = [image] + [Shape((1, 1, None, 8))] * (len(node.outputs) - 1)
    return ShapeResult(outputs, note="AnnotatedData: the number of boxes depends on the data")


@register("Python")
def python_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Arbitrary user code: its outputs cannot be known without running it.
    p = _attr(node, "python_param")
    where = ".".join(x for x in (p.get("module"), p.get("layer")) if x) or "?"
    return ShapeResult(_same(UNKNOWN, len(node.outputs)),
                       note=f"Python layer {where} computes its shapes in user code; give "
                            f"--input for its tops")
