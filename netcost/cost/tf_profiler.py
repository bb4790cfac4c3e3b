"""The `tf-profiler` convention: TensorFlow's flops registry (TF-PROFILER.md) applied to each
Caffe layer as the TensorFlow ops it would become.

A Caffe layer maps to its usual TF equivalent (Convolution = Conv2D + BiasAdd, InnerProduct =
MatMul + BiasAdd, Pooling = MaxPool/AvgPool, BatchNorm = FusedBatchNormV3, Eltwise SUM = AddN,
...) and counts what tf.profiler counts for those ops. tf.profiler counts 0 for any op it has
no rule for (Relu, Sigmoid, Tanh, FusedBatchNorm*, LRN, resize ops, ...), and so do layers with
no TensorFlow equivalent (PriorBox, ROIPooling, DetectionOutput, Python).
"""
from __future__ import annotations

from ..arith import add as _add
from .caffe_formulas import (conv_macc, eltwise_parts, exp_like_terms, inner_product_macc,
                             items, pool_window, recurrent_macc, recurrent_steps,
                             spp_window_sum)
from .engine import Convention, CostContext, CostRegistry, Metric
from .tensorflow import TF_PROFILER_TF

TF = CostRegistry("tf-profiler")


def _f(value):
    return {"flops": value}


def _bias_add(ctx: CostContext):
    # BiasAdd: |input| (the pre-bias tensor has the output's size).
    return ctx.out_numel() if ctx.param_shape("bias") is not None else 0


@TF.register("Convolution", "ConvolutionDepthwise", "DepthwiseConvolution")
def _conv(ctx):
    # Conv2D/Conv3D: 2 * out * prod(kernel) * filter_in, filter_in = C_in / group (a
    # grouped conv with group = C_in is DepthwiseConv2dNative: 2 * out * kh * kw, the same).
    macc = conv_macc(ctx)
    return _f(_add(None if macc is None else 2 * macc, _bias_add(ctx)))


@TF.register("Deconvolution")
def _deconv(ctx):
    # Conv2DBackpropInput: 2 * out * |filter| / (out_channels * stride_h * stride_w),
    # truncated; only 2-D transposed convolutions have a rule in tf.profiler.
    weight = ctx.param_shape("weight")
    stride = ctx.derived("stride")
    out = ctx.out_numel()
    if weight is None or weight.numel is None or out is None or stride is None:
        return _f(None)
    if len(stride) != 2:
        return _f(_bias_add(ctx))
    out_channels = ctx.outputs[0].dims[ctx.derived("axis", 1)]
    flops = (2 * out * weight.numel) // (out_channels * stride[0] * stride[1])
    return _f(_add(flops, _bias_add(ctx)))


@TF.register("InnerProduct")
def _matmul(ctx):
    # MatMul: 2 * k * out, then BiasAdd.
    macc = inner_product_macc(ctx)
    return _f(_add(None if macc is None else 2 * macc, _bias_add(ctx)))


@TF.register("Pooling")
def _pool(ctx):
    # MaxPool / AvgPool: out * prod(ksize); global pooling is a pool over the whole map.
    window, out = pool_window(ctx), ctx.out_numel()
    return _f(None if window is None or out is None else out * window)


@TF.register("SPP")
def _spp(ctx):
    return _f(spp_window_sum(ctx))  # one MaxPool/AvgPool per level


@TF.register("Softmax")
def _softmax(ctx):
    n = ctx.in_numel()
    return _f(None if n is None else 5 * n)


def _elementwise(ops_per_element: int):
    def rule(ctx):
        n = ctx.out_numel()
        return _f(None if n is None else ops_per_element * n)

    return rule


# Each: the ops of the TF form, per element of the output.
TF.register("Bias")(_elementwise(1))  # BiasAdd
TF.register("Axpy")(_elementwise(2))  # Mul + AddV2
TF.register("Swish")(_elementwise(1))  # Sigmoid (0) + Mul
TF.register("Threshold")(_elementwise(1))  # Greater (+ Cast, 0)

# TF ops tf.profiler has no rule for, or pure data movement: 0.
ZERO = (
    "ReLU", "ReLU6", "Sigmoid", "TanH", "ELU", "AbsVal", "BNLL", "Clip", "Dropout",
    "HardSigmoid", "HardSwish", "Mish", "GELU", "TanHShrink",
    "BatchNorm", "BN", "LRN", "Interp", "Upsample",
    "Concat", "Slice", "Split", "Flatten", "Reshape", "Permute", "Crop", "Tile",
    "ShuffleChannel", "Im2col", "BatchReindex", "Filter", "Silence", "HDF5Output",
    "Parameter", "Input", "Data", "ImageData", "WindowData", "MemoryData", "DummyData",
    "HDF5Data", "AnnotatedData", "Accuracy", "SoftmaxWithLoss", "SigmoidCrossEntropyLoss",
    "MultinomialLogisticLoss", "InfogainLoss", "HingeLoss", "ContrastiveLoss",
    "MultiBoxLoss", "PriorBox", "ROIPooling", "PSROIPooling", "DetectionOutput",
    "DetectionEvaluate", "Python",
)
TF.register(*ZERO)(lambda ctx: _f(0))


