"""Shape rules for TensorFlow ops, following TensorFlow's own shape functions
(tensorflow/core/ops/*.cc, tensorflow/core/framework/common_shape_fns.cc).

Rules also carry small constant integer values (shapes, axes, paddings) through the graph, so
that shape arithmetic such as Shape -> StridedSlice -> Pack -> Reshape resolves statically.
Attrs are the node's AttrValues decoded by the frontend: ints, floats, strings, dtype names
("float32"), Shape for shape attrs, TensorFacts for tensor attrs, lists of those.

Values follow TF's two ways of knowing a tensor while it builds a graph. A plain tuple is a
constant TF's EvaluateConstantTensor finds (common_runtime/eval_const_tensor.cc): the whole
subgraph behind it is constant, or it is tf.shape/tf.size/tf.rank of a fully known shape, or
tf.shape(x)[i] / tf.unstack(tf.shape(x))[i] of a known dim i. A PartialValue is a shape tensor as
ShapeRefiner::ConstantPartialShape sees it, None for an unknown entry: Shape of a partly known
shape, carried on only by Cast, Pack (of scalars), ConcatV2 and StridedSlice (a 1-D slice), to
the ops that read a tensor as a shape (Reshape, Fill, BroadcastTo, the convolution and pool
gradients, random ops). Every other rule sees a PartialValue as unknown.
"""
from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Shape, TensorFacts
from .engine import ShapeRegistry, ShapeResult

TF_SHAPES = ShapeRegistry("tensorflow", input_ops=("Placeholder", "PlaceholderV2"), min_dim=0)


class PartialValue(tuple):
    """A shape tensor known only as a partial shape (entries may be None): not a constant."""


class ShapeValue(PartialValue):
    """The output of Shape on a partly known shape: its known entries are constants when
    picked one by one (tf.shape(x)[i], tf.unstack(tf.shape(x))[i])."""


def _is_partial(value) -> bool:
    return isinstance(value, PartialValue)


def _whole_values(rule):
    """The rule sees partial values as unknown: TF evaluates such an input only when the whole
    subgraph behind it is constant."""

    def wrapped(node, ins):
        if any(isinstance(f.value, PartialValue) for f in ins):
            ins = [_whole(f) for f in ins]
        return rule(node, ins)

    return wrapped


def register(*ops: str, partial: bool = False):
    """TF_SHAPES.register; partial=True: the rule handles partial values itself."""

    def add(rule):
        TF_SHAPES.register(*ops)(rule if partial else _whole_values(rule))
        return rule

    return add

UNKNOWN = Shape.unknown()
MAX_RANK = 254  # TensorFlow's limit: a longer 1-D "shape" tensor cannot describe a tensor
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


def _shape_value(shape: Shape) -> Optional[tuple]:
    """Value of Shape: a constant when the shape is fully known, else a ShapeValue."""
    if shape.is_known:
        return tuple(shape.dims)
    return _partial_value(shape.dims, ShapeValue)


def _with_rank(facts: TensorFacts, rank: int) -> TensorFacts:
    """TF's WithRank: an input of unknown rank is taken as `rank` unknown dims."""
    return replace(facts, dims=(None,) * rank) if facts.dims is None else facts


def _whole(facts: TensorFacts) -> TensorFacts:
    """facts with a partial value seen as unknown."""
    return replace(facts, value=None) if _is_partial(facts.value) else facts


def _full(value) -> Optional[tuple]:
    """value when it is a constant, else None."""
    return None if _is_partial(value) else value


def _partial_value(values, kind=PartialValue) -> Optional[tuple]:
    """A PartialValue (or a plain constant tuple when kind is tuple); None when nothing of it
    is known."""
    if values is None:
        return None
    values = tuple(values)
    if values and all(v is None for v in values):
        return None
    return values if kind is tuple else kind(values)


def _int_values(facts: TensorFacts, what: str) -> Optional[tuple]:
    """The values of a tensor an op reads as integers (a shape, an axis, a count); None when
    unknown. TF types such an input int32 or int64 in the op's OpDef, and its graph
    construction refuses a float tensor or a resource/variant handle there ("Input 1 of node
    n was passed resource from v:0 incompatible with expected int32"); a handle's value here
    is the Shape it holds, a float tensor's a float."""
    value = facts.value
    if value is not None:
        for v in value:
            if isinstance(v, (float, Shape)):
                kind = facts.dtype or ("resource" if isinstance(v, Shape) else "float")
                raise ShapeError(f"a {kind} tensor is used as {what}: TF takes an int32 or "
                                 f"int64 tensor there")
    return value


def _shape_from_value(facts: TensorFacts) -> Shape:
    """A 1-D int tensor used as a shape: known values, else known rank only."""
    if _int_values(facts, "a shape") is not None:
        return Shape(tuple(None if v is None or v < 0 else int(v) for v in facts.value))
    if facts.dims is not None and len(facts.dims) == 1 and facts.dims[0] is not None \
            and facts.dims[0] <= MAX_RANK:
        return Shape((None,) * facts.dims[0])
    return UNKNOWN  # also when the "shape" is longer than any tensor's rank can be


def _small(value: Optional[Sequence]) -> Optional[tuple]:
    if value is None or len(value) > MAX_VALUE_ELEMENTS:
        return None
    return value if isinstance(value, tuple) else tuple(value)


def _scalar(facts: TensorFacts, what: str = "an integer scalar") -> Optional[int]:
    value = _int_values(facts, what)
    if value is None or len(value) != 1 or value[0] is None:
        return None
    return int(value[0])


def _inputs(node: Node, ins: Sequence[TensorFacts], *names: str) -> Sequence[TensorFacts]:
    """The op's inputs, which its OpDef names: TF's graph construction refuses a node with
    another count ("NodeDef expected inputs 'bool, float, float' do not match 2 inputs
    specified")."""
    if len(ins) != len(names):
        raise ShapeError(f"{node.op} takes {len(names)} inputs ({', '.join(names)}), "
                         f"got {len(ins)}")
    return ins


