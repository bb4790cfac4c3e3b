"""Caffe shape rules of layers that keep their input's shape: activations and other
pass-through layers, BatchNorm/BN, Scale, Bias, PReLU, Normalize, Eltwise and Axpy.
"""
from __future__ import annotations

from typing import List, Sequence

from ..errors import ShapeError
from ..ir import Dim, Node, Shape
from .caffe_common import _attr, _axis, _channels, _check_same, _first, _same, _w, register
from .engine import ShapeResult


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
