"""Caffe shape rules of layers that rearrange, cut or resize blobs: Concat, Slice, Flatten,
Reshape, Crop, Reduction, Tile, ArgMax, BatchReindex, Filter, Permute, Interp and Upsample.
"""
from __future__ import annotations

from typing import List, Sequence

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Dim, Node, Shape
from .caffe_common import UNKNOWN, _attr, _axis, _first, _need_tops, _same, register
from .engine import ShapeResult


@register("Concat")
def concat(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "concat_param")
    # Legacy concat_dim wins only when written in the file (it has a default of 1 too).
    axis = p.get("axis", 1)
    if p.get("concat_dim") not in (None, 1):
        axis = p["concat_dim"]
    if any(s.dims is None for s in ins):
        return ShapeResult([UNKNOWN])
    rank = len(shape.dims)
    axis = _axis(axis, rank, "concat axis")
    total: Dim = 0
    for other in ins:
        if len(other.dims) != rank:
            raise ShapeError(f"Concat inputs differ in rank: {shape} vs {other}")
        for i, (a, b) in enumerate(zip(shape.dims, other.dims)):
            if i != axis and a is not None and b is not None and a != b:
                raise ShapeError(f"Concat inputs differ outside axis {axis}: {shape} vs {other}")
        size = other.dims[axis]
        total = None if total is None or size is None else total + size
    return ShapeResult([Shape(shape.dims[:axis] + (total,) + shape.dims[axis + 1:])])