def _need_rank(node: Node, facts: TensorFacts, rank: int, what: str = "input") -> TensorFacts:
    """TF's WithRank: an unknown rank is taken as `rank` unknown dims, another known rank is
    an error ("Shape must be rank 5 but is rank 3")."""
    facts = _with_rank(facts, rank)
    if len(facts.dims) != rank:
        raise ShapeError(f"{node.op} needs a rank-{rank} {what}, got {facts.shape} (rank "
                         f"{len(facts.dims)})")
    return facts


def _per_axis(node: Node, name: str, values: Optional[List[int]], rank: int):
    """A window of a convolution or pooling op (ksize, strides, dilations): one value per
    input axis, as TF's shape functions require ("MaxPool requires the ksize attribute to
    contain 4 values, but got: 5"); None when not given."""
    if values and len(values) != rank:
        raise ShapeError(f"{node.op} requires {name} to contain {rank} values, got "
                         f"{len(values)}")
    return values or None


def _explicit_paddings(node: Node, padding: str, rank: int) -> List[int]:
    """explicit_paddings of EXPLICIT padding: a (before, after) pair per input axis (TF's
    CheckValidPadding: "explicit_paddings attribute must contain 8 values, but got: 3")."""
    if padding != "EXPLICIT":
        return []
    values = _ints(_attr(node, "explicit_paddings")) or []
    if len(values) != 2 * rank:
        raise ShapeError(f"{node.op}: the explicit_paddings attribute must contain "
                         f"{2 * rank} values, got {len(values)}")
    return values


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
    "Exit", "RefExit", "NextIteration", "RefNextIteration", "RefIdentity", "DebugIdentity",
    "Print",
)


@register(*PASSTHROUGH)
def passthrough(node, ins):
    x = ins[0]
    return _out([x.shape] * _n_out(node), [x.dtype] * _n_out(node), [x.value] * _n_out(node))


def _is_handle(value) -> bool:
    """A resource/variant handle's value: what it holds (a variable's or list element's
    Shape), TF's handle data."""
    return bool(value) and isinstance(value[0], Shape)


@register("Enter", "RefEnter")
def enter(node, ins):
    # TF: a loop's Enter has an unknown shape unless it enters a loop constant; handle data
    # passes either way.
    x = ins[0]
    constant = bool(_attr(node, "is_constant", False))
    value = x.value if constant or _is_handle(x.value) else None
    return _one(x.shape if constant else UNKNOWN, x.dtype, value)


@register("LoopCond")
def loop_cond(node, ins):
    return _one(Shape(()), "bool")


@register("EnsureShape")
def ensure_shape(node, ins):
    x = ins[0]
    stated = _attr(node, "shape")
    return _one(_merge_shapes(x.shape, stated if isinstance(stated, Shape) else UNKNOWN),
                x.dtype, x.value)


def _merge_shapes(a: Shape, b: Shape) -> Shape:
    """TF's InferenceContext::Merge of two shapes."""
    if a.dims is None:
        return b
    if b.dims is None:
        return a
    if len(a.dims) != len(b.dims):
        raise ShapeError(f"shapes {a} and {b} differ in rank")
    return Shape(tuple(_merge_dim(x, y, "dims") for x, y in zip(a.dims, b.dims)))


@register("IdentityN")
def identity_n(node, ins):
    return _out([x.shape for x in ins], [x.dtype for x in ins], [x.value for x in ins])


@register("Switch", "RefSwitch")
def switch(node, ins):
    x = ins[0]
    # A handle keeps what it holds through the switch (TF's handle data).
    value = x.value if _is_handle(x.value) else None
    return _out([x.shape, x.shape][:_n_out(node)], [x.dtype] * _n_out(node),
                [value] * _n_out(node))


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
             "MergeV2Checkpoints", "ControlTrigger", "DestroyResourceOp",
             "AssignAddVariableOp", "AssignSubVariableOp")


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


def _broadcast_or_say(a: Shape, b: Shape, what: str) -> Shape:
    """broadcast(a, b), an error naming both shapes (TF's BroadcastBinaryOpOutputShapeFn:
    "Dimensions must be equal, but are 3 and 2")."""
    try:
        return broadcast(a, b)
    except ShapeError:
        raise ShapeError(f"{what} do not broadcast: {a} vs {b}") from None


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


def _merge_dim(a: Dim, b: Dim, what: str) -> Dim:
    """TF's InferenceContext::Merge of two dims: the known one; both known must agree."""
    if a is None:
        return b
    if b is not None and a != b:
        raise ShapeError(f"{what} differ: {a} vs {b}")
    return a


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
    dtype = _attr(node, "DstT", x.dtype)
    value = x.value if dtype.startswith(("int", "uint")) and x.value is not None and all(
        v is None or isinstance(v, int) for v in x.value) else None
    if isinstance(value, ShapeValue):
        value = PartialValue(value)  # Cast(Shape) is a partial shape, not Shape itself
    return _one(x.shape, dtype, value)


# ---------------------------------------------------------------- convolution and pooling

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
    kernel = [None] * spatial if w.dims is None else list(w.dims[:spatial])
    if depthwise:
        out_c = None if w.dims is None else _mul(w.dims[2], w.dims[3])
    else:
        out_c = None if w.dims is None else w.dims[-1]
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
    return _one(_shape_from_value(ins[0]), ins[1].dtype)


@register("StridedSliceGrad", partial=True)
def strided_slice_grad(node, ins):
    return _one(_shape_from_value(ins[0]), ins[4].dtype)


@register("Conv2DBackpropFilter", "Conv3DBackpropFilterV2",
          "DepthwiseConv2dNativeBackpropFilter", partial=True)
