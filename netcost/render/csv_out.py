"""CSV: one row per layer with exact integers; convention and precision on every row."""
from __future__ import annotations

import csv
import io

from .units import exact_digits


@exact_digits
def render_csv(report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    metrics = [m.key for m in report.convention.metrics]
    header = ["name", "type", "input_shapes", "output_shapes", "params", "stored_values",
              *metrics, "bytes_read", "bytes_written", "intensity_flop_per_byte",
              "convention", "precision"]
    if report.roofline is not None:
        header += ["seconds", "bound", "device"]
    writer.writerow(header)

    def text(value):
        return "" if value is None else value

    for r in report.layers:
        cost = r.cost
        row = [r.name, r.type, " ".join(str(s) for _, s in r.inputs),
               " ".join(str(s) for _, s in r.outputs), text(r.params), text(r.stored_values),
               *[text(cost.counts[m]) for m in metrics], text(cost.bytes_read),
               text(cost.bytes_written),
               "" if cost.intensity is None else f"{cost.intensity:.6g}",
               report.convention.name, report.precision]
        if report.roofline is not None:
            point = r.roofline
            row += ["" if point is None else f"{point.seconds:.6g}",
                    "" if point is None else ("memory" if point.memory_bound else "compute"),
                    report.roofline.device.name]
        writer.writerow(row)
    return out.getvalue()
