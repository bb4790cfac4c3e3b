"""TensorFlow shape rules of matrix products (MatMul, BatchMatMul, Einsum) and reductions
(Sum, Mean..., ArgMax/ArgMin, TopK, segment reductions).
"""
from __future__ import annotations

from typing import List, Optional

from ..errors import ShapeError
from ..ir import Dim, Node, Shape, TensorFacts
from .tf_common import (UNKNOWN, _attr, _axis, _inputs, _int_values, _merge_dim, _one, _out,
                        _scalar, _with_rank, broadcast, register)


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
