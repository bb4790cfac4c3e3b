"""Caffe shape rules of SSD's detection layers: PriorBox, DetectionOutput and
DetectionEvaluate.
"""
from __future__ import annotations

from typing import Sequence

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Node, Shape
from .caffe_common import _attr, register
from .engine import ShapeResult


@register("PriorBox")
def prior_box(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """SSD fork: 1 x 2 x (H*W*num_priors*4): boxes and their variances. Priors per cell:
    aspect ratios (1 first, duplicates dropped, flipped when flip) per min size, plus one
    per max size."""
    if len(ins) != 2:
        raise ShapeError(f"PriorBox needs 2 bottoms (feature map, image), got {len(ins)}")
    p = _attr(node, "prior_box_param")
    min_sizes = p.get("min_size") or []
    if not min_sizes:
        raise ShapeError("PriorBox needs min_size")
    ratios = [1.0]
    for r in p.get("aspect_ratio") or []:
        for value in ([r, 1.0 / r] if p.get("flip", True) else [r]):
            if all(abs(value - seen) >= 1e-6 for seen in ratios):
                ratios.append(value)
    max_sizes = p.get("max_size") or []
    if max_sizes and len(max_sizes) != len(min_sizes):
        raise ShapeError("PriorBox needs as many max_size as min_size")
    priors = len(min_sizes) * len(ratios) + len(max_sizes)
    fmap = ins[0]
    if fmap.dims is None or len(fmap.dims) < 4:
        return ShapeResult([Shape((1, 2, None))])
    return ShapeResult([Shape((1, 2, _mul(fmap.dims[2], fmap.dims[3], priors, 4)))])


@register("DetectionOutput")
def detection_output(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: 1 x 1 x (detections kept) x 7; the count depends on the image.
    return ShapeResult([Shape((1, 1, None, 7))],
                       note="DetectionOutput keeps a data-dependent number of boxes")


@register("DetectionEvaluate")
def detection_evaluate(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    return ShapeResult([Shape((1, 1, None, 5))],
                       note="DetectionEvaluate emits a data-dependent number of rows")
