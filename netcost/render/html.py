"""The HTML report: one self-contained page per network.

Everything the page needs is inside the file: CSS and JavaScript inline (allowed by a
Content-Security-Policy whose hashes are computed here, at render time), the graph and the
charts as inline SVG, the figures the script needs as a JSON data block. The policy forbids
every request, so the page works offline and leaks nothing.

Python computes the layout (netcost.layout) and formats every number (netcost.render.units,
handed to jinja2 as filters); the template lays things out, with autoescape on: layer names
are user data. The JSON block is json.dumps output with <, > and & escaped, never code.
The same report gives byte-identical HTML: no timestamps, stable orders, fixed rounding.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from typing import Dict, List, Optional, Sequence, Tuple

from ..breakdown import scope_path
from ..layout import CONSTANT_OPS, Drawing, DrawNode, layered_layout, layout_report
from .units import (exact_digits, grouped, human_bytes, human_count, human_rate,
                    human_seconds, percent, ratio)

# ---------------------------------------------------------------------------- layer kinds
# Box colours group op types (Caffe and TensorFlow names) into kinds. Order matters: the
# first kind whose list names the op wins; matching is on the lowercased op name.
KINDS: Tuple[Tuple[str, str, Tuple[str, ...]], ...] = (
    ("const", "constant", ("const", "variablev2", "variable", "varhandleop")),
    ("input", "input / data", ("input", "data", "imagedata", "windowdata", "memorydata",
                               "dummydata", "hdf5data", "annotateddata", "placeholder",
                               "python")),
    ("conv", "convolution", ("convolution", "convolutiondepthwise", "depthwiseconvolution",
                             "conv2d", "conv3d", "depthwiseconv2dnative", "conv1d")),
    ("deconv", "deconvolution", ("deconvolution", "conv2dbackpropinput",
                                 "conv2dtranspose")),
    ("fc", "fully connected", ("innerproduct", "matmul", "batchmatmul", "batchmatmulv2",
                               "dense", "embed")),
    ("pool", "pooling", ("pooling", "maxpool", "avgpool", "spp", "roipooling",
                         "psroipooling", "mean")),
    ("norm", "normalization", ("batchnorm", "bn", "lrn", "scale", "bias", "mvn",
                               "normalize", "fusedbatchnorm", "fusedbatchnormv3", "biasadd",
                               "l2normalize")),
    ("act", "activation", ("relu", "relu6", "prelu", "sigmoid", "tanh", "elu", "bnll",
                           "swish", "mish", "gelu", "clip", "threshold", "absval", "power",
                           "exp", "log", "leakyrelu", "selu", "softplus", "hardsigmoid",
                           "hardswish")),
    ("merge", "merge", ("eltwise", "concat", "concatv2", "add", "addv2", "addn", "mul",
                        "axpy", "maximum", "sub")),
    ("rnn", "recurrent", ("lstm", "rnn")),
    ("out", "output / loss", ("softmax", "softmaxwithloss", "accuracy", "argmax",
                              "euclideanloss", "sigmoidcrossentropyloss", "hingeloss",
                              "contrastiveloss", "infogainloss", "multinomiallogisticloss",
                              "multiboxloss", "detectionoutput", "detectionevaluate",
                              "silence")),
    ("move", "reshape / data movement", ("reshape", "flatten", "slice", "split", "permute",
                                         "crop", "tile", "dropout", "shufflechannel",
                                         "upsample", "interp", "priorbox", "reduction",
                                         "transpose", "squeeze", "expanddims", "pad",
                                         "identity", "batchreindex", "filter", "im2col",
                                         "resizebilinear", "stridedslice")),
)
_KIND_OF = {op: kind for kind, _, ops in KINDS for op in ops}
KIND_LABELS = dict((kind, label) for kind, label, _ in KINDS)
KIND_LABELS["other"] = "other"
KIND_LABELS["unknown"] = "unknown type"


def layer_kind(op: str, known: bool = True) -> str:
    if not known:
        return "unknown"
    return _KIND_OF.get(op.lower(), "other")


# ---------------------------------------------------------------------------- boxes
NAME_CHAR = 6.6  # px per character of a box title (11px semibold system font), generous
TYPE_CHAR = 5.7  # px per character of the type line (10px)
BOX_MIN, BOX_MAX = 76.0, 236.0
BOX_HEIGHT, INPUT_HEIGHT = 36.0, 26.0
NAME_MAX = int((BOX_MAX - 18) / NAME_CHAR)
TYPE_MAX = int((BOX_MAX - 18) / TYPE_CHAR)


def _clip(text: str, limit: int) -> str:
    """Shortened in the middle: the end of a scoped name is what tells boxes apart."""
    if len(text) <= limit:
        return text
    tail = (limit - 1) * 3 // 5
    return text[:limit - 1 - tail] + "\u2026" + text[len(text) - tail:]


def _box_title(report, node: DrawNode) -> str:
    if not node.rows:
        return node.tensor or ""
    return report.layers[node.rows[0]].name


def _box_types(report, node: DrawNode) -> str:
    if not node.rows:
        return "input"
    rows = [report.layers[i] for i in node.rows]
    types = [rows[0].type] + [r.type for r in rows[1:] if r.type not in CONSTANT_OPS]
    consts = len(rows) - len(types)
    text = types[0] + (" + " + ", ".join(types[1:]) if len(types) > 1 else "")
    return text + (f" \u00b7 {consts} const" if consts else "")


def box_size(report, node: DrawNode) -> Tuple[float, float]:
    title = min(len(_box_title(report, node)), NAME_MAX) * NAME_CHAR
    if not node.rows:
        return max(BOX_MIN - 16, min(BOX_MAX, title + 24)), INPUT_HEIGHT
    types = min(len(_box_types(report, node)), TYPE_MAX) * TYPE_CHAR
    return max(BOX_MIN, min(BOX_MAX, max(title, types) + 20)), BOX_HEIGHT


def drawing_of(report) -> Drawing:
    return layout_report(report, lambda node: box_size(report, node))


# ---------------------------------------------------------------------------- helpers
def _num(v: float) -> str:
    """A coordinate with at most one decimal, as short as possible, stable."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _shape_label(shape) -> str:
    """An edge label: the shape without its batch dimension (64x56x56)."""
    if shape.dims is None:
        return "?"
    dims = shape.dims[1:] if len(shape.dims) >= 2 else shape.dims
    if not dims:
        return "scalar"
    return "x".join("?" if d is None else str(d) for d in dims)