def conv_backprop_filter(node, ins):
    return _one(_shape_from_value(ins[1]), ins[0].dtype)


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
    fmt = _attr(node, "data_format", "NHWC")
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
    n = _n_out(node)
    return _out((shapes + [UNKNOWN] * n)[:n], [dy.dtype, x.dtype, x.dtype, x.dtype, x.dtype][:n])


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
    shapes = shapes[:_n_out(node)] + [UNKNOWN] * (_n_out(node) - len(shapes))
    return _out(shapes, [x.dtype] + ["float32"] * (len(shapes) - 1))


# ---------------------------------------------------------------- matrix products

@register("MatMul", "_FusedMatMul")
def matmul(node, ins):
    a, b = _with_rank(ins[0], 2), _with_rank(ins[1], 2)
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
    # TF's BatchMatMulV2Shape: both inputs of rank 2 or more (each checked when known),
    # inner dims that agree.
    for x in (a, b):
        if x.dims is not None and len(x.dims) < 2:
            raise ShapeError(f"{node.op} needs inputs of rank >= 2, got {x.shape}")
    if a.dims is None or b.dims is None:
        return _one(UNKNOWN, a.dtype)
    adj_x, adj_y = _attr(node, "adj_x", False), _attr(node, "adj_y", False)
    m = a.dims[-1] if adj_x else a.dims[-2]
    n = b.dims[-2] if adj_y else b.dims[-1]
    _merge_dim(a.dims[-2] if adj_x else a.dims[-1], b.dims[-1] if adj_y else b.dims[-2],
               f"{node.op} inner dimensions")
    if node.op == "BatchMatMul":
        batch = a.dims[:-2]
    else:
        batch = broadcast(Shape(a.dims[:-2]), Shape(b.dims[:-2])).dims
    dtype = _attr(node, "Tout", a.dtype) if node.op == "BatchMatMulV3" else a.dtype
    return _one(Shape(tuple(batch) + (m, n)), dtype)


@register("Einsum")
def einsum(node, ins):
    """TF's EinsumShape: each label's dim merged over the inputs, the ellipsis the broadcast
    of the inputs' ellipsis dims."""
    equation = str(_attr(node, "equation", "")).replace(" ", "")
    if "->" not in equation:
        raise ShapeError(f"Einsum equation '{equation}' has no '->'")
    lhs, rhs = equation.split("->")
    subscripts = lhs.split(",")
    if len(subscripts) != len(ins):
        raise ShapeError(f"Einsum equation '{equation}' names {len(subscripts)} inputs, "
                         f"got {len(ins)}")
    labels = {}
    ellipses: List[Shape] = []
    for sub, x in zip(subscripts, ins):
        named = sub.replace("...", "")
        if x.dims is None:
            ellipses.append(UNKNOWN if "..." in sub else Shape(()))
            continue
        if "..." in sub:
            before, after = sub.split("...")
            if len(x.dims) < len(named):
                raise ShapeError(f"Einsum input {x.shape} has fewer dims than '{sub}'")
            pairs = list(zip(before, x.dims)) + list(zip(after, x.dims[len(x.dims) -
                                                                       len(after):]))
            ellipses.append(Shape(x.dims[len(before):len(x.dims) - len(after)]))
        else:
            if len(x.dims) != len(named):
                raise ShapeError(f"Einsum input {x.shape} does not match '{sub}'")
            pairs = list(zip(named, x.dims))
            ellipses.append(Shape(()))
        for label, d in pairs:
            labels[label] = _merge_dim(labels.get(label), d, f"Einsum dims of '{label}'")
    batch = broadcast(*ellipses) if ellipses else Shape(())
    dims: List[Dim] = []
    if "..." in rhs:
        if batch.dims is None:
            return _one(UNKNOWN, ins[0].dtype)
        before, after = rhs.split("...")
        dims = [labels.get(c) for c in before] + list(batch.dims) + \
            [labels.get(c) for c in after]
    else:
        dims = [labels.get(c) for c in rhs]
    return _one(Shape(tuple(dims)), ins[0].dtype)


# ---------------------------------------------------------------- reductions

def _reduction_axes(node: Node, x: TensorFacts, axes: TensorFacts) -> Optional[List[int]]:
    values = _int_values(axes, f"{node.op}'s reduction_indices")
    if values is None or x.dims is None:
        return None
    return sorted({_axis(int(a), len(x.dims)) for a in values})


@register("Mean", "Sum", "Max", "Min", "Prod", "All", "Any", "EuclideanNorm")
def reduction(node, ins):
    x, axes = ins[0], ins[1]
    keep = _attr(node, "keep_dims", False)
    reduced = _reduction_axes(node, x, axes)
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
    """TF's ArgOpShape: the dimension is an int32/int64 scalar (WithRank(input(1), 0))."""
    x, axis = ins[0], ins[1]
    if axis.dims is not None and len(axis.dims) != 0:
        raise ShapeError(f"{node.op}'s dimension must be a scalar, got shape {axis.shape}")
    a = _scalar(axis, f"{node.op}'s dimension")
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
    return _one(Shape((len(x.dims),)), dtype, _shape_value(x.shape))


@register("ShapeN")
def shape_n(node, ins):
    dtype = _attr(node, "out_type", "int32")
    shapes, values = [], []
    for x in ins:
        shapes.append(Shape((None if x.dims is None else len(x.dims),)))
        values.append(None if x.dims is None else _shape_value(x.shape))
    return _out(shapes, [dtype] * len(ins), values)


@register("Size")
def size_op(node, ins):
    n = ins[0].numel
    return _one(Shape(()), _attr(node, "out_type", "int32"), None if n is None else (n,))


@register("Rank")
def rank_op(node, ins):
    r = ins[0].rank
    return _one(Shape(()), "int32", None if r is None else (r,))


