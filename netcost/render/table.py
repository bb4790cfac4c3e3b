"""Terminal table: aligned, at most 100 columns, totals and breakdowns underneath."""
from __future__ import annotations

import textwrap
from typing import List, Optional, Sequence

from .columns import Column, choose_columns
from .summary import summary_lines
from .units import exact_digits, grouped, human_bytes, human_count, percent

WIDTH = 100
MIN_LAYER_WIDTH = 12
BREAKDOWN_ROWS = 12


def _fit(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    half = (width - 1) // 2
    return text[:half] + "~" + text[len(text) - (width - 1 - half):]


def _line(columns: Sequence[Column], widths: Sequence[int], cells: Sequence[str]) -> str:
    parts = []
    for column, width, cell in zip(columns, widths, cells):
        cell = _fit(cell, width)
        parts.append(cell.rjust(width) if column.right else cell.ljust(width))
    return "  ".join(parts).rstrip()


def _widths(columns: Sequence[Column], cells: Sequence[Sequence[str]],
            totals: Sequence[str]) -> List[int]:
    """Each column as wide as its content needs, up to its nominal width; the layer column
    takes what is left of WIDTH."""
    widths = []
    # max(map(len, ...)) over each column of the cells: a C loop per column.
    needs = [max(map(len, column), default=0) for column in zip(*cells)] or [0] * len(columns)
    for c, total, longest in zip(columns, totals, needs):
        need = max(len(c.title), len(total), longest)
        widths.append(min(need, max(c.width, len(c.title))) if c.key != "layer" else need)
    if columns and columns[0].key == "layer":
        others = sum(widths[1:]) + 2 * (len(columns) - 1)
        widths[0] = max(MIN_LAYER_WIDTH, min(widths[0], WIDTH - others))
    return widths


@exact_digits
def render_table(report, column_keys: Optional[Sequence[str]] = None) -> str:
    columns = choose_columns(report, column_keys, WIDTH - MIN_LAYER_WIDTH + 28)
    # Each cell is formatted once: the widths and the lines both read it.
    shorts = [c.short for c in columns]
    cells = [[short(r) for short in shorts] for r in report.layers]
    totals = [_total_cell(report, c) for c in columns]
    widths = _widths(columns, cells, totals)
    lines: List[str] = []
    for text in header_lines(report):
        lines.extend(textwrap.wrap(text, WIDTH, subsequent_indent="  ") or [""])
    lines.append("")
    lines.append(_line(columns, widths, [c.title for c in columns]))
    rule = _line(columns, widths, ["-" * w for w in widths])
    lines.append(rule)
    for row_cells in cells:
        lines.append(_line(columns, widths, row_cells))
    lines.append(rule)
    lines.append(_line(columns, widths, totals))
    lines.append("")
    for text in summary_lines(report):
        lines.extend(textwrap.wrap(text, WIDTH, subsequent_indent="    ") or [""])
    lines.extend(_breakdown_lines(report))
    return "\n".join(lines) + "\n"


def header_lines(report) -> List[str]:
    c = report.convention
    lines = [f"{report.name} ({report.framework}, {report.source})",
             f"convention: {c.name} - {c.title}. {c.description}",
             f"precision: {report.precision} ({report.bytes_per_element} B/element) for bytes "
             "and memory; counts in K/M/G/T = 10^3/6/9/12 (exact integers in JSON/CSV/MD); "
             "bytes in KiB/MiB/GiB; * marks an in-place layer; (n) = stored values that are "
             "not learned (statistics, frozen weights)"]
    if report.roofline is not None:
        rl = report.roofline
        lines.append(f"device: {rl.device.title}; time = max(FLOPs / peak, bytes / bandwidth) "
                     "per layer")
    return lines


def _total_cell(report, column: Column) -> str:
    key = column.key
    if key == "layer":
        return "total"
    if key == "type":
        return f"{len(report.layers)} layers"
    if key == "params":
        prefix = ">=" if report.layers_with_unknown_params else ""
        return prefix + human_count(report.total_params)
    metric = _metric_of(report, key)
    if metric is not None:
        value, complete = report.total(metric)
        return ("" if complete else ">=") + human_count(value)
    if key == "bytes":
        value, complete = report.total_bytes()
        return ("" if complete else ">=") + human_bytes(value)
    if key == "time" and report.roofline is not None:
        from .units import human_seconds

        return human_seconds(report.roofline.seconds)
    return ""


def _metric_of(report, column_key: str):
    name = report.convention.name
    for key in report.convention.keys:
        if column_key in (key, f"{name}_{key}"):
            return key
    return None


def _breakdown_lines(report) -> List[str]:
    lines: List[str] = []
    unit = report.convention.flops_metric and "FLOPs" or "ops"
    if report.by_type:
        lines += ["", f"by layer type ({unit} share):"]
        for b in report.by_type[:BREAKDOWN_ROWS]:
            lines.append(f"  {_fit(b.key, 24):24}  {b.layers:5d} layers  "
                         f"{human_count(b.ops):>9} {unit}  {percent(b.share):>6}  "
                         f"params {human_count(b.params):>8}")
        if len(report.by_type) > BREAKDOWN_ROWS:
            lines.append(f"  ... {len(report.by_type) - BREAKDOWN_ROWS} more types in JSON")
    if report.scope_depth:
        lines += ["", f"by name scope, depth {report.scope_depth} ({unit} share):"]
        for b in report.by_scope:
            name = _fit("  " * (b.depth - 1) + b.key, 36)
            lines.append(f"  {name:36}  {b.layers:5d} layers  {human_count(b.ops):>9} {unit}  "
                         f"{percent(b.share):>6}")
        return lines
    top = [b for b in report.by_scope if b.depth == 1]
    if any(b.layers > 1 for b in top):
        lines += ["", f"by name scope, top level ({unit} share; --depth N and JSON for more):"]
        ranked = sorted(top, key=lambda b: -(b.ops or 0))[:BREAKDOWN_ROWS]
        for b in ranked:
            lines.append(f"  {_fit(b.key, 24):24}  {b.layers:5d} layers  "
                         f"{human_count(b.ops):>9} {unit}  {percent(b.share):>6}")
    return lines


__all__ = ["render_table", "header_lines", "grouped"]
