"""Markdown: a table for a README, exact integers, units and convention stated above it."""
from __future__ import annotations

from .columns import choose_columns
from .summary import summary_lines
from .table import header_lines
from .units import exact_digits


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@exact_digits
def render_markdown(report, column_keys=None) -> str:
    columns = choose_columns(report, column_keys, None)
    lines = [f"### {_cell(report.name)}", ""]
    lines += [_cell(text) + "  " for text in header_lines(report)[1:]]
    lines.append("")
    lines.append("| " + " | ".join(c.title for c in columns) + " |")
    lines.append("|" + "|".join("---:" if c.right else "---" for c in columns) + "|")
    for r in report.layers:
        lines.append("| " + " | ".join(_cell(c.exact(r)) for c in columns) + " |")
    lines.append("")
    for text in summary_lines(report):
        lines.append(("- " + _cell(text.strip())) if not text.startswith("  ") else
                     "  - " + _cell(text.strip()))
    return "\n".join(lines) + "\n"