@register("Reshape", partial=True)
def reshape(node, ins):
    """TF's SetOutputShapeForReshape: the target as a (partial) shape, -1 an unknown dim; one
    unknown dim is inferred from the element counts when the input has at most one too."""
    x, target = ins[0], ins[1]
    if target.value is not None and list(target.value).count(-1) > 1:
        raise ShapeError(f"Reshape to {list(target.value)}: at most one -1")
    wanted = _shape_from_value(target)
    if wanted.dims is not None and x.dims is not None:
        out_known, out_unknown = _known_product(wanted.dims)
        in_known, in_unknown = _known_product(x.dims)
        if out_unknown is not None and in_unknown is not None:
            dims = list(wanted.dims)
            if not in_unknown and not out_unknown:
                if in_known != out_known:
                    raise ShapeError(f"cannot reshape {x.shape} ({in_known} elements) into "
                                     f"{wanted}")
            elif not in_unknown and out_known > 0:
                if in_known % out_known:
                    raise ShapeError(f"cannot reshape {x.shape} into {wanted}")
                dims[out_unknown[0]] = in_known // out_known
            elif in_unknown and out_unknown and in_known == out_known:
                dims[out_unknown[0]] = x.dims[in_unknown[0]]
            wanted = Shape(tuple(dims))
    value = None
    if wanted.is_known and not _is_partial(target.value) and not _is_partial(x.value):
        value = x.value
    return _one(wanted, x.dtype, value)


def _known_product(dims) -> Tuple[int, Optional[List[int]]]:
    """(product of the known dims, indices of the unknown ones), None for the indices when
    more than one is unknown."""
    product, unknown = 1, []
    for i, d in enumerate(dims):
        if d is None:
            unknown.append(i)
        else:
            product *= d
    return product, (unknown if len(unknown) <= 1 else None)


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


@register("InvertPermutation")
def invert_permutation(node, ins):
    x = ins[0]
    value = None
    if x.value is not None and sorted(x.value) == list(range(len(x.value))):
        inverse = [0] * len(x.value)
        for i, p in enumerate(x.value):
            inverse[p] = i
        value = tuple(inverse)
    return _one(_with_rank(x, 1).shape, x.dtype, value)


@register("ListDiff")
def list_diff(node, ins):
    """The entries of x not in y and their indices. TF's shape is a vector of unknown length
    even when constant folding knows the values."""
    x, y = ins[0], ins[1]
    out_idx = _attr(node, "out_idx", "int32")
    values: List[Optional[tuple]] = [None, None]
    if x.value is not None and y.value is not None:
        drop = set(y.value)
        kept = [(i, v) for i, v in enumerate(x.value) if v not in drop]
        values = [tuple(v for _, v in kept), tuple(i for i, _ in kept)]
    return _out([Shape((None,))] * _n_out(node), [x.dtype, out_idx][:_n_out(node)],
                values[:_n_out(node)])


@register("ConcatOffset")
def concat_offset(node, ins):
    """Where each ConcatV2 input starts in the output (concat's gradient): one vector per
    shape input, all zeros but the running offset on the concat axis."""
    axis, shapes = _scalar(ins[0]), ins[1:]
    values: List[Optional[tuple]] = [None] * len(shapes)
    if axis is not None and all(s.value is not None for s in shapes):
        rank = len(shapes[0].value)
        a = _axis(axis, rank)
        offset = 0
        for i, s in enumerate(shapes):
            values[i] = tuple(offset if j == a else 0 for j in range(rank))
            offset += int(s.value[a])
    return _out([s.shape for s in shapes], [s.dtype for s in shapes], values)


@register("Transpose", "ConjugateTranspose")
def transpose(node, ins):
    x, perm = ins[0], ins[1]
    if x.dims is None:
        # TF: the rank still follows from perm's length.
        length = perm.dims[0] if perm.dims is not None and len(perm.dims) == 1 else None
        if length is None or length < 2:
            return _one(UNKNOWN, x.dtype)
        x = _with_rank(x, length)
    if perm.value is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    order = [int(p) for p in perm.value]
    if sorted(order) != list(range(len(x.dims))):
        raise ShapeError(f"perm {order} is not a permutation of rank {len(x.dims)}")
    dims = tuple(x.dims[p] for p in order)
    value = None
    if x.value is not None and x.is_known and len(x.value) == x.numel:
        # Small constants (shape arithmetic, e.g. Tile's gradient) transposed element-wise.
        strides = [1] * len(x.dims)
        for i in range(len(x.dims) - 2, -1, -1):
            strides[i] = strides[i + 1] * x.dims[i + 1]
        out = []
        for flat in range(x.numel):
            source, rest = 0, flat
            for axis in range(len(dims) - 1, -1, -1):
                rest, index = divmod(rest, dims[axis])
                source += index * strides[order[axis]]
            out.append(x.value[source])
        value = tuple(out)
    return _one(Shape(dims), x.dtype, value)


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
    if rank == 1 and all(v.value is not None and not _is_partial(v.value) for v in values):
        value = _small(tuple(x for v in values for x in v.value))
    elif rank == 1 and all(v.value is not None or (v.is_known and v.dims[0] <= MAX_RANK)
                           for v in values):
        # A shape concatenated from partly known pieces (ConstantPartialShape of a ConcatV2).
        value = _small(_partial_value(x for v in values
                                      for x in (v.value if v.value is not None
                                                else (None,) * v.dims[0])))
    return _one(Shape(tuple(dims)), dtype, value)


@register("ConcatV2", partial=True)
def concat_v2(node, ins):
    _join_inputs(node, ins)
    return _concat(node, ins[:-1], _whole(ins[-1]))


@register("Concat", partial=True)
def concat(node, ins):
    _join_inputs(node, ins)
    return _concat(node, ins[1:], _whole(ins[0]))


def _join_inputs(node: Node, ins: Sequence[TensorFacts]) -> None:
    """Concat and ConcatV2 take N >= 2 tensors and the axis (their OpDefs); one tensor and the
    axis is read here as what it would mean, none is an error."""
    if len(ins) < 2:
        raise ShapeError(f"{node.op} takes the tensors to join and an axis, got "
                         f"{len(ins)} input(s)")


