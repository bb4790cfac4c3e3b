"""Renderers for a checkpoint analyzed before and after freezing."""
from __future__ import annotations

import json
from typing import List

from .json_out import report_to_dict
from .units import exact_digits, grouped, human_bytes


def _comparison_rows(report) -> List[tuple]:
    before, after = report.before, report.after
    rows = [("nodes", len(before.layers), len(after.layers)),
            ("trainable params (TRAINABLE_VARIABLES)", before.total_params, after.total_params),
            ("stored tensors (variables / constants)",
             before.total_params + before.total_stored_values,
             after.total_params + after.total_stored_values)]
    for metric in before.convention.metrics:
        rows.append((f"{metric.label} [{before.convention.name}]",
                     before.total(metric.key)[0], after.total(metric.key)[0]))
    rows.append((f"bytes moved at {before.precision}", before.total_bytes()[0],
                 after.total_bytes()[0]))
    return rows


def summary_lines(report) -> List[str]:
    lines = [f"TF1 checkpoint {report.prefix}: the graph before freezing (every node of the "
             f".meta, as tf.profiler counts it) and after freezing (what the outputs need, "
             f"variables as constants)",
             f"outputs: {', '.join(report.outputs)} ({report.outputs_reason})", ""]
    width = max(len(r[0]) for r in _comparison_rows(report))
    lines.append(f"{'':{width}}  {'before freezing':>18}  {'after freezing':>18}")
    for label, a, b in _comparison_rows(report):
        lines.append(f"{label:{width}}  {grouped(a):>18}  {grouped(b):>18}")
    lines.append("")
    lines.append("removed by freezing:")
    for kind, names in report.removed.items():
        shown = ", ".join(names[:4]) + (" ..." if len(names) > 4 else "")
        lines.append(f"  {kind}: {len(names)} node(s): {shown}")
    return lines


@exact_digits
def render_checkpoint_table(report, columns=None) -> str:
    import textwrap

    lines = []
    for line in summary_lines(report):
        lines.extend(textwrap.wrap(line, 100, subsequent_indent="    ") or [""])
    text = "\n".join(lines) + "\n\nafter freezing:\n"
    return text + report.after.to_table(columns)


@exact_digits
def render_checkpoint_markdown(report) -> str:
    from .markdown import render_markdown

    lines = ["```", *summary_lines(report), "```", ""]
    return "\n".join(lines) + render_markdown(report.after)


@exact_digits
def render_checkpoint_json(report, indent=None) -> str:
    data = {
        "schema_version": report_to_dict(report.after)["schema_version"],
        "checkpoint": {"prefix": report.prefix, "outputs": list(report.outputs),
                       "outputs_reason": report.outputs_reason,
                       "removed_by_freezing": report.removed},
        "before_freezing": report_to_dict(report.before),
        "after_freezing": report_to_dict(report.after),
    }
    return json.dumps(data, indent=indent) + "\n"


__all__ = ["render_checkpoint_table", "render_checkpoint_json", "render_checkpoint_markdown",
           "human_bytes"]
