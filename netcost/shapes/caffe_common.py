"""The Caffe shape registry (CAFFE_SHAPES), `register`, and the helpers the layer families
share: attr and bottom/top readers, axis and value checks, parameter blobs, channels and
same-shape checks.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..errors import ShapeError
from ..ir import Dim, Node, Param, Shape
from .engine import ShapeRegistry

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


def _channels(shape: Shape, axis: int = 1) -> Dim:
    if shape.dims is None:
        return None
    return shape.dims[_axis(axis, len(shape.dims))] if shape.dims else 1


def _check_same(a: Shape, b: Shape, what: str) -> None:
    if a.dims is None or b.dims is None:
        return
    if len(a.dims) != len(b.dims) or any(x is not None and y is not None and x != y
                                         for x, y in zip(a.dims, b.dims)):
        raise ShapeError(f"{what} differ in shape: {a} vs {b}")
