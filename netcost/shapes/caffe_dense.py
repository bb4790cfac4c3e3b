"""Caffe shape rules of fully connected and recurrent layers: InnerProduct, Embed, LSTM and RNN.
"""
from __future__ import annotations

from typing import Sequence

from ..arith import mul as _mul
from ..errors import ShapeError
from ..ir import Node, Shape
from .caffe_common import UNKNOWN, _attr, _axis, _first, _w, register
from .engine import ShapeResult


@register("InnerProduct")
def inner_product(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    # Flattens axis.. into K inputs: out = shape[:axis] + [num_output]; W is N x K.
    shape = _first(ins, node)
    p = _attr(node, "inner_product_param")
    num_output = p.get("num_output")
    if not num_output:
        raise ShapeError("num_output is not set (or is zero)")
    if shape.dims is None:
        k = None
        out = UNKNOWN
    else:
        axis = _axis(p.get("axis", 1), len(shape.dims))
        k = _mul(*shape.dims[axis:])
        out = Shape(shape.dims[:axis] + (num_output,))
    weight = [k, num_output] if p.get("transpose") else [num_output, k]
    params = [_w(node, "weight", weight)]
    if p.get("bias_term"):
        params.append(_w(node, "bias", [num_output]))
    return ShapeResult([out], params)


@register("Embed")
def embed(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    shape = _first(ins, node)
    p = _attr(node, "embed_param")
    num_output, input_dim = p.get("num_output"), p.get("input_dim")
    if not num_output or not input_dim:
        raise ShapeError("Embed needs num_output and input_dim")
    out = UNKNOWN if shape.dims is None else Shape(shape.dims + (num_output,))
    params = [_w(node, "weight", [input_dim, num_output])]
    if p.get("bias_term"):
        params.append(_w(node, "bias", [num_output]))
    return ShapeResult([out], params)


@register("LSTM", "RNN")
def recurrent(node: Node, ins: Sequence[Shape]) -> ShapeResult:
    """Inputs x (T x N x ...), cont (T x N), optional static x_static (N x ...).
    LSTM learns W_xc (4H x in), b_c (4H), W_hc (4H x H) [+ W_xc_static (4H x static)];
    RNN learns W_xh (H x in), b_h, W_hh (H x H), W_ho (H x H), b_o [+ W_xh_static]."""
    if len(ins) < 2:
        raise ShapeError(f"{node.op} needs bottoms x and cont, got {len(ins)}")
    x = ins[0]
    hidden = _attr(node, "recurrent_param").get("num_output")
    if not hidden:
        raise ShapeError("num_output is not set (or is zero)")
    if x.dims is None:
        out, inputs = UNKNOWN, None
    else:
        if len(x.dims) < 2:
            raise ShapeError(f"{node.op} input must be T x N x ..., got {x}")
        out = Shape((x.dims[0], x.dims[1], hidden))
        inputs = _mul(*x.dims[2:])
    static = None
    if len(ins) > 2:
        s = ins[2]
        static = None if s.dims is None else _mul(*s.dims[1:])
    gates = 4 * hidden if node.op == "LSTM" else hidden
    if node.op == "LSTM":
        params = [_w(node, "W_xc", [gates, inputs]), _w(node, "b_c", [gates])]
        if len(ins) > 2:
            params.append(_w(node, "W_xc_static", [gates, static]))
        params.append(_w(node, "W_hc", [gates, hidden]))
    else:
        params = [_w(node, "W_xh", [hidden, inputs]), _w(node, "b_h", [hidden])]
        if len(ins) > 2:
            params.append(_w(node, "W_xh_static", [hidden, static]))
        params += [_w(node, "W_hh", [hidden, hidden]), _w(node, "W_ho", [hidden, hidden]),
                   _w(node, "b_o", [hidden])]
    outputs = [out]
    # Exposed final hidden (and cell) states when expose_hidden is set: 1 x N x H each.
    for _ in node.outputs[1:]:
        outputs.append(UNKNOWN if x.dims is None else Shape((1, x.dims[1], hidden)))
    return ShapeResult(outputs, params)
