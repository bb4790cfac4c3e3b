"""The `torchstat` convention: what torchstat (Swall0w/torchstat, v0.0.7, the last release) would
print for the PyTorch module each Caffe layer becomes.

torchstat hooks every leaf nn.Module, runs one forward pass on a batch of 1 and fills four
columns per module from three files (torchstat/compute_madd.py, compute_flops.py and
compute_memory.py): MAdd, Flops, MemRead and MemWrite. Each file knows a short list of module
classes (matched by isinstance) and gives 0 for any other class ((0, 0) for memory), printing
"X is not supported!". Functional calls (F.relu, torch.cat, x + y, x.view) are not modules, so
torchstat never sees them. The per-type mapping and what torchstat does for it is written
beside each rule below; README.md (torchstat section) has the same table in prose.

Facts of torchstat's formulas this module reproduces (n = element count, out = output):
  Conv2d            MAdd (2*kh*kw*C_in/G - 1 + bias) * out        Flops kh*kw*C_in*(C_out/G)
                    per output position + out (bias)              Mem (in + params, out)
  ConvTranspose2d   MAdd (2*kh*kw*C_in/G - 1 + bias) * H_in*W_in*C_out;  Flops 0, Mem 0
  Linear            MAdd (2*I - 1) * O (bias ignored)  Flops I * O    Mem (I + params, O)
  MaxPool2d         MAdd (kh*kw - 1) * out   Flops n(input)   Mem (in, out)
  AvgPool2d         MAdd kh*kw * out         Flops n(input)   Mem (in, out)
  BatchNorm2d       MAdd 4 * n   Flops n, 2n if affine   Mem (n + 2*C, n)
  ReLU, ReLU6       MAdd n   Flops n   Mem (n, n)
  LeakyReLU, ELU    MAdd 0   Flops n   Mem (n, n)
  PReLU             MAdd 0   Flops n   Mem (n + slopes, n)
  Softmax           MAdd 3 * n - 1 (exp, n - 1 adds, divide)   Flops 0   Mem 0
  Upsample          MAdd 0   Flops H_out * W_out (channels dropped: it reads out[0].shape[1:])
                    Mem 0
  anything else     0, 0, (0, 0)

Batch: torchstat always runs a batch of 1, and its formulas are not consistent about the batch
dim (MAdd drops it, Flops and memory multiply by it). Here every count covers the whole input
the graph is given: torchstat's batch-1 figure times the batch (the first input dim). At batch
1, the only case torchstat itself can produce, the figures are torchstat's exactly.

Memory: torchstat multiplies element counts by the itemsize of its input, a float32 tensor from
torch.rand, so MemRead/MemWrite are always 4 bytes per element, whatever netcost's --precision
is (that option changes only netcost's own bytes-moved figures, not these columns). torchstat
stores them as int32 (they overflow past 2 GiB); here they are exact Python ints.
"""
from __future__ import annotations

from typing import Optional

from ..arith import add as _add, mul as _mul
from ..ir import Shape
from .engine import Convention, CostContext, CostRegistry, Metric

TORCHSTAT = CostRegistry("torchstat")

# torchstat: Memory = (read, write) elements * input itemsize; its input is torch.rand(1, ...),
# float32, so always 4, independent of netcost's --precision.
TORCHSTAT_BYTES_PER_ELEMENT = 4

KEYS = ("madd", "flops", "mem_read", "mem_write")


# ---------------------------------------------------------------- helpers


def _unknown():
    return {k: None for k in KEYS}


def _counts(madd=0, flops=0, read=0, write=0):
    """Counts from element counts of memory (converted to torchstat's fp32 bytes)."""
    return {"madd": madd, "flops": flops,
            "mem_read": _mul(read, TORCHSTAT_BYTES_PER_ELEMENT),
            "mem_write": _mul(write, TORCHSTAT_BYTES_PER_ELEMENT)}


def _input(ctx: CostContext) -> Shape:
    return ctx.inputs[0] if ctx.inputs else Shape.unknown()


def _batch(ctx: CostContext) -> Optional[int]:
    """The first dim of input 0: what torchstat's `batch_size` would be (it always uses 1)."""
    dims = _input(ctx).dims
    return dims[0] if dims else None


def _learned_numel(ctx: CostContext) -> Optional[int]:
    """Element count of the layer's learned blobs: torchstat's num_params (requires_grad)."""
    return _add(*[p.shape.numel for p in ctx.params if p.learnable])


