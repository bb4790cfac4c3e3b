"""The `netscope` convention: the buckets of Netscope CNN Analyzer (dgschwend/netscope).

Netscope reports, per layer, multiply-accumulates (macc), comparisons (comp), additions
(add), divisions (div), exponentials (exp), a parameter count and an "activation" count (the
element count of the layer's output, in-place layers and the input included). This module
applies its per-layer formulas (NETSCOPE.md section (b), from src/analyzer.coffee of the
shipped bundle) to netcost's graph, with three kinds of departure, each marked in a comment:

- Shapes are Caffe's real ones from netcost's shape inference, batch included, so every count
  that Netscope multiplies by a batch N "inherited from parents[0]" is here a count over the
  real tensors' elements; its broken output shapes (PriorBox, Reshape padding, pooling without
  Caffe's clip, NaN batch after crop_size, `global_pooling: false` read as true) never enter.
- Where NETSCOPE.md section (e) catalogues a bug, the rule does what the tool meant (bug
  numbers below refer to that list): Eltwise honours its real operation and counts k-1
  operations per element for k inputs (3); grouped Deconvolution is not multiplied by the
  group (5); Power counts the batch (9).
- Layer types Netscope has no case for ("Anything else": it reports "Unknown Layer" and
  leaves every bucket at 0) count 0 in every bucket here too, and their activations are the
  elements of the blobs they write, which is what Netscope counts for every layer it knows;
  each family's choice is stated where it is registered. Two exceptions: the depthwise
  convolution forks are convolutions and count as Convolution, and a Python layer other than
  Faster R-CNN's proposal layer runs user code, so its buckets are unknown (None).

Kept as Netscope counts them, because they are its documented conventions rather than slips
(NETSCOPE.md (e) 10 and 11): activations sum every layer's output including in-place ones
(not a memory figure); BatchNorm/BN params are 2C (the running statistics), Scale and PReLU
0, LRN and Normalize 2; Dropout is counted as C comparisons per element at inference; pooling
AVE counts no division.
"""
from __future__ import annotations

from typing import Optional

from ..arith import add as _add, mul as _mul
from .caffe_formulas import conv_macc, deconv_macc, inner_product_macc, pool_window
from .engine import Convention, CostContext, CostRegistry, Metric

NETSCOPE = CostRegistry("netscope")
register = NETSCOPE.register


# ---------------------------------------------------------------- helpers


def _written(ctx: CostContext) -> Optional[int]:
    """Elements of every blob the layer writes (Netscope: E_out of its one output)."""
    return _add(*(s.numel for s in ctx.outputs))


def _e_in(ctx: CostContext) -> Optional[int]:
    """E = N*C*H*W of the first bottom (Netscope's dims inherited from parents[0])."""
    return ctx.in_numel(0)


def _per_element(ctx: CostContext, n: Optional[int], **per) -> dict:
    """{bucket: per[bucket] * n} for the named buckets, activations = the blobs written."""
    counts = {key: _mul(factor, n) for key, factor in per.items()}
    counts["activations"] = _written(ctx)
    return counts


def _param_sum(ctx: CostContext, *suffixes: str) -> Optional[int]:
    return _add(*(ctx.param_numel(s) for s in suffixes))


# ---------------------------------------------------------------- data sources

# Netscope (analyzer.coffee 30-54, "data"/"input"): no operations, activations = E_out of the
# image. Its crop_size branch leaves N undefined and turns every count into NaN (bug 1); here
# the real shape, batch included, is used. A second top (the label) is counted with its real
# size: Netscope counts it too, as an "implicit" node given the image's size (bug 7).
# The other Caffe data layers have no Netscope case; they are the same kind of layer, so they
# count the same way (0 operations, activations = the blobs they write).
DATA_SOURCES = ("Data", "Input", "ImageData", "WindowData", "MemoryData", "DummyData",
                "HDF5Data", "AnnotatedData")


@register(*DATA_SOURCES)
def _data(ctx):
    return {"activations": _written(ctx)}


# ---------------------------------------------------------------- weighted layers

@register("Convolution", "ConvolutionDepthwise", "DepthwiseConvolution")
def _convolution(ctx):
    # Netscope (56-81): macc = k_h*k_w*H_o*W_o*C_i*C_o*N/g (= out x k_h*k_w*C_i/g, dilation
    # only changes the output size); params = k_h*k_w*C_i*C_o/g + C_o if bias. The depthwise
    # forks (ConvolutionDepthwise, DepthwiseConvolution) are "Unknown Layer" to Netscope, but
    # they are Caffe convolutions with group = C and the same weights, so the same formula.
    return {"macc": conv_macc(ctx), "params": _param_sum(ctx, "weight", "bias"),
            "activations": _written(ctx)}