@register("Slice")
def slice_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "slice_param")
    axis = p.get("axis", 1)
    if p.get("slice_dim") not in (None, 1):
        axis = p["slice_dim"]
    tops = _need_tops(node)  # slice_layer.hpp: MinTopBlobs() is 1
    if shape.dims is None:
        return ShapeResult(_same(UNKNOWN, tops))
    axis = _axis(axis, len(shape.dims), "slice axis")
    size = shape.dims[axis]
    points = p.get("slice_point") or []
    if points:
        if len(points) != tops - 1:
            raise ShapeError(f"{len(points)} slice points for {tops} tops (need {tops - 1})")
        bounds = [0] + list(points) + [size]
        if any(b is not None and a is not None and b <= a for a, b in zip(bounds, bounds[1:])):
            raise ShapeError(f"slice points {points} are not increasing inside size {size}")
        sizes = [None if b is None else b - a for a, b in zip(bounds, bounds[1:])]
    else:
        if size is not None and size % tops:
            raise ShapeError(f"cannot split size {size} evenly into {tops} tops")
        sizes = [None if size is None else size // tops] * tops
    return ShapeResult([Shape(shape.dims[:axis] + (s,) + shape.dims[axis + 1:]) for s in sizes])


@register("Flatten")
def flatten(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    p = _attr(node, "flatten_param")
    rank = len(shape.dims)
    start = _axis(p.get("axis", 1), rank)
    end = _axis(p.get("end_axis", -1), rank)
    merged = _mul(*shape.dims[start:end + 1])
    return ShapeResult([Shape(shape.dims[:start] + (merged,) + shape.dims[end + 1:])])


@register("Reshape")
def reshape(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """Caffe reshape: 0 copies the input dim at that position, one -1 is inferred; only axes
    axis..axis+num_axes of the input are replaced."""
    shape = _first(ins, node)
    p = _attr(node, "reshape_param")
    spec = list((p.get("shape") or {}).get("dim") or [])
    if spec.count(-1) > 1:
        raise ShapeError("reshape may infer at most one dimension (-1)")
    if any(d < -1 for d in spec):
        raise ShapeError(f"reshape dims must be >= -1, got {spec}")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    rank = len(shape.dims)
    axis = p.get("axis", 0)
    start = axis + rank + 1 if axis < 0 else axis
    if not 0 <= start <= rank:
        raise ShapeError(f"reshape axis {axis} out of range for rank {rank}")
    num_axes = p.get("num_axes", -1)
    end = rank if num_axes == -1 else start + num_axes
    if num_axes < -1 or end > rank:
        raise ShapeError(f"reshape num_axes {num_axes} out of range")
    replaced = shape.dims[start:end]
    new: List[Dim] = []
    for i, d in enumerate(spec):
        if d == 0:
            if i >= len(replaced):
                raise ShapeError(f"reshape dim {i} is 0 (copy) but the input has no axis there")
            new.append(replaced[i])
        else:
            new.append(d)
    if -1 in new:
        total = _mul(*replaced)
        known = _mul(*[d for d in new if d != -1])
        if total is None or known is None:
            new[new.index(-1)] = None
        else:
            if known == 0 or total % known:
                raise ShapeError(f"cannot reshape {shape} into {spec}: {total} elements")
            new[new.index(-1)] = total // known
    else:
        total, count = _mul(*replaced), _mul(*new)
        if total is not None and count is not None and total != count:
            raise ShapeError(f"cannot reshape {shape} into {spec}: element counts "
                             f"{total} and {count} differ")
    return ShapeResult([Shape(shape.dims[:start] + tuple(new) + shape.dims[end:])])


@register("Crop")
def crop(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Dims from `axis` on take the reference blob's (bottom 1) sizes, after the offsets.
    if len(ins) != 2:
        raise ShapeError(f"Crop needs 2 bottoms (to crop, reference), got {len(ins)}")
    data, ref = ins
    if data.dims is None or ref.dims is None:
        return ShapeResult([UNKNOWN])
    if len(data.dims) != len(ref.dims):
        raise ShapeError(f"Crop bottoms differ in rank: {data} vs {ref}")
    p = _attr(node, "crop_param")
    rank = len(data.dims)
    axis = _axis(p.get("axis", 2), rank, "crop axis")
    offsets = p.get("offset") or []
    if offsets and len(offsets) not in (1, rank - axis):
        raise ShapeError(f"{len(offsets)} crop offsets for {rank - axis} cropped axes")
    dims = list(data.dims)
    for i in range(axis, rank):
        offset = offsets[0] if len(offsets) == 1 else (offsets[i - axis] if offsets else 0)
        if data.dims[i] is not None and ref.dims[i] is not None and \
                data.dims[i] < ref.dims[i] + offset:
            raise ShapeError(f"cannot crop axis {i} of {data} to {ref.dims[i]} at offset "
                             f"{offset}")
        dims[i] = ref.dims[i]
    return ShapeResult([Shape(tuple(dims))])


@register("Reduction")
def reduction(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Reduces all axes from `axis` on: output is shape[:axis] (a scalar for axis 0).
    shape = _first(ins, node)
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    axis = _axis(_attr(node, "reduction_param").get("axis", 0), len(shape.dims))
    return ShapeResult([Shape(shape.dims[:axis])])


@register("Tile")
def tile(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "tile_param")
    tiles = p.get("tiles")
    if tiles is None or tiles <= 0:
        raise ShapeError("tiles must be set and positive")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    axis = _axis(p.get("axis", 1), len(shape.dims))
    dims = list(shape.dims)
    dims[axis] = _mul(dims[axis], tiles)
    return ShapeResult([Shape(tuple(dims))])


@register("ArgMax")
def argmax(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "argmax_param")
    top_k = p.get("top_k", 1)
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if p.get("axis") is not None:
        axis = _axis(p["axis"], len(shape.dims))
        if shape.dims[axis] is not None and top_k > shape.dims[axis]:
            raise ShapeError(f"top_k {top_k} exceeds the axis size {shape.dims[axis]}")
        dims = list(shape.dims)
        dims[axis] = top_k
        return ShapeResult([Shape(tuple(dims))])
    # Without an axis Caffe takes the top_k of each item's values flattened (count(1): the
    # blob needs an axis) and emits N x (1 or 2 with max values) x top_k, padded to rank 3+.
    if not shape.dims:
        raise ShapeError(f"ArgMax without an axis needs an input of rank 1 or more (each "
                         f"item's values flattened), got {shape}")
    per_item = _mul(*shape.dims[1:])
    if per_item is not None and top_k > per_item:
        raise ShapeError(f"top_k {top_k} exceeds the {per_item} values of each item of the "
                         f"input {shape}")
    dims = [1] * max(3, len(shape.dims))
    dims[0] = shape.dims[0]
    dims[1] = 2 if p.get("out_max_val") else 1
    dims[2] = top_k
    return ShapeResult([Shape(tuple(dims))])


@register("BatchReindex")
def batch_reindex(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    data, index = ins[0], ins[1]
    if data.dims is None or index.dims is None:
        return ShapeResult([UNKNOWN])
    return ShapeResult([Shape(index.dims[:1] + data.dims[1:])])


@register("Filter")
def filter_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # How many items pass the selector is only known at run time.
    outputs = [UNKNOWN if s.dims is None else Shape((None,) + s.dims[1:])
               for s in ins[:len(node.outputs)]]
    return ShapeResult(outputs, note="Filter keeps a data-dependent number of items")


@register("Permute")
def permute(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: `order` lists the new axis order; axes it does not name follow in order.
    shape = _first(ins, node)
    order = list(_attr(node, "permute_param").get("order") or [])
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    rank = len(shape.dims)
    if any(not 0 <= o < rank for o in order) or len(set(order)) != len(order):
        raise ShapeError(f"permute order {order} is not a permutation of {rank} axes")
    order += [i for i in range(rank) if i not in order]
    return ShapeResult([Shape(tuple(shape.dims[o] for o in order))])


@register("Interp")
def interp(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """PSPNet/DeepLab fork: bilinear resize. Effective input = in + pad_beg + pad_end (pads
    are <= 0); shrink gives (in-1)/shrink+1; zoom gives in + (in-1)*(zoom-1); or an explicit
    height/width; or the size of a second bottom."""
    shape = _first(ins, node)
    p = _attr(node, "interp_param")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if len(shape.dims) != 4:
        raise ShapeError(f"Interp needs a 4-D input, got {shape}")
    n, c, h, w = shape.dims
    pad_beg, pad_end = p.get("pad_beg", 0), p.get("pad_end", 0)
    if pad_beg > 0 or pad_end > 0:
        raise ShapeError("Interp pad_beg and pad_end must be <= 0")
    h = None if h is None else h + pad_beg + pad_end
    w = None if w is None else w + pad_beg + pad_end
    shrink, zoom = p.get("shrink_factor", 1), p.get("zoom_factor", 1)
    explicit_shrink = p.get("shrink_factor") not in (None, 1)
    explicit_zoom = p.get("zoom_factor") not in (None, 1)
    for name, factor, given in (("shrink_factor", shrink, explicit_shrink),
                                ("zoom_factor", zoom, explicit_zoom)):
        if given and factor < 1:  # interp_layer.cpp: CHECK_GE(factor, 1)
            raise ShapeError(f"Interp {name} must be positive, got {factor}")

    def shrunk(x):
        return None if x is None else (x - 1) // shrink + 1

    def zoomed(x):
        return None if x is None else x + (x - 1) * (zoom - 1)

    if explicit_shrink and explicit_zoom:
        oh, ow = zoomed(shrunk(h)), zoomed(shrunk(w))
    elif explicit_zoom:
        oh, ow = zoomed(h), zoomed(w)
    elif explicit_shrink:
        oh, ow = shrunk(h), shrunk(w)
    elif p.get("height") and p.get("width"):
        oh, ow = p["height"], p["width"]
    elif len(ins) == 2:
        oh, ow = _legacy_height_width(ins[1], "Interp's second bottom")
    else:
        raise ShapeError("Interp needs zoom_factor, shrink_factor, height/width or a "
                         "second bottom")
    return ShapeResult([Shape((n, c, oh, ow))])


def _legacy_height_width(shape: Shape, what: str):
    """A blob's height() and width(): Caffe's Blob::LegacyShape takes blobs of at most 4 axes
    ("Cannot use legacy accessors on Blobs with > 4 axes") and reads an axis the blob lacks
    as 1."""
    if shape.dims is None:
        return None, None
    if len(shape.dims) > 4:
        raise ShapeError(f"{what} {shape} has more than 4 axes: Caffe reads its height and "
                         f"width with the legacy 4-D accessors")
    dims = shape.dims + (1,) * (4 - len(shape.dims))
    return dims[2], dims[3]


@register("Upsample")
def upsample(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """SegNet-style fork: out = in * scale (scale_h/scale_w), or upsample_h/upsample_w, minus
    one where pad_out_h/pad_out_w is set; a second bottom (pooling mask) may give the size."""
    shape = _first(ins, node)
    p = _attr(node, "upsample_param")
    if shape.dims is None:
        return ShapeResult([UNKNOWN])
    if len(shape.dims) != 4:
        raise ShapeError(f"Upsample needs a 4-D input, got {shape}")
    n, c, h, w = shape.dims
    if p.get("upsample_h") and p.get("upsample_w"):
        return ShapeResult([Shape((n, c, p["upsample_h"], p["upsample_w"]))])
    scale = p.get("scale", 2)
    sh = p.get("scale_h") or scale
    sw = p.get("scale_w") or scale
    oh = None if h is None else h * sh - (1 if p.get("pad_out_h") else 0)
    ow = None if w is None else w * sw - (1 if p.get("pad_out_w") else 0)
    return ShapeResult([Shape((n, c, oh, ow))])
