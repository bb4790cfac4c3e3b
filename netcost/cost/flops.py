"""The `flops` (default) and `macc` conventions.

flops: floating-point operations of one forward pass, 2 x MACC + bias adds for weighted
layers (REFERENCE.md "bias as extra adds", the form of its LeNet table), pooling = output x
window, and a stated number of operations per element for every other layer (README lists
them). Selection-only layers (ReLU, ReLU6, Clip, Threshold, AbsVal, Dropout at inference)
count 0, as in REFERENCE.md's LeNet table and tf.profiler; pure data movement counts 0.

macc: multiply-accumulates of the weighted linear layers only (convolution, deconvolution,
inner product, recurrent matrices): what thop calls MACs, torchinfo mult-adds and the
MobileNet paper mult-adds.
"""
from __future__ import annotations

from .caffe_formulas import (bias_adds, conv_macc, deconv_macc, eltwise_parts,
                             exp_like_terms, inner_product_macc, items, pool_window,
                             recurrent_macc, recurrent_steps, spp_window_sum)
from .engine import Convention, CostContext, CostRegistry, Metric
from .tensorflow import FLOPS_TF, MACC_TF

FLOPS = CostRegistry("flops")
MACC = CostRegistry("macc")

CONV_OPS = ("Convolution", "ConvolutionDepthwise", "DepthwiseConvolution")

# Layers that only move, copy, select or produce data: no arithmetic in either convention.
NO_ARITHMETIC = (
    "Concat", "Slice", "Split", "Flatten", "Reshape", "Permute", "Crop", "Tile",
    "ShuffleChannel", "Im2col", "BatchReindex", "Filter", "Silence", "HDF5Output",
    "Parameter", "Input", "Data", "ImageData", "WindowData", "MemoryData", "DummyData",
    "HDF5Data", "AnnotatedData", "Dropout", "Upsample",
    # Selection: max(0, x), min(max(x, 0), 6), clamps, thresholds and |x| compare or flip a
    # sign bit; REFERENCE.md's LeNet table and tf.profiler count ReLU as 0.
    "ReLU6", "Clip", "Threshold", "AbsVal",
    # SSD priors are constants for a given input size.
    "PriorBox",
)

# Operations per element of the first output (documented in README's table).
PER_ELEMENT = {
    "Sigmoid": 3,  # exp(-x), 1 + ., 1 / .
    "TanH": 1,  # one transcendental function
    "ELU": 3,  # exp, - 1, * alpha (counted for every element: the branch is data-dependent)
    "BNLL": 3,  # log(1 + exp(x))
    "Swish": 4,  # sigmoid (3) and a multiply
    "HardSigmoid": 2,  # a * x + b, then a clamp
    "HardSwish": 3,  # hard sigmoid (2) and a multiply
    "Mish": 5,  # exp, + 1, log, tanh, multiply
    "GELU": 9,  # tanh form: x^3 (2), * a, + x, * c, tanh, + 1, * x, * 0.5
    "TanHShrink": 2,  # x - tanh(x)
    "PReLU": 1,  # a * x on negatives (counted for every element)
    "BatchNorm": 2,  # inference: (x - mean) * (1 / sqrt(var + eps)) with the factor folded
    "BN": 2,  # fork BN with scale/shift: folds into one multiply and one add per element
    "Bias": 1,
    "Softmax": 5,  # max, subtract, exp, sum, divide (as tf.profiler counts Softmax)
    "Normalize": 4,  # square, sum over channels, divide by the norm, scale
    "Axpy": 2,  # a * x + y
    "Interp": 7,  # bilinear: 4 multiplies and 3 adds per output element
    "EuclideanLoss": 3,  # subtract, square, accumulate (per input element)
    "ContrastiveLoss": 3,
    "HingeLoss": 2,
    "InfogainLoss": 2,
    "SigmoidCrossEntropyLoss": 5,
}
INPUT_PER_ELEMENT = ("EuclideanLoss", "ContrastiveLoss", "HingeLoss", "InfogainLoss",
                     "SigmoidCrossEntropyLoss")


def _counts(macc, flops):
    return {"macc": macc, "flops": flops}


def _linear(macc_of):
    def rule(ctx: CostContext):
        macc = macc_of(ctx)
        bias = bias_adds(ctx)
        flops = None if macc is None or bias is None else 2 * macc + bias
        return _counts(macc, flops)

    return rule


FLOPS.register(*CONV_OPS)(_linear(conv_macc))
FLOPS.register("Deconvolution")(_linear(deconv_macc))
FLOPS.register("InnerProduct")(_linear(inner_product_macc))


@FLOPS.register("Embed")
def _embed(ctx):
    return _counts(0, bias_adds(ctx))  # a table lookup, plus the bias


@FLOPS.register("LSTM", "RNN")
def _recurrent(ctx):
    """2 x MACC + per hidden unit and step: LSTM 4 bias adds + 3 sigmoids (3 each) +
    2 tanh + 3 multiplies + 1 add = 19; RNN 2 bias adds + 2 tanh = 4."""
    macc = recurrent_macc(ctx)
    steps, _, hidden = recurrent_steps(ctx)
    if macc is None or steps is None:
        return _counts(macc, None)
    per_unit = 19 if ctx.node.op == "LSTM" else 4
    return _counts(macc, 2 * macc + steps * hidden * per_unit)


@FLOPS.register("Pooling")
def _pooling(ctx):
    # REFERENCE.md: pool = output x kernel area (comparisons for MAX, adds for AVE).
    window, out = pool_window(ctx), ctx.out_numel()
    return _counts(0, None if window is None or out is None else out * window)