@register("Deconvolution")
def _deconvolution(ctx):
    # Netscope (282-299): macc = C_i*C_o*H_o*W_o*(k_w/s_w)*(k_h/s_h)*N, params = k^2*C_i*C_o,
    # ignoring the group (bug 5: FCN's bilinear upsampling, group = C, counts x C too much) and
    # giving fractions when k is not a multiple of s. What it estimates, H_o*k/s ~ H_i*k, is
    # the work of a transposed convolution: each input element meets a k_h x k_w x C_o/g
    # window, C_i*(C_o/g)*k_h*k_w*H_i*W_i*N in all (Caffe's im2col GEMM), an exact int.
    # params: the weight blob C_i x C_o/g x k_h x k_w; the bias is not counted, as in
    # Netscope (its deconvolution case has no bias term, unlike its convolution case).
    return {"macc": deconv_macc(ctx), "params": ctx.param_numel("weight"),
            "activations": _written(ctx)}


@register("InnerProduct")
def _inner_product(ctx):
    # Netscope (134-145): macc = H_i*W_i*C_i*C_o*N, params = that / N + C_o if bias. With
    # Caffe's default axis 1 this is out elements x K (K = C_i*H_i*W_i); Netscope ignores
    # `axis`, netcost uses Caffe's real K and item count, which agree for axis 1.
    return {"macc": inner_product_macc(ctx), "params": _param_sum(ctx, "weight", "bias"),
            "activations": _written(ctx)}


# ---------------------------------------------------------------- pooling

@register("Pooling")
def _pooling(ctx):
    # Netscope (147-174): ops = H_o*W_o*k_h*k_w*C*N, global pooling H_i*W_i*C*N; both are
    # out elements x window (the window of a global pool is the whole H_i x W_i map). MAX ->
    # comp, AVE -> add (the division by the window is not counted). H_o, W_o are Caffe's
    # (with the clip Netscope lacks, bug 4), and `global_pooling: false` is false (bug 2).
    # STOCHASTIC makes Netscope stop with "Unknown pooling type"; at inference Caffe takes a
    # probability-weighted average over the window, counted here like AVE (adds).
    ops = _mul(ctx.out_numel(), pool_window(ctx))
    bucket = "comp" if ctx.attr("pooling_param").get("pool", "MAX") == "MAX" else "add"
    return {bucket: ops, "activations": _written(ctx)}


# ---------------------------------------------------------------- normalization

@register("BatchNorm", "BN")
def _batch_norm(ctx):
    # Netscope (176-188): add = div = E (subtract the mean, divide by the deviation);
    # params = 2C: the running mean and variance (bug 11: stored statistics, kept; Caffe's
    # one-element moving-average factor is not counted). The BN fork's learned scale and
    # shift are not counted either: Netscope handles "bn" exactly like "batchnorm".
    e = _e_in(ctx)
    return {"add": e, "div": e, "params": _mul(2, ctx.param_numel("mean")),
            "activations": _written(ctx)}


@register("Scale")
def _scale(ctx):
    # Netscope (314-323): macc = E (one multiply per element, the bias add not counted);
    # params = 0 (bug 11: gamma/beta not counted, kept).
    return {"macc": ctx.out_numel(), "activations": _written(ctx)}


@register("LRN", "Normalize")
def _lrn(ctx):
    # Netscope (190-207): x / (1 + alpha/n * sum x^2)^beta: macc = E * local_size (the sum of
    # squares), add = E, exp = E, div = 2E; params = 2 (alpha, beta; bug 11, kept).
    # local_size is Caffe's (5 when the file omits it; Netscope then takes 1). Normalize has
    # no lrn_param, so its size is 1, as in Netscope (its per-channel scales not counted).
    # The window is taken as local_size also for WITHIN_CHANNEL, as in Netscope.
    size = ctx.attr("lrn_param").get("local_size", 5) if ctx.node.op == "LRN" else 1
    counts = _per_element(ctx, _e_in(ctx), macc=size, add=1, exp=1, div=2)
    counts["params"] = 2
    return counts


# ---------------------------------------------------------------- activations

