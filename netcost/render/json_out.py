"""JSON output (schema documented in README.md, versioned by `schema_version`)."""
from __future__ import annotations

import json

from ..ir import Shape


def _tensors(pairs):
    return [{"name": name, "shape": shape.to_json()} for name, shape in pairs]


def report_to_dict(report) -> dict:
    from ..report import JSON_SCHEMA_VERSION
    from ..version import __version__

    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "netcost_version": __version__,
        "network": {"name": report.name, "framework": report.framework,
                    "source": report.source, "sha256": report.sha256},
        "units": {"params": "elements (count)", "stored_values": "elements (count)",
                  "shape": "elements per axis, null = unknown"},
        "inputs": _tensors(report.inputs),
        "outputs": _tensors(report.outputs),
        "layers": [
            {
                "name": r.name, "type": r.type,
                "inputs": _tensors(r.inputs), "outputs": _tensors(r.outputs),
                "params": r.params, "stored_values": r.stored_values,
                "param_tensors": [{"name": n, "shape": Shape.to_json(s), "learnable": le}
                                  for n, s, le in r.param_tensors],
                "in_place": r.in_place,
                "shape_note": r.shape_note,
            }
            for r in report.layers
        ],
        "totals": {
            "layers": len(report.layers),
            "params": report.total_params,
            "stored_values": report.total_stored_values,
            "params_complete": not report.layers_with_unknown_params,
        },
        "layers_with_unknown_params": report.layers_with_unknown_params,
        "unknown_types": report.unknown_types,
        "shape_issues": [{"layer": n, "type": t, "reason": why}
                         for n, t, why in report.shape_issues],
        "warnings": list(report.warnings),
    }


def render_json(report, indent: int = 2) -> str:
    return json.dumps(report_to_dict(report), indent=indent) + "\n"
