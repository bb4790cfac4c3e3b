"""Cost rules for TensorFlow graphs: tf.profiler's flops registry node for node, and the
`flops`/`macc` conventions over the same ops.

tf-profiler (TF-PROFILER.md; tensorflow/python/profiler/internal/flops_registry.py and the
registrations in nn_ops.py/math_ops.py): a node whose shapes are not fully defined counts 0
(tf.profiler skips it), ops without a registered rule count 0, dtypes are never checked,
pools/convolution gradients need NHWC (else 0), BatchMatMul ignores adj_x, AddN counts every
input including control inputs.
"""
from __future__ import annotations

from typing import Optional

from ..ir import Shape
from .engine import CostContext, CostRegistry

class _Incomplete(Exception):
    """A shape tf.profiler needs is not fully defined."""


def _known(shape: Shape) -> Shape:
    if not shape.is_known:
        raise _Incomplete()
    return shape


def _in(ctx: CostContext, i: int = 0) -> Shape:
    return _known(ctx.inputs[i]) if i < len(ctx.inputs) else _known(Shape.unknown())


def _out(ctx: CostContext) -> Shape:
    return _known(ctx.outputs[0]) if ctx.outputs else _known(Shape.unknown())


def _nhwc(ctx: CostContext) -> bool:
    return (ctx.node.attrs.get("data_format") or "NHWC") == "NHWC"


def _prod(values) -> int:
    product = 1
    for v in values:
        product *= v
    return product


# ---------------------------------------------------------------- tf.profiler's formulas
# Each returns an int, raising _Incomplete when a needed shape is unknown.

def _unary(per_element: int):
    return lambda ctx: _in(ctx).numel * per_element


def _binary(per_element: int):
    return lambda ctx: _out(ctx).numel * per_element


def _reduction(finalize: int):
    # in * reduce + out * (finalize - reduce), reduce = 1
    return lambda ctx: _in(ctx).numel + _out(ctx).numel * (finalize - 1)


def _conv2d(ctx):
    f = _in(ctx, 1)
    return _out(ctx).numel * f.dims[2] * f.dims[0] * f.dims[1] * 2


def _conv3d(ctx):
    f = _in(ctx, 1)
    return _out(ctx).numel * f.dims[3] * f.dims[0] * f.dims[1] * f.dims[2] * 2


def _depthwise(ctx):
    f = _in(ctx, 1)
    return _out(ctx).numel * f.dims[0] * f.dims[1] * 2


def _pool(ctx):
    if not _nhwc(ctx):
        return 0  # tf.profiler raises "Only NHWC format is supported": the node counts 0
    return _prod(ctx.node.attrs.get("ksize") or []) * _out(ctx).numel


def _avg_pool_grad(ctx):
    if not _nhwc(ctx):
        return 0
    return _prod(ctx.node.attrs.get("ksize") or []) * _in(ctx, 1).numel * 2


def _max_pool_grad(ctx):
    if not _nhwc(ctx):
        return 0
    orig_out = _in(ctx, 1).numel
    return _prod(ctx.node.attrs.get("ksize") or []) * orig_out + orig_out


def _strides_hw(ctx) -> int:
    strides = ctx.node.attrs.get("strides") or [1, 1, 1, 1]
    return strides[1] * strides[2]


def _conv_backprop_input(ctx):
    if not _nhwc(ctx):
        return 0
    out, kernel = _out(ctx), _in(ctx, 1)
    return _per_channel_and_stride(ctx, 2 * out.numel * kernel.numel, out.dims[-1])


def _conv_backprop_filter(ctx):
    if not _nhwc(ctx):
        return 0
    image, kernel = _in(ctx, 0), _out(ctx)
    return _per_channel_and_stride(ctx, 2 * image.numel * kernel.numel, image.dims[-1])


def _per_channel_and_stride(ctx, total: int, channels: int) -> int:
    """total / (channels x stride_h x stride_w): TF divides in floating point and the
    profiler keeps the integer part. A tensor without channels (a dim of 0) computes
    nothing; beyond the float range (adversarial dims) the exact quotient."""
    divisor = channels * _strides_hw(ctx)
    if not divisor:
        return 0
    try:
        return int(total / divisor)
    except OverflowError:
        return total // divisor


def _matmul(ctx):
    a = _in(ctx, 0)
    k = a.dims[0] if ctx.node.attrs.get("transpose_a") else a.dims[1]
    return k * _out(ctx).numel * 2


