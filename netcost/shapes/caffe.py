"""Shape rules for Caffe layer types, with Caffe's exact arithmetic.

Each rule mirrors the Reshape()/LayerSetUp() of the Caffe layer (BVLC caffe
src/caffe/layers/*.cpp, or the fork named beside it) but only computes shapes. Attrs hold
each layer's parameter message as a dict with defaults filled, unset no-default fields None.

The rules live in one module per layer family, each registering its own into CAFFE_SHAPES:
- caffe_common: the registry, `register`, and the helpers the families share;
- caffe_elementwise: activations and other pass-through layers, BatchNorm/BN, Scale, Bias,
  PReLU, Normalize, Eltwise, Axpy;
- caffe_loss: losses, Accuracy, Silence, HDF5Output;
- caffe_conv_pool: Convolution (and depthwise forks), Deconvolution, Im2col, Pooling, SPP,
  ROIPooling, PSROIPooling;
- caffe_dense: InnerProduct, Embed, LSTM, RNN;
- caffe_reshape: Concat, Slice, Flatten, Reshape, Crop, Reduction, Tile, ArgMax, BatchReindex,
  Filter, Permute, Interp, Upsample;
- caffe_detection: SSD's PriorBox, DetectionOutput, DetectionEvaluate;
- caffe_data: Input, the data layers, Parameter, Python.
"""
from __future__ import annotations

# Importing the family modules registers their rules into CAFFE_SHAPES.
from . import (caffe_conv_pool, caffe_data, caffe_dense, caffe_detection,  # noqa: F401
               caffe_elementwise, caffe_loss, caffe_reshape)
from .caffe_common import CAFFE_SHAPES

__all__ = ["CAFFE_SHAPES"]
