"""Shape rules for TensorFlow ops, following TensorFlow's own shape functions
(tensorflow/core/ops/*.cc, tensorflow/core/framework/common_shape_fns.cc).

Rules also carry small constant integer values (shapes, axes, paddings) through the graph, so
that shape arithmetic such as Shape -> StridedSlice -> Pack -> Reshape resolves statically.
Attrs are the node's AttrValues decoded by the frontend: ints, floats, strings, dtype names
("float32"), Shape for shape attrs, TensorFacts for tensor attrs, lists of those.

Values follow TF's two ways of knowing a tensor while it builds a graph. A plain tuple is a
constant TF's EvaluateConstantTensor finds (common_runtime/eval_const_tensor.cc): the whole
subgraph behind it is constant, or it is tf.shape/tf.size/tf.rank of a fully known shape, or
tf.shape(x)[i] / tf.unstack(tf.shape(x))[i] of a known dim i. A PartialValue is a shape tensor as
ShapeRefiner::ConstantPartialShape sees it, None for an unknown entry: Shape of a partly known
shape, carried on only by Cast, Pack (of scalars), ConcatV2 and StridedSlice (a 1-D slice), to
the ops that read a tensor as a shape (Reshape, Fill, BroadcastTo, the convolution and pool
gradients, random ops). Every other rule sees a PartialValue as unknown.

The rules live in one module per op family, each registering its own into TF_SHAPES:
- tf_common: the registry, `register`, and the helpers the families share (attrs, inputs,
  ranks and axes, constant and partial values, broadcasting, merging, layouts, windows);
- tf_graph: placeholders, constants, variables, pass-through and control flow, ops without
  outputs, random ops, assignments and optimizer updates, TensorLists, save/restore, strings;
- tf_elementwise: unary and binary ops, AddN, Select, ClipByValue, BiasAdd(Grad), softmax
  cross-entropies, BroadcastGradientArgs, L2Loss, Cast;
- tf_nn: convolution, pooling, fused batch norm, image resize, and their gradients;
- tf_math: MatMul, BatchMatMul, Einsum, reductions, ArgMax/ArgMin, TopK, segment reductions;
- tf_shape_ops: Shape, Size, Rank, Reshape, Squeeze, ExpandDims, Transpose, Fill, Range,
  BroadcastTo/BroadcastArgs, space-to-batch and space-to-depth, ConcatOffset, ListDiff;
- tf_array: Concat, Pack/Unpack, Split, Slice, StridedSlice(Grad), Pad, Tile, Gather, GatherNd,
  ScatterNd, Reverse, MatrixDiag, OneHot, Where.
"""
from __future__ import annotations

# Importing the family modules registers their rules into TF_SHAPES.
from . import (tf_array, tf_elementwise, tf_graph, tf_math, tf_nn,  # noqa: F401
               tf_shape_ops)
from .tf_common import TF_SHAPES

__all__ = ["TF_SHAPES"]