def _batch_matmul(ctx):
    # Reads a "transpose_a" attr these ops do not have: adj_x is ignored (a TF bug kept).
    a = _in(ctx, 0)
    return a.dims[-1] * _out(ctx).numel * 2


def _add_n(ctx):
    count = len(ctx.node.inputs) + len(ctx.node.control_inputs)
    if not count:
        return 0
    return _in(ctx).numel * (count - 1)


def _bias_add(ctx):
    return _in(ctx).numel


PROFILER_FORMULAS = {
    "Reciprocal": _unary(1), "Square": _unary(1), "Rsqrt": _unary(2), "Log": _unary(1),
    "Neg": _unary(1), "AssignSub": _unary(1), "AssignAdd": _unary(1),
    "L2Loss": lambda ctx: _in(ctx).numel * 3 - 1, "Softmax": _unary(5),
    "Add": _binary(1), "AddV2": _binary(1), "Sub": _binary(1), "Mul": _binary(1),
    "RealDiv": _binary(1), "Maximum": _binary(1), "Minimum": _binary(1), "Pow": _binary(1),
    "RsqrtGrad": _binary(4), "GreaterEqual": _binary(1), "Greater": _binary(1),
    "LessEqual": _binary(1), "Less": _binary(1), "Equal": _binary(1), "NotEqual": _binary(1),
    "SquaredDifference": _binary(2),
    "Mean": _reduction(1), "Sum": _reduction(0), "ArgMax": _reduction(0),
    "ArgMin": _reduction(0), "BiasAddGrad": _reduction(0),
    "AvgPool": _pool, "MaxPool": _pool, "AvgPoolGrad": _avg_pool_grad,
    "MaxPoolGrad": _max_pool_grad, "Conv2DBackpropInput": _conv_backprop_input,
    "Conv2DBackpropFilter": _conv_backprop_filter,
    "AddN": _add_n, "MatMul": _matmul, "BatchMatMul": _batch_matmul,
    "BatchMatMulV2": _batch_matmul, "BatchMatMulV3": _batch_matmul,
    "Conv2D": _conv2d, "Conv3D": _conv3d, "DepthwiseConv2dNative": _depthwise,
    "Dilation2D": _depthwise, "BiasAdd": _bias_add,
}


# tf.profiler's convolutions (nn_ops.py) also assert that the input's shape is fully defined,
# though their formula does not read it: an input of unknown channels with a known output
# counts 0 there.
PROFILER_NEEDS_INPUT = {"Conv2D", "Conv3D", "DepthwiseConv2dNative", "Dilation2D"}


def _profiler_rule(formula, needs_input: bool = False):
    def rule(ctx: CostContext):
        try:
            if needs_input:
                _in(ctx, 0)
            return {"flops": int(formula(ctx))}
        except _Incomplete:
            return {"flops": 0}  # tf.profiler: "no flops stats due to incomplete shapes"

    return rule


def _profiler_zero(ctx: CostContext):
    return {"flops": 0}


class _ProfilerRegistry(CostRegistry):
    """Every op has a rule: the registered formula, or tf.profiler's 0 for the rest."""

    def get(self, op: str):
        return self.rules.get(op, _profiler_zero)


TF_PROFILER_TF = _ProfilerRegistry("tf-profiler (tensorflow)")
for _op, _formula in PROFILER_FORMULAS.items():
    TF_PROFILER_TF.register(_op)(_profiler_rule(_formula, _op in PROFILER_NEEDS_INPUT))


def incomplete_for_profiler(ctx: CostContext) -> bool:
    """Whether tf.profiler would skip this node for want of shapes."""
    formula = PROFILER_FORMULAS.get(ctx.node.op)
    if formula is None:
        return False
    try:
        if ctx.node.op in PROFILER_NEEDS_INPUT:
            _in(ctx, 0)
        formula(ctx)
    except _Incomplete:
        return True
    return False


# ---------------------------------------------------------------- flops and macc conventions
# Same formulas where tf.profiler has one, None (not 0) when shapes are unknown, and the
# arithmetic tf.profiler leaves out counted per element (README's table).

def _macc_conv2d(ctx):
    f = _in(ctx, 1)
    return _out(ctx).numel * f.dims[0] * f.dims[1] * f.dims[2]


def _macc_conv3d(ctx):
    f = _in(ctx, 1)
    return _out(ctx).numel * f.dims[0] * f.dims[1] * f.dims[2] * f.dims[3]