@FLOPS.register("SPP")
def _spp(ctx):
    return _counts(0, spp_window_sum(ctx))


@FLOPS.register(*NO_ARITHMETIC)
def _nothing(ctx):
    return _counts(0, 0)


@FLOPS.register("ReLU")
def _relu(ctx):
    # Plain ReLU selects; a leaky ReLU multiplies its negatives by the slope.
    slope = ctx.attr("relu_param").get("negative_slope") or 0
    return _counts(0, ctx.out_numel() if slope else 0)


def _per_element(ops: int, use_input: bool):
    def rule(ctx):
        n = ctx.in_numel() if use_input else ctx.out_numel()
        return _counts(0, None if n is None else ops * n)

    return rule


for _op, _ops in PER_ELEMENT.items():
    FLOPS.register(_op)(_per_element(_ops, _op in INPUT_PER_ELEMENT))


@FLOPS.register("Scale")
def _scale(ctx):
    n = ctx.out_numel()
    per = 1 + (1 if ctx.param_shape("bias") is not None else 0)
    return _counts(0, None if n is None else per * n)


@FLOPS.register("Exp", "Log")
def _exp_log(ctx):
    message = "exp_param" if ctx.node.op == "Exp" else "log_param"
    n = ctx.out_numel()
    per = exp_like_terms(ctx, message) + 1  # + the exp or log itself
    return _counts(0, None if n is None else per * n)


@FLOPS.register("Power")
def _power(ctx):
    p = ctx.attr("power_param")
    n = ctx.out_numel()
    per = exp_like_terms(ctx, "power_param") + (p.get("power", 1) != 1)
    return _counts(0, None if n is None else per * n)


@FLOPS.register("LRN")
def _lrn(ctx):
    # Per element: square, (local_size - 1) adds over the window, * alpha/n, + k, pow, divide.
    size = ctx.attr("lrn_param").get("local_size", 5)
    n = ctx.out_numel()
    return _counts(0, None if n is None else (size + 4) * n)


@FLOPS.register("MVN")
def _mvn(ctx):
    # Mean: accumulate + subtract; with variance also square, accumulate, divide.
    per = 5 if ctx.attr("mvn_param").get("normalize_variance", True) else 2
    n = ctx.out_numel()
    return _counts(0, None if n is None else per * n)


@FLOPS.register("Eltwise")
def _eltwise(ctx):
    # SUM/PROD/MAX of k inputs: k - 1 operations per element, plus a multiply per
    # coefficient that is not 1.
    _, k, scaled = eltwise_parts(ctx)
    n = ctx.out_numel()
    return _counts(0, None if n is None else (k - 1 + scaled) * n)


@FLOPS.register("SoftmaxWithLoss")
def _softmax_loss(ctx):
    # Softmax (5 per input element) and one -log per item.
    n, m = ctx.in_numel(), items(ctx, ctx.attr("softmax_param").get("axis", 1))
    return _counts(0, None if n is None or m is None else 5 * n + m)


@FLOPS.register("MultinomialLogisticLoss")
def _multinomial(ctx):
    return _counts(0, items(ctx))  # one -log per item


@FLOPS.register("Accuracy", "ArgMax")
def _compare_all(ctx):
    # A top-k search compares every element of the scores.
    n = ctx.in_numel()
    return _counts(0, n)


@FLOPS.register("Reduction")
def _reduction(ctx):
    p = ctx.attr("reduction_param")
    n, out = ctx.in_numel(), ctx.out_numel()
    if n is None or out is None:
        return _counts(0, None)
    per = {"SUM": 1, "MEAN": 1, "ASUM": 2, "SUMSQ": 2}.get(p.get("operation", "SUM"), 1)
    scale = out if p.get("operation") == "MEAN" or p.get("coeff", 1) != 1 else 0
    return _counts(0, per * n + scale)


@FLOPS.register("ROIPooling", "PSROIPooling", "DetectionOutput", "DetectionEvaluate",
                "MultiBoxLoss", "Python")
def _data_dependent(ctx):
    # Bin sizes follow the regions, NMS the detections, Python layers run user code.
    return _counts(0 if ctx.node.op != "Python" else None, None)


# macc: the multiply-accumulates above, and nothing else.
def _macc_only(rule):
    def macc_rule(ctx):
        return {"macc": rule(ctx)["macc"]}

    return macc_rule


for _op, _rule in FLOPS.rules.items():
    MACC.register(_op)(_macc_only(_rule))


FLOPS_CONVENTION = Convention(
    name="flops", title="FLOPs (2 x MACC + bias adds)",
    description="Floating-point operations of one forward pass: weighted layers 2 x MACC "
                "plus one add per output element for a bias; pooling output x window; other "
                "layers a stated number of operations per element; ReLU and data movement 0.",
    source="REFERENCE.md (LeNet table, 'bias as extra adds'); per-element counts in README",
    metrics=(Metric("macc", "MACC", "multiply-accumulates"),
             Metric("flops", "FLOPs", "floating-point operations")),
    flops_metric="flops", flops_per_unit=1, registry=FLOPS, tensorflow=FLOPS_TF)

MACC_CONVENTION = Convention(
    name="macc", title="MACC (multiply-accumulates)",
    description="Multiply-accumulates of convolution, deconvolution, inner product and "
                "recurrent layers only (thop 'MACs', torchinfo 'mult-adds', Netscope 'macc'); "
                "a roofline counts 2 FLOPs per MACC.",
    source="REFERENCE.md (Terms, Layer formulas)",
    metrics=(Metric("macc", "MACC", "multiply-accumulates"),),
    flops_metric="macc", flops_per_unit=2, registry=MACC, tensorflow=MACC_TF)