@register("Pack", partial=True)
def pack(node, ins):
    axis = _attr(node, "axis", 0)
    dtype = ins[0].dtype
    first = ins[0]
    for other in ins:  # TF merges the inputs' shapes
        if other.dims is not None:
            if first.dims is None:
                first = other
            elif len(other.dims) != len(first.dims):
                raise ShapeError(f"Pack inputs differ in rank: {first.shape} vs {other.shape}")
            elif other.dims != first.dims:
                first = replace(first, dims=tuple(
                    _merge_dim(p, q, "Pack input dims") for p, q in zip(first.dims, other.dims)))
    if first.dims is None:
        return _one(UNKNOWN, dtype)
    rank = len(first.dims) + 1
    a = _axis(axis, rank)
    dims = first.dims[:a] + (len(ins),) + first.dims[a:]
    value = None
    if not first.dims:
        # Scalars: a constant when all are, else a shape of the known ones (TF's
        # ConstantPartialShape of a Pack).
        entries = tuple(v.value[0] if v.value is not None and len(v.value) == 1 else None
                        for v in ins)
        value = entries if None not in entries else _partial_value(entries)
    elif all(v.value is not None and not _is_partial(v.value) and v.dims == first.dims
             for v in ins) and first.is_known:
        inner = _mul(*first.dims[a:])
        outer = _mul(*first.dims[:a])
        value = _small(tuple(v.value[o * inner + i] for o in range(outer) for v in ins
                             for i in range(inner)))
    return _one(Shape(dims), dtype, value)


@register("Unpack", partial=True)
def unpack(node, ins):
    x = ins[0]
    num = _attr(node, "num", _n_out(node))
    if x.dims is None:
        return _out([UNKNOWN] * num, [x.dtype] * num)
    a = _axis(_attr(node, "axis", 0), len(x.dims))
    shape = Shape(x.dims[:a] + x.dims[a + 1:])
    values = [None] * num
    if x.value is not None and len(x.dims) == 1:
        if not _is_partial(x.value):
            values = [(v,) for v in x.value]
        elif isinstance(x.value, ShapeValue):  # tf.unstack(tf.shape(x))[i]: TF's constant
            values = [None if v is None else (v,) for v in x.value]
    return _out([shape] * num, [x.dtype] * num, values)


