"""The TensorFlow shape registry (TF_SHAPES), `register`, and the helpers the op families
share: attr and input readers, rank and axis checks, constant and partial values (described in
netcost/shapes/tensorflow.py), broadcasting, merging of dims and shapes, data layouts and
window sizes.
"""
from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

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
            # type(ins): the engine's counted-inputs list, when it reruns a failed rule,
            # must reach the rule as such to name the input it lacks.
            ins = type(ins)([_whole(f) for f in ins])
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


def _text_attr(node: Node, name: str, default: Optional[str], kind: str = "a string"):
    """A string or type attr (data_format, DstT): the OpDef types it, and TF's graph
    construction refuses another kind of value ("AttrValue had value with type 'float'
    when 'string' expected"). None only when absent without a default."""
    value = _attr(node, name, default)
    if value is not None and not isinstance(value, str):
        raise ShapeError(f"{node.op}'s {name} attr is {value!r}, not {kind}")
    return value


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
    fmt = _text_attr(node, "data_format", "NHWC" if spatial == 2 else "NDHWC")
    if fmt.startswith("NC"):
        return 1, list(range(2, 2 + spatial))
    return 1 + spatial, list(range(1, 1 + spatial))


def _window_out(size: Dim, k: int, s: int, d: int, padding: str,
                explicit: Tuple[int, int] = (0, 0)) -> Dim:
    """TF's GetWindowedOutputSize: SAME ceil(in / s); VALID ceil((in - (k-1)d) / s)."""
    if s < 1:  # GetWindowedOutputSize: "Stride must be > 0, but got 0"
        raise ShapeError(f"stride must be > 0, got {s}")
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


def _is_handle(value) -> bool:
    """A resource/variant handle's value: what it holds (a variable's or list element's
    Shape), TF's handle data."""
    return bool(value) and isinstance(value[0], Shape)


def _merge_shapes(a: Shape, b: Shape) -> Shape:
    """TF's InferenceContext::Merge of two shapes."""
    if a.dims is None:
        return b
    if b.dims is None:
        return a
    if len(a.dims) != len(b.dims):
        raise ShapeError(f"shapes {a} and {b} differ in rank")
    return Shape(tuple(_merge_dim(x, y, "dims") for x, y in zip(a.dims, b.dims)))


def _broadcast_or_say(a: Shape, b: Shape, what: str) -> Shape:
    """broadcast(a, b), an error naming both shapes (TF's BroadcastBinaryOpOutputShapeFn:
    "Dimensions must be equal, but are 3 and 2")."""
    try:
        return broadcast(a, b)
    except ShapeError:
        raise ShapeError(f"{what} do not broadcast: {a} vs {b}") from None


def _merge_dim(a: Dim, b: Dim, what: str) -> Dim:
    """TF's InferenceContext::Merge of two dims: the known one; both known must agree."""
    if a is None:
        return b
    if b is not None and a != b:
        raise ShapeError(f"{what} differ: {a} vs {b}")
    return a