def _has_bias(ctx: CostContext) -> int:
    return 1 if ctx.param_shape("bias") is not None else 0


def _nothing(ctx: CostContext):
    """A module torchstat has no formula for (or a functional call it never sees): MAdd 0,
    Flops 0, memory (0, 0)."""
    return {}


def _four_d(shape: Shape) -> Optional[bool]:
    """True for a 4-D blob (N, C, H, W); None when the rank is unknown."""
    return None if shape.rank is None else shape.rank == 4


# ---------------------------------------------------------------- weighted layers

@TORCHSTAT.register("Convolution", "ConvolutionDepthwise", "DepthwiseConvolution")
def _conv2d(ctx: CostContext):
    """nn.Conv2d(C_in, C_out, k, groups=G); a depthwise convolution is the same with G = C_in.
    Caffe convolutions with 1 or 3 spatial axes are nn.Conv1d/nn.Conv3d, which torchstat does
    not know (0). Dilation does not enter torchstat's formulas (kernel size only)."""
    x, y = _input(ctx), ctx.outputs[0]
    kernel = ctx.derived("kernel")
    four_d = _four_d(x)
    if four_d is None:
        return _unknown()
    if not four_d or kernel is None or len(kernel) != 2:
        return _nothing(ctx)
    n, c_in, _, _ = x.dims
    _, c_out, h_out, w_out = y.dims if y.rank == 4 else (None,) * 4
    group = ctx.derived("group", 1)
    kh, kw = kernel
    bias = _has_bias(ctx)
    # compute_madd: per output element kh*kw*(C_in/G) multiplies and one add fewer, plus one
    # add for the bias; all output elements of a sample (torchstat drops the batch).
    muls = None if c_in is None else kh * kw * (c_in // group)
    madd = _mul(None if muls is None else 2 * muls - 1 + bias, y.numel)
    # compute_flops: kh*kw*C_in*(C_out/G) per output position (batch x H_out x W_out), plus
    # C_out bias adds per position.
    positions = _mul(n, h_out, w_out)
    per_position = _mul(kh, kw, c_in, None if c_out is None else c_out // group)
    flops = _add(_mul(per_position, positions), _mul(bias, c_out, positions))
    # compute_memory: batch x (input per sample + weights and bias), batch x output.
    read = _add(x.numel, _mul(n, _learned_numel(ctx)))
    return _counts(madd, flops, read, y.numel)


@TORCHSTAT.register("Deconvolution")
def _conv_transpose2d(ctx: CostContext):
    """nn.ConvTranspose2d. torchstat has an MAdd formula for it only: ConvTranspose2d is not a
    subclass of nn.Conv2d, so its Flops and memory fall to 'not supported' (0)."""
    x, y = _input(ctx), ctx.outputs[0]
    kernel = ctx.derived("kernel")
    four_d = _four_d(x)
    if four_d is None:
        return _unknown()
    if not four_d or kernel is None or len(kernel) != 2:
        return _nothing(ctx)  # ConvTranspose1d/3d: unknown to torchstat
    n, c_in, h_in, w_in = x.dims
    c_out = y.dims[1] if y.rank == 4 else None
    kh, kw = kernel
    muls = None if c_in is None else kh * kw * (c_in // ctx.derived("group", 1))
    # (muls + muls - 1 + bias) for every input position and output channel.
    madd = _mul(None if muls is None else 2 * muls - 1 + _has_bias(ctx), n, h_in, w_in, c_out)
    return _counts(madd=madd)


@TORCHSTAT.register("InnerProduct")
def _linear(ctx: CostContext):
    """nn.Linear(I, O) on the flattened input (the flatten is a functional view: unseen).
    torchstat ignores the bias in MAdd and Flops; memory reads it with the weights."""
    out_features = ctx.attr("inner_product_param").get("num_output")
    weight = ctx.param_numel("weight")
    y = ctx.outputs[0]
    if not out_features or weight is None or y.numel is None:
        return _unknown()
    in_features = weight // out_features
    rows = y.numel // out_features  # torchstat's batch_size of the 2-D input
    madd = rows * out_features * (2 * in_features - 1)
    flops = rows * in_features * out_features
    read = _mul(rows, _add(in_features, _learned_numel(ctx)))
    return _counts(madd, flops, read, y.numel)


# ---------------------------------------------------------------- pooling

@TORCHSTAT.register("Pooling")
def _pooling(ctx: CostContext):
    """MAX -> nn.MaxPool2d, AVE -> nn.AvgPool2d with Caffe's window. global_pooling ->
    nn.AdaptiveAvgPool2d(1)/AdaptiveMaxPool2d(1), the PyTorch idiom (torchvision's ResNet);
    they are not subclasses of the pools torchstat knows, so it counts 0 for them. STOCHASTIC
    has no PyTorch module: 0 as for any module torchstat does not know."""
    p = ctx.attr("pooling_param")
    if p.get("global_pooling") or p.get("pool", "MAX") not in ("MAX", "AVE"):
        return _nothing(ctx)
    window = ctx.derived("window")
    x, y = _input(ctx), ctx.outputs[0]
    if window is None or x.numel is None or y.numel is None:
        return _unknown()
    area = window[0] * window[1]
    # MaxPool2d: kh*kw - 1 comparisons per output; AvgPool2d: kh*kw - 1 adds and a divide.
    madd = (area - 1 if p.get("pool", "MAX") == "MAX" else area) * y.numel
    # compute_flops counts the input size for both pools (np.prod(inp.shape)); it equals
    # output x window only when windows tile the input (LeNet's 2/2 pools).
    return _counts(madd, x.numel, x.numel, y.numel)


# ---------------------------------------------------------------- normalization

def _batch_norm_2d(ctx: CostContext, affine: bool):
    """nn.BatchNorm2d: MAdd 4 per element (sub mean, divide by std, * gamma, + beta: whether or
    not it is affine), Flops 1 per element (2 when affine), MemRead input + 2*C (always 2*C,
    whatever the module stores), MemWrite output. BatchNorm1d/3d: unknown to torchstat."""
    x = _input(ctx)
    four_d = _four_d(x)
    if four_d is None:
        return _unknown()
    if not four_d:
        return _nothing(ctx)
    n, c = x.dims[0], x.dims[1]
    size = x.numel
    madd = _mul(4, size)
    flops = _mul(2 if affine else 1, size)
    read = _add(size, _mul(n, 2, c))
    return _counts(madd, flops, read, size)


@TORCHSTAT.register("BatchNorm")
def _batch_norm(ctx: CostContext):
    """Caffe's BatchNorm only normalizes (no scale/shift): nn.BatchNorm2d(C, affine=False).
    The Scale layer that usually follows it supplies the affine part (see _scale), so a
    BatchNorm + Scale pair adds up to torchstat's figures for one affine nn.BatchNorm2d."""
    return _batch_norm_2d(ctx, affine=False)


@TORCHSTAT.register("BN")
def _bn_fork(ctx: CostContext):
    """PSPNet/DeepLab fork: normalization with learned scale and shift in one layer,
    nn.BatchNorm2d(C) (affine)."""
    return _batch_norm_2d(ctx, affine=True)


@TORCHSTAT.register("Scale")
def _scale(ctx: CostContext):
    """A Caffe Scale with its own per-channel blob on a 4-D input is the gamma/beta of a PyTorch
    affine nn.BatchNorm2d (Caffe splits BatchNorm + Scale; PyTorch has one module). It adds
    what affine=True adds in torchstat: Flops 1 per element (the doubling); MAdd and memory
    are already counted in full by torchstat's BatchNorm2d formulas (4 per element and 2*C
    parameters whatever `affine` is), so 0 here. A Scale taking its factor from a second
    bottom, or scaling other axes, is a functional multiply in PyTorch: torchstat sees
    nothing (0)."""
    x = _input(ctx)
    blob = ctx.param_shape("scale")
    if len(ctx.inputs) != 1 or blob is None:
        return _nothing(ctx)
    four_d = _four_d(x)
    if four_d is None:
        return _unknown()
    if not four_d or blob.dims is None or len(blob.dims) != 1 or blob.dims[0] != x.dims[1]:
        return _nothing(ctx)
    return _counts(flops=x.numel)


# ---------------------------------------------------------------- activations

def _relu_like(madd_per_element: int, slopes: bool = False):
    """Flops 1 per element; MAdd per element as torchstat has it (ReLU/ReLU6 1, the others 0);
    MemRead input (+ the learned slopes, per sample, for PReLU), MemWrite the same size."""

    def rule(ctx: CostContext):
        x = _input(ctx)
        size = x.numel
        extra = _mul(_batch(ctx), _learned_numel(ctx)) if slopes else 0
        return _counts(_mul(madd_per_element, size), size, _add(size, extra), size)

    return rule


_RELU = _relu_like(1)
_LEAKY_OR_ELU = _relu_like(0)


@TORCHSTAT.register("ReLU")
def _relu(ctx: CostContext):
    """nn.ReLU; with a negative_slope, nn.LeakyReLU, which torchstat's MAdd does not know
    (it names only ReLU and ReLU6) but its Flops and memory do."""
    if ctx.attr("relu_param").get("negative_slope"):
        return _LEAKY_OR_ELU(ctx)
    return _RELU(ctx)


TORCHSTAT.register("ReLU6")(_RELU)  # nn.ReLU6: listed beside ReLU in all three files
TORCHSTAT.register("ELU")(_LEAKY_OR_ELU)  # nn.ELU: Flops and memory only (MAdd 0)
# nn.PReLU: Flops and memory only; its memory reads the slopes (1 or C) too. torchstat's
# detail.md ticks MAdd for PReLU and ELU, but compute_madd.py has no rule for them: 0.
TORCHSTAT.register("PReLU")(_relu_like(0, slopes=True))


@TORCHSTAT.register("Softmax")
def _softmax(ctx: CostContext):
    """nn.Softmax: MAdd = n exps + (n - 1) adds + n divides over all elements of one sample,
    whatever the softmax axis; no Flops or memory formula (0)."""
    x = _input(ctx)
    n = _batch(ctx)
    size = x.numel
    if n is None or size is None:
        return _unknown()
    if n == 0:
        return _counts()
    per_sample = size // n
    return _counts(madd=n * (3 * per_sample - 1))


# ---------------------------------------------------------------- resizing

def _upsample(ctx: CostContext):
    """nn.Upsample: Flops only, batch x H_out x W_out. torchstat takes out[0] (the first
    sample, C x H x W) and multiplies its shape[1:], so the channels never enter."""
    y = ctx.outputs[0]
    if y.dims is None:
        return _unknown()
    if len(y.dims) != 4:
        return _nothing(ctx)
    return _counts(flops=_mul(y.dims[0], y.dims[2], y.dims[3]))


@TORCHSTAT.register("Upsample")
def _upsample_layer(ctx: CostContext):
    """One bottom: nn.Upsample(scale_factor) (nearest). With a second bottom (the pooling mask,
    SegNet) it is max-unpooling, nn.MaxUnpool2d, which torchstat does not know: 0."""
    if len(ctx.inputs) > 1:
        return _nothing(ctx)
    return _upsample(ctx)


TORCHSTAT.register("Interp")(_upsample)  # bilinear resize: nn.Upsample(mode="bilinear")


# ---------------------------------------------------------------- no torchstat formula

# Every other Caffe type netcost knows: either a PyTorch module torchstat has no formula for
# (MAdd 0, Flops 0, memory (0, 0), "not supported!"), or a functional call / tensor method /
# no-op that torchstat never sees (no row at all). Either way it adds 0 to every column.
NOT_COUNTED_BY_TORCHSTAT = (
    # Modules torchstat does not know.
    "Sigmoid",  # nn.Sigmoid
    "TanH",  # nn.Tanh
    "Dropout",  # nn.Dropout (identity at inference)
    "BNLL",  # nn.Softplus
    "Clip",  # nn.Hardtanh(min, max) (ReLU6 subclasses Hardtanh, not the reverse)
    "Threshold",  # nn.Threshold
    "Swish",  # nn.SiLU
    "Mish",  # nn.Mish
    "GELU",  # nn.GELU
    "HardSigmoid",  # nn.Hardsigmoid
    "HardSwish",  # nn.Hardswish
    "TanHShrink",  # nn.Tanhshrink
    "LRN",  # nn.LocalResponseNorm
    "Flatten",  # nn.Flatten (or x.view: unseen)
    "ShuffleChannel",  # nn.ChannelShuffle (or a view/transpose: unseen)
    "Im2col",  # nn.Unfold
    "Embed",  # nn.Embedding
    "SPP",  # nn.AdaptiveMaxPool2d per level + torch.cat: unknown pools
    "ROIPooling",  # torchvision.ops.RoIPool
    "PSROIPooling",  # torchvision.ops.PSRoIPool
    # nn.LSTM / nn.RNN: no formula; torchstat's hook even fails on them (it calls .size() on
    # the output, which is a tuple), so there is no torchstat figure to follow but 0.
    "LSTM", "RNN",
    # Loss modules (nn.CrossEntropyLoss, nn.MSELoss, ...) need targets: torchstat feeds one
    # input tensor, so losses are never in the model it measures.
    "SoftmaxWithLoss", "EuclideanLoss", "SigmoidCrossEntropyLoss", "ContrastiveLoss",
    "HingeLoss", "InfogainLoss", "MultinomialLogisticLoss", "MultiBoxLoss",
    # Functional calls, tensor methods and no-ops: torchstat never sees them.
    "AbsVal",  # torch.abs
    "Exp", "Log", "Power",  # torch.exp/log/pow with scale and shift
    "Bias",  # x + b (a bare nn.Parameter)
    "Eltwise",  # x + y, x * y, torch.max
    "Axpy",  # a * x + y
    "MVN",  # mean/std arithmetic
    "Normalize",  # F.normalize times a learned scale
    "Concat",  # torch.cat
    "Slice",  # torch.split / indexing
    "Split",  # the same tensor used twice
    "Reshape",  # x.view
    "Permute",  # x.permute
    "Crop",  # indexing
    "Tile",  # x.repeat
    "Reduction",  # torch.sum / mean
    "ArgMax",  # torch.topk / argmax
    "Accuracy",  # evaluation, not the model
    "BatchReindex", "Filter",  # indexing
    "PriorBox",  # constants for one input size
    "DetectionOutput", "DetectionEvaluate",  # post-processing outside the module tree
    "Parameter",  # a bare nn.Parameter: no forward
    "Silence", "HDF5Output",  # no PyTorch counterpart
    # Data sources: the input tensor torchstat creates itself.
    "Input", "Data", "ImageData", "WindowData", "MemoryData", "DummyData", "HDF5Data",
    "AnnotatedData",
    # User code: a custom nn.Module is 'not supported' by torchstat, whatever it computes.
    "Python",
)
TORCHSTAT.register(*NOT_COUNTED_BY_TORCHSTAT)(_nothing)


# Roofline input: torchstat's "Flops" column is multiply-accumulates for convolution and linear
# layers (I*O for a Linear, MACC + bias for a Conv2d), while its "MAdd" column counts each
# multiply and each add (2*MACC - 1 per output, + bias): the two names are widely said to be
# swapped. MAdd is the column that counts floating-point operations, so it feeds intensity and
# roofline 1:1 (flops_metric="madd", flops_per_unit=1). Doubling "Flops" instead would also
# double its pool, ReLU and BatchNorm entries, which already count single operations.
TORCHSTAT_CONVENTION = Convention(
    name="torchstat", title="torchstat (MAdd, Flops, MemRead, MemWrite)",
    description="What torchstat prints for the PyTorch module each Caffe layer becomes "
                "(Convolution = nn.Conv2d, InnerProduct = nn.Linear, Pooling = "
                "MaxPool2d/AvgPool2d, BatchNorm = BatchNorm2d, ...): MAdd counts multiplies "
                "and adds (conv (2*K*K*C_in/G - 1 + bias) x out, linear (2I - 1) x O), Flops "
                "counts multiply-accumulates for conv/linear (the two are widely said to be "
                "swapped), MemRead/MemWrite are (input + parameters) and output elements x 4 "
                "bytes (fp32 always). Modules torchstat has no formula for, and functional "
                "calls it never sees, count 0. Counts cover the whole batch given.",
    source="torchstat 0.0.7 (github.com/Swall0w/torchstat: compute_madd.py, compute_flops.py, "
           "compute_memory.py); REFERENCE.md LeNet torchstat figures",
    metrics=(Metric("madd", "MAdd", "multiplies + adds (torchstat; FLOP-like)"),
             Metric("flops", "Flops", "torchstat 'Flops' (multiply-accumulates for conv/linear)"),
             Metric("mem_read", "MemRead", "bytes"),
             Metric("mem_write", "MemWrite", "bytes")),
    flops_metric="madd", flops_per_unit=1, registry=TORCHSTAT)
