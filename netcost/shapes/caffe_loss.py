"""Caffe shape rules of losses, metrics and sinks: the *Loss layers, SoftmaxWithLoss, Accuracy,
Silence and HDF5Output.
"""
from __future__ import annotations

from typing import Sequence

from ..ir import Node, Shape
from .caffe_common import _attr, _axis, _first, register
from .engine import ShapeResult


LOSSES = ("EuclideanLoss", "SigmoidCrossEntropyLoss", "ContrastiveLoss", "HingeLoss",
          "InfogainLoss", "MultinomialLogisticLoss", "MultiBoxLoss")


@register(*LOSSES)
def loss(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # A loss is a scalar; SoftmaxWithLoss may also expose its probabilities as a second top.
    outputs = [Shape(()), _first(ins, node)]
    return ShapeResult(outputs[:len(node.outputs)])


@register("SoftmaxWithLoss")
def softmax_loss(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Caffe's setup reads the softmax axis with CanonicalAxisIndex: out of range is an error.
    shape = _first(ins, node)
    if shape.dims is not None:
        _axis(_attr(node, "softmax_param").get("axis", 1), len(shape.dims), "softmax axis")
    return loss(node, ins)


@register("Accuracy")
def accuracy(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    outputs = [Shape(())][:len(node.outputs)]
    if len(node.outputs) > 1:  # per-class accuracy: one value per class
        axis = _attr(node, "accuracy_param").get("axis", 1)
        shape = _first(ins, node)
        classes = None if shape.dims is None else shape.dims[_axis(axis, len(shape.dims))]
        outputs.append(Shape((classes,)))
    return ShapeResult(outputs)


@register("Silence", "HDF5Output")
def sink(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    return ShapeResult([])