def _macc_depthwise(ctx):
    f = _in(ctx, 1)
    return _out(ctx).numel * f.dims[0] * f.dims[1]


def _macc_matmul(ctx):
    return _matmul(ctx) // 2


def _macc_batch_matmul(ctx):
    a = _in(ctx, 0)
    k = a.dims[-2] if ctx.node.attrs.get("adj_x") else a.dims[-1]
    return k * _out(ctx).numel


def _macc_conv_backprop_input(ctx):
    # Transposed convolution: every input element meets a kernel x out-channels window.
    x, f = _in(ctx, 2), _in(ctx, 1)
    return x.numel * f.dims[0] * f.dims[1] * f.dims[2]


MACC_FORMULAS = {
    "Conv2D": _macc_conv2d, "Conv3D": _macc_conv3d, "DepthwiseConv2dNative": _macc_depthwise,
    "MatMul": _macc_matmul, "BatchMatMul": _macc_batch_matmul,
    "BatchMatMulV2": _macc_batch_matmul, "BatchMatMulV3": _macc_batch_matmul,
    "Conv2DBackpropInput": _macc_conv_backprop_input,
}

# Per element of the first output, for ops tf.profiler leaves at 0 (as the Caffe table).
FLOPS_PER_ELEMENT = {
    "Sigmoid": 3, "Tanh": 1, "Elu": 3, "Selu": 4, "Softplus": 3, "Exp": 1, "Expm1": 1,
    "Log1p": 1, "Sqrt": 1, "Erf": 1, "LeakyRelu": 1, "Gelu": 9, "Softsign": 2,
    "FusedBatchNorm": 2, "FusedBatchNormV2": 2, "FusedBatchNormV3": 2,
    "LogSoftmax": 5, "Abs": 0, "Relu": 0, "Relu6": 0, "ClipByValue": 0,
    "ResizeBilinear": 7, "ResizeBicubic": 31, "ResizeNearestNeighbor": 0,
    "FloorDiv": 1, "FloorMod": 1, "Div": 1, "DivNoNan": 1, "MulNoNan": 1,
    "Max": 1, "Min": 1, "Prod": 1, "Sin": 1, "Cos": 1, "Tan": 1, "Asin": 1, "Acos": 1,
    "Atan": 1, "Sinh": 1, "Cosh": 1, "Atan2": 1, "Xdivy": 1, "Xlogy": 2, "Sign": 1,
    "Floor": 1, "Ceil": 1, "Round": 1, "Rint": 1, "Erfc": 1, "TruncateDiv": 1,
    "TruncateMod": 1, "LRN": 5, "Select": 1, "SelectV2": 1,
    "BiasAddV1": 1,  # BiasAdd's work; tf.profiler has no rule for the V1 op
}


def _flops_rule(op: str):
    def rule(ctx: CostContext):
        macc_formula = MACC_FORMULAS.get(op)
        try:
            macc = macc_formula(ctx) if macc_formula else 0
            if op in PROFILER_FORMULAS:
                flops = int(PROFILER_FORMULAS[op](ctx))
                if op in ("AvgPool", "MaxPool") and not _nhwc(ctx):
                    # NCHW pools: tf.profiler gives up; the work is the same.
                    flops = _prod(ctx.node.attrs.get("ksize") or []) * _out(ctx).numel
            elif op in ("Max", "Min", "Prod"):
                flops = _in(ctx).numel - _out(ctx).numel
            else:
                per = FLOPS_PER_ELEMENT.get(op, 0)
                flops = per * _out(ctx).numel if per else 0
        except _Incomplete:
            return {"macc": None, "flops": None}
        return {"macc": macc, "flops": flops}

    return rule


class _AllOpsRegistry(CostRegistry):
    """Rules for every op: data movement and bookkeeping ops count 0."""

    def __init__(self, name: str, make):
        super().__init__(name)
        self.make = make

    def get(self, op: str):
        rule = self.rules.get(op)
        if rule is None:
            rule = self.rules[op] = self.make(op)
        return rule


FLOPS_TF = _AllOpsRegistry("flops (tensorflow)", _flops_rule)


def _macc_rule(op: str):
    flops = _flops_rule(op)

    def rule(ctx: CostContext):
        return {"macc": flops(ctx)["macc"]}

    return rule


MACC_TF = _AllOpsRegistry("macc (tensorflow)", _macc_rule)


def profiler_note(ctx: CostContext) -> Optional[str]:
    if incomplete_for_profiler(ctx):
        return "shape not fully known: tf.profiler counts 0 here"
    return None
