"""The intermediate representation every frontend produces and every later stage reads.

Plain frozen dataclasses with no protobuf inside. A dimension may be unknown (None) and a
shape may have unknown rank (dims is None); nothing downstream guesses an unknown value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

from .record import cached, record

Dim = Optional[int]


@record
class Shape:
    dims: Optional[Tuple[Dim, ...]]  # None: even the rank is unknown

    @staticmethod
    def unknown() -> "Shape":
        return UNKNOWN_SHAPE

    @staticmethod
    def of(*dims: Dim) -> "Shape":
        return Shape(tuple(dims))

    @property
    def rank(self) -> Optional[int]:
        return None if self.dims is None else len(self.dims)

    # Cached: the cost engine, memory planner and reports ask every tensor for these many
    # times.
    @cached
    def is_known(self) -> bool:
        return self.dims is not None and None not in self.dims

    @cached
    def numel(self) -> Optional[int]:
        """Element count as an exact int, or None when any dim is unknown."""
        if self.dims is None or None in self.dims:
            return None
        n = 1
        for d in self.dims:
            n *= d
        return n

    def __str__(self) -> str:
        if self.dims is None:
            return "?"
        if not self.dims:
            return "scalar"
        return "x".join("?" if d is None else str(d) for d in self.dims)

    def to_json(self):
        return None if self.dims is None else list(self.dims)


UNKNOWN_SHAPE = Shape(None)


@record
class TensorFacts(Shape):
    """What shape inference knows of a tensor: its shape, dtype and, for small constant
    integer tensors (shapes, axes, paddings), its values (flat, row-major), so that shape
    arithmetic in graphs (Shape -> StridedSlice -> Pack -> Reshape) resolves statically."""

    dtype: str = "float32"
    value: Optional[Tuple[Any, ...]] = None

    @property
    def shape(self) -> Shape:
        return Shape(self.dims)


@record
class Tensor:
    name: str
    shape: Shape = UNKNOWN_SHAPE
    dtype: str = "float32"
    value: Optional[Tuple[Any, ...]] = None  # small constant integer values, when known


@record
class Param:
    """A tensor stored with the model.

    learnable=False marks stored values that training does not learn by gradient,
    e.g. Caffe BatchNorm's running mean, variance and moving-average factor.
    """

    name: str
    shape: Shape
    learnable: bool = True
    dtype: str = "float32"


@record
class Node:
    name: str
    op: str  # the framework's own op/layer type name, e.g. "Convolution" or "Conv2D"
    attrs: Mapping[str, Any] = field(default_factory=dict)  # format defaults filled in
    inputs: Tuple[str, ...] = ()  # tensor names
    outputs: Tuple[str, ...] = ()  # tensor names, unique in the graph
    params: Tuple[Param, ...] = ()
    in_place: bool = False  # Caffe: top == bottom in the file; memory is shared
    shape_note: Optional[str] = None  # why output shapes are (partly) unknown, if they are
    control_inputs: Tuple[str, ...] = ()  # TF `^node` inputs: order only, no data
    known_op: bool = True  # False: no rule knows this op; its params and costs are unknown
    derived: Mapping[str, Any] = field(default_factory=dict)  # geometry from shape inference


def evolve(obj, **changes):
    """A copy of a frozen dataclass instance with some fields changed: dataclasses.replace
    without its per-field re-validation, which dominated per-node passes on huge graphs.
    For dataclasses without __post_init__ or __slots__ (every IR class here). Copying the
    instance dict costs the copy Python's compact attribute storage (about 180 bytes more
    per node) but a third of the time of building it through __init__."""
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__)
    copy.__dict__.update(changes)
    return copy


@dataclass(frozen=True)
class Graph:
    name: str
    framework: str
    nodes: Tuple[Node, ...]  # topological order
    tensors: Mapping[str, Tensor]
    inputs: Tuple[str, ...]  # tensor names fed from outside
    outputs: Tuple[str, ...]  # tensor names no node consumes
    source: str = ""
    warnings: Tuple[str, ...] = ()

    def tensor(self, name: str) -> Tensor:
        return self.tensors[name]

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)
