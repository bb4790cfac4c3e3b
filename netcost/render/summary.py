"""The totals every text renderer prints under its table, each with its unit."""
from __future__ import annotations

from typing import List

from .units import grouped, human_bytes, human_count, human_rate, human_seconds, percent, ratio


def _at_least(complete: bool) -> str:
    return "" if complete else "at least "


def summary_lines(report) -> List[str]:
    c = report.convention
    lines: List[str] = []
    unknown = report.layers_with_unknown_params
    lines.append(f"params (learnable): {_at_least(not unknown)}{grouped(report.total_params)} "
                 f"({human_count(report.total_params)})")
    if report.total_stored_values:
        what = ("weights held in constant tensors (frozen graph)" if report.framework ==
                "tensorflow" else "stored non-learned values (e.g. BatchNorm statistics)")
        lines.append(f"{what}: {grouped(report.total_stored_values)}")
    sizes = ", ".join(f"{p} {human_bytes(report.model_bytes(p))}"
                      for p in ("fp32", "fp16", "bf16", "int8"))
    lines.append(f"model size (all stored tensors): {sizes}")
    for metric in c.metrics:
        value, complete = report.total(metric.key)
        lines.append(f"{metric.label} ({c.name} convention): {_at_least(complete)}{grouped(value)} "
                     f"{metric.unit} ({human_count(value)})")
    moved, moved_ok = report.total_bytes()
    lines.append(f"bytes moved at {report.precision}: {_at_least(moved_ok)}{grouped(moved)} B "
                 f"({human_bytes(moved)}; inputs + stored tensors read, outputs written)")
    if c.flops_metric is not None:
        per = "" if c.flops_per_unit == 1 else f", {c.flops_per_unit} FLOPs per {c.flops_metric}"
        lines.append(f"arithmetic intensity: {ratio(report.intensity)} FLOP/B{per}")
    peak = report.peak_activation_bytes
    if peak is not None:
        lines.append(f"peak activation memory (sequential, in-place shared): {human_bytes(peak)} "
                     f"({grouped(report.peak_activation_elements)} elements, at "
                     f"{report.peak_activation_at})")
    else:
        lines.append("peak activation memory: ? (some tensor sizes are unknown)")
    rl = report.roofline
    if rl is not None:
        lines.append(f"roofline on {rl.device.name}: peak {human_rate(rl.peak, 'FLOP/s')} "
                     f"({report.precision}), bandwidth {human_rate(rl.bandwidth, 'B/s')}, ridge "
                     f"{ratio(rl.ridge)} FLOP/B; estimated time {human_seconds(rl.seconds)}, "
                     f"{percent(rl.memory_bound_share)} of it in memory-bound layers")
    if report.unknown_types:
        lines.append("unknown layer types (no shape or cost rule, counted as unknown): "
                     + ", ".join(report.unknown_types))
    if report.uncounted:
        lines.append(f"uncounted under {c.name} (no rule): " + ", ".join(report.uncounted[:8])
                     + (" ..." if len(report.uncounted) > 8 else ""))
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
    return lines
