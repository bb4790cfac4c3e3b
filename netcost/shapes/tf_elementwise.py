"""TensorFlow shape rules of element-wise ops: unary and binary ops (with small constant values
folded), AddN, Select, ClipByValue, BiasAdd and its gradient, softmax cross-entropies,
BroadcastGradientArgs, L2Loss and Cast.
"""
from __future__ import annotations

from typing import List, Optional

from ..errors import ShapeError
from ..ir import Shape, TensorFacts
from .tf_common import (MAX_VALUE_ELEMENTS, UNKNOWN, PartialValue, ShapeValue, _attr,
                        _broadcast_or_say, _inputs, _is_handle, _merge_dim, _merge_shapes, _n_out,
                        _one, _out, _text_attr, broadcast, register)


UNARY = (
    "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Softsign", "Exp", "Expm1",
    "Log", "Log1p", "Sqrt", "Rsqrt", "Square", "Neg", "Abs", "Reciprocal", "Inv", "Floor",
    "Ceil", "Round", "Rint", "Sign", "Erf", "Erfc", "LeakyRelu", "Softmax", "LogSoftmax",
    "ZerosLike", "OnesLike", "IsFinite", "IsNan", "IsInf", "LogicalNot", "Sin", "Cos", "Tan",
    "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Gelu", "Relu6Grad",
    "ReluGrad", "SigmoidGrad", "TanhGrad", "RsqrtGrad", "SqrtGrad", "Invert", "LRN",
    "EluGrad", "SeluGrad", "SoftplusGrad", "SoftsignGrad", "LeakyReluGrad", "ReciprocalGrad",
    "InvGrad", "LRNGrad", "Cumsum", "Cumprod", "CumulativeLogsumexp",
    "Dropout", "RandomShuffle", "L2Normalize", "FakeQuantWithMinMaxVars",
    "FakeQuantWithMinMaxArgs", "Bitcast",
)
BOOL_OUT = {"IsFinite", "IsNan", "IsInf", "LogicalNot", "Greater", "GreaterEqual", "Less",
            "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr"}


@register(*UNARY)
def unary(node, ins):
    x = ins[0]
    value = None
    if x.value is not None and node.op in ("Neg", "Abs", "Square"):
        if _is_handle(x.value):  # their OpDefs take numbers only
            raise ShapeError(f"{node.op} takes a numeric tensor, not a {x.dtype or 'resource'} "
                             f"handle")
        fn = {"Neg": lambda v: -v, "Abs": abs, "Square": lambda v: v * v}[node.op]
        value = tuple(fn(v) for v in x.value)
    dtype = "bool" if node.op in BOOL_OUT else x.dtype
    return _one(x.shape, dtype, value)


BINARY_VALUES = {
    "Add": lambda a, b: a + b, "AddV2": lambda a, b: a + b, "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b, "FloorDiv": lambda a, b: a // b if b else None,
    "FloorMod": lambda a, b: a % b if b else None, "Maximum": max, "Minimum": min,
    "RealDiv": lambda a, b: a // b if b and a % b == 0 else None,
    "Div": lambda a, b: a // b if b and a % b == 0 else None,
    "TruncateDiv": lambda a, b: int(a / b) if b else None,
    "Greater": lambda a, b: a > b, "GreaterEqual": lambda a, b: a >= b,
    "Less": lambda a, b: a < b, "LessEqual": lambda a, b: a <= b,
    "Equal": lambda a, b: a == b, "NotEqual": lambda a, b: a != b,
    "LogicalAnd": lambda a, b: bool(a and b), "LogicalOr": lambda a, b: bool(a or b),
}
BINARY = (
    "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "FloorDiv", "FloorMod", "TruncateDiv",
    "TruncateMod", "Maximum", "Minimum", "Pow", "SquaredDifference", "Greater", "GreaterEqual",
    "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "DivNoNan",
    "MulNoNan", "Atan2", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "Xdivy", "Xlogy",
)


@register(*BINARY)
def binary(node, ins):
    a, b = ins[0], ins[1]
    shape = broadcast(a.shape, b.shape)
    value = None
    fn = BINARY_VALUES.get(node.op)
    if fn is not None and a.value is not None and b.value is not None and shape.is_known \
            and shape.numel <= MAX_VALUE_ELEMENTS and not _is_handle(a.value):
        value = _broadcast_values(a, b, shape, fn)
    dtype = "bool" if node.op in BOOL_OUT else a.dtype
    return _one(shape, dtype, value)


def _broadcast_values(a: TensorFacts, b: TensorFacts, shape: Shape, fn) -> Optional[tuple]:
    if a.numel is None or b.numel is None:
        return None
    total = shape.numel
    if a.numel not in (1, total) or b.numel not in (1, total):
        return None  # partial broadcasting of values is not needed for shape arithmetic
    out = []
    for i in range(total):
        x = a.value[0 if a.numel == 1 else i]
        y = b.value[0 if b.numel == 1 else i]
        if not isinstance(x, int) or not isinstance(y, int):
            return None
        r = fn(x, y)
        if r is None:
            return None
        out.append(r)
    return tuple(out)


@register("AddN", "AccumulateNV2")
def add_n(node, ins):
    # TF merges every input's shape.
    shape = UNKNOWN
    for other in ins:
        shape = _merge_shapes(shape, other.shape)
    return _one(shape, ins[0].dtype)