@register("Split")
def split(node, ins):
    axis_facts, x = ins[0], ins[1]
    num = _attr(node, "num_split", _n_out(node))
    a = _scalar(axis_facts)
    if x.dims is None or a is None:
        shape = UNKNOWN if x.dims is None else Shape((None,) * len(x.dims))
        return _out([shape] * num, [x.dtype] * num)
    a = _axis(a, len(x.dims))
    size = x.dims[a]
    if size is not None and size % num:
        raise ShapeError(f"cannot split size {size} into {num} parts")
    piece = Shape(x.dims[:a] + (None if size is None else size // num,) + x.dims[a + 1:])
    return _out([piece] * num, [x.dtype] * num)


@register("SplitV")
def split_v(node, ins):
    x, sizes, axis_facts = _inputs(node, ins, "value", "size_splits", "axis")
    num = _attr(node, "num_split", _n_out(node))
    a = _scalar(axis_facts)
    if x.dims is None:
        return _out([UNKNOWN] * num, [x.dtype] * num)
    if a is None:
        return _out([Shape((None,) * len(x.dims))] * num, [x.dtype] * num)
    a = _axis(a, len(x.dims))
    if sizes.value is None:
        piece = Shape(x.dims[:a] + (None,) + x.dims[a + 1:])
        return _out([piece] * num, [x.dtype] * num)
    parts = [int(s) for s in sizes.value]
    if parts.count(-1) == 1 and x.dims[a] is not None:
        parts[parts.index(-1)] = x.dims[a] - sum(p for p in parts if p != -1)
    shapes = [Shape(x.dims[:a] + (None if p < 0 else p,) + x.dims[a + 1:]) for p in parts]
    return _out(shapes, [x.dtype] * num)


@register("Slice", partial=True)
def slice_op(node, ins):
    """TF's SliceShape: with the sizes known, size -1 is the rest of the dim after begin (begin
    read as a partial shape); with sizes known only in part, those parts."""
    x, begin, size = _inputs(node, ins, "input", "begin", "size")
    rank = None
    for v in (begin, size):
        if v.dims is not None and len(v.dims) == 1 and v.dims[0] is not None:
            rank = v.dims[0]
    if x.dims is not None:
        if rank is not None and len(x.dims) != rank:
            raise ShapeError(f"Slice of a rank-{len(x.dims)} input with {rank} begin/size")
        rank = len(x.dims)
    starts = _shape_from_value(begin)
    sizes = _full(size.value)
    if sizes is not None:
        in_dims = x.dims if x.dims is not None else (None,) * len(sizes)
        starts_dims = starts.dims if starts.dims is not None else (None,) * len(sizes)
        dims = tuple((None if d is None or b is None else d - b) if n == -1 else int(n)
                     for d, b, n in zip(in_dims, starts_dims, sizes))
    else:
        wanted = _shape_from_value(size)
        if wanted.dims is not None:
            dims = wanted.dims
        else:
            return _one(UNKNOWN if rank is None else Shape((None,) * rank), x.dtype)
    value = None
    first = _full(begin.value)
    if x.value is not None and not _is_partial(x.value) and first is not None and \
            len(dims) == 1 and dims[0] is not None:
        value = x.value[first[0]:first[0] + dims[0]]
    return _one(Shape(tuple(dims)), x.dtype, value)


@register("StridedSlice", partial=True)
def strided_slice(node, ins):
    """TF's StridedSlice with begin/end/ellipsis/new_axis/shrink_axis masks (known specs).
    A slice of a partly known shape tensor keeps what is known of it (tf.shape(x)[1] is known
    when dim 1 of x is, as TF's constant evaluation finds)."""
    x = ins[0]
    begin, end, strides = (_whole(f) for f in ins[1:])
    spec_len = None if strides.value is None else len(strides.value)
    if x.dims is None or spec_len is None:
        return _one(UNKNOWN, x.dtype)
    # Unknown begin or end values: the dims they bound are unknown, the rest still follows.
    begins = begin.value if begin.value is not None else (None,) * spec_len
    ends = end.value if end.value is not None else (None,) * spec_len
    masks = {m: _attr(node, m, 0) for m in ("begin_mask", "end_mask", "ellipsis_mask",
                                             "new_axis_mask", "shrink_axis_mask")}
    dims: List[Dim] = []
    picked: List[Optional[Tuple[int, int, int]]] = []  # per input axis, for values
    axis = 0
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
        b, e, s = begins[i], ends[i], int(strides.value[i])
        if s == 0:
            raise ShapeError("StridedSlice stride 0")
        if masks["shrink_axis_mask"] & bit:
            if size is not None and b is not None:
                index = b + size if b < 0 else b
                if not 0 <= index < size:
                    raise ShapeError(f"StridedSlice index {b} out of range for size {size}")
                picked.append((index, index + 1, 1))
            axis += 1
            continue
        if size is None or (b is None and not masks["begin_mask"] & bit) or \
                (e is None and not masks["end_mask"] & bit):
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
        picked_values = x.value[start:stop:step]
        if not _is_partial(x.value):
            value = tuple(picked_values)
        elif masks["shrink_axis_mask"] == 1 and not (masks["begin_mask"] | masks["end_mask"] |
                                                     masks["ellipsis_mask"] |
                                                     masks["new_axis_mask"]):
            # tf.shape(x)[i]: a constant when dim i is known (TF's TryInferFromShapes).
            if isinstance(x.value, ShapeValue) and picked_values[0] is not None:
                value = tuple(picked_values)
        elif spec_len == 1 and masks["begin_mask"] in (0, 1) and masks["end_mask"] in (0, 1) \
                and not masks["shrink_axis_mask"] | masks["ellipsis_mask"] | \
                masks["new_axis_mask"]:
            # A 1-D slice of a partial shape is a partial shape (PartialStridedSliceShape).
            value = _partial_value(picked_values)
    return _one(Shape(tuple(dims)), x.dtype, value)


@register("Pad", "PadV2", "MirrorPad")
def pad(node, ins):
    """TF's PadShapeFn: paddings a [rank, 2] matrix (WithRank(paddings, 2), WithValue(Dim(
    paddings, 1), 2), its rows the input's rank) of non-negative ints ("Paddings must be
    non-negative")."""
    x, paddings = ins[0], ins[1]
    rows = None
    if paddings.dims is not None:
        if len(paddings.dims) != 2 or paddings.dims[1] not in (None, 2):
            raise ShapeError(f"{node.op}'s paddings must be a matrix of (before, after) rows, "
                             f"got shape {paddings.shape}")
        rows = paddings.dims[0]
    values = _int_values(paddings, f"{node.op}'s paddings")
    if values is not None and any(v < 0 for v in values):
        raise ShapeError(f"{node.op}'s paddings must be non-negative, got {list(values)}")
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if rows is not None and rows != len(x.dims):
        raise ShapeError(f"{node.op}'s paddings have {rows} row(s) for an input of rank "
                         f"{len(x.dims)} ({x.shape})")
    if values is None:
        return _one(Shape((None,) * len(x.dims)), x.dtype)
    p = [int(v) for v in values]
    dims = tuple(None if d is None else d + p[2 * i] + p[2 * i + 1]
                 for i, d in enumerate(x.dims))
    return _one(Shape(dims), x.dtype)


@register("Tile", partial=True)
def tile(node, ins):
    """TF reads multiples as a (partial) shape; dims multiply as InferenceContext::Multiply
    does (x * 1 is x even when x is unknown, x * 0 is 0)."""
    x, multiples = _inputs(node, ins, "input", "multiples")
    wanted = _shape_from_value(multiples)
    if wanted.dims is None:
        return _one(UNKNOWN if x.dims is None else Shape((None,) * len(x.dims)), x.dtype)
    dims = x.dims if x.dims is not None else (None,) * len(wanted.dims)
    if len(dims) != len(wanted.dims):
        raise ShapeError(f"Tile: {len(wanted.dims)} multiples for an input of rank {len(dims)}")
    return _one(Shape(tuple(_dim_mul(d, m) for d, m in zip(dims, wanted.dims))), x.dtype)


def _dim_mul(a: Dim, b: Dim) -> Dim:
    if a == 1:
        return b
    if b == 1:
        return a
    if a == 0 or b == 0:
        return 0
    return None if a is None or b is None else a * b


@register("Fill", partial=True)
def fill(node, ins):
    dims, value = ins[0], _whole(ins[1])
    shape = _shape_from_value(dims)
    out = None
    if shape.is_known and value.value is not None and not _is_partial(dims.value) and \
            shape.numel <= MAX_VALUE_ELEMENTS:
        out = tuple(value.value[0] for _ in range(shape.numel))
    return _one(shape, value.dtype, out)


@register("Range")
def range_op(node, ins):
    """TF's RangeSize: ceil(|limit - start| / |delta|) elements, computed in the tensor's own
    type (float32 arithmetic for a float32 range)."""
    dtype = _attr(node, "Tidx", ins[0].dtype)
    bounds = [v.value[0] if v.value is not None and len(v.value) == 1 else None for v in ins]
    if None in bounds or not bounds[2]:
        return _one(Shape((None,)), dtype)
    start, limit, delta = bounds
    if all(isinstance(b, int) for b in bounds):
        values = tuple(range(start, limit, delta))
        return _one(Shape((len(values),)), dtype, _small(values))
    import numpy

    kind = numpy.float32 if dtype == "float32" else numpy.float64
    start, limit, delta = (kind(b) for b in bounds)
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        raise ShapeError(f"Range from {start} to {limit} by {delta} is empty the wrong way")
    return _one(Shape((int(numpy.ceil(numpy.abs((limit - start) / delta))),)), dtype)


@register("BroadcastTo", partial=True)
def broadcast_to(node, ins):
    return _one(_shape_from_value(ins[1]), ins[0].dtype)


@register("BroadcastArgs")
def broadcast_args(node, ins):
    a, b = (_shape_from_value(v) for v in _inputs(node, ins, "s0", "s1"))
    shape = _broadcast_or_say(a, b, "BroadcastArgs shapes")
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
    picked = _int_values(indices, f"{node.op}'s indices")
    # An index outside the params is the kernel's error ("indices[0] = 4 is not in [0, 3)"),
    # when it runs: the shape stands, the value is left unknown.
    if params.value is not None and picked is not None and len(params.dims) == 1 and \
            all(0 <= i < len(params.value) for i in picked):
        value = tuple(params.value[int(i)] for i in picked)
    return _one(Shape(dims), params.dtype, value)


@register("GatherNd", "ResourceGatherNd")
def gather_nd(node, ins):
    # TF's GatherNdShape: indices[:-1] + params[indices[-1]:].
    params, indices = ins[0], ins[1]
    r = None if indices.dims is None or not indices.dims else indices.dims[-1]
    if params.dims is None or r is None:
        return _one(UNKNOWN, params.dtype)
    if r > len(params.dims):
        raise ShapeError(f"GatherNd: index depth {r} > params rank {len(params.dims)}")
    return _one(Shape(indices.dims[:-1] + params.dims[r:]), params.dtype)


@register("ScatterNd", partial=True)
def scatter_nd(node, ins):
    return _one(_shape_from_value(ins[2]), ins[1].dtype)


@register("ReverseV2", "Reverse")
def reverse(node, ins):
    return _one(ins[0].shape, ins[0].dtype)


@register("SegmentSum", "SegmentMean", "SegmentMax", "SegmentMin", "SegmentProd")
def segment_reduction(node, ins):
    # The number of segments is data: [?] + data.shape[1:].
    data = ins[0]
    if data.dims is None:
        return _one(UNKNOWN, data.dtype)
    return _one(Shape((None,) + data.dims[1:]), data.dtype)


@register("UnsortedSegmentSum", "UnsortedSegmentMax", "UnsortedSegmentMin",
          "UnsortedSegmentProd")
def unsorted_segment_reduction(node, ins):
    # TF's UnsortedSegmentReductionShapeFn: [num_segments] + data.shape[rank(segment_ids):].
    data, ids, count = _inputs(node, ins, "data", "segment_ids", "num_segments")
    if ids.dims is None or data.dims is None:
        return _one(UNKNOWN, data.dtype)
    return _one(Shape((_scalar(count),) + data.dims[len(ids.dims):]), data.dtype)


@register("MatrixDiag", "MatrixDiagV2", "MatrixDiagV3")
def matrix_diag(node, ins):
    """One diagonal (k = 0, the default sizes): [..., n] -> [..., n, n]; TF's MatrixDiagV2
    shape for other k and sizes is not followed here (unknown dims)."""
    diag = ins[0]
    if diag.dims is None or not diag.dims:
        return _one(UNKNOWN, diag.dtype)
    k = _full(ins[1].value) if len(ins) > 1 else (0,)
    sizes = [_scalar(v) for v in ins[2:4]] if len(ins) > 3 else [-1, -1]
    if k in ((0,), (0, 0)) and sizes == [-1, -1]:
        return _one(Shape(diag.dims + (diag.dims[-1],)), diag.dtype)
    return _one(Shape(diag.dims[:-1] + (None, None)), diag.dtype)


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


@register("SpaceToBatchND", "BatchToSpaceND")
def space_batch_nd(node, ins):
    """TF's SpaceToBatchShapeHelper / BatchToSpaceShapeHelper: M block dims after the batch;
    the batch grows (shrinks) by prod(block_shape), each block dim is padded then divided
    (multiplied then cropped)."""
    x, block, pads = _inputs(node, ins, "input", "block_shape",
                             "paddings" if node.op == "SpaceToBatchND" else "crops")
    if block.dims is None or len(block.dims) != 1 or block.dims[0] is None:
        raise ShapeError(f"{node.op} needs a block_shape vector of known length")
    m = block.dims[0]
    if x.dims is None:
        return _one(UNKNOWN, x.dtype)
    if len(x.dims) < m + 1:
        raise ShapeError(f"{node.op} needs an input of rank >= {m + 1}, got {x.shape}")
    to_batch = node.op == "SpaceToBatchND"
    blocks = None if block.value is None else [int(b) for b in block.value]
    batch = x.dims[0]
    if blocks is None:
        batch = None if m else batch
    elif batch is not None:
        product = _mul(*blocks)
        if not to_batch and batch % product:
            raise ShapeError(f"BatchToSpaceND: batch {batch} is not divisible by {product}")
        batch = batch * product if to_batch else batch // product
    spatial: List[Dim] = [None] * m
    if pads.value is not None and blocks is not None:
        p = [int(v) for v in pads.value]
        for i in range(m):
            d = x.dims[i + 1]
            if d is None:
                continue
            if to_batch:
                padded = d + p[2 * i] + p[2 * i + 1]
                if padded % blocks[i]:
                    raise ShapeError(f"SpaceToBatchND: padded size {padded} is not divisible "
                                     f"by block {blocks[i]}")
                spatial[i] = padded // blocks[i]
            else:
                spatial[i] = d * blocks[i] - p[2 * i] - p[2 * i + 1]
    return _one(Shape((batch,) + tuple(spatial) + x.dims[m + 1:]), x.dtype)


@register("SpaceToDepth", "DepthToSpace")
def space_depth(node, ins):
    """TF's SpaceToDepth/DepthToSpace shapes: block_size >= 2 (its OpDef), a rank-4 input
    (NHWC or NCHW); the block divides each spatial dim (the square of the block the depth)
    evenly ("Dimension size must be evenly divisible by 2 but is 5")."""
    x = ins[0]
    b = _attr(node, "block_size", 2)
    if b < 2:
        raise ShapeError(f"{node.op} block_size must be at least 2, got {b}")
    if x.dims is None or _attr(node, "data_format") == "NCHW_VECT_C":
        return _one(UNKNOWN, x.dtype)
    dims = list(_need_rank(node, x, 4).dims)
    channel_axis, spatial_axes = _layout(node, 2)
    to_depth = node.op == "SpaceToDepth"
    for axis in spatial_axes:
        dims[axis] = _evenly(node, dims[axis], b) if to_depth else _mul(dims[axis], b)
    c = dims[channel_axis]
    dims[channel_axis] = _mul(c, b * b) if to_depth else _evenly(node, c, b * b)
    return _one(Shape(tuple(dims)), x.dtype)


def _evenly(node: Node, size: Dim, by: int) -> Dim:
    if size is not None and size % by:
        raise ShapeError(f"{node.op}: dimension {size} is not evenly divisible by {by}")
    return None if size is None else size // by


@register("Where")
def where(node, ins):
    x = ins[0]
    return _one(Shape((None, x.rank)), "int64")  # how many are true is data


# ---------------------------------------------------------------- random, state, I/O

@register("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
          "StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal",
          "StatelessRandomUniformV2", "StatelessRandomNormalV2", partial=True)
def random_op(node, ins):
    dtype = _attr(node, "dtype", ins[1].dtype if node.op == "RandomUniformInt" else "float32")
    return _one(_shape_from_value(ins[0]), dtype)


@register("Assign", "AssignAdd", "AssignSub")
def assign(node, ins):
    ref, value = ins[0], ins[1]
    return _one(ref.shape if ref.dims is not None else value.shape, ref.dtype)


OPTIMIZERS = ("GradientDescent", "ProximalGradientDescent", "Adadelta", "Adagrad", "AdagradV2",
              "ProximalAdagrad", "AdagradDA", "Ftrl", "FtrlV2", "Momentum", "KerasMomentum",
              "Adam", "AdamWithAmsgrad", "AdaMax", "RMSProp", "CenteredRMSProp", "AddSign",
              "PowerSign")
RESOURCE_UPDATES = tuple(f"Resource{kind}Apply{name}" for kind in ("", "Sparse")
                         for name in OPTIMIZERS)


@register(*(f"{kind}Apply{name}" for kind in ("", "Sparse") for name in OPTIMIZERS))
def apply_update(node, ins):
    # Ref-variable optimizer updates output the updated variable.
    var = ins[0]
    return _one(var.shape, var.dtype)


@register(*RESOURCE_UPDATES)
def resource_update(node, ins):
    return _out([UNKNOWN] * _n_out(node))  # no outputs; they act on the variable


def _list_element_shape(facts: TensorFacts) -> Shape:
    """element_shape input of the TensorList ops: a (partial) shape, a scalar -1 unknown
    (MakeShapeFromShapeTensorTreatScalarAsUnknownShape)."""
    if facts.dims is not None and len(facts.dims) == 0:
        return UNKNOWN
    return _shape_from_value(facts)


def _list_handle(shape: Shape):
    return (shape,)


def _held(facts: TensorFacts) -> Shape:
    return facts.value[0] if _is_handle(facts.value) else UNKNOWN


@register("TensorListReserve", "EmptyTensorList", partial=True)
def tensor_list_reserve(node, ins):
    return _one(Shape(()), "variant", _list_handle(_list_element_shape(ins[0])))


@register("TensorListFromTensor", partial=True)
def tensor_list_from_tensor(node, ins):
    x, element = ins[0], _list_element_shape(ins[1])
    held = UNKNOWN if x.dims is None else Shape(x.dims[1:])
    return _one(Shape(()), "variant", _list_handle(_merge_shapes(held, element)))


@register("TensorListSetItem", "TensorListPushBack")
def tensor_list_set_item(node, ins):
    item = ins[-1]
    held = _held(ins[0])
    merged = held if item.dims is None else _merge_shapes(held, item.shape) \
        if held.dims is None or len(held.dims) == len(item.dims) else held
    return _one(Shape(()), "variant", _list_handle(merged))


@register("TensorListGetItem", partial=True)
def tensor_list_get_item(node, ins):
    shape = _merge_shapes(_held(ins[0]), _list_element_shape(ins[2]))
    return _one(shape, _attr(node, "element_dtype", "float32"))


@register("TensorListStack", partial=True)
def tensor_list_stack(node, ins):
    element = _merge_shapes(_held(ins[0]), _list_element_shape(ins[1]))
    count = _attr(node, "num_elements", -1)
    if element.dims is None:
        return _one(UNKNOWN, _attr(node, "element_dtype", "float32"))
    return _one(Shape((None if count < 0 else count,) + element.dims),
                _attr(node, "element_dtype", "float32"))


@register("TensorListPopBack", partial=True)
def tensor_list_pop_back(node, ins):
    element = _merge_shapes(_held(ins[0]), _list_element_shape(ins[1]))
    return _out([Shape(()), element][:_n_out(node)],
                ["variant", _attr(node, "element_dtype", "float32")][:_n_out(node)],
                [ins[0].value, None][:_n_out(node)])


@register("TensorListLength")
def tensor_list_length(node, ins):
    return _one(Shape(()), "int32")


@register("TensorListElementShape")
def tensor_list_element_shape(node, ins):
    held = _held(ins[0])
    return _one(Shape((None if held.dims is None else len(held.dims),)),
                _attr(node, "shape_type", "int32"), _shape_value(held) if held.dims else None)


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
