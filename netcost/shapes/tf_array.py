"""TensorFlow shape rules of ops that join, split, slice, pad, tile or pick from tensors: Concat,
Pack/Unpack, Split, Slice, StridedSlice and its gradient, Pad, Tile, Gather, GatherNd, ScatterNd,
Reverse, MatrixDiag, OneHot and Where.
"""
from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Shape, TensorFacts
from .tf_common import (MAX_RANK, UNKNOWN, ShapeValue, _attr, _axis, _full, _inputs, _int_values,
                        _is_partial, _merge_dim, _n_out, _one, _out, _partial_value, _scalar,
                        _shape_from_value, _small, _whole, register)


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
    if x.dims[a] is not None and x.dims[a] != num:  # TF's UnpackShape: WithValue(dim, num)
        raise ShapeError(f"Unpack into {num} tensors needs axis {a} of size {num}, got "
                         f"{x.shape}")
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
    if len(parts) != num:  # TF's SplitV shape function
        raise ShapeError(f"SplitV has num_split {num} but {len(parts)} size_splits")
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
    x, begin, end, strides = _inputs(node, ins, "input", "begin", "end", "strides")
    begin, end, strides = _whole(begin), _whole(end), _whole(strides)
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


@register("StridedSliceGrad", partial=True)
def strided_slice_grad(node, ins):
    return _one(_shape_from_value(ins[0]), ins[4].dtype)


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


@register("Where")
def where(node, ins):
    x = ins[0]
    return _one(Shape((None, x.rank)), "int64")  # how many are true is data
