"""Shape inference per Caffe layer type, table-driven, with expectations worked out by hand.

Every row builds a small prototxt, loads it with netcost.loader.load_graph and compares the
output shape of each named tensor (`graph.tensors[name].shape.dims`, None for an unknown dim)
and, where the layer stores blobs, the shape and learnable flag of each parameter.

Each row's comment gives the arithmetic or the source of the expectation:
  * conv:    out = floor((in + 2*pad - (dilation*(k-1) + 1)) / stride) + 1   (conv_layer.cpp)
  * deconv:  out = stride*(in - 1) + dilation*(k-1) + 1 - 2*pad             (deconv_layer.cpp)
  * pooling: out = ceil((in + 2*pad - k) / stride) + 1, minus one when pad > 0 and the last
             window would start in the padding, (out-1)*stride >= in + pad  (pooling_layer.cpp)
  * "Caffe test X" means BVLC/caffe src/caffe/test/test_<layer>_layer.cpp, TYPED_TEST X.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

import pytest

from netcost.errors import NetcostError
from netcost.loader import load_graph
from netcost.options import Options

Dims = Tuple[Optional[int], ...]


# ---------------------------------------------------------------- prototxt builders

def layer(name: str, type_: str, bottoms: Union[str, Sequence[str]] = (),
          tops: Union[str, Sequence[str]] = (), body: str = "") -> str:
    """One modern `layer { }` block."""
    bottoms = [bottoms] if isinstance(bottoms, str) else list(bottoms)
    tops = [tops] if isinstance(tops, str) else list(tops)
    lines = [f'layer {{ name: "{name}" type: "{type_}"']
    lines += [f'  bottom: "{b}"' for b in bottoms]
    lines += [f'  top: "{t}"' for t in tops]
    if body:
        lines.append(f"  {body}")
    lines.append("}")
    return "\n".join(lines)


def v1layer(name: str, enum: str, bottoms: Union[str, Sequence[str]] = (),
            tops: Union[str, Sequence[str]] = (), body: str = "") -> str:
    """One legacy V1 `layers { type: ENUM }` block."""
    bottoms = [bottoms] if isinstance(bottoms, str) else list(bottoms)
    tops = [tops] if isinstance(tops, str) else list(tops)
    lines = [f'layers {{ name: "{name}" type: {enum}']
    lines += [f'  bottom: "{b}"' for b in bottoms]
    lines += [f'  top: "{t}"' for t in tops]
    if body:
        lines.append(f"  {body}")
    lines.append("}")
    return "\n".join(lines)


def net(inputs: Dict[str, Dims], *layers: str) -> str:
    """Net-level inputs (`input: "x" input_shape { dim: ... }`) followed by layers."""
    parts = []
    for name, dims in inputs.items():
        parts.append(f'input: "{name}"')
        parts.append("input_shape { " + " ".join(f"dim: {d}" for d in dims) + " }")
    parts.extend(layers)
    return "\n".join(parts) + "\n"


def single(type_: str, body: str, inputs: Union[Dims, Dict[str, Dims]],
           tops: Sequence[str] = ("out",), name: str = "L") -> str:
    """A net whose inputs (one tuple means a single input called "data") all feed one layer."""
    if isinstance(inputs, tuple):
        inputs = {"data": inputs}
    return net(inputs, layer(name, type_, list(inputs), list(tops), body))


# ---------------------------------------------------------------- expected parameters

@dataclass(frozen=True)
class P:
    """An expected parameter blob: its dims, whether training learns it, optionally its name."""

    dims: Dims
    learnable: bool = True
    name: Optional[str] = None


def W(*dims: int, name: Optional[str] = None) -> P:
    """A learnable blob (weights, bias, slopes...)."""
    return P(tuple(dims), True, name)


def S(*dims: int) -> P:
    """A stored blob training does not learn (BatchNorm statistics)."""
    return P(tuple(dims), False)


def case(id_: str, text: str, shapes: Dict[str, Dims], params: Dict[str, list] = None):
    return pytest.param(text, shapes, params or {}, id=id_)


def load(tmp_path, text: str):
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    return load_graph(str(path), Options())


# ---------------------------------------------------------------- the table

CONV = "convolution_param"

SHAPE_CASES = [
    # ---- Convolution
    # LeNet conv1: floor((28 + 2*0 - 5) / 1) + 1 = 24; W 20x1x5x5 + b 20 = 520 params
    # (REFERENCE.md LeNet table).
    case("conv_square",
         single("Convolution", f"{CONV} {{ num_output: 20 kernel_size: 5 }}", (1, 1, 28, 28)),
         {"out": (1, 20, 24, 24)}, {"L": [W(20, 1, 5, 5), W(20)]}),
    # Caffe test ConvolutionLayerTest.TestSetup: 2x3x6x4, k3 s2, 4 outputs -> 2x4x2x1
    # (floor((6-3)/2)+1 = 2, floor((4-3)/2)+1 = 1).
    case("conv_caffe_setup",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_size: 3 stride: 2 }}",
                (2, 3, 6, 4)),
         {"out": (2, 4, 2, 1)}, {"L": [W(4, 3, 3, 3), W(4)]}),
    # Same Caffe test, second half: num_output 3, group 3 -> 2x3x2x1; W 3 x (3/3) x 3 x 3.
    case("conv_caffe_setup_group",
         single("Convolution", f"{CONV} {{ num_output: 3 group: 3 kernel_size: 3 stride: 2 }}",
                (2, 3, 6, 4)),
         {"out": (2, 3, 2, 1)}, {"L": [W(3, 1, 3, 3), W(3)]}),
    # AlexNet conv1: floor((227 - 11) / 4) + 1 = 55.
    case("conv_alexnet_stride4",
         single("Convolution", f"{CONV} {{ num_output: 96 kernel_size: 11 stride: 4 }}",
                (1, 3, 227, 227)),
         {"out": (1, 96, 55, 55)}, {"L": [W(96, 3, 11, 11), W(96)]}),
    # ResNet conv1, bias_term false: floor((224 + 2*3 - 7) / 2) + 1 = floor(223/2) + 1 = 112;
    # only the weight blob.
    case("conv_resnet_pad_stride_no_bias",
         single("Convolution", f"{CONV} {{ num_output: 64 kernel_size: 7 stride: 2 pad: 3 "
                               "bias_term: false }", (1, 3, 224, 224)),
         {"out": (1, 64, 112, 112)}, {"L": [W(64, 3, 7, 7)]}),
    # kernel_h 3 / kernel_w 5 on 10x12: 10-3+1 = 8, 12-5+1 = 8; W 4x3x3x5.
    case("conv_kernel_h_w",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_h: 3 kernel_w: 5 }}",
                (1, 3, 10, 12)),
         {"out": (1, 4, 8, 8)}, {"L": [W(4, 3, 3, 5), W(4)]}),
    # pad_h 1 / pad_w 2, k3 on 10x10: 10+2-3+1 = 10, 10+4-3+1 = 12.
    case("conv_pad_h_w",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_size: 3 pad_h: 1 pad_w: 2 }}",
                (1, 3, 10, 10)),
         {"out": (1, 4, 10, 12)}, {"L": [W(4, 3, 3, 3), W(4)]}),
    # stride_h 2 / stride_w 3, k3 on 11x11: floor(8/2)+1 = 5, floor(8/3)+1 = 3.
    case("conv_stride_h_w",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_size: 3 stride_h: 2 "
                               "stride_w: 3 }", (1, 3, 11, 11)),
         {"out": (1, 4, 5, 3)}, {"L": [W(4, 3, 3, 3), W(4)]}),
    # dilation 4, k3 -> extent 4*(3-1)+1 = 9; stride 2 on 33: floor((33-9)/2)+1 = 13.
    case("conv_dilation",
         single("Convolution", f"{CONV} {{ num_output: 8 kernel_size: 3 dilation: 4 "
                               "stride: 2 }", (1, 3, 33, 33)),
         {"out": (1, 8, 13, 13)}, {"L": [W(8, 3, 3, 3), W(8)]}),
    # DeepLab-style "same" atrous conv: extent 2*2+1 = 5, (20 + 2*2 - 5) + 1 = 20.
    case("conv_dilation_same",
         single("Convolution", f"{CONV} {{ num_output: 8 kernel_size: 3 dilation: 2 pad: 2 }}",
                (1, 3, 20, 20)),
         {"out": (1, 8, 20, 20)}, {"L": [W(8, 3, 3, 3), W(8)]}),
    # group 2 on 8 channels: W 4 x (8/2) x 3 x 3; 6-3+1 = 4.
    case("conv_group2",
         single("Convolution", f"{CONV} {{ num_output: 4 group: 2 kernel_size: 3 }}",
                (1, 8, 6, 6)),
         {"out": (1, 4, 4, 4)}, {"L": [W(4, 4, 3, 3), W(4)]}),
    # 3-D (rank-5 input N x C x D x H x W), k3 everywhere: 5-2, 6-2, 7-2 = 3, 4, 5;
    # W 4x2x3x3x3.
    case("conv_3d",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_size: 3 }}", (1, 2, 5, 6, 7)),
         {"out": (1, 4, 3, 4, 5)}, {"L": [W(4, 2, 3, 3, 3), W(4)]}),
    # 3-D with one kernel/stride per axis: D 5-1+1 = 5, H floor((6-3)/2)+1 = 2, W 7-5+1 = 3.
    case("conv_3d_per_axis",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_size: 1 kernel_size: 3 "
                               "kernel_size: 5 stride: 1 stride: 2 stride: 1 }",
                (1, 2, 5, 6, 7)),
         {"out": (1, 4, 5, 2, 3)}, {"L": [W(4, 2, 1, 3, 5), W(4)]}),
    # axis 2: channels are dim 2 (3), one spatial axis (10): out 2x5 + [4] + [10-3+1 = 8].
    case("conv_axis2_1d",
         single("Convolution", f"{CONV} {{ num_output: 4 kernel_size: 3 axis: 2 }}",
                (2, 5, 3, 10)),
         {"out": (2, 5, 4, 8)}, {"L": [W(4, 3, 3), W(4)]}),
    # Caffe test ConvolutionLayerTest.Test0DConvolution: axis 3 of 2x3x6x4 leaves no spatial
    # axis; top = bottom with shape[3] = num_output 3; W 3x4 (out x in), b 3.
    case("conv_0d_axis3",
         single("Convolution", f"{CONV} {{ num_output: 3 axis: 3 }}", (2, 3, 6, 4)),
         {"out": (2, 3, 6, 3)}, {"L": [W(3, 4), W(3)]}),

    # ---- ConvolutionDepthwise (MobileNet fork)
    # group = C = 32, k3 p1 s2 on 112: floor((112 + 2 - 3) / 2) + 1 = 56; W 32 x 1 x 3 x 3.
    case("depthwise_mobilenet",
         single("ConvolutionDepthwise", f"{CONV} {{ num_output: 32 group: 32 kernel_size: 3 "
                                        "pad: 1 stride: 2 bias_term: false }",
                (1, 32, 112, 112)),
         {"out": (1, 32, 56, 56)}, {"L": [W(32, 1, 3, 3)]}),

    # ---- Deconvolution (weights C_in x C_out/group x k x k)
    # Caffe test DeconvolutionLayerTest.TestSetup: 2x3x6x4, k3 s2, 4 outputs:
    # 2*(6-1)+3 = 13, 2*(4-1)+3 = 9.
    case("deconv_caffe_setup",
         single("Deconvolution", f"{CONV} {{ num_output: 4 kernel_size: 3 stride: 2 }}",
                (2, 3, 6, 4)),
         {"out": (2, 4, 13, 9)}, {"L": [W(3, 4, 3, 3), W(4)]}),
    # Same Caffe test with group 3, num_output 3 -> 2x3x13x9; W 3 x 3/3 x 3 x 3.
    case("deconv_caffe_setup_group",
         single("Deconvolution", f"{CONV} {{ num_output: 3 group: 3 kernel_size: 3 "
                                 "stride: 2 }", (2, 3, 6, 4)),
         {"out": (2, 3, 13, 9)}, {"L": [W(3, 1, 3, 3), W(3)]}),
    # k4 s2 p1 doubles: 2*(8-1) + 4 - 2*1 = 16; W 16 x 8 x 4 x 4.
    case("deconv_stride2_pad1",
         single("Deconvolution", f"{CONV} {{ num_output: 8 kernel_size: 4 stride: 2 pad: 1 }}",
                (1, 16, 8, 8)),
         {"out": (1, 8, 16, 16)}, {"L": [W(16, 8, 4, 4), W(8)]}),
    # group 2: 4 in, 6 out, k3 p1 s1: 1*(5-1) + 3 - 2 = 5; W 4 x 6/2 x 3 x 3.
    case("deconv_group2",
         single("Deconvolution", f"{CONV} {{ num_output: 6 group: 2 kernel_size: 3 pad: 1 }}",
                (1, 4, 5, 5)),
         {"out": (1, 6, 5, 5)}, {"L": [W(4, 3, 3, 3), W(6)]}),
    # FCN-32s upscore (bilinear, one group per class, no bias): 32*(16-1) + 64 = 544.
    case("deconv_fcn32_upscore",
         single("Deconvolution", f"{CONV} {{ num_output: 21 group: 21 kernel_size: 64 "
                                 "stride: 32 bias_term: false }", (1, 21, 16, 16)),
         {"out": (1, 21, 544, 544)}, {"L": [W(21, 1, 64, 64)]}),

    # ---- Im2col (channels x prod(kernel), conv spatial sizes)
    # Caffe test Im2colLayerTest.TestSetup: 2x3x10x11, k3 s2 dilation 3 (extent 7):
    # 3*3*3 = 27 channels, floor((10-7)/2)+1 = 2, floor((11-7)/2)+1 = 3.
    case("im2col_caffe_setup",
         single("Im2col", f"{CONV} {{ kernel_size: 3 stride: 2 dilation: 3 }}", (2, 3, 10, 11)),
         {"out": (2, 27, 2, 3)}),
    # k3 s2 p1 on 2x6x6: 2*9 = 18 channels, floor((6+2-3)/2)+1 = 3.
    case("im2col_pad",
         single("Im2col", f"{CONV} {{ kernel_size: 3 stride: 2 pad: 1 }}", (1, 2, 6, 6)),
         {"out": (1, 18, 3, 3)}),

    # ---- Pooling
    # LeNet pool1: ceil((24 - 2) / 2) + 1 = 12.
    case("pool_max_lenet",
         single("Pooling", "pooling_param { pool: MAX kernel_size: 2 stride: 2 }",
                (1, 20, 24, 24)),
         {"out": (1, 20, 12, 12)}),
    # Caffe test PoolingLayerTest.TestSetup: 2x3x6x5, k3 s2 -> 3x2
    # (ceil(3/2)+1 = 3, ceil(2/2)+1 = 2).
    case("pool_caffe_setup",
         single("Pooling", "pooling_param { kernel_size: 3 stride: 2 }", (2, 3, 6, 5)),
         {"out": (2, 3, 3, 2)}),
    # Caffe test PoolingLayerTest.TestSetupPadded: 2x3x6x5, k3 s2 pad1 -> 4x3:
    # H ceil((6+2-3)/2)+1 = 4, last start 3*2 = 6 < 6+1 so kept;
    # W ceil((5+2-3)/2)+1 = 3, last start 2*2 = 4 < 5+1 so kept.
    case("pool_caffe_setup_padded",
         single("Pooling", "pooling_param { kernel_size: 3 stride: 2 pad: 1 }", (2, 3, 6, 5)),
         {"out": (2, 3, 4, 3)}),
    # Caffe rounds up: ceil((112 - 3) / 2) + 1 = ceil(54.5) + 1 = 56 (GoogLeNet pool1).
    case("pool_ceil_rounding",
         single("Pooling", "pooling_param { pool: MAX kernel_size: 3 stride: 2 }",
                (1, 64, 112, 112)),
         {"out": (1, 64, 56, 56)}),
    # The dropped window: 5x5, k2 s2 pad1: ceil((5+2-2)/2)+1 = 4, but the 4th window starts at
    # (4-1)*2 = 6 >= 5+1 (inside the padding), so 3.
    case("pool_drop_last_padded_window",
         single("Pooling", "pooling_param { kernel_size: 2 stride: 2 pad: 1 }", (1, 1, 5, 5)),
         {"out": (1, 1, 3, 3)}),
    # Caffe test PoolingLayerTest.TestForwardAve: 3x3, AVE k3 s1 pad1 -> 3x3
    # (ceil(2/1)+1 = 3; last start 2 < 3+1).
    case("pool_ave_padded",
         single("Pooling", "pooling_param { pool: AVE kernel_size: 3 stride: 1 pad: 1 }",
                (1, 1, 3, 3)),
         {"out": (1, 1, 3, 3)}),
    # GoogLeNet pool5: AVE k7 s1 on 7x7 -> ceil(0/1)+1 = 1.
    case("pool_ave_7x7",
         single("Pooling", "pooling_param { pool: AVE kernel_size: 7 stride: 1 }",
                (1, 1024, 7, 7)),
         {"out": (1, 1024, 1, 1)}),
    # Caffe test PoolingLayerTest.TestSetupGlobalPooling: 2x3x6x5 -> 2x3x1x1.
    case("pool_global",
         single("Pooling", "pooling_param { pool: AVE global_pooling: true }", (2, 3, 6, 5)),
         {"out": (2, 3, 1, 1)}),
    # ceil_mode: false (fork patch, PR #3057): floor((112 - 3) / 2) + 1 = 55.
    case("pool_ceil_mode_false",
         single("Pooling", "pooling_param { kernel_size: 3 stride: 2 ceil_mode: false }",
                (1, 64, 112, 112)),
         {"out": (1, 64, 55, 55)}),
    # BVLC master round_mode: FLOOR: floor((112 - 3) / 2) + 1 = 55.
    case("pool_round_mode_floor",
         single("Pooling", "pooling_param { kernel_size: 3 stride: 2 round_mode: FLOOR }",
                (1, 64, 112, 112)),
         {"out": (1, 64, 55, 55)}),
    # Caffe test TestForwardRectHigh: 6x6, kernel_h 3 kernel_w 2, stride 1 -> 4x5.
    case("pool_kernel_h_w",
         single("Pooling", "pooling_param { kernel_h: 3 kernel_w: 2 }", (2, 2, 6, 6)),
         {"out": (2, 2, 4, 5)}),
    # stride_h 2 / stride_w 3, k3 on 7x10: ceil(4/2)+1 = 3, ceil(7/3)+1 = 4.
    case("pool_stride_h_w",
         single("Pooling", "pooling_param { kernel_size: 3 stride_h: 2 stride_w: 3 }",
                (1, 1, 7, 10)),
         {"out": (1, 1, 3, 4)}),
    # Caffe clips on both axes once any pad is non-zero (`if (pad_h_ || pad_w_)`):
    # H: kernel_h 2, pad_h 1, s3 on 4: ceil(4/3)+1 = 3, start 6 >= 4+1 -> 2;
    # W: kernel_w 1, pad_w 0, s3 on 5: ceil(4/3)+1 = 3, start 6 >= 5+0 -> 2.
    case("pool_pad_h_only_clips_both_axes",
         single("Pooling", "pooling_param { kernel_h: 2 kernel_w: 1 stride: 3 pad_h: 1 "
                           "pad_w: 0 }", (1, 1, 4, 5)),
         {"out": (1, 1, 2, 2)}),

    # ---- SPP
    # Caffe test SPPLayerTest.TestSetup: 2x3x9x8, pyramid_height 3:
    # 3 * (1 + 4 + 16) = 63 -> N x 63 (flattened levels concatenated).
    case("spp_caffe_setup",
         single("SPP", "spp_param { pyramid_height: 3 }", (2, 3, 9, 8)),
         {"out": (2, 63)}),
    # Caffe test SPPLayerTest.TestEqualOutputDims: 4x3x1024x765, height 5: 3 * 341 = 1023.
    case("spp_caffe_height5",
         single("SPP", "spp_param { pyramid_height: 5 }", (4, 3, 1024, 765)),
         {"out": (4, 1023)}),
    # 8x8, height 4: level 3 has 8 bins of kernel 1, pad 0: fits; 3 * (1 + 4 + 16 + 64) = 255
    case("spp_as_many_bins_as_pixels",
         single("SPP", "spp_param { pyramid_height: 4 }", (1, 3, 8, 8)), {"out": (1, 255)}),
    # pyramid_height 1: spp_layer.cpp returns the single pooling layer's top, N x C x 1 x 1
    # (no flatten/concat).
    case("spp_height1",
         single("SPP", "spp_param { pyramid_height: 1 }", (2, 3, 9, 8)),
         {"out": (2, 3, 1, 1)}),

    # ---- InnerProduct
    # LeNet ip1: axis 1 flattens 50*4*4 = 800; W 500x800 + b 500 = 400,500 (REFERENCE.md).
    case("ip_axis1_flatten",
         single("InnerProduct", "inner_product_param { num_output: 500 }", (1, 50, 4, 4)),
         {"out": (1, 500)}, {"L": [W(500, 800), W(500)]}),
    # axis 2: keeps 2x3, flattens 4*5 = 20.
    case("ip_axis2",
         single("InnerProduct", "inner_product_param { num_output: 10 axis: 2 }", (2, 3, 4, 5)),
         {"out": (2, 3, 10)}, {"L": [W(10, 20), W(10)]}),
    # transpose: W is K x N = 800 x 10; no bias.
    case("ip_transpose",
         single("InnerProduct", "inner_product_param { num_output: 10 transpose: true "
                                "bias_term: false }", (1, 800)),
         {"out": (1, 10)}, {"L": [W(800, 10)]}),
    # axis -1 on 2x3x4: K = 4.
    case("ip_axis_negative",
         single("InnerProduct", "inner_product_param { num_output: 5 axis: -1 }", (2, 3, 4)),
         {"out": (2, 3, 5)}, {"L": [W(5, 4), W(5)]}),

    # ---- Concat
    # axis 1: 2 + 3 = 5 channels.
    case("concat_axis1",
         single("Concat", "", {"a": (1, 2, 4, 4), "b": (1, 3, 4, 4)}),
         {"out": (1, 5, 4, 4)}),
    # axis 2: 3 + 5 = 8 rows.
    case("concat_axis2",
         single("Concat", "concat_param { axis: 2 }", {"a": (1, 2, 3, 4), "b": (1, 2, 5, 4)}),
         {"out": (1, 2, 8, 4)}),
    # legacy concat_dim: 0: 2 + 4 = 6 (the default axis 1 would need equal dim 0).
    case("concat_legacy_concat_dim",
         single("Concat", "concat_param { concat_dim: 0 }", {"a": (2, 3), "b": (4, 3)}),
         {"out": (6, 3)}),
    # three inputs along axis 1: 1 + 2 + 3 = 6.
    case("concat_three",
         single("Concat", "", {"a": (1, 1, 2, 2), "b": (1, 2, 2, 2), "c": (1, 3, 2, 2)}),
         {"out": (1, 6, 2, 2)}),

    # ---- Slice
    # slice_point 3, 7 on 10 channels: 3, 7-3 = 4, 10-7 = 3.
    case("slice_points",
         single("Slice", "slice_param { slice_point: 3 slice_point: 7 }", (1, 10, 4, 4),
                tops=("s0", "s1", "s2")),
         {"s0": (1, 3, 4, 4), "s1": (1, 4, 4, 4), "s2": (1, 3, 4, 4)}),
    # no slice points: 6 channels / 3 tops = 2 each.
    case("slice_equal",
         single("Slice", "", (1, 6, 4, 4), tops=("s0", "s1", "s2")),
         {"s0": (1, 2, 4, 4), "s1": (1, 2, 4, 4), "s2": (1, 2, 4, 4)}),
    # legacy slice_dim: 0 splits 6 rows into 3 + 3.
    case("slice_legacy_slice_dim",
         single("Slice", "slice_param { slice_dim: 0 }", (6, 4), tops=("s0", "s1")),
         {"s0": (3, 4), "s1": (3, 4)}),

    # ---- Eltwise (all inputs share one shape)
    case("eltwise_sum_coeff",
         single("Eltwise", "eltwise_param { operation: SUM coeff: 1 coeff: -1 }",
                {"a": (1, 3, 4, 4), "b": (1, 3, 4, 4)}),
         {"out": (1, 3, 4, 4)}),
    case("eltwise_prod_three",
         single("Eltwise", "eltwise_param { operation: PROD }",
                {"a": (2, 8), "b": (2, 8), "c": (2, 8)}),
         {"out": (2, 8)}),

    # ---- Flatten (Caffe FlattenLayerTest cases on 2x3x6x5)
    # TestSetup: 2 x 3*6*5 = 2 x 90.
    case("flatten_default",
         single("Flatten", "", (2, 3, 6, 5)), {"out": (2, 90)}),
    # TestSetupWithAxis (axis 2): 2 x 3 x 30.
    case("flatten_axis2",
         single("Flatten", "flatten_param { axis: 2 }", (2, 3, 6, 5)), {"out": (2, 3, 30)}),
    # TestSetupWithEndAxis (end_axis -2): 2 x 18 x 5.
    case("flatten_end_axis",
         single("Flatten", "flatten_param { end_axis: -2 }", (2, 3, 6, 5)),
         {"out": (2, 18, 5)}),
    # TestSetupWithStartAndEndAxis (axis 0, end_axis -2): 36 x 5.
    case("flatten_axis0_end_axis",
         single("Flatten", "flatten_param { axis: 0 end_axis: -2 }", (2, 3, 6, 5)),
         {"out": (36, 5)}),

    # ---- Reshape (Caffe ReshapeLayerTest cases on 2x3x6x5 = 180 elements)
    # TestFlattenOutputSizes {0, -1, 1, 1}: 0 copies 2, -1 = 180 / 2 = 90.
    case("reshape_copy_and_infer",
         single("Reshape", "reshape_param { shape { dim: 0 dim: -1 dim: 1 dim: 1 } }",
                (2, 3, 6, 5)),
         {"out": (2, 90, 1, 1)}),
    # TestCopyDimensions {0, 0, 0, 0}: unchanged.
    case("reshape_copy_all",
         single("Reshape", "reshape_param { shape { dim: 0 dim: 0 dim: 0 dim: 0 } }",
                (2, 3, 6, 5)),
         {"out": (2, 3, 6, 5)}),
    # TestInferenceOfUnspecified {0, 3, 10, -1}: 180 / (2*3*10) = 3.
    case("reshape_infer_last",
         single("Reshape", "reshape_param { shape { dim: 0 dim: 3 dim: 10 dim: -1 } }",
                (2, 3, 6, 5)),
         {"out": (2, 3, 10, 3)}),
    # TestInferenceOfUnspecifiedWithStartAxis (axis 1, {3, 10, -1}): keeps 2; 90 / 30 = 3.
    case("reshape_axis1",
         single("Reshape", "reshape_param { axis: 1 shape { dim: 3 dim: 10 dim: -1 } }",
                (2, 3, 6, 5)),
         {"out": (2, 3, 10, 3)}),
    # TestInsertSingletonAxesStart (axis 0, num_axes 0, {1, 1, 1}): three leading 1s.
    case("reshape_insert_axes_start",
         single("Reshape", "reshape_param { axis: 0 num_axes: 0 "
                           "shape { dim: 1 dim: 1 dim: 1 } }", (2, 3, 6, 5)),
         {"out": (1, 1, 1, 2, 3, 6, 5)}),
    # TestInsertSingletonAxesMiddle (axis 2, num_axes 0, {1, 1, 1}).
    case("reshape_insert_axes_middle",
         single("Reshape", "reshape_param { axis: 2 num_axes: 0 "
                           "shape { dim: 1 dim: 1 dim: 1 } }", (2, 3, 6, 5)),
         {"out": (2, 3, 1, 1, 1, 6, 5)}),
    # axis -1, num_axes 0 appends: start = rank + axis + 1 = 2 - 1 + 1 = 2.
    case("reshape_append_axis_negative",
         single("Reshape", "reshape_param { axis: -1 num_axes: 0 shape { dim: 1 } }", (2, 3)),
         {"out": (2, 3, 1)}),
    # axis 1, num_axes 1 replaces only dim 1 (6) by 2 x 3.
    case("reshape_axis1_num_axes1",
         single("Reshape", "reshape_param { axis: 1 num_axes: 1 shape { dim: 2 dim: 3 } }",
                (2, 6, 4)),
         {"out": (2, 2, 3, 4)}),

    # ---- Crop (Caffe CropLayerTest: data 2x4x5x4, reference 2x3x4x2)
    # TestSetupShapeDefault (axis 2): dims 0-1 from data, 2-3 from reference.
    case("crop_default_axis2",
         single("Crop", "", {"a": (2, 4, 5, 4), "ref": (2, 3, 4, 2)}),
         {"out": (2, 4, 4, 2)}),
    # TestSetupShapeAll (axis 0): every dim from the reference.
    case("crop_axis0",
         single("Crop", "crop_param { axis: 0 }", {"a": (2, 4, 5, 4), "ref": (2, 3, 4, 2)}),
         {"out": (2, 3, 4, 2)}),
    # TestSetupShapeNegativeIndexing (axis -1): only the last dim.
    case("crop_axis_negative",
         single("Crop", "crop_param { axis: -1 }", {"a": (2, 4, 5, 4), "ref": (2, 3, 4, 2)}),
         {"out": (2, 4, 5, 2)}),
    # TestCropHW: axis 2, offsets 1 and 2 (5-1 >= 4, 4-2 >= 2).
    case("crop_axis2_offsets",
         single("Crop", "crop_param { axis: 2 offset: 1 offset: 2 }",
                {"a": (2, 4, 5, 4), "ref": (2, 3, 4, 2)}),
         {"out": (2, 4, 4, 2)}),
    # axis 1, one offset for all cropped axes: 4-1 >= 3, 5-1 >= 4, 4-1 >= 2.
    case("crop_axis1_offset",
         single("Crop", "crop_param { axis: 1 offset: 1 }",
                {"a": (2, 4, 5, 4), "ref": (2, 3, 4, 2)}),
         {"out": (2, 3, 4, 2)}),
    # FCN score crop: 64x64 to 50x50 at offset 7 (64-7 = 57 >= 50); channels kept.
    case("crop_fcn_offset",
         single("Crop", "crop_param { axis: 2 offset: 7 }",
                {"a": (1, 21, 64, 64), "ref": (1, 3, 50, 50)}),
         {"out": (1, 21, 50, 50)}),

    # ---- Reduction (keeps the axes before `axis`)
    case("reduction_axis0_scalar",
         single("Reduction", "reduction_param { axis: 0 }", (2, 3, 4)), {"out": ()}),
    case("reduction_axis1",
         single("Reduction", "reduction_param { operation: MEAN axis: 1 }", (2, 3, 4)),
         {"out": (2,)}),
    case("reduction_axis_negative",
         single("Reduction", "reduction_param { operation: SUMSQ axis: -1 }", (2, 3, 4)),
         {"out": (2, 3)}),

    # ---- Tile
    # axis 1 (default), 3 tiles: 3*3 = 9.
    case("tile_axis1",
         single("Tile", "tile_param { tiles: 3 }", (2, 3, 4)), {"out": (2, 9, 4)}),
    # axis -1, 2 tiles: 4*2 = 8.
    case("tile_axis_negative",
         single("Tile", "tile_param { axis: -1 tiles: 2 }", (2, 3, 4)), {"out": (2, 3, 8)}),

    # ---- Embed: appends num_output; W is input_dim x num_output (embed_layer.cpp)
    case("embed",
         single("Embed", "embed_param { num_output: 16 input_dim: 100 }", (4, 5)),
         {"out": (4, 5, 16)}, {"L": [W(100, 16), W(16)]}),
    case("embed_no_bias",
         single("Embed", "embed_param { num_output: 16 input_dim: 100 bias_term: false }",
                (4, 5)),
         {"out": (4, 5, 16)}, {"L": [W(100, 16)]}),

    # ---- LSTM / RNN: x is T x N x ..., cont is T x N; output T x N x H
    # LSTM H = 16 on in = 8: W_xc 4H x in = 64x8, b_c 4H = 64, W_hc 4H x H = 64x16
    # (lstm_layer.cpp: x_transform InnerProduct 4H with bias, axis 2; transform_t 4H, no bias).
    case("lstm",
         single("LSTM", "recurrent_param { num_output: 16 }", {"x": (10, 2, 8), "cont": (10, 2)},
                tops=("h",)),
         {"h": (10, 2, 16)},
         {"L": [W(64, 8, name="W_xc"), W(64, name="b_c"), W(64, 16, name="W_hc")]}),
    # LSTM input with extra axes: in = 2*4 = 8; H = 10: W_xc 40x8, b_c 40, W_hc 40x10.
    case("lstm_multi_axis_input",
         single("LSTM", "recurrent_param { num_output: 10 }",
                {"x": (5, 3, 2, 4), "cont": (5, 3)}, tops=("h",)),
         {"h": (5, 3, 10)}, {"L": [W(40, 8), W(40), W(40, 10)]}),
    # LSTM with a static input N x 6: adds W_xc_static 4H x 6 = 64x6 (after b_c).
    case("lstm_static_input",
         single("LSTM", "recurrent_param { num_output: 16 }",
                {"x": (10, 2, 8), "cont": (10, 2), "xs": (2, 6)}, tops=("h",)),
         {"h": (10, 2, 16)}, {"L": [W(64, 8), W(64), W(64, 6), W(64, 16)]}),
    # RNN H = 16 on in = 8 (rnn_layer.cpp): W_xh 16x8, b_h 16, W_hh 16x16, W_ho 16x16, b_o 16.
    case("rnn",
         single("RNN", "recurrent_param { num_output: 16 }", {"x": (10, 2, 8), "cont": (10, 2)},
                tops=("o",)),
         {"o": (10, 2, 16)},
         {"L": [W(16, 8, name="W_xh"), W(16, name="b_h"), W(16, 16, name="W_hh"),
                W(16, 16, name="W_ho"), W(16, name="b_o")]}),

    # ---- ArgMax (Caffe ArgMaxLayerTest on 10x10x20x20)
    # TestSetup: no axis -> N x 1 x top_k(1) x 1 (rank kept at 4).
    case("argmax_no_axis",
         single("ArgMax", "", (10, 10, 20, 20)), {"out": (10, 1, 1, 1)}),
    # TestSetupMaxVal: out_max_val -> channels 2 (index and value).
    case("argmax_out_max_val",
         single("ArgMax", "argmax_param { out_max_val: true }", (10, 10, 20, 20)),
         {"out": (10, 2, 1, 1)}),
    # TestSetupAxis (axis 0): shape[0] = top_k = 1.
    case("argmax_axis0",
         single("ArgMax", "argmax_param { axis: 0 }", (10, 10, 20, 20)),
         {"out": (1, 10, 20, 20)}),
    # TestSetupAxisNegativeIndexing (axis -2): shape[2] = 1.
    case("argmax_axis_negative",
         single("ArgMax", "argmax_param { axis: -2 }", (10, 10, 20, 20)),
         {"out": (10, 10, 1, 20)}),
    # TestSetupAxisMaxVal (axis 2, out_max_val): with an axis only max values, shape[2] = 1.
    case("argmax_axis_out_max_val",
         single("ArgMax", "argmax_param { axis: 2 out_max_val: true }", (10, 10, 20, 20)),
         {"out": (10, 10, 1, 20)}),
    # rank-2 input is padded to rank 3: N x (2 with max values) x top_k = 2 x 2 x 3.
    case("argmax_top_k_rank2",
         single("ArgMax", "argmax_param { top_k: 3 out_max_val: true }", (2, 10)),
         {"out": (2, 2, 3)}),

    # ---- BatchNorm: mean C, variance C, factor 1, none learned (batch_norm_layer.cpp)
    case("batchnorm",
         single("BatchNorm", "", (1, 16, 8, 8)),
         {"out": (1, 16, 8, 8)}, {"L": [S(16), S(16), S(1)]}),
    # rank 2: channels are shape(1) = 10.
    case("batchnorm_rank2",
         single("BatchNorm", "batch_norm_param { use_global_stats: true }", (4, 10)),
         {"out": (4, 10)}, {"L": [S(10), S(10), S(1)]}),

    # ---- Scale: blob = input dims [axis, axis + num_axes)
    case("scale_bias_term",
         single("Scale", "scale_param { bias_term: true }", (1, 16, 8, 8)),
         {"out": (1, 16, 8, 8)}, {"L": [W(16), W(16)]}),
    case("scale_no_bias",
         single("Scale", "", (1, 16, 8, 8)), {"out": (1, 16, 8, 8)}, {"L": [W(16)]}),
    # axis 1, num_axes 2 on 2x3x4x5: blob 3x4.
    case("scale_num_axes2",
         single("Scale", "scale_param { axis: 1 num_axes: 2 }", (2, 3, 4, 5)),
         {"out": (2, 3, 4, 5)}, {"L": [W(3, 4)]}),
    # num_axes 0: a single scalar factor, blob shape ().
    case("scale_scalar",
         single("Scale", "scale_param { num_axes: 0 }", (2, 3, 4, 5)),
         {"out": (2, 3, 4, 5)}, {"L": [W()]}),
    # Scale factor from a second bottom (3x4): no scale blob; the bias blob takes the
    # second bottom's rank as num_axes (scale_layer.cpp), so 3x4.
    case("scale_two_bottoms_bias",
         single("Scale", "scale_param { bias_term: true }", {"a": (2, 3, 4, 5), "s": (3, 4)}),
         {"out": (2, 3, 4, 5)}, {"L": [W(3, 4)]}),

    # ---- Bias
    case("bias",
         single("Bias", "", (1, 16, 8, 8)), {"out": (1, 16, 8, 8)}, {"L": [W(16)]}),
    case("bias_two_bottoms",
         single("Bias", "", {"a": (1, 16, 8, 8), "b": (16,)}), {"out": (1, 16, 8, 8)},
         {"L": []}),

    # ---- PReLU: one slope per channel, or a scalar blob (shape ()) when shared
    case("prelu",
         single("PReLU", "", (1, 16, 8, 8)), {"out": (1, 16, 8, 8)}, {"L": [W(16)]}),
    case("prelu_channel_shared",
         single("PReLU", "prelu_param { channel_shared: true }", (1, 16, 8, 8)),
         {"out": (1, 16, 8, 8)}, {"L": [W()]}),

    # ---- Normalize (SSD): scale per channel, or a scalar blob when shared (the default)
    case("normalize_per_channel",
         single("Normalize", "norm_param { across_spatial: false channel_shared: false }",
                (1, 512, 38, 38)),
         {"out": (1, 512, 38, 38)}, {"L": [W(512)]}),
    case("normalize_shared_default",
         single("Normalize", "", (1, 512, 38, 38)),
         {"out": (1, 512, 38, 38)}, {"L": [W()]}),

    # ---- Data sources
    # Input layer: the shape as written.
    case("input_layer",
         layer("in", "Input", (), "data", "input_param { shape { dim: 1 dim: 3 dim: 224 "
                                          "dim: 224 } }") + "\n",
         {"data": (1, 3, 224, 224)}),
    # Input layer with one shape per top.
    case("input_layer_two_tops",
         layer("in", "Input", (), ("data", "label"),
               "input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } shape { dim: 2 } }") + "\n",
         {"data": (2, 3, 8, 8), "label": (2,)}),
    # DummyData with a BlobShape.
    case("dummydata_shape",
         layer("dummy", "DummyData", (), "d",
               "dummy_data_param { shape { dim: 2 dim: 3 dim: 4 } }") + "\n",
         {"d": (2, 3, 4)}),
    # DummyData legacy num/channels/height/width.
    case("dummydata_legacy",
         layer("dummy", "DummyData", (), "d",
               "dummy_data_param { num: 2 channels: 3 height: 4 width: 5 }") + "\n",
         {"d": (2, 3, 4, 5)}),
    # Legacy fields are given once (all tops) or once per top, each field on its own
    # (dummy_data_layer.cpp): num once, channels per top.
    case("dummydata_legacy_per_top",
         layer("dummy", "DummyData", (), ("d0", "d1"),
               "dummy_data_param { num: 2 channels: 3 channels: 1 height: 4 width: 5 }") + "\n",
         {"d0": (2, 3, 4, 5), "d1": (2, 1, 4, 5)}),
    # MemoryData: batch x channels x height x width, labels batch.
    case("memorydata",
         layer("mem", "MemoryData", (), ("data", "label"),
               "memory_data_param { batch_size: 4 channels: 3 height: 32 width: 32 }") + "\n",
         {"data": (4, 3, 32, 32), "label": (4,)}),
    # Data: batch and crop size known, channels are in the database -> None.
    case("data_crop",
         layer("db", "Data", (), ("data", "label"),
               "transform_param { crop_size: 227 } "
               "data_param { source: \"train_lmdb\" batch_size: 64 backend: LMDB }") + "\n",
         {"data": (64, None, 227, 227), "label": (64,)}),
    # Data: three mean values reveal 3 channels; no crop -> sizes unknown.
    case("data_mean_values",
         layer("db", "Data", (), ("data", "label"),
               "transform_param { mean_value: 104 mean_value: 117 mean_value: 123 } "
               "data_param { source: \"x\" batch_size: 32 }") + "\n",
         {"data": (32, 3, None, None), "label": (32,)}),
    # ImageData: resized to new_height x new_width, colour -> 3 channels.
    case("imagedata_resize",
         layer("img", "ImageData", (), ("data", "label"),
               "image_data_param { source: \"list.txt\" batch_size: 8 new_height: 256 "
               "new_width: 320 }") + "\n",
         {"data": (8, 3, 256, 320), "label": (8,)}),
    # ImageData: is_color false -> 1 channel; crop_size wins over the resize.
    case("imagedata_gray_crop",
         layer("img", "ImageData", (), ("data", "label"),
               "transform_param { crop_size: 224 } image_data_param { source: \"l\" "
               "batch_size: 8 new_height: 256 new_width: 256 is_color: false }") + "\n",
         {"data": (8, 1, 224, 224), "label": (8,)}),
    # ImageData without resize: images keep their file sizes; batch_size defaults to 1.
    case("imagedata_no_resize",
         layer("img", "ImageData", (), ("data", "label"),
               "image_data_param { source: \"l\" }") + "\n",
         {"data": (1, 3, None, None), "label": (1,)}),

    # ---- PriorBox (SSD): 1 x 2 x H*W*priors*4; priors = ratios * min sizes + max sizes
    # SSD300 conv4_3: ratios {1, 2, 1/2} (flip) -> 3*1 + 1 = 4 priors; 38*38*4*4 = 23,104.
    case("priorbox_conv4_3",
         single("PriorBox", "prior_box_param { min_size: 30 max_size: 60 aspect_ratio: 2 "
                            "flip: true }", {"f": (1, 512, 38, 38), "img": (1, 3, 300, 300)}),
         {"out": (1, 2, 23104)}),
    # SSD300 fc7: ratios {1, 2, 1/2, 3, 1/3} -> 5 + 1 = 6 priors; 19*19*6*4 = 8,664.
    case("priorbox_fc7",
         single("PriorBox", "prior_box_param { min_size: 60 max_size: 111 aspect_ratio: 2 "
                            "aspect_ratio: 3 flip: true }",
                {"f": (1, 1024, 19, 19), "img": (1, 3, 300, 300)}),
         {"out": (1, 2, 8664)}),
    # flip false, no max_size: ratios {1, 2} -> 2 priors; 10*10*2*4 = 800.
    case("priorbox_no_flip",
         single("PriorBox", "prior_box_param { min_size: 30 aspect_ratio: 2 flip: false }",
                {"f": (1, 256, 10, 10), "img": (1, 3, 300, 300)}),
         {"out": (1, 2, 800)}),
    # ratio 0.5 already added by flipping 2 -> {1, 2, 1/2}: 3 + 1 = 4; 5*5*4*4 = 400.
    case("priorbox_duplicate_ratio",
         single("PriorBox", "prior_box_param { min_size: 30 max_size: 60 aspect_ratio: 2 "
                            "aspect_ratio: 0.5 }", {"f": (1, 256, 5, 5), "img": (1, 3, 300, 300)}),
         {"out": (1, 2, 400)}),

    # ---- Permute (SSD): top dim i = bottom dim order[i]; unnamed axes follow in order
    case("permute_nhwc",
         single("Permute", "permute_param { order: 0 order: 2 order: 3 order: 1 }",
                (1, 24, 10, 12)),
         {"out": (1, 10, 12, 24)}),
    # order 0, 2 -> 0, 2, 1, 3.
    case("permute_partial_order",
         single("Permute", "permute_param { order: 0 order: 2 }", (2, 3, 4, 5)),
         {"out": (2, 4, 3, 5)}),

    # ---- Interp (PSPNet / DeepLab)
    # zoom 2: 33 + (33-1)*(2-1) = 65.
    case("interp_zoom",
         single("Interp", "interp_param { zoom_factor: 2 }", (1, 21, 33, 33)),
         {"out": (1, 21, 65, 65)}),
    # shrink 2: (65-1)/2 + 1 = 33.
    case("interp_shrink",
         single("Interp", "interp_param { shrink_factor: 2 }", (1, 3, 65, 65)),
         {"out": (1, 3, 33, 33)}),
    # explicit height/width.
    case("interp_height_width",
         single("Interp", "interp_param { height: 60 width: 80 }", (1, 3, 33, 33)),
         {"out": (1, 3, 60, 80)}),
    # shrink 4 then zoom 3: (97-1)/4 + 1 = 25; 25 + 24*2 = 73.
    case("interp_shrink_then_zoom",
         single("Interp", "interp_param { shrink_factor: 4 zoom_factor: 3 }", (1, 3, 97, 97)),
         {"out": (1, 3, 73, 73)}),
    # pad_beg/pad_end -1 crop first: 35 - 2 = 33, zoom 2 -> 65.
    case("interp_pad_zoom",
         single("Interp", "interp_param { zoom_factor: 2 pad_beg: -1 pad_end: -1 }",
                (1, 3, 35, 35)),
         {"out": (1, 3, 65, 65)}),
    # size of a second bottom.
    case("interp_second_bottom",
         single("Interp", "", {"a": (1, 21, 33, 33), "ref": (1, 3, 129, 97)}),
         {"out": (1, 21, 129, 97)}),

    # ---- Upsample (SegNet; second bottom is the pooling mask, same size as the input)
    # scale 2: 4*2 = 8, 5*2 = 10.
    case("upsample_scale2",
         single("Upsample", "upsample_param { scale: 2 }",
                {"a": (1, 3, 4, 5), "mask": (1, 3, 4, 5)}),
         {"out": (1, 3, 8, 10)}),
    # pad_out_h: 4*2 - 1 = 7.
    case("upsample_pad_out_h",
         single("Upsample", "upsample_param { scale: 2 pad_out_h: true }",
                {"a": (1, 3, 4, 5), "mask": (1, 3, 4, 5)}),
         {"out": (1, 3, 7, 10)}),
    # explicit upsample_h/upsample_w.
    case("upsample_explicit_size",
         single("Upsample", "upsample_param { upsample_h: 9 upsample_w: 10 }",
                {"a": (1, 3, 4, 5), "mask": (1, 3, 4, 5)}),
         {"out": (1, 3, 9, 10)}),

    # ---- ShuffleChannel (ShuffleNet): same shape, group divides channels
    case("shufflechannel",
         single("ShuffleChannel", "shuffle_channel_param { group: 4 }", (1, 16, 8, 8)),
         {"out": (1, 16, 8, 8)}),

    # ---- ROIPooling (Fast R-CNN): R x C x pooled_h x pooled_w
    case("roipooling",
         single("ROIPooling", "roi_pooling_param { pooled_h: 7 pooled_w: 7 "
                              "spatial_scale: 0.0625 }",
                {"feat": (1, 512, 38, 50), "rois": (128, 5)}),
         {"out": (128, 512, 7, 7)}),
    # ---- PSROIPooling (R-FCN): R x output_dim x group x group; C = 21*7*7 = 1029
    case("psroipooling",
         single("PSROIPooling", "psroi_pooling_param { spatial_scale: 0.0625 output_dim: 21 "
                                "group_size: 7 }",
                {"feat": (1, 1029, 38, 50), "rois": (300, 5)}),
         {"out": (300, 21, 7, 7)}),
    # ---- Axpy (SENet): a*x + y has the shape of x
    case("axpy",
         single("Axpy", "", {"a": (1, 64, 1, 1), "x": (1, 64, 8, 8), "y": (1, 64, 8, 8)}),
         {"out": (1, 64, 8, 8)}),

    # ---- Pass-through layers keep the shape
    case("softmax",
         single("Softmax", "", (2, 10)), {"out": (2, 10)}),
    # In place (top == bottom): the new value is tensor "data@relu".
    case("relu_in_place",
         net({"data": (1, 3, 4, 4)}, layer("relu", "ReLU", "data", "data")),
         {"data@relu": (1, 3, 4, 4)}),
    case("tanh_lrn_dropout",
         net({"data": (1, 3, 4, 4)},
             layer("t", "TanH", "data", "t"), layer("n", "LRN", "t", "n"),
             layer("d", "Dropout", "n", "d")),
         {"t": (1, 3, 4, 4), "n": (1, 3, 4, 4), "d": (1, 3, 4, 4)}),

    # ---- Losses and metrics are scalars (shape ()); extra tops as documented
    case("softmaxwithloss",
         single("SoftmaxWithLoss", "", {"score": (2, 10), "label": (2,)}, tops=("loss",)),
         {"loss": ()}),
    # second top exposes the probabilities, same shape as the scores.
    case("softmaxwithloss_prob_top",
         single("SoftmaxWithLoss", "", {"score": (2, 10), "label": (2,)},
                tops=("loss", "prob")),
         {"loss": (), "prob": (2, 10)}),
    case("accuracy",
         single("Accuracy", "", {"score": (2, 10), "label": (2,)}, tops=("acc",)),
         {"acc": ()}),
    # second top: per-class accuracy, one value per class along axis 1 (10).
    case("accuracy_per_class",
         single("Accuracy", "", {"score": (2, 10), "label": (2,)}, tops=("acc", "per_class")),
         {"acc": (), "per_class": (10,)}),
    case("euclideanloss",
         single("EuclideanLoss", "", {"a": (2, 5), "b": (2, 5)}, tops=("loss",)),
         {"loss": ()}),

    # ---- V1 syntax: same rules after the type upgrade
    # CONVOLUTION: LeNet conv1 again, 24x24, 520 params.
    case("v1_convolution",
         net({"data": (1, 1, 28, 28)},
             v1layer("conv1", "CONVOLUTION", "data", "conv1",
                     "convolution_param { num_output: 20 kernel_size: 5 }")),
         {"conv1": (1, 20, 24, 24)}, {"conv1": [W(20, 1, 5, 5), W(20)]}),
    # POOLING: ceil((24-2)/2)+1 = 12; INNER_PRODUCT 20*12*12 = 2880 -> 10.
    case("v1_pool_ip",
         net({"data": (1, 20, 24, 24)},
             v1layer("pool", "POOLING", "data", "pool",
                     "pooling_param { pool: MAX kernel_size: 2 stride: 2 }"),
             v1layer("ip", "INNER_PRODUCT", "pool", "ip",
                     "inner_product_param { num_output: 10 }")),
         {"pool": (1, 20, 12, 12), "ip": (1, 10)}, {"ip": [W(10, 2880), W(10)]}),
    # CONCAT with concat_dim 1 and SLICE: 2 + 3 = 5, sliced at 1 -> 1 and 4.
    case("v1_concat_slice",
         net({"a": (1, 2, 4, 4), "b": (1, 3, 4, 4)},
             v1layer("cat", "CONCAT", ("a", "b"), "cat", "concat_param { concat_dim: 1 }"),
             v1layer("sl", "SLICE", "cat", ("s0", "s1"), "slice_param { slice_point: 1 }")),
         {"cat": (1, 5, 4, 4), "s0": (1, 1, 4, 4), "s1": (1, 4, 4, 4)}),
    # DECONVOLUTION: 2*(4-1) + 2 = 8; W 3 x 5 x 2 x 2.
    case("v1_deconvolution",
         net({"data": (1, 3, 4, 4)},
             v1layer("up", "DECONVOLUTION", "data", "up",
                     "convolution_param { num_output: 5 kernel_size: 2 stride: 2 }")),
         {"up": (1, 5, 8, 8)}, {"up": [W(3, 5, 2, 2), W(5)]}),
    # SOFTMAX_LOSS: scalar.
    case("v1_softmax_loss",
         net({"score": (2, 10), "label": (2,)},
             v1layer("loss", "SOFTMAX_LOSS", ("score", "label"), "loss")),
         {"loss": ()}),
]


@pytest.mark.parametrize("text, shapes, params", SHAPE_CASES)
def test_shape(tmp_path, text, shapes, params):
    graph = load(tmp_path, text)
    for tensor, dims in shapes.items():
        assert graph.tensors[tensor].shape.dims == dims, tensor
    for node_name, expected in params.items():
        node = graph.node(node_name)
        got = [(p.shape.dims, p.learnable) for p in node.params]
        assert got == [(p.dims, p.learnable) for p in expected], node_name
        for param, want in zip(node.params, expected):
            if want.name is not None:
                assert param.name.rsplit("/", 1)[-1] == want.name


# ---------------------------------------------------------------- V1 and V2 agree

LENET_V2 = net(
    {"data": (64, 1, 28, 28)},
    layer("conv1", "Convolution", "data", "conv1",
          "convolution_param { num_output: 20 kernel_size: 5 stride: 1 }"),
    layer("pool1", "Pooling", "conv1", "pool1",
          "pooling_param { pool: MAX kernel_size: 2 stride: 2 }"),
    layer("conv2", "Convolution", "pool1", "conv2",
          "convolution_param { num_output: 50 kernel_size: 5 stride: 1 }"),
    layer("pool2", "Pooling", "conv2", "pool2",
          "pooling_param { pool: MAX kernel_size: 2 stride: 2 }"),
    layer("ip1", "InnerProduct", "pool2", "ip1", "inner_product_param { num_output: 500 }"),
    layer("relu1", "ReLU", "ip1", "ip1"),
    layer("ip2", "InnerProduct", "ip1", "ip2", "inner_product_param { num_output: 10 }"),
    layer("prob", "Softmax", "ip2", "prob"),
)

LENET_V1 = net(
    {"data": (64, 1, 28, 28)},
    v1layer("conv1", "CONVOLUTION", "data", "conv1",
            "convolution_param { num_output: 20 kernel_size: 5 stride: 1 }"),
    v1layer("pool1", "POOLING", "conv1", "pool1",
            "pooling_param { pool: MAX kernel_size: 2 stride: 2 }"),
    v1layer("conv2", "CONVOLUTION", "pool1", "conv2",
            "convolution_param { num_output: 50 kernel_size: 5 stride: 1 }"),
    v1layer("pool2", "POOLING", "conv2", "pool2",
            "pooling_param { pool: MAX kernel_size: 2 stride: 2 }"),
    v1layer("ip1", "INNER_PRODUCT", "pool2", "ip1", "inner_product_param { num_output: 500 }"),
    v1layer("relu1", "RELU", "ip1", "ip1"),
    v1layer("ip2", "INNER_PRODUCT", "ip1", "ip2", "inner_product_param { num_output: 10 }"),
    v1layer("prob", "SOFTMAX", "ip2", "prob"),
)


def test_v1_and_v2_lenet_agree(tmp_path):
    # REFERENCE.md LeNet, batch 64: conv1 20x24x24, pool1 20x12x12, conv2 50x8x8 (12-5+1),
    # pool2 50x4x4, ip1 500 (in place ReLU), ip2 10.
    expected = {"conv1": (64, 20, 24, 24), "pool1": (64, 20, 12, 12),
                "conv2": (64, 50, 8, 8), "pool2": (64, 50, 4, 4), "ip1": (64, 500),
                "ip1@relu1": (64, 500), "ip2": (64, 10), "prob": (64, 10)}
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = load(tmp_path / "v1", LENET_V1)
    v2 = load(tmp_path / "v2", LENET_V2)
    for graph in (v1, v2):
        assert {t: graph.tensors[t].shape.dims for t in expected} == expected
    assert [n.op for n in v1.nodes] == [n.op for n in v2.nodes]
    for a, b in zip(v1.nodes, v2.nodes):
        assert [p.shape for p in a.params] == [p.shape for p in b.params], a.name
    # 520 + 25,050 + 400,500 + 5,010 = 431,080 learnable values (REFERENCE.md).
    assert sum(p.shape.numel for n in v1.nodes for p in n.params) == 431_080


# ---------------------------------------------------------------- unknown layer types

def test_unknown_layer_type_gives_unknown_shapes_downstream(tmp_path):
    text = net(
        {"data": (1, 3, 32, 32)},
        layer("fancy", "FancyOp", "data", "fancy"),
        layer("conv", "Convolution", "fancy", "conv",
              "convolution_param { num_output: 8 kernel_size: 3 }"),
        layer("relu", "ReLU", "conv", "conv"),
        layer("pool", "Pooling", "conv", "pool", "pooling_param { kernel_size: 2 stride: 2 }"),
        layer("ip", "InnerProduct", "pool", "ip", "inner_product_param { num_output: 10 }"),
        layer("prob", "Softmax", "ip", "prob"),
    )
    graph = load(tmp_path, text)  # no exception
    for tensor in ("fancy", "conv", "conv@relu", "pool", "ip", "prob"):
        assert graph.tensors[tensor].shape.dims is None, tensor
    assert "FancyOp" in graph.node("fancy").shape_note
    # Downstream layers say where the unknown came from rather than blaming themselves.
    for name in ("conv", "relu", "pool", "ip", "prob"):
        assert graph.node(name).shape_note and "fancy" in graph.node(name).shape_note, name
    # What does not depend on the input is still known: conv has 8 filters and 8 biases,
    # ip has 10 biases; their fan-in is unknown.
    conv_params = [p.shape.dims for p in graph.node("conv").params]
    assert conv_params[0][0] == 8 and conv_params[-1] == (8,)
    assert [p.shape.dims for p in graph.node("ip").params] == [(10, None), (10,)]


def test_unknown_layer_type_beside_known_branch(tmp_path):
    # A sibling branch that does not go through the unknown layer keeps its shapes.
    text = net(
        {"data": (1, 3, 8, 8)},
        layer("mystery", "NotACaffeLayer", "data", "m"),
        layer("conv", "Convolution", "data", "conv",
              "convolution_param { num_output: 4 kernel_size: 3 }"),
    )
    graph = load(tmp_path, text)
    assert graph.tensors["m"].shape.dims is None
    assert "NotACaffeLayer" in graph.node("mystery").shape_note
    # 8 - 3 + 1 = 6
    assert graph.tensors["conv"].shape.dims == (1, 4, 6, 6)
    assert graph.node("conv").shape_note is None


# ---------------------------------------------------------------- impossible configurations

def bad(id_: str, type_: str, body: str, inputs, tops=("out",)):
    """A one-layer net whose layer is named after the row, for the message check."""
    return pytest.param(single(type_, body, inputs, tops=tops, name=f"bad_{id_}"),
                        f"bad_{id_}", id=id_)


ERROR_CASES = [
    # stride 0 (Caffe: CHECK_GT stride 0)
    bad("conv_zero_stride", "Convolution", f"{CONV} {{ num_output: 4 kernel_size: 3 stride: 0 }}",
        (1, 3, 8, 8)),
    bad("pool_zero_stride", "Pooling", "pooling_param { kernel_size: 2 stride: 0 }",
        (1, 3, 8, 8)),
    bad("conv_zero_dilation", "Convolution",
        f"{CONV} {{ num_output: 4 kernel_size: 3 dilation: 0 }}", (1, 3, 8, 8)),
    # kernel 7 on 4 + 2*1 = 6
    bad("conv_kernel_larger_than_padded", "Convolution",
        f"{CONV} {{ num_output: 4 kernel_size: 7 pad: 1 }}", (1, 3, 4, 4)),
    # dilated extent 2*(3-1)+1 = 5 on 4
    bad("conv_dilated_kernel_larger", "Convolution",
        f"{CONV} {{ num_output: 4 kernel_size: 3 dilation: 2 }}", (1, 3, 4, 4)),
    # pooling kernel 5 on 3
    bad("pool_kernel_larger", "Pooling", "pooling_param { kernel_size: 5 }", (1, 3, 3, 3)),
    # group 4 does not divide 6 channels
    bad("conv_group_channels", "Convolution",
        f"{CONV} {{ num_output: 4 group: 4 kernel_size: 1 }}", (1, 6, 8, 8)),
    # group 4 does not divide num_output 6
    bad("conv_group_num_output", "Convolution",
        f"{CONV} {{ num_output: 6 group: 4 kernel_size: 1 }}", (1, 8, 8, 8)),
    bad("deconv_group_channels", "Deconvolution",
        f"{CONV} {{ num_output: 4 group: 4 kernel_size: 2 stride: 2 }}", (1, 6, 8, 8)),
    # Concat inputs differ outside the concat axis (4x4 vs 5x5)
    bad("concat_spatial_mismatch", "Concat", "",
        {"a": (1, 2, 4, 4), "b": (1, 2, 5, 5)}),
    bad("concat_rank_mismatch", "Concat", "", {"a": (1, 2, 4, 4), "b": (1, 2, 4)}),
    # slice points must increase
    bad("slice_points_out_of_order", "Slice", "slice_param { slice_point: 3 slice_point: 2 }",
        (1, 10), tops=("s0", "s1", "s2")),
    # slice point beyond the axis (12 > 10)
    bad("slice_point_beyond_axis", "Slice", "slice_param { slice_point: 12 }", (1, 10),
        tops=("s0", "s1")),
    # slice_point count must be tops - 1
    bad("slice_point_count", "Slice", "slice_param { slice_point: 3 }", (1, 10),
        tops=("s0", "s1", "s2")),
    # 7 is not divisible by 2 tops
    bad("slice_uneven", "Slice", "", (1, 7), tops=("s0", "s1")),
    # 2*3*4 = 24 elements into 5*5 = 25
    bad("reshape_count", "Reshape", "reshape_param { shape { dim: 5 dim: 5 } }", (2, 3, 4)),
    # 30 elements, -1 * 7: 30 % 7 != 0
    bad("reshape_infer_indivisible", "Reshape", "reshape_param { shape { dim: -1 dim: 7 } }",
        (2, 3, 5)),
    bad("reshape_two_inferred", "Reshape", "reshape_param { shape { dim: -1 dim: -1 } }",
        (2, 3, 5)),
    # crop 8x8 to 10x10
    bad("crop_larger_than_input", "Crop", "", {"a": (1, 3, 8, 8), "ref": (1, 3, 10, 10)}),
    # 10 - offset 5 = 5 < 6
    bad("crop_offset_overflow", "Crop", "crop_param { offset: 5 }",
        {"a": (1, 3, 10, 10), "ref": (1, 3, 6, 6)}),
    # pooling pad must be < kernel (CHECK_LT(pad_h_, kernel_h_))
    bad("pool_pad_ge_kernel", "Pooling", "pooling_param { kernel_size: 2 pad: 2 }",
        (1, 3, 8, 8)),
    bad("pool_pad_eq_kernel", "Pooling", "pooling_param { kernel_size: 3 pad: 3 stride: 2 }",
        (1, 3, 8, 8)),
    bad("pool_kernel_missing", "Pooling", "pooling_param { stride: 2 }", (1, 3, 8, 8)),
    # num_output missing
    bad("conv_num_output_missing", "Convolution", f"{CONV} {{ kernel_size: 3 }}",
        (1, 3, 8, 8)),
    bad("deconv_num_output_missing", "Deconvolution", f"{CONV} {{ kernel_size: 2 stride: 2 }}",
        (1, 3, 8, 8)),
    bad("ip_num_output_missing", "InnerProduct", "", (1, 3, 8, 8)),
    bad("lstm_num_output_missing", "LSTM", "", {"x": (10, 2, 8), "cont": (10, 2)},
        tops=("h",)),
    bad("conv_kernel_missing", "Convolution", f"{CONV} {{ num_output: 4 }}", (1, 3, 8, 8)),
    # Eltwise inputs must share one shape
    bad("eltwise_mismatch", "Eltwise", "", {"a": (1, 3, 4, 4), "b": (1, 3, 4, 5)}),
    bad("eltwise_coeff_count", "Eltwise", "eltwise_param { coeff: 1 }",
        {"a": (1, 3, 4, 4), "b": (1, 3, 4, 4)}),
    bad("tile_missing_tiles", "Tile", "", (2, 3)),
    bad("embed_missing_input_dim", "Embed", "embed_param { num_output: 4 }", (2, 3)),
    bad("shufflechannel_group", "ShuffleChannel", "shuffle_channel_param { group: 4 }",
        (1, 6, 4, 4)),
    bad("permute_duplicate_axis", "Permute", "permute_param { order: 1 order: 1 }",
        (1, 2, 3, 4)),
    bad("priorbox_no_min_size", "PriorBox", "prior_box_param { aspect_ratio: 2 }",
        {"f": (1, 8, 4, 4), "img": (1, 3, 32, 32)}),
    bad("interp_no_size", "Interp", "", (1, 3, 8, 8)),
    # Im2col needs a spatial axis after `axis` (im2col_layer.cpp CHECK_GE(num_spatial_axes_, 1));
    # only Convolution allows the 0-D case
    bad("im2col_no_spatial_axis", "Im2col", f"{CONV} {{ kernel_size: 1 axis: 3 }}", (2, 3, 6, 4)),
    # softmax axis outside [-rank, rank) (softmax_loss_layer.cpp: CanonicalAxisIndex)
    bad("softmax_loss_axis_below_rank", "SoftmaxWithLoss", "softmax_param { axis: -5 }",
        {"score": (1, 3, 8, 8), "label": (1, 1, 8, 8)}),
    bad("softmax_loss_axis_beyond_rank", "SoftmaxWithLoss", "softmax_param { axis: 4 }",
        {"score": (1, 3, 8, 8), "label": (1, 1, 8, 8)}),
    # SPP level 4 pools 8 pixels into 16 bins: kernel 1, pad (16 - 8 + 1) // 2 = 4, and the
    # pooling layer spp_layer.cpp builds checks pad < kernel
    bad("spp_more_bins_than_pixels", "SPP", "spp_param { pyramid_height: 5 }", (1, 3, 8, 8)),
    # BatchReindex reads its permutation from a second bottom
    bad("batchreindex_one_bottom", "BatchReindex", "", (4, 3)),
    # convolution axis 4 on a rank-4 input
    bad("conv_axis_out_of_range", "Convolution",
        f"{CONV} {{ num_output: 4 kernel_size: 1 axis: 4 }}", (1, 3, 8, 8)),
]


@pytest.mark.parametrize("text, layer_name", ERROR_CASES)
def test_impossible_configuration(tmp_path, text, layer_name):
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    with pytest.raises(NetcostError) as info:
        load_graph(str(path), Options())
    message = str(info.value).replace(str(path), "")  # the path alone must not count
    assert layer_name in message