@register("ReLU", "ReLU6", "ELU", "PReLU", "Dropout")
def _compare(ctx):
    # Netscope (226-236): comp = E, also for ELU and PReLU (their multiplies are not
    # counted) and for Dropout, which is counted even though inference copies it through.
    # PReLU params = 0 (bug 11, kept).
    return _per_element(ctx, _e_in(ctx), comp=1)


@register("Softmax", "SoftmaxWithLoss")
def _softmax(ctx):
    # Netscope (238-248): exp = add = div = E (no max subtraction counted). Netscope gives
    # SoftmaxWithLoss its input's shape, i.e. the probabilities; Caffe's layer does compute
    # them (its internal prob blob, an optional second top) and reduces them to a scalar,
    # so activations = E here too, not the one-element loss.
    e = _e_in(ctx)
    counts = _per_element(ctx, e, exp=1, add=1, div=1)
    if ctx.node.op == "SoftmaxWithLoss":
        counts["activations"] = e
    return counts


@register("Power")
def _power(ctx):
    # Netscope (357-372), y = (shift + scale * x)^power: macc = n if scale != 1, add = n if
    # shift != 0, exp = n if power != 1, activations = n, with n = C*H*W, no batch (bug 9);
    # here n = E, the batch included.
    p = ctx.attr("power_param")
    return _per_element(ctx, ctx.out_numel(), macc=int(p.get("scale", 1) != 1),
                        add=int(p.get("shift", 0) != 0), exp=int(p.get("power", 1) != 1))


# ---------------------------------------------------------------- combining layers

@register("Eltwise")
def _eltwise(ctx):
    # Netscope (259-280): SUM -> add = E, PROD -> macc = E, MAX -> comp = E, but it reads the
    # operation from the wrong place, so every Eltwise counts as SUM, and it counts one
    # operation per element whatever the number of inputs (bug 3). Meant: the real operation,
    # and combining k inputs takes k - 1 of them per output element (k = 2 gives Netscope's
    # E). Coefficients of a SUM are not counted, as in Netscope.
    operation = ctx.attr("eltwise_param").get("operation", "SUM")
    bucket = {"SUM": "add", "PROD": "macc", "MAX": "comp"}.get(operation, "add")
    ops = max(len(ctx.inputs) - 1, 0)
    return {bucket: _mul(ops, ctx.out_numel()), "activations": _written(ctx)}


# Netscope: no operations, activations = E_out. Concat (209-223, its C is the sum of the
# inputs' C; bug 6 can drop an input, netcost's parser keeps them all), Flatten (250-257),
# Crop (301-311).
@register("Concat", "Flatten", "Crop")
def _copy(ctx):
    return {"activations": _written(ctx)}


# Netscope counts nothing, not even activations: Reshape (405-430, "on-the-fly"; its shape
# is wrong for 3-D blobs, bug 8, but that only matters downstream, where netcost uses Caffe's
# shapes), Permute (375-386), PriorBox (389-402, "neglectable"; its shape is nonsense, bug 8)
# and Accuracy (326-354, pass-through with no memory).
@register("Reshape", "Permute", "PriorBox", "Accuracy")
def _nothing(ctx):
    return {}


# ---------------------------------------------------------------- detection (Faster R-CNN)

RPN_POST_NMS_TOP_N = 300  # Netscope's assumption (py-faster-rcnn's TEST.RPN_POST_NMS_TOP_N)


@register("Python")
def _python(ctx):
    # Netscope (432-456) has formulas only for py-faster-rcnn's rpn.proposal_layer, with 300
    # proposals assumed: with A = 9 anchors x H x W of the first bottom (the class scores),
    # P = 300*299/2 box pairs for NMS: div = P, macc = N*8*A + 2P, add = N*10*A + 6P,
    # comp = N*6*A + A^2 + 7P, exp = N*2*A; output 300 x 5 (activations 1500). Any other
    # module stops Netscope with "Unknown Python Layer"; user code cannot be counted, so its
    # buckets are unknown here, and its activations are its real outputs (if known).
    if ctx.attr("python_param").get("module") != "rpn.proposal_layer":
        counts = {key: None for key in ("macc", "comp", "add", "div", "exp")}
        counts.update(params=0, activations=_written(ctx))
        return counts
    x = ctx.inputs[0] if ctx.inputs else None
    if x is None or x.dims is None or len(x.dims) != 4 or not x.is_known:
        counts = {key: None for key in ("macc", "comp", "add", "div", "exp")}
        counts["activations"] = RPN_POST_NMS_TOP_N * 5
        return counts
    n, _, h, w = x.dims
    anchors = 9 * h * w
    pairs = RPN_POST_NMS_TOP_N * (RPN_POST_NMS_TOP_N - 1) // 2
    return {"div": pairs, "macc": n * 8 * anchors + 2 * pairs,
            "add": n * 10 * anchors + 6 * pairs,
            "comp": n * 6 * anchors + anchors * anchors + 7 * pairs,
            "exp": n * 2 * anchors, "activations": RPN_POST_NMS_TOP_N * 5}