def _shapes(pairs) -> str:
    return ", ".join(str(s) for _, s in pairs) or "-"


def json_for_html(data) -> str:
    """JSON safe inside a <script type="application/json"> element: no <, > or & at all
    (so no '</script>' or '<!--'), U+2028/2029 escaped too. Keys keep their order."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _round(x: Optional[float], digits: int = 6) -> Optional[float]:
    """Floats for the JSON block, at a fixed precision (stable text, smaller file)."""
    if x is None:
        return None
    return float(f"{x:.{digits}g}")


# ---------------------------------------------------------------------------- columns
class _Col:
    __slots__ = ("key", "title", "unit", "numeric", "text", "value", "css")

    def __init__(self, key, title, unit, numeric, text, value=None, css=""):
        self.key, self.title, self.unit, self.numeric = key, title, unit, numeric
        self.text, self.value, self.css = text, value, css


def _columns(report) -> List[_Col]:
    conv = report.convention
    share_base = report.total_ops()[0] or None
    cols = [
        _Col("name", "layer", "", False, lambda r: r.name, css="name"),
        _Col("type", "type", "", False, lambda r: r.type, css="type"),
        _Col("in", "input shape", "", False, lambda r: _shapes(r.inputs), css="shape"),
        _Col("out", "output shape", "", False, lambda r: _shapes(r.outputs), css="shape"),
        _Col("params", "params", "learnable elements", True,
             lambda r: "" if (r.known_op and not r.param_tensors) else human_count(r.params),
             lambda r: r.params),
    ]
    taken = {c.key for c in cols}
    for m in conv.metrics:
        key = m.key if m.key not in taken else f"{conv.name}_{m.key}"
        short = human_bytes if m.unit.startswith("bytes") else human_count

        def value(r, k=m.key):
            return None if r.cost is None else r.cost.counts[k]

        cols.append(_Col(key, m.label if key == m.key else f"{conv.name} {m.label}", m.unit,
                         True, lambda r, v=value, s=short: s(v(r)), value))
        taken.add(key)
    if conv.flops_metric is not None and "flops" not in taken:
        per = "" if conv.flops_per_unit == 1 else f"{conv.flops_per_unit} x {conv.flops_metric}"
        cols.append(_Col("flops", "FLOPs", per or f"= {conv.metric(conv.flops_metric).label}",
                         True, lambda r: human_count(r.ops), lambda r: r.ops))
    cols += [
        _Col("read", "bytes read", f"bytes at {report.precision}", True,
             lambda r: human_bytes(None if r.cost is None else r.cost.bytes_read),
             lambda r: None if r.cost is None else r.cost.bytes_read),
        _Col("written", "bytes written", f"bytes at {report.precision}", True,
             lambda r: human_bytes(None if r.cost is None else r.cost.bytes_written),
             lambda r: None if r.cost is None else r.cost.bytes_written),
        _Col("intensity", "FLOP/B", "arithmetic intensity", True,
             lambda r: ratio(None if r.cost is None else r.cost.intensity),
             lambda r: None if r.cost is None else _round(r.cost.intensity)),
        _Col("share", "share", "of total FLOPs", True,
             lambda r: "?" if r.ops is None or not share_base else percent(r.ops / share_base),
             lambda r: None if r.ops is None or not share_base else _round(r.ops / share_base)),
    ]
    if report.roofline is not None:
        cols += [
            _Col("bound", "bound", "roofline", False,
                 lambda r: "?" if r.roofline is None else
                 ("memory" if r.roofline.memory_bound else "compute"), css="bound"),
            _Col("time", "time", "roofline estimate", True,
                 lambda r: human_seconds(None if r.roofline is None else r.roofline.seconds),
                 lambda r: None if r.roofline is None else _round(r.roofline.seconds)),
        ]
    return cols


# ---------------------------------------------------------------------------- charts
CHART_W, CHART_H = 1000.0, 260.0
ROOF_W, ROOF_H = 640.0, 400.0


def _profile_chart(report, kinds: List[str]) -> Optional[dict]:
    """Per-layer bars in execution order: FLOPs up, bytes moved down; one path per kind and
    series (compact for thousands of layers)."""
    rows = report.layers
    n = len(rows)
    if not n:
        return None
    flops = [r.ops or 0 for r in rows]
    moved = [r.bytes_moved or 0 for r in rows]
    top_f, top_b = max(flops), max(moved)
    if not top_f and not top_b:
        return None
    left, right, mid = 56.0, 12.0, CHART_H / 2
    span = (CHART_H / 2) - 22
    step = (CHART_W - left - right) / n
    bar = min(24.0, max(0.6, step * 0.78))
    paths: Dict[Tuple[str, str], List[str]] = {}
    # Ratios int / int first: Python divides huge exact counts (a rank-254 tensor's thousands
    # of digits) without a float overflow, which span * count would hit.
    for i, (f, b) in enumerate(zip(flops, moved)):
        x = _num(left + step * (i + 0.5))
        if f and top_f:
            paths.setdefault(("f", kinds[i]), []).append(
                f"M{x} {_num(mid - 1)}V{_num(mid - 1 - max(0.8, span * (f / top_f)))}")
        if b and top_b:
            paths.setdefault(("b", kinds[i]), []).append(
                f"M{x} {_num(mid + 1)}V{_num(mid + 1 + max(0.8, span * (b / top_b)))}")
    return {
        "width": _num(CHART_W), "height": _num(CHART_H), "left": _num(left),
        "right": _num(CHART_W - right), "mid": _num(mid), "bar": _num(bar),
        "step": step, "n": n,
        "paths": [{"series": s, "kind": k, "d": "".join(p)}
                  for (s, k), p in sorted(paths.items())],
        "top_flops": human_count(top_f), "top_bytes": human_bytes(top_b),
        "top_y": _num(mid - span - 6), "bottom_y": _num(mid + span + 14),
    }


def _log_ticks(lo: float, hi: float) -> List[float]:
    return [10.0 ** e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def _roofline_chart(report, kinds: List[str]) -> Optional[dict]:
    rl = report.roofline
    if rl is None:
        return None
    points = []
    for i, r in enumerate(report.layers):
        c = r.cost
        if c is None or r.roofline is None or not r.ops or not c.intensity:
            continue
        points.append((i, c.intensity, r.roofline.attainable))
    if not points:
        return None
    xs = [p[1] for p in points] + [rl.ridge]
    ys = [p[2] for p in points] + [rl.peak]
    x_lo, x_hi = min(xs) / 2, max(xs) * 2
    y_lo, y_hi = min(ys) / 2, rl.peak * 2
    x_lo = 10 ** math.floor(math.log10(x_lo))
    x_hi = 10 ** math.ceil(math.log10(x_hi))
    y_lo = 10 ** math.floor(math.log10(y_lo))
    y_hi = 10 ** math.ceil(math.log10(y_hi))
    left, right, top, bottom = 64.0, 16.0, 14.0, 40.0

    def px(x: float) -> float:
        return left + (ROOF_W - left - right) * (math.log10(x) - math.log10(x_lo)) / (
            math.log10(x_hi) - math.log10(x_lo))

    def py(y: float) -> float:
        return ROOF_H - bottom - (ROOF_H - top - bottom) * (
            math.log10(y) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo))

    # memory roof y = bandwidth * x up to the ridge, then the compute roof
    x_start = max(x_lo, y_lo / rl.bandwidth)
    roof = (f"M{_num(px(x_start))} {_num(py(rl.bandwidth * x_start))}"
            f"L{_num(px(rl.ridge))} {_num(py(rl.peak))}L{_num(px(x_hi))} {_num(py(rl.peak))}")
    total_i = report.intensity
    net = None
    if total_i and rl.seconds:
        ops = report.total_ops()[0]
        perf = ops / rl.seconds
        x, y = px(total_i), py(perf)
        right_side = x > 0.55 * ROOF_W
        net = {"x": _num(x), "y": _num(y), "lx": _num(x - 12 if right_side else x + 12),
               "ly": _num(y + 4), "anchor": "end" if right_side else "start",
               "label": f"whole net: {ratio(total_i)} FLOP/B, "
                        f"{human_rate(perf, 'FLOP/s')}"}
    return {
        "width": _num(ROOF_W), "height": _num(ROOF_H), "left": _num(left),
        "right": _num(ROOF_W - right), "top": _num(top), "bottom": _num(ROOF_H - bottom),
        "roof": roof,
        "ridge": {"x": _num(px(rl.ridge)), "y": _num(py(rl.peak)),
                  "lx": _num(px(rl.ridge) + 8), "ly": _num(py(rl.peak) + 18),
                  "label": f"ridge {ratio(rl.ridge)} FLOP/B"},
        "peak_y": _num(py(rl.peak) - 8),
        "peak_label": f"peak {human_rate(rl.peak, 'FLOP/s')} ({report.precision})",
        "bw_label": f"{human_rate(rl.bandwidth, 'B/s')}",
        "points": [{"i": i, "x": _num(px(x)), "y": _num(py(y)), "kind": kinds[i]}
                   for i, x, y in points],
        "xticks": [{"x": _num(px(t)), "label": _tick(t)} for t in _log_ticks(x_lo, x_hi)
                   if x_lo <= t <= x_hi],
        "yticks": [{"y": _num(py(t)), "label": human_rate(t, "").replace(".00", "").strip()}
                   for t in _log_ticks(y_lo, y_hi) if y_lo <= t <= y_hi],
        "net": net,
    }


def _tick(x: float) -> str:
    if x >= 1:
        return f"{x:,.0f}"
    return f"{x:g}"


# ---------------------------------------------------------------------------- overview
GROUP_OFFER, GROUP_FIRST = 120, 400  # boxes from which the scope overview is offered / shown
GROUP_HEIGHT = 40.0


def _path_d(points: Sequence[Tuple[float, float]]) -> str:
    """An SVG path through the points: vertical runs straight, bends as S-curves."""
    d = [f"M{_num(points[0][0])} {_num(points[0][1])}"]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if abs(x1 - x0) < 0.5:
            d.append(f"V{_num(y1)}")
        else:
            ym = (y0 + y1) / 2
            d.append(f"C{_num(x0)} {_num(ym)} {_num(x1)} {_num(ym)} {_num(x1)} {_num(y1)}")
    return "".join(d)


def _grouping(report, drawing: Drawing) -> Optional[Dict[int, str]]:
    """Box -> name scope, at the scope depth that makes the largest group plus the number of
    groups smallest (Inception-ResNet by module, ResNet by block, TF by top scopes); None
    when grouping would not make the drawing much smaller."""
    boxes = [k for k, n in enumerate(drawing.nodes) if n.rows]
    if len(boxes) < GROUP_OFFER:
        return None
    paths = {k: scope_path(report.layers[drawing.nodes[k].rows[0]].name, report.framework)
             for k in boxes}
    best = None
    for depth in range(1, max(len(p) for p in paths.values()) + 1):
        key_of = {k: p[min(depth, len(p)) - 1] for k, p in paths.items()}
        sizes: Dict[str, int] = {}
        for key in key_of.values():
            sizes[key] = sizes.get(key, 0) + 1
        score = max(sizes.values()) + len(sizes)
        if best is None or score < best[0]:
            best = (score, len(sizes), key_of)
    if best[1] > len(boxes) / 2:
        return None
    return best[2]


def _overview(report, drawing: Drawing, kinds: List[str]) -> Optional[dict]:
    """The drawing with every name scope collapsed into one box, laid out the same way."""
    key_of = _grouping(report, drawing)
    if key_of is None:
        return None
    keys: List[Optional[str]] = []  # None: a net input box, its own group
    index: Dict[str, int] = {}
    group_of = [0] * len(drawing.nodes)
    for k in drawing.order:  # groups numbered in a topological order of their first box
        key = key_of.get(k)
        if key is None or key not in index:
            group_of[k] = len(keys)
            keys.append(key)
            if key is not None:
                index[key] = group_of[k]
        else:
            group_of[k] = index[key]
    members: List[List[int]] = [[] for _ in keys]
    for k in range(len(drawing.nodes)):
        members[group_of[k]].append(k)
    pairs = sorted({(group_of[e.src], group_of[e.dst]) for e in drawing.edges
                    if group_of[e.src] != group_of[e.dst]})
    rows_of = [[i for k in m for i in drawing.nodes[k].rows] for m in members]

    def total(values):
        return None if any(v is None for v in values) else sum(values)

    share_base = report.total_ops()[0] or None
    titles, subs, sizes, figures, group_kinds = [], [], [], [], []
    for g, key in enumerate(keys):
        rows = [report.layers[i] for i in rows_of[g]]
        if key is None:
            title = drawing.nodes[members[g][0]].tensor or ""
            titles.append(_clip(title, NAME_MAX))
            subs.append("")
            sizes.append((max(BOX_MIN - 16, min(BOX_MAX, len(titles[-1]) * NAME_CHAR + 24)),
                          INPUT_HEIGHT))
            figures.append([])
            group_kinds.append("input")
            continue
        ops = total([r.ops for r in rows])
        share = "" if ops is None or not share_base else f" \u00b7 {percent(ops / share_base)}"
        titles.append(_clip(key, NAME_MAX))
        subs.append(f"{len(rows)} layer{'s' if len(rows) != 1 else ''}{share}")
        width = max(len(titles[-1]) * NAME_CHAR, len(subs[-1]) * TYPE_CHAR) + 24
        sizes.append((max(BOX_MIN, min(BOX_MAX, width)), GROUP_HEIGHT))
        pairs_ = [["layers", str(len(rows))],
                  ["params", human_count(total([r.params for r in rows]))],
                  ["FLOPs", human_count(ops)],
                  ["bytes moved", human_bytes(total([r.bytes_moved for r in rows]))]]
        if share_base and ops is not None:
            pairs_.append(["share", percent(ops / share_base)])
        if report.roofline is not None:
            pairs_.append(["time", human_seconds(total(
                [None if r.roofline is None else r.roofline.seconds for r in rows]))])
        figures.append(pairs_)
        weight: Dict[str, int] = {}
        for k in members[g]:
            kind = kinds[drawing.nodes[k].rows[0]]
            weight[kind] = weight.get(kind, 0) + sum(
                report.layers[i].ops or 0 for i in drawing.nodes[k].rows) + 1
        group_kinds.append(max(sorted(weight), key=weight.__getitem__))
    lay = layered_layout(sizes, pairs)
    nodes = []
    for g, key in enumerate(keys):
        w, h = sizes[g]
        nodes.append({"g": g, "group": key is not None, "kind": group_kinds[g],
                      "title": titles[g], "sub": subs[g],
                      "x": _num(lay.x[g]), "y": _num(lay.y[g]), "w": _num(w), "h": _num(h),
                      "hx": _num(-w / 2), "hy": _num(-h / 2)})
    edges = []
    for u, v in pairs:
        a, b = min(u, v), max(u, v)
        bends = lay.routes.get((a, b), [])
        if u > v:
            bends = list(reversed(bends))
        start = (lay.x[u], lay.y[u] + sizes[u][1] / 2)
        end = (lay.x[v], lay.y[v] - sizes[v][1] / 2)
        edges.append({"d": _path_d([start] + list(bends) + [end])})
    return {"width": _num(lay.width), "height": _num(lay.height), "nodes": nodes,
            "edges": edges, "groups": sum(1 for k in keys if k is not None),
            "first": sum(1 for n in drawing.nodes if n.rows) >= GROUP_FIRST,
            "data": {"members": members, "figures": figures,
                     "titles": [k if k is not None else "" for k in keys]}}


# ---------------------------------------------------------------------------- the page
def _box_totals(report, drawing: Drawing) -> Dict[str, List[List[str]]]:
    """Figures of the boxes that fold several layers, summed and formatted."""
    def total(values):
        return None if any(v is None for v in values) else sum(values)

    boxes = {}
    conv = report.convention
    for k, node in enumerate(drawing.nodes):
        if len(node.rows) < 2:
            continue
        rows = [report.layers[i] for i in node.rows]
        pairs = [["params", human_count(total([r.params for r in rows]))]]
        if conv.flops_metric is not None:
            pairs.append(["FLOPs", human_count(total([r.ops for r in rows]))])
        pairs.append(["bytes moved", human_bytes(total([r.bytes_moved for r in rows]))])
        if report.roofline is not None:
            seconds = total([None if r.roofline is None else r.roofline.seconds for r in rows])
            pairs.append(["time", human_seconds(seconds)])
        boxes[str(k)] = pairs
    return boxes


def _totals(report) -> List[dict]:
    conv = report.convention
    cards = []
    unknown = report.layers_with_unknown_params
    cards.append({"label": "parameters", "value": human_count(report.total_params),
                  "exact": ("at least " if unknown else "") + grouped(report.total_params)
                  + " learnable elements",
                  "sub": [f"{grouped(report.total_stored_values)} "
                          + ("in constant tensors (frozen graph)"
                             if report.framework == "tensorflow" else "stored non-learned values")]
                  if report.total_stored_values else []})
    cards.append({"label": "model size", "value": human_bytes(report.model_bytes("fp32")),
                  "exact": "fp32, every stored tensor",
                  "sub": [f"{p} {human_bytes(report.model_bytes(p))}"
                          for p in ("fp16", "bf16", "int8")]})
    for m in conv.metrics:
        value, complete = report.total(m.key)
        short = human_bytes(value) if m.unit.startswith("bytes") else human_count(value)
        cards.append({"label": f"{m.label}", "value": ("\u2265 " if not complete else "") + short,
                      "exact": f"{grouped(value)} {m.unit}", "sub": [f"{conv.name} convention"]})
    if conv.flops_metric is not None and not (conv.flops_metric == "flops"
                                              and conv.flops_per_unit == 1):
        value, complete = report.total_ops()
        cards.append({"label": "FLOPs", "value": ("\u2265 " if not complete else "")
                      + human_count(value), "exact": f"{grouped(value)} FLOPs",
                      "sub": [f"{conv.flops_per_unit} x {conv.flops_metric}"
                              if conv.flops_per_unit != 1 else f"= {conv.flops_metric}"]})
    moved, moved_ok = report.total_bytes()
    cards.append({"label": "bytes moved", "value": ("\u2265 " if not moved_ok else "")
                  + human_bytes(moved), "exact": f"{grouped(moved)} B at {report.precision}",
                  "sub": ["inputs + weights read, outputs written"]})
    cards.append({"label": "arithmetic intensity", "value": ratio(report.intensity),
                  "exact": "FLOP per byte moved", "sub": []})
    peak = report.peak_activation_bytes
    cards.append({"label": "peak activation memory", "value": human_bytes(peak),
                  "exact": (f"{grouped(report.peak_activation_elements)} elements at "
                            f"{report.peak_activation_at}") if peak is not None
                  else "some tensor sizes are unknown",
                  "sub": ["sequential, in-place shared"]})
    rl = report.roofline
    if rl is not None:
        cards.append({"label": "roofline time", "value": human_seconds(rl.seconds),
                      "exact": f"on {rl.device.name}",
                      "sub": [f"{percent(rl.memory_bound_share)} in memory-bound layers"]})
    return cards


def _inputs(report) -> List[Tuple[str, str]]:
    """Net inputs and what input/data layers produce (not constants or variables)."""
    seen = [(name, str(shape)) for name, shape in report.inputs]
    for r in report.layers:
        if not r.inputs and layer_kind(r.type, r.known_op) == "input":
            seen += [(name, str(shape)) for name, shape in r.outputs]
    return seen


def _warnings(report) -> List[dict]:
    items = [{"kind": "file", "text": w} for w in report.warnings]
    for t in report.unknown_types:
        names = [i for i, r in enumerate(report.layers) if r.type == t]
        items.append({"kind": "unknown type", "text": f"unknown layer type {t}: no shape or "
                      f"cost rule; its params and costs count as unknown", "rows": names[:20]})
    uncounted = [i for i, r in enumerate(report.layers)
                 if r.cost is not None and r.cost.uncounted and r.known_op]
    if uncounted:
        items.append({"kind": "uncounted", "text": f"no {report.convention.name} cost rule "
                      "for these layers: their counts are unknown", "rows": uncounted[:20],
                      "more": max(0, len(uncounted) - 20)})
    for i, r in enumerate(report.layers):
        if r.shape_note:
            items.append({"kind": "no shape", "text": r.shape_note, "rows": [i]})
    for item in items:
        item.setdefault("rows", [])
        item.setdefault("more", 0)
    return items


SCOPE_ROWS, SCOPE_CHILDREN = 40, 25  # the rest of the tree is in the JSON output


def _scopes(report) -> Tuple[List[dict], int]:
    """The largest depth-1 scopes, each with its largest depth-2 children; and how many
    depth-1 scopes are left out."""
    limit = report.scope_depth or 2
    roots: List[dict] = []
    current = None
    for b in report.by_scope:
        if b.depth == 1:
            current = {"b": b, "children": []}
            roots.append(current)
        elif b.depth == 2 and current is not None and limit >= 2:
            current["children"].append(b)
    roots.sort(key=lambda s: (-(s["b"].ops or 0), s["b"].key))
    for s in roots:
        children = s["children"]
        s["more"] = max(0, len(children) - SCOPE_CHILDREN)
        s["children"] = sorted(children, key=lambda b: (-(b.ops or 0), b.key))[:SCOPE_CHILDREN]
    return roots[:SCOPE_ROWS], max(0, len(roots) - SCOPE_ROWS)


def _environment():
    import jinja2

    from .. import templates

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(os.path.abspath(templates.__file__))),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    env.filters.update(count=human_count, bytes=human_bytes, grouped=grouped,
                       percent=percent, ratio=ratio, seconds=human_seconds, num=_num,
                       rate=human_rate)
    return env


def _asset(env, name: str) -> str:
    source = env.loader.get_source(env, name)[0]
    if "</" in source:
        # would end the inline element early; the assets never need it
        raise ValueError(f"{name} contains '</'")
    return source


def page_context(report) -> dict:
    """Everything the template shows, formatted; no layout decisions left to it."""
    from ..version import __version__

    rows = report.layers
    drawing = drawing_of(report)
    kinds = [layer_kind(r.type, r.known_op) for r in rows]
    cols = _columns(report)
    numeric = [c for c in cols if c.numeric]

    nodes = []
    for k, node in enumerate(drawing.nodes):
        if node.rows:
            r = rows[node.rows[0]]
            flags = []
            if any(not rows[i].known_op for i in node.rows):
                flags.append("unk")
            if any(rows[i].shape_note for i in node.rows):
                flags.append("noshape")
            nodes.append({"k": k, "layer": True, "kind": kinds[node.rows[0]],
                          "flags": " ".join(flags), "rows": node.rows, "row": node.rows[0],
                          "title": _clip(r.name, NAME_MAX),
                          "types": _clip(_box_types(report, node), TYPE_MAX),
                          "x": _num(node.x), "y": _num(node.y),
                          "w": _num(node.width), "h": _num(node.height),
                          "hx": _num(-node.width / 2), "hy": _num(-node.height / 2)})
        else:
            nodes.append({"k": k, "layer": False, "title": _clip(node.tensor or "", NAME_MAX),
                          "x": _num(node.x), "y": _num(node.y),
                          "w": _num(node.width), "h": _num(node.height),
                          "hx": _num(-node.width / 2), "hy": _num(-node.height / 2)})

    shape_of: Dict[str, object] = {}
    for name, shape in report.inputs:
        shape_of[name] = shape
    for r in rows:
        for name, shape in r.inputs + r.outputs:
            shape_of[name] = shape
    edges, labels, labelled = [], [], set()
    for e in drawing.edges:
        pts = e.points
        edges.append({"d": _path_d(pts), "s": e.src, "t": e.dst})
        text = ", ".join(_shape_label(shape_of[t]) if t in shape_of else "?"
                         for t in e.tensors)
        key = (e.src, text)
        if key in labelled:
            continue
        labelled.add(key)
        labels.append({"x": _num(pts[0][0] + 4), "y": _num(pts[0][1] + 12), "text": text})

    table = []
    for i, r in enumerate(rows):
        flags = []
        if not r.known_op:
            flags.append("unknown type")
        if r.shape_note:
            flags.append("no shape")
        table.append({"i": i, "n": drawing.node_of_row[i], "kind": kinds[i],
                      "inplace": r.in_place, "flags": flags, "note": r.shape_note or
                      (r.cost.note if r.cost is not None else None) or "",
                      "cells": [c.text(r) for c in cols]})

    data = {
        "columns": [{"key": c.key, "title": c.title, "unit": c.unit, "numeric": c.numeric}
                    for c in cols],
        "values": {c.key: [c.value(r) for r in rows] for c in numeric},
        "ops": [r.ops for r in rows],
        "bytes": [r.bytes_moved for r in rows],
        "node": drawing.node_of_row,
        "weights": [", ".join(f"{n.rsplit('/', 1)[-1]} {s}" for n, s, _ in r.param_tensors)
                    for r in rows],
        "boxes": _box_totals(report, drawing),
    }
    overview = _overview(report, drawing, kinds)
    if overview is not None:
        data["groups"] = overview.pop("data")

    conv = report.convention
    rl = report.roofline
    env = _environment()
    style = _asset(env, "report.css.j2")
    script = _asset(env, "report.js.j2")
    csp = ("default-src 'none'; "
           f"style-src {_csp_hash(style)}; script-src {_csp_hash(script)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    types = sorted({r.type for r in rows})
    order_of = {k: n for n, (k, _, _) in enumerate(KINDS)}
    drawn = {kinds[n.rows[0]] if n.rows else "input" for n in drawing.nodes}
    used_kinds = sorted(drawn, key=lambda k: (order_of.get(k, len(KINDS)), k))
    return {
        "env": env, "style": style, "script": script, "csp": csp,
        "report": report, "version": __version__,
        "source_name": os.path.basename(report.source) if report.source else "",
        "inputs": _inputs(report),
        "outputs": [(n, str(s)) for n, s in report.outputs],
        "conv": conv, "rl": rl,
        "bytes_per_element": report.bytes_per_element,
        "totals": _totals(report),
        "drawing": {"width": _num(drawing.width), "height": _num(drawing.height),
                    "nodes": nodes, "edges": edges, "labels": labels,
                    "crossings": drawing.crossings, "boxes": len(drawing.nodes),
                    "layers": sum(1 for n in drawing.nodes if n.rows),
                    "consts": any(r.type in CONSTANT_OPS for r in rows)},
        "columns": cols, "table": table, "types": types,
        "kinds": [(k, KIND_LABELS[k]) for k in used_kinds],
        "by_type": [(b, layer_kind(b.key)) for b in report.by_type],
        "scopes": _scopes(report)[0], "scopes_more": _scopes(report)[1],
        "overview": overview,
        "profile": _profile_chart(report, kinds),
        "roofline": _roofline_chart(report, kinds),
        "warnings": _warnings(report),
        "row_names": [r.name for r in rows],
        "data_json": json_for_html(data),
    }


def _freezing(checkpoint) -> dict:
    """A TF1 checkpoint's before/after-freezing comparison (netcost.checkpoint)."""
    from .checkpoint_out import _comparison_rows

    return {
        "prefix": checkpoint.prefix, "outputs": list(checkpoint.outputs),
        "reason": checkpoint.outputs_reason,
        "rows": [(label, grouped(a), grouped(b), grouped(b - a) if b != a else "")
                 for label, a, b in _comparison_rows(checkpoint)],
        "removed": [(kind, len(names), names[:12], max(0, len(names) - 12))
                    for kind, names in checkpoint.removed.items()],
    }


