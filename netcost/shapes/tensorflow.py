"""Shape rules for TensorFlow ops, following TensorFlow's own shape functions
(tensorflow/core/ops/*.cc, tensorflow/core/framework/common_shape_fns.cc).

Rules also carry small constant integer values (shapes, axes, paddings) through the graph, so
that shape arithmetic such as Shape -> StridedSlice -> Pack -> Reshape resolves statically.
Attrs are the node's AttrValues decoded by the frontend: ints, floats, strings, dtype names
("float32"), Shape for shape attrs, TensorFacts for tensor attrs, lists of those.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from ..errors import ShapeError
from ..ir import Dim, Node, Shape, TensorFacts
from .engine import ShapeRegistry, ShapeResult

TF_SHAPES = ShapeRegistry("tensorflow", input_ops=("Placeholder", "PlaceholderV2"), min_dim=0)
register = TF_SHAPES.register

UNKNOWN = Shape.unknown()
MAX_VALUE_ELEMENTS = 1024  # values beyond this size are not tracked (they are data, not shapes)


# ---------------------------------------------------------------- helpers

def _out(shapes, dtypes=None, values=None, **kw) -> ShapeResult:
    return ShapeResult(list(shapes), dtypes=dtypes, values=values, **kw)


def _one(shape: Shape, dtype: Optional[str] = None, value=None) -> ShapeResult:
    return ShapeResult([shape], dtypes=[dtype], values=[value])


def _n_out(node: Node) -> int:
    return len(node.outputs)


def _attr(node: Node, name: str, default=None):
    value = node.attrs.get(name)
    return default if value is None else value


def _ints(value) -> Optional[List[int]]:
    return None if value is None else [int(v) for v in value]


def _mul(*values: Dim) -> Dim:
    product = 1
    for v in values:
        if v is None:
            return None
        product *= v
    return product


def _broadcast_dim(a: Dim, b: Dim) -> Dim:
    if a == 1:
        return b
    if b == 1:
        return a
    # An unknown dim broadcast with a known one that is not 1 must equal it (or be 1).
    if a is None:
        return b
    if b is None:
        return a
    if a != b:
        raise ShapeError(f"cannot broadcast dimensions {a} and {b}")
    return a


def broadcast(*shapes: Shape) -> Shape:
    """NumPy broadcasting with unknown dims (TF's BroadcastBinaryOpOutputShapeFn)."""
    if any(s.dims is None for s in shapes):
        return UNKNOWN
    rank = max(len(s.dims) for s in shapes)
    result: List[Dim] = [1] * rank
    for s in shapes:
        padded = (1,) * (rank - len(s.dims)) + tuple(s.dims)
        result = [_broadcast_dim(a, b) for a, b in zip(result, padded)]
    return Shape(tuple(result))


def _value_of_shape(shape: Shape) -> Optional[tuple]:
    return tuple(shape.dims) if shape.is_known else None


def _shape_from_value(facts: TensorFacts) -> Shape:
    """A 1-D int tensor used as a shape: known values, else known rank only."""
    if facts.value is not None:
        return Shape(tuple(None if v < 0 else int(v) for v in facts.value))
    if facts.dims is not None and len(facts.dims) == 1 and facts.dims[0] is not None:
        return Shape((None,) * facts.dims[0])
    return UNKNOWN


def _small(value: Optional[Sequence]) -> Optional[tuple]:
    if value is None or len(value) > MAX_VALUE_ELEMENTS:
        return None
    return tuple(value)


def _scalar(facts: TensorFacts) -> Optional[int]:
    if facts.value is None or len(facts.value) != 1:
        return None
    return int(facts.value[0])


def _axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def _layout(node: Node, spatial: int = 2) -> Tuple[int, List[int]]:
    """(channel axis, spatial axes) of the data_format attr."""
    fmt = _attr(node, "data_format", "NHWC" if spatial == 2 else "NDHWC")
    if fmt.startswith("NC"):
        return 1, list(range(2, 2 + spatial))
    return 1 + spatial, list(range(1, 1 + spatial))


def _window_out(size: Dim, k: int, s: int, d: int, padding: str,
                explicit: Tuple[int, int] = (0, 0)) -> Dim:
    """TF's GetWindowedOutputSize: SAME ceil(in / s); VALID ceil((in - (k-1)d) / s)."""
    if size is None:
        return None
    effective = (k - 1) * d + 1
    if padding == "SAME":
        return -(-size // s)
    if padding == "VALID":
        out = (size - effective + s) // s
    elif padding == "EXPLICIT":
        out = (size + explicit[0] + explicit[1] - effective) // s + 1
    else:
        raise ShapeError(f"unsupported padding {padding}")
    if out <= 0:
        raise ShapeError(f"window {effective} larger than input {size} with {padding} padding")
    return out


# ---------------------------------------------------------------- sources and pass-through

@register("Placeholder", "PlaceholderV2")
def placeholder(node, ins):
    shape = _attr(node, "shape")
    if not isinstance(shape, Shape):
        shape = UNKNOWN
    return _one(shape, _attr(node, "dtype"))


@register("PlaceholderWithDefault")
def placeholder_with_default(node, ins):
    shape = _attr(node, "shape")
    default = ins[0]
    if isinstance(shape, Shape) and shape.dims is not None and default.dims is not None:
        # The declared shape may be looser than the default's; the default is what flows.
        shape = default.shape
    return _one(default.shape if not isinstance(shape, Shape) else shape, default.dtype)


@register("Const", "HostConst")
def const(node, ins):
    tensor = _attr(node, "value")
    if not isinstance(tensor, TensorFacts):
        return _one(UNKNOWN, _attr(node, "dtype"))
    return _one(tensor.shape, tensor.dtype, _small(tensor.value))


@register("VariableV2", "Variable", "TemporaryVariable")
def variable(node, ins):
    shape = _attr(node, "shape")
    return _one(shape if isinstance(shape, Shape) else UNKNOWN, _attr(node, "dtype"))


@register("VarHandleOp")
def var_handle(node, ins):
    # A resource handle is a scalar; the variable's shape rides along as its "value" so that
    # ReadVariableOp can recover it.
    shape = _attr(node, "shape")
    return _one(Shape(()), "resource", (shape,) if isinstance(shape, Shape) else None)


@register("ReadVariableOp")
def read_variable(node, ins):
    handle = ins[0].value
    shape = handle[0] if handle and isinstance(handle[0], Shape) else UNKNOWN
    return _one(shape, _attr(node, "dtype"))


PASSTHROUGH = (
    "Identity", "StopGradient", "Snapshot", "PreventGradient", "CheckNumerics",
    "EnsureShape", "Enter", "RefEnter", "Exit", "RefExit", "NextIteration",
    "RefNextIteration", "LoopCond", "RefIdentity", "DebugIdentity", "Print",
)


@register(*PASSTHROUGH)
def passthrough(node, ins):
    x = ins[0]
    return _out([x.shape] * _n_out(node), [x.dtype] * _n_out(node), [x.value] * _n_out(node))


@register("IdentityN")
def identity_n(node, ins):
    return _out([x.shape for x in ins], [x.dtype for x in ins], [x.value for x in ins])


@register("Switch", "RefSwitch")
def switch(node, ins):
    x = ins[0]
    return _out([x.shape, x.shape][:_n_out(node)], [x.dtype] * _n_out(node))


@register("Merge", "RefMerge")
def merge(node, ins):
    first = ins[0]
    shape = first.shape
    for other in ins[1:]:
        if other.dims != shape.dims:
            shape = UNKNOWN if other.rank != shape.rank else Shape(tuple(
                a if a == b else None for a, b in zip(shape.dims, other.dims)))
    return _out([shape, Shape(())][:_n_out(node)], [first.dtype, "int32"][:_n_out(node)])


NO_OUTPUT = ("NoOp", "SaveV2", "Save", "SaveSlices", "AssignVariableOp", "Assert",
             "MergeV2Checkpoints", "ControlTrigger", "DestroyResourceOp")


@register(*NO_OUTPUT)
def no_output(node, ins):
    # Ops that only act; a MergeV2Checkpoints etc. named as an input yields unknowns.
    return _out([UNKNOWN] * _n_out(node))


# ---------------------------------------------------------------- element-wise

UNARY = (
    "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Softsign", "Exp", "Expm1",
    "Log", "Log1p", "Sqrt", "Rsqrt", "Square", "Neg", "Abs", "Reciprocal", "Inv", "Floor",
    "Ceil", "Round", "Rint", "Sign", "Erf", "Erfc", "LeakyRelu", "Softmax", "LogSoftmax",
    "ZerosLike", "OnesLike", "IsFinite", "IsNan", "IsInf", "LogicalNot", "Sin", "Cos", "Tan",
    "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Gelu", "Relu6Grad",
    "ReluGrad", "SigmoidGrad", "TanhGrad", "RsqrtGrad", "SqrtGrad", "Invert", "LRN",
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
            and shape.numel <= MAX_VALUE_ELEMENTS and not isinstance(a.value[0], Shape):
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
    shape = ins[0].shape
    for other in ins[1:]:
        if shape.dims is None:
            shape = other.shape
    return _one(shape, ins[0].dtype)


@register("Select", "SelectV2")
def select(node, ins):
    cond, a, b = ins
    if node.op == "Select" and cond.rank == 1 and a.rank and a.rank > 1:
        return _one(broadcast(a.shape, b.shape), a.dtype)
    return _one(broadcast(cond.shape, a.shape, b.shape), a.dtype)


@register("ClipByValue")
def clip_by_value(node, ins):
    return _one(ins[0].shape, ins[0].dtype)


@register("BiasAdd", "BiasAddV1")
def bias_add(node, ins):
    return _one(ins[0].shape, ins[0].dtype)


@register("Cast")
def cast(node, ins):
    x = ins[0]
    dtype = _attr(node, "DstT", x.dtype)
    value = x.value if dtype.startswith(("int", "uint")) and x.value is not None and all(
        isinstance(v, int) for v in x.value) else None
    return _one(x.shape, dtype, value)


# ---------------------------------------------------------------- convolution and pooling

def _conv(node, ins, spatial: int, depthwise: bool = False):
    x, w = ins[0], ins[1]
    channel_axis, spatial_axes = _layout(node, spatial)
    strides = _ints(_attr(node, "strides")) or [1] * (spatial + 2)
    dilations = _ints(_attr(node, "dilations")) or [1] * (spatial + 2)
    padding = _attr(node, "padding", "VALID")
    explicit = _ints(_attr(node, "explicit_paddings")) or []
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if len(x.dims) != spatial + 2:
        raise ShapeError(f"{node.op} needs a rank-{spatial + 2} input, got {x.shape}")
    kernel = [None] * spatial if w.dims is None else list(w.dims[:spatial])
    if depthwise:
        out_c = None if w.dims is None else _mul(w.dims[2], w.dims[3])
    else:
        out_c = None if w.dims is None else w.dims[-1]
        if w.dims is not None and x.dims[channel_axis] is not None and w.dims[-2] is not None \
                and x.dims[channel_axis] % w.dims[-2]:
            raise ShapeError(f"input depth {x.dims[channel_axis]} is not a multiple of the "
                             f"filter depth {w.dims[-2]}")
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


@register("Conv2DBackpropInput", "Conv3DBackpropInputV2", "DepthwiseConv2dNativeBackpropInput")
def conv_backprop_input(node, ins):
    # The output size is given as a tensor (input_sizes).
    return _one(_shape_from_value(ins[0]), ins[1].dtype)


@register("Conv2DBackpropFilter", "Conv3DBackpropFilterV2",
          "DepthwiseConv2dNativeBackpropFilter")
def conv_backprop_filter(node, ins):
    return _one(_shape_from_value(ins[1]), ins[0].dtype)


def _pool(node, ins, spatial: int, ksize=None, strides=None):
    x = ins[0]
    channel_axis, spatial_axes = _layout(node, spatial)
    ksize = ksize or _ints(_attr(node, "ksize"))
    strides = strides or _ints(_attr(node, "strides"))
    padding = _attr(node, "padding", "VALID")
    if x.dims is None or ksize is None or strides is None:
        return _one(UNKNOWN if x.dims is None else Shape((None,) * len(x.dims)), x.dtype)
    dims = list(x.dims)
    for axis in spatial_axes:
        dims[axis] = _window_out(x.dims[axis], ksize[axis], strides[axis], 1, padding)
    return _one(Shape(tuple(dims)), x.dtype)


@register("MaxPool", "AvgPool")
def pool2d(node, ins):
    return _pool(node, ins, 2)


@register("MaxPool3D", "AvgPool3D")
def pool3d(node, ins):
    return _pool(node, ins, 3)


@register("MaxPoolV2")
def max_pool_v2(node, ins):
    return _pool(node, ins, 2, _ints(ins[1].value), _ints(ins[2].value))


@register("MaxPoolWithArgmax")
def max_pool_argmax(node, ins):
    result = _pool(node, ins, 2)
    shape = result.outputs[0]
    return _out([shape, shape][:_n_out(node)], [ins[0].dtype, "int64"][:_n_out(node)])


@register("MaxPoolGrad")
def max_pool_grad(node, ins):
    return _one(ins[0].shape, ins[0].dtype)


@register("AvgPoolGrad")
def avg_pool_grad(node, ins):
    return _one(_shape_from_value(ins[0]), ins[1].dtype)


@register("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "_FusedBatchNormEx")
def fused_batch_norm(node, ins):
    x = ins[0]
    channel_axis = 1 if _attr(node, "data_format", "NHWC").startswith("NC") else -1
    c = None if x.dims is None else x.dims[channel_axis]
    vector = Shape((c,))
    shapes = [x.shape, vector, vector, vector, vector]
    if node.op in ("FusedBatchNormV3", "_FusedBatchNormEx"):
        shapes.append(UNKNOWN)  # reserve_space_3: TF leaves its shape unknown
    shapes = shapes[:_n_out(node)] + [UNKNOWN] * (_n_out(node) - len(shapes))
    return _out(shapes, [x.dtype] + ["float32"] * (len(shapes) - 1))


# ---------------------------------------------------------------- matrix products

@register("MatMul", "_FusedMatMul")
def matmul(node, ins):
    a, b = ins[0], ins[1]
    if a.dims is None or b.dims is None:
        return _one(UNKNOWN, a.dtype)
    if len(a.dims) != 2 or len(b.dims) != 2:
        raise ShapeError(f"MatMul needs matrices, got {a.shape} and {b.shape}")
    ta, tb = _attr(node, "transpose_a", False), _attr(node, "transpose_b", False)
    m, k1 = (a.dims[1], a.dims[0]) if ta else a.dims
    k2, n = (b.dims[1], b.dims[0]) if tb else b.dims
    if k1 is not None and k2 is not None and k1 != k2:
        raise ShapeError(f"MatMul inner dimensions differ: {a.shape} x {b.shape}")
    return _one(Shape((m, n)), a.dtype)


@register("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
def batch_matmul(node, ins):
    a, b = ins[0], ins[1]
    if a.dims is None or b.dims is None:
        return _one(UNKNOWN, a.dtype)
    adj_x, adj_y = _attr(node, "adj_x", False), _attr(node, "adj_y", False)
    m = a.dims[-1] if adj_x else a.dims[-2]
    n = b.dims[-2] if adj_y else b.dims[-1]
    if node.op == "BatchMatMul":
        batch = a.dims[:-2]
    else:
        batch = broadcast(Shape(a.dims[:-2]), Shape(b.dims[:-2])).dims
    dtype = _attr(node, "Tout", a.dtype) if node.op == "BatchMatMulV3" else a.dtype
    return _one(Shape(tuple(batch) + (m, n)), dtype)


# ---------------------------------------------------------------- reductions

def _reduction_axes(x: TensorFacts, axes: TensorFacts) -> Optional[List[int]]:
    if axes.value is None or x.dims is None:
        return None
    return sorted({_axis(int(a), len(x.dims)) for a in axes.value})


@register("Mean", "Sum", "Max", "Min", "Prod", "All", "Any", "EuclideanNorm")
def reduction(node, ins):
    x, axes = ins[0], ins[1]
    keep = _attr(node, "keep_dims", False)
    reduced = _reduction_axes(x, axes)
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if reduced is None:
        return _one(Shape((None,) * len(x.dims)) if keep else UNKNOWN, x.dtype)
    if keep:
        dims = tuple(1 if i in reduced else d for i, d in enumerate(x.dims))
    else:
        dims = tuple(d for i, d in enumerate(x.dims) if i not in reduced)
    value = None
    if node.op in ("Prod", "Sum") and x.value is not None and not dims and len(x.dims) <= 1:
        total = 1 if node.op == "Prod" else 0
        for v in x.value:
            total = total * v if node.op == "Prod" else total + v
        value = (total,)
    return _one(Shape(dims), x.dtype, value)


@register("ArgMax", "ArgMin")
def arg_max(node, ins):
    x, axis = ins[0], ins[1]
    a = _scalar(axis)
    if x.dims is None or a is None:
        return _one(UNKNOWN, _attr(node, "output_type", "int64"))
    a = _axis(a, len(x.dims))
    return _one(Shape(x.dims[:a] + x.dims[a + 1:]), _attr(node, "output_type", "int64"))


@register("TopKV2", "TopK")
def top_k(node, ins):
    x = ins[0]
    k = _scalar(ins[1]) if len(ins) > 1 else _attr(node, "k")
    if x.dims is None:
        return _out([UNKNOWN, UNKNOWN], [x.dtype, "int32"])
    shape = Shape(x.dims[:-1] + (k,))
    return _out([shape, shape], [x.dtype, "int32"])


# ---------------------------------------------------------------- shape manipulation

@register("Shape")
def shape_op(node, ins):
    x = ins[0]
    dtype = _attr(node, "out_type", "int32")
    if x.dims is None:
        return _one(Shape((None,)), dtype)
    return _one(Shape((len(x.dims),)), dtype, _value_of_shape(x.shape))


@register("ShapeN")
def shape_n(node, ins):
    dtype = _attr(node, "out_type", "int32")
    shapes, values = [], []
    for x in ins:
        shapes.append(Shape((None if x.dims is None else len(x.dims),)))
        values.append(None if x.dims is None else _value_of_shape(x.shape))
    return _out(shapes, [dtype] * len(ins), values)


@register("Size")
def size_op(node, ins):
    n = ins[0].numel
    return _one(Shape(()), _attr(node, "out_type", "int32"), None if n is None else (n,))


@register("Rank")
def rank_op(node, ins):
    r = ins[0].rank
    return _one(Shape(()), "int32", None if r is None else (r,))


@register("Reshape")
def reshape(node, ins):
    x, target = ins[0], ins[1]
    wanted = _shape_from_value(target)
    if target.value is not None:
        spec = [int(v) for v in target.value]
        if spec.count(-1) > 1:
            raise ShapeError(f"Reshape to {spec}: at most one -1")
        total = x.numel
        if -1 in spec:
            known = _mul(*[d for d in spec if d != -1])
            if total is not None and known:
                if total % known:
                    raise ShapeError(f"cannot reshape {x.shape} into {spec}")
                spec[spec.index(-1)] = total // known
            else:
                spec[spec.index(-1)] = None
        elif total is not None and _mul(*spec) != total:
            raise ShapeError(f"cannot reshape {x.shape} ({total} elements) into {spec}")
        wanted = Shape(tuple(spec))
    value = x.value if x.value is not None and wanted.is_known else None
    return _one(wanted, x.dtype, value)


@register("Squeeze")
def squeeze(node, ins):
    x = ins[0]
    axes = _ints(_attr(node, "squeeze_dims", [])) or []
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    rank = len(x.dims)
    axes = {_axis(a, rank) for a in axes}
    if axes:
        for a in axes:
            if x.dims[a] not in (1, None):
                raise ShapeError(f"cannot squeeze axis {a} of size {x.dims[a]}")
        dims = tuple(d for i, d in enumerate(x.dims) if i not in axes)
    else:
        if any(d is None for d in x.dims):
            return _one(UNKNOWN, x.dtype)
        dims = tuple(d for d in x.dims if d != 1)
    return _one(Shape(dims), x.dtype, x.value)


@register("ExpandDims")
def expand_dims(node, ins):
    x, axis = ins[0], ins[1]
    a = _scalar(axis)
    if x.dims is None or a is None:
        return _one(UNKNOWN, x.dtype)
    rank = len(x.dims) + 1
    a = _axis(a, rank)
    return _one(Shape(x.dims[:a] + (1,) + x.dims[a:]), x.dtype, x.value)


@register("Transpose", "ConjugateTranspose")
def transpose(node, ins):
    x, perm = ins[0], ins[1]
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if perm.value is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    order = [int(p) for p in perm.value]
    if sorted(order) != list(range(len(x.dims))):
        raise ShapeError(f"perm {order} is not a permutation of rank {len(x.dims)}")
    return _one(Shape(tuple(x.dims[p] for p in order)), x.dtype)


def _concat(node, values: Sequence[TensorFacts], axis_facts: TensorFacts):
    a = _scalar(axis_facts)
    known = [v for v in values if v.dims is not None]
    dtype = values[0].dtype
    if not known:
        return _one(UNKNOWN, dtype)
    rank = len(known[0].dims)
    if a is None:
        return _one(Shape((None,) * rank), dtype)
    a = _axis(a, rank)
    dims = list(known[0].dims)
    total: Dim = 0
    for v in values:
        if v.dims is None:
            total = None
            continue
        if len(v.dims) != rank:
            raise ShapeError(f"{node.op} inputs differ in rank: {known[0].shape} vs {v.shape}")
        for i, d in enumerate(v.dims):
            if i != a and dims[i] is None:
                dims[i] = d
            elif i != a and d is not None and dims[i] != d:
                raise ShapeError(f"{node.op} inputs differ outside axis {a}: "
                                 f"{known[0].shape} vs {v.shape}")
        total = None if total is None or v.dims[a] is None else total + v.dims[a]
    dims[a] = total
    value = None
    if rank == 1 and all(v.value is not None for v in values):
        value = _small(tuple(x for v in values for x in v.value))
    return _one(Shape(tuple(dims)), dtype, value)


@register("ConcatV2")
def concat_v2(node, ins):
    return _concat(node, ins[:-1], ins[-1])


@register("Concat")
def concat(node, ins):
    return _concat(node, ins[1:], ins[0])


@register("Pack")
def pack(node, ins):
    first = ins[0]
    axis = _attr(node, "axis", 0)
    dtype = first.dtype
    if first.dims is None:
        return _one(UNKNOWN, dtype)
    rank = len(first.dims) + 1
    a = _axis(axis, rank)
    dims = first.dims[:a] + (len(ins),) + first.dims[a:]
    value = None
    if not first.dims and all(v.value is not None and len(v.value) == 1 for v in ins):
        value = tuple(v.value[0] for v in ins)
    return _one(Shape(dims), dtype, value)


@register("Unpack")
def unpack(node, ins):
    x = ins[0]
    num = _attr(node, "num", _n_out(node))
    if x.dims is None:
        return _out([UNKNOWN] * num, [x.dtype] * num)
    a = _axis(_attr(node, "axis", 0), len(x.dims))
    shape = Shape(x.dims[:a] + x.dims[a + 1:])
    values = [None] * num
    if x.value is not None and len(x.dims) == 1:
        values = [(v,) for v in x.value]
    return _out([shape] * num, [x.dtype] * num, values)


@register("Split")
def split(node, ins):
    axis_facts, x = ins[0], ins[1]
    num = _attr(node, "num_split", _n_out(node))
    a = _scalar(axis_facts)
    if x.dims is None or a is None:
        return _out([UNKNOWN] * num, [x.dtype] * num)
    a = _axis(a, len(x.dims))
    size = x.dims[a]
    if size is not None and size % num:
        raise ShapeError(f"cannot split size {size} into {num} parts")
    piece = Shape(x.dims[:a] + (None if size is None else size // num,) + x.dims[a + 1:])
    return _out([piece] * num, [x.dtype] * num)


@register("SplitV")
def split_v(node, ins):
    x, sizes, axis_facts = ins
    num = _attr(node, "num_split", _n_out(node))
    a = _scalar(axis_facts)
    if x.dims is None or a is None or sizes.value is None:
        return _out([UNKNOWN] * num, [x.dtype] * num)
    a = _axis(a, len(x.dims))
    parts = [int(s) for s in sizes.value]
    if parts.count(-1) == 1 and x.dims[a] is not None:
        parts[parts.index(-1)] = x.dims[a] - sum(p for p in parts if p != -1)
    shapes = [Shape(x.dims[:a] + (None if p < 0 else p,) + x.dims[a + 1:]) for p in parts]
    return _out(shapes, [x.dtype] * num)


@register("Slice")
def slice_op(node, ins):
    x, begin, size = ins
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if begin.value is None or size.value is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    dims = []
    for d, b, s in zip(x.dims, begin.value, size.value):
        dims.append((None if d is None else d - b) if s == -1 else s)
    value = None
    if x.value is not None and len(x.dims) == 1 and dims[0] is not None:
        value = x.value[begin.value[0]:begin.value[0] + dims[0]]
    return _one(Shape(tuple(dims)), x.dtype, value)


@register("StridedSlice")
def strided_slice(node, ins):
    """TF's StridedSlice with begin/end/ellipsis/new_axis/shrink_axis masks (known specs)."""
    x, begin, end, strides = ins
    if x.dims is None or begin.value is None or end.value is None or strides.value is None:
        return _one(UNKNOWN, x.dtype)
    masks = {m: _attr(node, m, 0) for m in ("begin_mask", "end_mask", "ellipsis_mask",
                                             "new_axis_mask", "shrink_axis_mask")}
    dims: List[Dim] = []
    picked: List[Optional[Tuple[int, int, int]]] = []  # per input axis, for values
    axis = 0
    spec_len = len(begin.value)
    for i in range(spec_len):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            remaining = sum(1 for j in range(i + 1, spec_len)
                            if not masks["new_axis_mask"] & (1 << j))
            while axis < len(x.dims) - remaining:
                dims.append(x.dims[axis])
                picked.append(None)
                axis += 1
            continue
        if masks["new_axis_mask"] & bit:
            dims.append(1)
            continue
        if axis >= len(x.dims):
            raise ShapeError(f"StridedSlice spec is longer than the input rank {len(x.dims)}")
        size = x.dims[axis]
        b, e, s = int(begin.value[i]), int(end.value[i]), int(strides.value[i])
        if s == 0:
            raise ShapeError("StridedSlice stride 0")
        if masks["shrink_axis_mask"] & bit:
            if size is not None:
                index = b + size if b < 0 else b
                if not 0 <= index < size:
                    raise ShapeError(f"StridedSlice index {b} out of range for size {size}")
                picked.append((index, index + 1, 1))
            axis += 1
            continue
        if size is None:
            dims.append(None)
            picked.append(None)
            axis += 1
            continue
        start, stop, _ = slice(None if masks["begin_mask"] & bit else b,
                               None if masks["end_mask"] & bit else e, s).indices(size)
        count = len(range(start, stop, s))
        dims.append(count)
        picked.append((start, stop, s))
        axis += 1
    while axis < len(x.dims):
        dims.append(x.dims[axis])
        picked.append(None)
        axis += 1
    value = None
    if x.value is not None and len(x.dims) == 1 and picked and picked[0] is not None:
        start, stop, step = picked[0]
        value = tuple(x.value[start:stop:step])
    return _one(Shape(tuple(dims)), x.dtype, value)


@register("Pad", "PadV2", "MirrorPad")
def pad(node, ins):
    x, paddings = ins[0], ins[1]
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if paddings.value is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    p = [int(v) for v in paddings.value]
    dims = tuple(None if d is None else d + p[2 * i] + p[2 * i + 1]
                 for i, d in enumerate(x.dims))
    return _one(Shape(dims), x.dtype)


@register("Tile")
def tile(node, ins):
    x, multiples = ins
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if multiples.value is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    return _one(Shape(tuple(_mul(d, int(m)) for d, m in zip(x.dims, multiples.value))), x.dtype)


@register("Fill")
def fill(node, ins):
    dims, value = ins
    shape = _shape_from_value(dims)
    out = None
    if shape.is_known and value.value is not None and shape.numel <= MAX_VALUE_ELEMENTS:
        out = tuple(value.value[0] for _ in range(shape.numel))
    return _one(shape, value.dtype, out)


@register("Range")
def range_op(node, ins):
    start, limit, delta = (_scalar(v) for v in ins)
    dtype = _attr(node, "Tidx", ins[0].dtype)
    if None in (start, limit, delta) or delta == 0:
        return _one(Shape((None,)), dtype)
    values = tuple(range(start, limit, delta))
    return _one(Shape((len(values),)), dtype, _small(values))


@register("BroadcastTo")
def broadcast_to(node, ins):
    return _one(_shape_from_value(ins[1]), ins[0].dtype)


@register("BroadcastArgs")
def broadcast_args(node, ins):
    a, b = (_shape_from_value(v) for v in ins)
    shape = broadcast(a, b)
    return _one(Shape((shape.rank,)), ins[0].dtype, _value_of_shape(shape))


@register("GatherV2", "Gather", "ResourceGather")
def gather(node, ins):
    params, indices = ins[0], ins[1]
    axis = _scalar(ins[2]) if node.op == "GatherV2" else 0
    if params.dims is None or indices.dims is None or axis is None:
        return _one(UNKNOWN, params.dtype)
    axis = _axis(axis, len(params.dims))
    batch_dims = _attr(node, "batch_dims", 0)
    dims = params.dims[:axis] + indices.dims[batch_dims:] + params.dims[axis + 1:]
    value = None
    if params.value is not None and indices.value is not None and len(params.dims) == 1:
        value = tuple(params.value[int(i)] for i in indices.value)
    return _one(Shape(dims), params.dtype, value)


@register("OneHot")
def one_hot(node, ins):
    indices, depth = ins[0], _scalar(ins[1])
    axis = _attr(node, "axis", -1)
    if indices.dims is None:
        return _one(UNKNOWN, ins[2].dtype)
    dims = list(indices.dims)
    dims.insert(len(dims) if axis == -1 else axis, depth)
    return _one(Shape(tuple(dims)), ins[2].dtype)


@register("ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea",
          "ScaleAndTranslate")
def resize(node, ins):
    x, size = ins[0], ins[1]
    dtype = "float32" if node.op in ("ResizeBilinear", "ResizeBicubic", "ResizeArea") \
        else x.dtype
    if x.dims is None:
        return _one(UNKNOWN, dtype)
    hw = (None, None) if size.value is None else tuple(int(v) for v in size.value)
    return _one(Shape((x.dims[0], hw[0], hw[1], x.dims[3])), dtype)


@register("SpaceToDepth", "DepthToSpace")
def space_depth(node, ins):
    x = ins[0]
    b = _attr(node, "block_size", 2)
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    n, h, w, c = x.dims
    if node.op == "SpaceToDepth":
        dims = (n, None if h is None else h // b, None if w is None else w // b, _mul(c, b * b))
    else:
        dims = (n, _mul(h, b), _mul(w, b), None if c is None else c // (b * b))
    return _one(Shape(dims), x.dtype)


@register("Where")
def where(node, ins):
    x = ins[0]
    return _one(Shape((None, x.rank)), "int64")  # how many are true is data


# ---------------------------------------------------------------- random, state, I/O

@register("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
          "StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal",
          "StatelessRandomUniformV2", "StatelessRandomNormalV2")
def random_op(node, ins):
    dtype = _attr(node, "dtype", ins[1].dtype if node.op == "RandomUniformInt" else "float32")
    return _one(_shape_from_value(ins[0]), dtype)


@register("Assign", "AssignAdd", "AssignSub")
def assign(node, ins):
    ref, value = ins[0], ins[1]
    return _one(ref.shape if ref.dims is not None else value.shape, ref.dtype)


@register("VarIsInitializedOp", "IsVariableInitialized")
def is_initialized(node, ins):
    return _one(Shape(()), "bool")


@register("RestoreV2")
def restore_v2(node, ins):
    dtypes = list(_attr(node, "dtypes", []))
    n = _n_out(node)
    return _out([UNKNOWN] * n, (dtypes + [None] * n)[:n])


@register("StringJoin", "ShardedFilename", "ShardedFilespec")
def string_op(node, ins):
    return _one(Shape(()), "string")
