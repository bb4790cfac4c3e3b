"""Caffe shape rules of the layers that bring blobs into a net: Input, the data layers (Data,
ImageData, WindowData, MemoryData, DummyData, HDF5Data, SSD's AnnotatedData), Parameter and
Python.
"""
from __future__ import annotations

from typing import Optional, Sequence

from ..errors import ShapeError
from ..ir import Node, Shape
from .caffe_common import UNKNOWN, _attr, _need_tops, _same, _w, register
from .engine import ShapeResult


def _blob_shape(shape: dict) -> Shape:
    return Shape(tuple(shape.get("dim") or []))


@register("Input")
def input_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shapes = _attr(node, "input_param").get("shape") or []
    tops = len(node.outputs)
    if not shapes:
        return ShapeResult(_same(UNKNOWN, tops), note="Input layer gives no shape")
    if len(shapes) not in (1, tops):
        raise ShapeError(f"Input layer has {len(shapes)} shapes for {tops} tops")
    result = [_blob_shape(s) for s in (shapes * tops if len(shapes) == 1 else shapes)]
    for s in result:
        if any(d < 0 for d in s.dims):
            raise ShapeError(f"Input shape {s} has a negative dimension")
    return ShapeResult(result)


def _crop_or_resize(transform: dict, height: Optional[int], width: Optional[int]):
    crop_size = transform.get("crop_size") or 0
    if crop_size:
        return crop_size, crop_size
    return height, width


def _transform_channels(transform: dict) -> Optional[int]:
    if transform.get("force_color"):
        return 3
    if transform.get("force_gray"):
        return 1
    means = transform.get("mean_value") or []
    return len(means) if len(means) > 1 else None  # one mean value fits any channel count


def _data_outputs(node: Node, image: Shape, label: Shape, note: Optional[str]) -> ShapeResult:
    outputs = [image] + [label] * (len(node.outputs) - 1)
    return ShapeResult(outputs, note=note if not image.is_known else None)


@register("Data")
def data_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Channels and size are stored in the database, not in the net; crop_size, force_color
    # or several mean values reveal some of them.
    _need_tops(node)  # data_layer.hpp: MinTopBlobs() is 1 (the images; then the labels)
    p = _attr(node, "data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size")
    declared = (_attr(node, "input_param").get("shape") or [])
    if declared:
        # Caffe itself ignores it, but files written for viewers (Netscope presets) state
        # the image shape of a Data layer this way; it is the only size the file gives.
        image = _blob_shape(declared[0])
        return _data_outputs(node, image, Shape((image.dims[0] if image.dims else batch,)), None)
    h, w = _crop_or_resize(transform, None, None)
    image = Shape((batch, _transform_channels(transform), h, w))
    return _data_outputs(node, image, Shape((batch,)),
                         f"Data layer reads image sizes from its database "
                         f"'{p.get('source') or '?'}'; give --input {node.outputs[0]}=NxCxHxW")


@register("ImageData")
def image_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # image_data_layer.hpp: ExactNumTopBlobs() is 2 (images, labels); forks vary the
    # count, so only the images' top is required here.
    _need_tops(node)
    p = _attr(node, "image_data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size", 1)
    channels = 3 if p.get("is_color", True) else 1
    h, w = _crop_or_resize(transform, p.get("new_height") or None, p.get("new_width") or None)
    image = Shape((batch, channels, h, w))
    return _data_outputs(node, image, Shape((batch,)),
                         f"ImageData images keep their file sizes; give --input "
                         f"{node.outputs[0]}=NxCxHxW")


@register("WindowData")
def window_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    p = _attr(node, "window_data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size")
    crop = transform.get("crop_size") or p.get("crop_size") or None
    image = Shape((batch, 3, crop, crop))
    return _data_outputs(node, image, Shape((batch,)), "WindowData needs crop_size for its size")


@register("MemoryData")
def memory_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    p = _attr(node, "memory_data_param")
    batch = p.get("batch_size")
    image = Shape((batch, p.get("channels"), p.get("height"), p.get("width")))
    return _data_outputs(node, image, Shape((batch,)), "MemoryData sizes not all given")


@register("DummyData")
def dummy_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    p = _attr(node, "dummy_data_param")
    tops = len(node.outputs)
    shapes = [_blob_shape(s) for s in p.get("shape") or []]
    if not shapes:  # legacy num/channels/height/width lists
        nums = p.get("num") or []
        legacy = [p.get(f) or [] for f in ("channels", "height", "width")]
        count = 0 if not nums else \
            tops if any(len(v) > 1 for v in [nums] + legacy) else len(nums)
        if count:
            def pick(values, i):
                return values[i] if len(values) > 1 else values[0]

            shapes = [Shape((pick(nums, i), pick(p.get("channels") or [1], i),
                             pick(p.get("height") or [1], i), pick(p.get("width") or [1], i)))
                      for i in range(count)]
    if not shapes:
        raise ShapeError("DummyData gives no shape")
    if len(shapes) not in (1, tops):
        raise ShapeError(f"DummyData has {len(shapes)} shapes for {tops} tops")
    return ShapeResult(shapes * tops if len(shapes) == 1 else shapes)


@register("HDF5Data")
def hdf5_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    _need_tops(node)  # hdf5_data_layer.hpp: MinTopBlobs() is 1 (one per dataset read)
    batch = _attr(node, "hdf5_data_param").get("batch_size")
    outputs = [Shape((batch, None, None, None)) for _ in node.outputs]
    return ShapeResult(outputs, note=f"HDF5Data reads its shapes from the HDF5 files; give "
                                     f"--input {node.outputs[0]}=... for each top")


@register("AnnotatedData")
def annotated_data(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # SSD fork: images resized by transform_param.resize_param, labels are variable-length.
    p = _attr(node, "data_param")
    transform = _attr(node, "transform_param")
    batch = p.get("batch_size")
    resize = transform.get("resize_param") or {}
    h, w = _crop_or_resize(transform, resize.get("height") or None, resize.get("width") or None)
    image = Shape((batch, _transform_channels(transform) or 3, h, w))
    outputs = [image] + [Shape((1, 1, None, 8))] * (len(node.outputs) - 1)
    return ShapeResult(outputs, note="AnnotatedData: the number of boxes depends on the data")


@register("Parameter")
def parameter(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    dims = tuple((_attr(node, "parameter_param").get("shape") or {}).get("dim") or [])
    return ShapeResult([Shape(dims)], [_w(node, "blob", dims)])


@register("Python")
def python_layer(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Arbitrary user code: its outputs cannot be known without running it.
    p = _attr(node, "python_param")
    where = ".".join(x for x in (p.get("module"), p.get("layer")) if x) or "?"
    return ShapeResult(_same(UNKNOWN, len(node.outputs)),
                       note=f"Python layer {where} computes its shapes in user code; give "
                            f"--input for its tops")
