"""Formulas over Caffe layers that several conventions share (REFERENCE.md, "Layer formulas").

Each takes a CostContext and returns an exact int, or None when a dimension is unknown.
"""
from __future__ import annotations

from typing import Optional

from ..arith import product as _prod
from .engine import CostContext


def conv_macc(ctx: CostContext) -> Optional[int]:
    """K_h*K_w*(C_in/G) multiply-accumulates per output element: weight is
    C_out x C_in/G x kernel, so the per-output work is the weight size over C_out."""
    weight = ctx.param_shape("weight")
    out = ctx.out_numel()
    if weight is None or weight.dims is None or out is None:
        return None
    per_output = _prod(weight.dims[1:])
    return None if per_output is None else out * per_output


def deconv_macc(ctx: CostContext) -> Optional[int]:
    """Every input element is multiplied into a kernel x C_out/G window of the output:
    C_in*C_out/G*K*K*H_in*W_in (weight is C_in x C_out/G x kernel)."""
    weight = ctx.param_shape("weight")
    inputs = ctx.in_numel()
    if weight is None or weight.dims is None or inputs is None:
        return None
    per_input = _prod(weight.dims[1:])
    return None if per_input is None else inputs * per_input


def inner_product_macc(ctx: CostContext) -> Optional[int]:
    """I*O per item: the weight holds I*O elements, applied to every leading item."""
    weight = ctx.param_numel("weight")
    out = ctx.out_numel()
    num_output = ctx.attr("inner_product_param").get("num_output")
    if weight is None or out is None or not num_output:
        return None
    return out * (weight // num_output)


def bias_adds(ctx: CostContext) -> Optional[int]:
    """One add per output element when the layer has a bias blob."""
    if ctx.param_shape("bias") is None:
        return 0
    return ctx.out_numel()


def recurrent_steps(ctx: CostContext):
    """(T*N, N, hidden) of an LSTM/RNN layer: time steps x streams, streams, hidden size."""
    x = ctx.inputs[0]
    hidden = ctx.attr("recurrent_param").get("num_output")
    if x.dims is None or len(x.dims) < 2 or x.dims[0] is None or x.dims[1] is None:
        return None, None, hidden
    return x.dims[0] * x.dims[1], x.dims[1], hidden


def recurrent_macc(ctx: CostContext) -> Optional[int]:
    """Every step multiplies x_t and h_{t-1} by their weight matrices (W_x*, W_h*, and for
    an RNN also W_ho); the static input's matrix is applied once per stream."""
    steps, streams, _ = recurrent_steps(ctx)
    if steps is None:
        return None
    per_step = 0
    static = 0
    for p in ctx.params:
        if len(p.shape.dims or ()) != 2:
            continue  # biases
        size = p.shape.numel
        if size is None:
            return None
        if p.name.endswith("_static"):
            static += size
        else:
            per_step += size
    return steps * per_step + streams * static


def pool_window(ctx: CostContext) -> Optional[int]:
    window = ctx.derived("window")
    return None if window is None else _prod(window)


def spp_window_sum(ctx: CostContext) -> Optional[int]:
    """Caffe's SPP pools level l into 2^l x 2^l bins of ceil(H/2^l) x ceil(W/2^l) windows:
    the work is the sum over levels of outputs x window."""
    x = ctx.inputs[0]
    height = ctx.attr("spp_param").get("pyramid_height")
    if x.dims is None or len(x.dims) != 4 or not height:
        return None
    n, c, h, w = x.dims
    if None in (n, c, h, w):
        return None
    total = 0
    for level in range(height):
        bins = 2 ** level
        total += n * c * bins * bins * (-(-h // bins)) * (-(-w // bins))
    return total


def items(ctx: CostContext, axis: int = 1) -> Optional[int]:
    """Elements of input 0 divided by its size along `axis` (e.g. samples x positions)."""
    x = ctx.inputs[0] if ctx.inputs else None
    if x is None or x.dims is None or x.numel is None or not -len(x.dims) <= axis < len(x.dims):
        return None
    return x.numel // x.dims[axis] if x.dims[axis] else None


def eltwise_parts(ctx: CostContext):
    """(operation, number of inputs, coefficients that are not 1) of an Eltwise layer."""
    p = ctx.attr("eltwise_param")
    coeffs = [c for c in (p.get("coeff") or []) if c != 1]
    return p.get("operation", "SUM"), len(ctx.inputs), len(coeffs)


def exp_like_terms(ctx: CostContext, message: str) -> int:
    """Caffe Exp/Log/Power compute f(shift + scale * x): a multiply unless scale is 1 and an
    add unless shift is 0 come before f."""
    p = ctx.attr(message)
    return (p.get("scale", 1) != 1) + (p.get("shift", 0) != 0)
