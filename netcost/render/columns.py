"""The per-layer columns every tabular renderer can show, and which are shown by default."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from ..errors import NetcostError
from .units import grouped, human_bytes, human_count, human_seconds, ratio


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # terminal width
    right: bool  # right-aligned (numbers)
    short: Callable  # row -> text for the terminal (K/M/G)
    exact: Callable  # row -> text for Markdown/CSV (exact integers)


def _shapes(pairs) -> str:
    return ",".join(str(shape) for _, shape in pairs) or "-"


def _params(row, fmt) -> str:
    """Learnable parameters; a layer that only stores values (BatchNorm statistics, frozen
    Const weights) shows their count in parentheses."""
    if row.known_op and not row.param_tensors:
        return ""
    if row.params == 0 and row.stored_values:
        return f"({fmt(row.stored_values)})"
    return fmt(row.params)


def _count_column(metric, convention: str, taken) -> Column:
    def value(row):
        return None if row.cost is None else row.cost.counts[metric.key]

    short = human_bytes if metric.unit.startswith("bytes") else human_count
    key, title = metric.key, metric.label
    if key in taken:  # e.g. Netscope's own "params" bucket beside netcost's params
        key, title = f"{convention}_{key}", f"{convention} {metric.label}"
    return Column(key, title, 10, True, lambda r: short(value(r)), lambda r: grouped(value(r)))


def _type_name(row) -> str:
    return row.type + ("*" if row.in_place else "")


def _bound(row) -> str:
    if row.roofline is None:
        return "?"
    return "memory" if row.roofline.memory_bound else "compute"


def _time(row) -> str:
    return human_seconds(None if row.roofline is None else row.roofline.seconds)


def _intensity(row) -> str:
    return ratio(None if row.cost is None else row.cost.intensity)


def column_groups(report):
    """(fixed, convention metrics, memory, roofline) columns, in display order."""
    fixed = [
        Column("layer", "layer", 28, False, lambda r: r.name, lambda r: r.name),
        Column("type", "type", 14, False, _type_name, _type_name),
        Column("input", "input shape", 16, False, lambda r: _shapes(r.inputs),
               lambda r: _shapes(r.inputs)),
        Column("output", "output shape", 16, False, lambda r: _shapes(r.outputs),
               lambda r: _shapes(r.outputs)),
        Column("params", "params", 8, True, lambda r: _params(r, human_count),
               lambda r: _params(r, grouped)),
    ]
    taken = {c.key for c in fixed}
    metrics = [_count_column(m, report.convention.name, taken) for m in report.convention.metrics]
    memory = [
        Column("bytes", "bytes", 10, True, lambda r: human_bytes(r.bytes_moved),
               lambda r: grouped(r.bytes_moved)),
        Column("intensity", "FLOP/B", 7, True, _intensity, _intensity),
    ]
    roofline = []
    if report.roofline is not None:
        roofline = [
            Column("time", "time", 9, True, _time, lambda r: "?" if r.roofline is None
                   else f"{r.roofline.seconds:.6g}"),
            Column("bound", "bound", 7, False, _bound, _bound),
        ]
    return fixed, metrics, memory, roofline


def choose_columns(report, keys: Optional[Sequence[str]], max_width: Optional[int]
                   ) -> List[Column]:
    """The columns asked for, or the default set fitted into max_width characters."""
    fixed, metrics, memory, roofline = column_groups(report)
    by_key = {c.key: c for c in fixed + metrics + memory + roofline}
    if keys:
        unknown = [k for k in keys if k not in by_key]
        if unknown:
            raise NetcostError(f"unknown column(s) {', '.join(unknown)} "
                               f"(available: {', '.join(by_key)})")
        return [by_key[k] for k in keys]
    default = ["layer", "type", "output", "params", *[c.key for c in metrics], "bytes",
               *[c.key for c in roofline]]
    # Drop what matters least until the table fits.
    droppable = ["bound", "params", "bytes", "type"]
    chosen = [by_key[k] for k in default]
    while max_width is not None and _width(chosen) > max_width and droppable:
        key = droppable.pop(0)
        chosen = [c for c in chosen if c.key != key]
    return chosen


def _width(columns: Sequence[Column]) -> int:
    return sum(max(c.width, len(c.title)) for c in columns) + 2 * (len(columns) - 1)
