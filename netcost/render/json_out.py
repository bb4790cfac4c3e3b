"""JSON output (schema documented in README.md, versioned by `schema_version`)."""
from __future__ import annotations

import json

from ..ir import Shape
from .units import exact_digits


def _tensor_cache():
    """One JSON object per tensor, shared by the layer that writes it and those that read it
    (the encoder writes it out each time; it is built once)."""
    built = {}

    def tensor_json(name, shape):
        obj = built.get(name)
        if obj is None:
            obj = built[name] = {"name": name, "shape": shape.to_json()}
        return obj

    return tensor_json


def _total(value_complete):
    value, complete = value_complete
    return {"value": value, "complete": complete}


def _bucket(b):
    return {"key": b.key, "depth": b.depth, "layers": b.layers, "params": b.params,
            "ops": b.ops, "bytes_moved": b.bytes_moved, "share": b.share}


def _layer(r, report, tensor_json):
    cost = r.cost
    layer = {
        "name": r.name, "type": r.type,
        "inputs": [tensor_json(name, shape) for name, shape in r.inputs],
        "outputs": [tensor_json(name, shape) for name, shape in r.outputs],
        "params": r.params, "stored_values": r.stored_values,
        "param_tensors": [{"name": n, "shape": Shape.to_json(s), "learnable": le}
                          for n, s, le in r.param_tensors],
        "in_place": r.in_place,
        "shape_note": r.shape_note,
        "counts": cost.counts,
        "flops": cost.flops,
        "bytes_read": cost.bytes_read, "bytes_written": cost.bytes_written,
        "intensity": cost.intensity,
        "uncounted": cost.uncounted, "cost_note": cost.note,
    }
    if report.roofline is not None:
        point = r.roofline
        layer["roofline"] = None if point is None else {
            "attainable_flops_per_s": point.attainable, "seconds": point.seconds,
            "bound": "memory" if point.memory_bound else "compute"}
    return layer


def report_to_dict(report) -> dict:
    from ..report import JSON_SCHEMA_VERSION
    from ..version import __version__

    c = report.convention
    tensor_json = _tensor_cache()
    data = {
        "schema_version": JSON_SCHEMA_VERSION,
        "netcost_version": __version__,
        "network": {"name": report.name, "framework": report.framework,
                    "source": report.source, "sha256": report.sha256},
        "convention": {"name": c.name, "title": c.title, "description": c.description,
                       "source": c.source,
                       "metrics": [{"key": m.key, "label": m.label, "unit": m.unit}
                                   for m in c.metrics],
                       "flops_metric": c.flops_metric, "flops_per_unit": c.flops_per_unit},
        "precision": {"name": report.precision, "bytes_per_element": report.bytes_per_element},
        "units": {"params": "elements", "stored_values": "elements",
                  "counts": "see convention.metrics", "flops": "FLOPs (convention's)",
                  "bytes": "bytes at the precision", "intensity": "FLOP per byte",
                  "shape": "elements per axis, null = unknown", "seconds": "seconds (estimate)"},
        "inputs": [tensor_json(name, shape) for name, shape in report.inputs],
        "outputs": [tensor_json(name, shape) for name, shape in report.outputs],
        "layers": [_layer(r, report, tensor_json) for r in report.layers],
        "totals": {
            "layers": len(report.layers),
            "params": report.total_params,
            "params_complete": not report.layers_with_unknown_params,
            "stored_values": report.total_stored_values,
            "counts": {m.key: _total(report.total(m.key)) for m in c.metrics},
            "flops": _total(report.total_ops()),
            "bytes_moved": _total(report.total_bytes()),
            "intensity": report.intensity,
            "model_bytes": {p: report.model_bytes(p) for p in ("fp32", "fp16", "bf16", "int8")},
            "peak_activation_bytes": report.peak_activation_bytes,
            "peak_activation_elements": report.peak_activation_elements,
            "peak_activation_at": report.peak_activation_at,
        },
        "breakdowns": {"by_type": [_bucket(b) for b in report.by_type],
                       "by_scope": [_bucket(b) for b in report.by_scope]},
        "layers_with_unknown_params": report.layers_with_unknown_params,
        "unknown_types": report.unknown_types,
        "uncounted": report.uncounted,
        "shape_issues": [{"layer": n, "type": t, "reason": why}
                         for n, t, why in report.shape_issues],
        "warnings": list(report.warnings),
    }
    rl = report.roofline
    if rl is not None:
        data["roofline"] = {
            "device": rl.device.name, "title": rl.device.title, "source": rl.device.source,
            "peak_flops_per_s": rl.peak, "bandwidth_bytes_per_s": rl.bandwidth,
            "ridge_flops_per_byte": rl.ridge, "seconds": rl.seconds,
            "memory_bound_seconds": rl.memory_bound_seconds,
            "memory_bound_share": rl.memory_bound_share}
    return data


@exact_digits
def render_json(report, indent=None) -> str:
    # Compact by default: json's C encoder runs only without indent (10x faster on big graphs).
    # The dict is a tree built here (tensor objects are shared, never cyclic): the encoder's
    # cycle check would only cost time.
    return json.dumps(report_to_dict(report), indent=indent, check_circular=False) + "\n"