@register("ROIPooling")
def _roi_pooling(ctx):
    # Netscope (458-476): R regions (the rois bottom's first dim) over a C x H x W feature
    # map: add = div = macc = R, comp = R*C*H*W; activations = R*C*pooled_h*pooled_w. Netscope
    # tells the two bottoms apart by batch > 1; Caffe's order is (features, rois).
    features = ctx.inputs[0] if ctx.inputs else None
    rois = ctx.inputs[1] if len(ctx.inputs) > 1 else None
    r = None if rois is None or not rois.dims else rois.dims[0]
    fmap = None
    if features is not None and features.dims is not None and len(features.dims) == 4:
        fmap = _mul(*features.dims[1:])
    return {"add": r, "div": r, "macc": r, "comp": _mul(r, fmap),
            "activations": _written(ctx)}


# ---------------------------------------------------------------- types Netscope does not know

# "Anything else" (478): Netscope reports "Unknown Layer" and counts 0 everywhere (its dims
# are 0, so even activations are 0). These layers are known to Caffe, so netcost counts what
# Netscope counts for the layers it knows: 0 operations and 0 params (Netscope has no formula
# for them), and activations = the elements of the blobs the layer writes.
UNKNOWN_TO_NETSCOPE = (
    # element-wise functions (Netscope's ReLU-like case does not list them)
    "AbsVal", "BNLL", "Clip", "Exp", "Log", "Sigmoid", "TanH", "Threshold", "Swish", "GELU",
    "HardSigmoid", "HardSwish", "Mish", "TanHShrink", "Bias", "Axpy", "MVN",
    # resampling and rearranging: new blobs with copied or interpolated values
    "Interp", "Upsample", "Slice", "Tile", "ShuffleChannel", "Im2col", "BatchReindex",
    "Filter", "SPP", "PSROIPooling", "Reduction", "ArgMax",
    # weighted layers outside Netscope's cases
    "Embed", "LSTM", "RNN", "Parameter",
    # losses (a scalar each, activations 1) and detection outputs
    "EuclideanLoss", "SigmoidCrossEntropyLoss", "ContrastiveLoss", "HingeLoss",
    "InfogainLoss", "MultinomialLogisticLoss", "MultiBoxLoss", "DetectionOutput",
    "DetectionEvaluate",
)


@register(*UNKNOWN_TO_NETSCOPE)
def _unknown_to_netscope(ctx):
    return {"activations": _written(ctx)}


# Split's tops share the bottom's memory in Caffe (no new values; like Reshape, which
# Netscope counts 0), and Netscope counts it 0 as an unknown layer: 0. Silence and
# HDF5Output write no blob: 0.
@register("Split", "Silence", "HDF5Output")
def _no_new_blob(ctx):
    return {}


NETSCOPE_CONVENTION = Convention(
    name="netscope", title="Netscope CNN Analyzer (macc, comp, add, div, exp)",
    description="Netscope CNN Analyzer's per-layer buckets: multiply-accumulates, "
                "comparisons, additions, divisions and exponentials, its parameter count and "
                "its activation count (every layer's output elements, in-place layers and the "
                "input included), over Caffe's real shapes; where the tool has a catalogued "
                "bug (Eltwise always SUM, grouped deconvolution, Power without batch) the "
                "rule counts what it meant; layer types it does not know count 0 operations.",
    source="dgschwend/netscope src/analyzer.coffee (shipped bundle), as measured in "
           "NETSCOPE.md; differences listed in README.md (netscope section)",
    metrics=(Metric("macc", "MACC", "multiply-accumulates"),
             Metric("comp", "comp", "comparisons"),
             Metric("add", "add", "additions"),
             Metric("div", "div", "divisions"),
             Metric("exp", "exp", "exponentials"),
             Metric("params", "params", "parameters as Netscope counts them (elements)"),
             Metric("activations", "activations",
                    "output elements as Netscope counts them")),
    flops_metric="macc", flops_per_unit=2, registry=NETSCOPE)
