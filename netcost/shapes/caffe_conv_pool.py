"""Caffe shape rules of the convolution family (Convolution and its depthwise forks,
Deconvolution, Im2col) and of pooling (Pooling, SPP, ROIPooling, PSROIPooling).
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Shape
from .caffe_common import (UNKNOWN, _attr, _axis, _channels, _check_same, _first, _positive, _same,
                           _w, register)
from .engine import ShapeResult


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