@TF.register("Scale")
def _scale(ctx):
    # Mul, and BiasAdd when the layer has a bias.
    n = ctx.out_numel()
    return _f(_add(n, _bias_add(ctx)))


@TF.register("PReLU")
def _prelu(ctx):
    # Keras PReLU: relu(x) - alpha * relu(-x): Neg |x|, Neg |alpha|, Mul, AddV2 (Relu 0).
    n, alpha = ctx.out_numel(), ctx.param_numel("slope")
    return _f(None if n is None or alpha is None else 3 * n + alpha)


@TF.register("Exp", "Log", "Power")
def _exp_log_power(ctx):
    """Mul (scale != 1) and AddV2 (shift != 0) per element, then: Exp 0 (Pow for another
    base), Log |x| (and a Mul for another base), Pow (power != 1)."""
    op = ctx.node.op
    message = {"Exp": "exp_param", "Log": "log_param", "Power": "power_param"}[op]
    p = ctx.attr(message)
    per = exp_like_terms(ctx, message)
    if op == "Exp":
        per += p.get("base", -1.0) != -1.0
    elif op == "Log":
        per += 1 + (p.get("base", -1.0) != -1.0)
    else:
        per += p.get("power", 1) != 1
    n = ctx.out_numel()
    return _f(None if n is None else per * n)


@TF.register("MVN")
def _mvn(ctx):
    # Mean |x| + Sub; with variance: SquaredDifference 2|x| + Mean |x| + RealDiv |x|.
    n = ctx.out_numel()
    per = 6 if ctx.attr("mvn_param").get("normalize_variance", True) else 2
    return _f(None if n is None else per * n)


@TF.register("Normalize")
def _normalize(ctx):
    # l2_normalize over channels: Square |x|, Sum |x| - |s|, Maximum |s|, Rsqrt 2|s|, Mul |x|;
    # then the scale Mul |x|. |s| = |x| / C.
    n, m = ctx.out_numel(), items(ctx)
    return _f(None if n is None or m is None else 3 * n + (n - m) + m + 2 * m)


@TF.register("Eltwise")
def _eltwise(ctx):
    # SUM: AddN (k - 1) * |x| (+ a Mul per coefficient != 1); PROD: Mul; MAX: Maximum.
    _, k, scaled = eltwise_parts(ctx)
    n = ctx.out_numel()
    return _f(None if n is None else (k - 1 + scaled) * n)


@TF.register("ArgMax")
def _argmax(ctx):
    n, out = ctx.in_numel(), ctx.out_numel()
    return _f(None if n is None or out is None else n - out)


@TF.register("Reduction")
def _reduction(ctx):
    # SUM: Sum |x| - |y|; MEAN: Mean |x|; ASUM: Abs (0) + Sum; SUMSQ: Square |x| + Sum;
    # a coefficient != 1 adds a Mul |y|.
    p = ctx.attr("reduction_param")
    n, out = ctx.in_numel(), ctx.out_numel()
    if n is None or out is None:
        return _f(None)
    op = p.get("operation", "SUM")
    flops = {"SUM": n - out, "MEAN": n, "ASUM": n - out, "SUMSQ": n + n - out}.get(op, n - out)
    return _f(flops + (out if p.get("coeff", 1) != 1 else 0))


@TF.register("Embed")
def _embed(ctx):
    return _f(_bias_add(ctx))  # Gather (0) + BiasAdd


@TF.register("LSTM", "RNN")
def _recurrent(ctx):
    """Per step: MatMuls (2 * MACC), then per hidden unit LSTM: AddV2 + BiasAdd of the 4
    gates (8), f*c, i*g, their AddV2, o*tanh(c) (4) = 12; RNN: AddV2, BiasAdd, output
    BiasAdd = 3 (Tanh/Sigmoid 0)."""
    macc = recurrent_macc(ctx)
    steps, _, hidden = recurrent_steps(ctx)
    if macc is None or steps is None:
        return _f(None)
    per_unit = 12 if ctx.node.op == "LSTM" else 3
    return _f(2 * macc + steps * hidden * per_unit)


@TF.register("EuclideanLoss")
def _euclidean(ctx):
    # SquaredDifference 2|x|, Sum |x| - 1, and the Mul by 1 / (2N): 3|x|.
    n = ctx.in_numel()
    return _f(None if n is None else 3 * n)


TF_PROFILER_CONVENTION = Convention(
    name="tf-profiler", title="tf.profiler float_operation",
    description="What tf.profiler (TensorFlow 2.21 flops registry) counts for the TensorFlow "
                "ops each layer becomes: Conv2D 2 x MACC, BiasAdd, MatMul, MaxPool/AvgPool out "
                "x window, Softmax 5 per element, AddN; Relu, Sigmoid, FusedBatchNorm, LRN and "
                "ops without a registered rule count 0.",
    source="TF-PROFILER.md (tensorflow/python/profiler/internal/flops_registry.py)",
    metrics=(Metric("flops", "FLOPs", "floating-point operations (tf.profiler)"),),
    flops_metric="flops", flops_per_unit=1, registry=TF, tensorflow=TF_PROFILER_TF)