@register("Select", "SelectV2")
def select(node, ins):
    cond, a, b = _inputs(node, ins, "condition", "t", "e")
    values = _broadcast_or_say(a.shape, b.shape, f"{node.op} values t and e")
    if node.op == "Select" and cond.rank == 1 and a.rank and a.rank > 1:
        return _one(values, a.dtype)
    shape = _broadcast_or_say(cond.shape, values, f"{node.op} condition and values")
    value = None
    if shape.is_known and shape.numel <= MAX_VALUE_ELEMENTS and all(
            v.value is not None and v.numel in (1, shape.numel) for v in ins):
        # Constant folding of a small select (tf.linspace's shape arithmetic has one).
        value = tuple((a.value if cond.value[0 if cond.numel == 1 else i] else b.value)
                      [0 if (a if cond.value[0 if cond.numel == 1 else i] else b).numel == 1
                       else i] for i in range(shape.numel))
    return _one(shape, a.dtype, value)


@register("ClipByValue")
def clip_by_value(node, ins):
    return _one(ins[0].shape, ins[0].dtype)


@register("BiasAdd", "BiasAddV1")
def bias_add(node, ins):
    # TF's BiasAddShape: the input's shape, its channel dim merged with the bias length.
    x, bias = ins[0], ins[1]
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    nchw = _attr(node, "data_format", "NHWC") == "NCHW"
    if len(x.dims) < (3 if nchw else 2):
        raise ShapeError(f"BiasAdd needs a rank >= {3 if nchw else 2} input, got {x.shape}")
    axis = 1 if nchw else len(x.dims) - 1
    dims = list(x.dims)
    length = None if bias.dims is None or len(bias.dims) != 1 else bias.dims[0]
    dims[axis] = _merge_dim(dims[axis], length, "BiasAdd channels and bias length")
    return _one(Shape(tuple(dims)), x.dtype)


@register("SoftmaxCrossEntropyWithLogits")
def softmax_xent(node, ins):
    """TF's shape: logits and labels [batch, classes] (merged, else broadcast); loss [batch],
    backprop like the logits."""
    a, b = ins[0], ins[1]
    if a.rank == 2 and b.rank in (2, None):
        merged = a.dims if b.dims is None else tuple(
            _merge_dim(x, y, "logits and labels dims") for x, y in zip(a.dims, b.dims))
        both = Shape(merged)
    else:
        both = broadcast(a.shape, b.shape)
        if both.rank != 2:
            raise ShapeError(f"SoftmaxCrossEntropyWithLogits needs rank-2 logits and labels, "
                             f"got {a.shape} and {b.shape}")
    return _out([Shape((both.dims[0],)), both][:_n_out(node)], [a.dtype, a.dtype])


@register("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_xent(node, ins):
    features, labels = ins[0], ins[1]
    dims = list(features.dims) if features.dims is not None else [None, None]
    if len(dims) != 2:
        raise ShapeError(f"SparseSoftmaxCrossEntropyWithLogits needs rank-2 logits, got "
                         f"{features.shape}")
    if labels.dims is not None:
        if len(labels.dims) != 1:  # nn_ops.cc: WithRank(labels, 1)
            raise ShapeError(f"SparseSoftmaxCrossEntropyWithLogits needs rank-1 labels, got "
                             f"{labels.shape}")
        dims[0] = _merge_dim(dims[0], labels.dims[0], "batch of logits and labels")
    return _out([Shape((dims[0],)), Shape(tuple(dims))][:_n_out(node)],
                [features.dtype, features.dtype])


@register("BroadcastGradientArgs")
def broadcast_gradient_args(node, ins):
    """Two vectors of unknown length (the axes each gradient is summed over); values when both
    shapes are constants, as TF's constant folding runs the kernel."""
    dtype = ins[0].dtype
    values: List[Optional[tuple]] = [None, None]
    if ins[0].value is not None and ins[1].value is not None:
        values = list(_gradient_reduction_axes(list(ins[0].value), list(ins[1].value)))
    shapes = [Shape((None,)) if v is None else Shape((len(v),)) for v in values]
    return _out(shapes[:_n_out(node)], [dtype, dtype][:_n_out(node)], values[:_n_out(node)])


def _gradient_reduction_axes(x: List[int], y: List[int]):
    """Axes of the broadcast result over which dx and dy are summed (TF's BCast): none when
    the shapes are equal, else every axis where the operand's (1-padded) dim is 1."""
    if x == y:
        return (), ()
    rank = max(len(x), len(y))
    x = [1] * (rank - len(x)) + x
    y = [1] * (rank - len(y)) + y
    rx, ry = [], []
    for i, (a, b) in enumerate(zip(x, y)):
        if a == b:
            if a == 1:
                rx.append(i)
                ry.append(i)
            continue
        if a == 1:
            rx.append(i)
        elif b == 1:
            ry.append(i)
        else:
            raise ShapeError(f"incompatible shapes for broadcasting: {x} and {y}")
    return tuple(rx), tuple(ry)


@register("BiasAddGrad")
def bias_add_grad(node, ins):
    # TF's BiasAddGradShape: the channel dim, 1 for NCHW (rank >= 3), else the last.
    x = ins[0]
    if x.dims is None:
        return _one(Shape((None,)), x.dtype)
    nchw = _attr(node, "data_format", "NHWC") == "NCHW"
    if len(x.dims) < (3 if nchw else 2):
        raise ShapeError(f"BiasAddGrad needs a rank >= {3 if nchw else 2} input, got {x.shape}")
    return _one(Shape((x.dims[1 if nchw else -1],)), x.dtype)


@register("L2Loss")
def l2_loss(node, ins):
    return _one(Shape(()), ins[0].dtype)


@register("Cast", partial=True)
def cast(node, ins):
    x = ins[0]
    dtype = _text_attr(node, "DstT", x.dtype, "a type")
    value = x.value if dtype and dtype.startswith(("int", "uint")) and x.value is not None and all(
        v is None or isinstance(v, int) for v in x.value) else None
    if isinstance(value, ShapeValue):
        value = PartialValue(value)  # Cast(Shape) is a partial shape, not Shape itself
    return _one(x.shape, dtype, value)
