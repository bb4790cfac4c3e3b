"""TensorFlow shape rules of ops that read, compute or rearrange shapes: Shape, ShapeN, Size,
Rank, Reshape, Squeeze, ExpandDims, InvertPermutation, ListDiff, ConcatOffset, Transpose, Fill,
Range, BroadcastTo, BroadcastArgs, SpaceToBatchND/BatchToSpaceND and SpaceToDepth/DepthToSpace.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Shape
from .tf_common import (MAX_VALUE_ELEMENTS, UNKNOWN, _attr, _axis, _broadcast_or_say, _inputs,
                        _int_values, _ints, _is_partial, _layout, _n_out, _need_rank, _one, _out,
                        _scalar, _shape_from_value, _shape_value, _small, _value_of_shape,
                        _whole, _with_rank, register)


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
    # Two outputs, whatever the graph reads: reading a third is the engine's error to report.
    n = _n_out(node)
    return _out([Shape((None,)), Shape((None,))][:n], [x.dtype, out_idx][:n], values[:n])


@register("ConcatOffset")
def concat_offset(node, ins):
    """Where each ConcatV2 input starts in the output (concat's gradient): one vector per
    shape input, all zeros but the running offset on the concat axis."""
    if len(ins) < 3:  # array_ops.cc: concat_dim and N >= 2 shapes
        raise ShapeError(f"ConcatOffset takes the concat axis and two or more shapes, got "
                         f"{len(ins)} input(s)")
    axis, shapes = _scalar(ins[0]), ins[1:]
    values: List[Optional[tuple]] = [None] * len(shapes)
    if axis is not None and all(s.value is not None for s in shapes):
        rank = len(shapes[0].value)
        for i, s in enumerate(shapes[1:], start=1):  # the kernel's check, on known values
            if len(s.value) != rank:
                raise ShapeError(f"ConcatOffset's shape {i} has {len(s.value)} elements, "
                                 f"shape 0 has {rank}")
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
    order = [int(p) for p in _int_values(perm, f"{node.op}'s perm")]
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
        # The length in closed form (len(range) overflows past 2**63): the values are
        # built only when small enough to be tracked, never in proportion to the size.
        length = max(0, -((start - limit) // delta))
        values = tuple(range(start, limit, delta)) if length <= MAX_VALUE_ELEMENTS else None
        return _one(Shape((length,)), dtype, values)
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
