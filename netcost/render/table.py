"""Terminal table: aligned, at most 100 columns, exact totals underneath."""
from __future__ import annotations

from typing import List, Sequence

from .units import grouped, human_count

WIDTH = 100
# (title, width, right-aligned); widths plus two-space gaps add up to WIDTH.
COLUMNS = (("layer", 25, False), ("type", 17, False), ("input shape", 20, False),
           ("output shape", 20, False), ("params", 10, True))


def _fit(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    half = (width - 1) // 2
    return text[:half] + "~" + text[len(text) - (width - 1 - half):]


def _line(cells: Sequence[str]) -> str:
    parts = []
    for (title, width, right), cell in zip(COLUMNS, cells):
        cell = _fit(cell, width)
        parts.append(cell.rjust(width) if right else cell.ljust(width))
    return "  ".join(parts).rstrip()


def _shapes(pairs) -> str:
    return ",".join(str(shape) for _, shape in pairs) or "-"


def render_table(report) -> str:
    lines: List[str] = [
        f"{report.name} ({report.framework}, {report.source})",
        "params: learnable parameter count (elements); shapes: N x C x H x W for Caffe; "
        "* in-place layer",
        "",
        _line([c[0] for c in COLUMNS]),
        _line(["-" * c[1] for c in COLUMNS]),
    ]
    for r in report.layers:
        params = "" if r.known_op and not r.param_tensors else human_count(r.params)
        type_name = r.type + ("*" if r.in_place else "")
        lines.append(_line([r.name, type_name, _shapes(r.inputs), _shapes(r.outputs), params]))
    lines.append(_line(["-" * c[1] for c in COLUMNS]))
    unknown = report.layers_with_unknown_params
    at_least = ">=" if unknown else ""  # layers with unknown counts are not in the sum
    lines.append(_line(["total", f"{len(report.layers)} layers", "", "",
                        at_least + human_count(report.total_params)]))
    lines.append("")
    lines.append(f"learnable params: {'at least ' if unknown else ''}"
                 f"{grouped(report.total_params)} elements")
    if report.total_stored_values:
        lines.append(f"stored non-learned values (e.g. BatchNorm statistics): "
                     f"{grouped(report.total_stored_values)} elements")
    if report.unknown_types:
        lines.append(f"unknown layer types (no shape or cost rule, counted as unknown): "
                     + ", ".join(report.unknown_types))
    if unknown:
        lines.append(f"params unknown for {len(unknown)} layer(s), not in the total: "
                     + ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else ""))
    issues = report.shape_issues
    if issues:
        lines.append(f"{len(issues)} layer(s) without a complete output shape:")
        for name, op, why in issues[:10]:
            lines.append(f"  {name} ({op}): {why}")
        if len(issues) > 10:
            lines.append(f"  ... and {len(issues) - 10} more (see --format json)")
    return "\n".join(lines) + "\n"