@exact_digits
def render_html(report) -> str:
    """The report as one self-contained HTML page (a str; write it as UTF-8).

    A TF1 checkpoint's report (before and after freezing) shows the frozen graph, with the
    two side by side in a section of its own."""
    freezing = None
    if hasattr(report, "before") and hasattr(report, "after"):
        freezing = _freezing(report)
        report = report.after
    context = page_context(report)
    context["freezing"] = freezing
    env = context.pop("env")
    return env.get_template("report.html.j2").render(**context)


# ---------------------------------------------------------------------------- Netron
def netron_metrics(report) -> dict:
    """Netron's metrics attachment: every layer's figures, shown in Netron's node sidebar
    under "Metrics" when the file is opened beside the model.

    Format as Netron reads it (lutzroeder/netron, source/view.js, classes
    metadata.Attachment and metadata.Attachment.Container): a JSON object whose
    "signature" is "netron:attachment" and whose "metrics" list holds entries
    {"kind", "target", "name", "value"}; kind "node" matches the node whose name is
    `target` (for Caffe, the layer name; for TensorFlow, the node name), and kind "model"
    with target "" the model (Netron looks model metrics up under an empty name).
    Values are exact integers where netcost has them; unknown values are left out."""
    if hasattr(report, "before") and hasattr(report, "after"):
        report = report.after
    entries: List[dict] = []

    def add(kind: str, target: str, name: str, value) -> None:
        if value is not None:
            entries.append({"kind": kind, "target": target, "name": name, "value": value})

    conv = report.convention
    prefix = f"netcost {conv.name}"
    for r in report.layers:
        add("node", r.name, "netcost params", r.params if r.known_op else None)
        if r.stored_values:
            add("node", r.name, "netcost stored values", r.stored_values)
        if r.cost is not None:
            for m in conv.metrics:
                add("node", r.name, f"{prefix} {m.label}", r.cost.counts[m.key])
            if conv.flops_metric is not None:
                add("node", r.name, "netcost FLOPs", r.ops)
            add("node", r.name, f"netcost bytes read ({report.precision})", r.cost.bytes_read)
            add("node", r.name, f"netcost bytes written ({report.precision})",
                r.cost.bytes_written)
            add("node", r.name, "netcost FLOP/B", _round(r.cost.intensity))
        if r.roofline is not None:
            add("node", r.name, f"netcost time on {report.roofline.device.name} (s)",
                _round(r.roofline.seconds))
            add("node", r.name, "netcost bound",
                "memory" if r.roofline.memory_bound else "compute")
    add("model", "", "netcost params", report.total_params)
    for m in conv.metrics:
        value, complete = report.total(m.key)
        add("model", "", f"{prefix} {m.label}", value if complete else None)
    moved, complete = report.total_bytes()
    add("model", "", f"netcost bytes moved ({report.precision})", moved if complete else None)
    if report.roofline is not None:
        add("model", "", f"netcost time on {report.roofline.device.name} (s)",
            _round(report.roofline.seconds))
    return {"signature": "netron:attachment", "metrics": entries}


@exact_digits
def render_netron_metrics(report) -> str:
    return json.dumps(netron_metrics(report), indent=1) + "\n"


__all__ = ["render_html", "render_netron_metrics", "netron_metrics", "json_for_html",
           "layer_kind", "box_size", "drawing_of", "KINDS"]
