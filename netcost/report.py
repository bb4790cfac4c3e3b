"""The report: plain data about one analyzed network, ready for any renderer.

build_report() runs the cost engine under the chosen convention, precision and device and
gathers per-layer rows, totals and breakdowns. Counts are exact ints; None means unknown.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .arith import total
from .breakdown import Bucket, by_scope, by_type
from .cost import BYTES_PER_ELEMENT, Convention, NodeCost, cost_graph, get_convention
from .ir import Graph, Node, Shape
from .memory import peak_activation_elements
from .options import Options
from .record import cached, record
from .roofline import Device, RooflinePoint, custom_device, estimate, get_device, ridge_point

JSON_SCHEMA_VERSION = 1
PRECISIONS = tuple(BYTES_PER_ELEMENT)


def _count(shapes: List[Shape]) -> Optional[int]:
    return total(s.numel for s in shapes)


def _sum_known(values) -> Tuple[int, bool]:
    """(sum of the known values, whether every value was known)."""
    known, complete = 0, True
    for v in values:
        if v is None:
            complete = False
        else:
            known += v
    return known, complete


@record
class LayerRow:
    name: str
    type: str
    inputs: Tuple[Tuple[str, Shape], ...]
    outputs: Tuple[Tuple[str, Shape], ...]
    params: Optional[int]  # learnable parameter count; None when a dim is unknown
    stored_values: Optional[int]  # stored, not learned (e.g. BatchNorm running statistics)
    param_tensors: Tuple[Tuple[str, Shape, bool], ...]
    in_place: bool
    shape_note: Optional[str]
    known_op: bool = True
    cost: Optional[NodeCost] = None
    roofline: Optional[RooflinePoint] = None

    # Cached: totals, breakdowns and renderers each read them for every row.
    @cached
    def ops(self) -> Optional[int]:
        """The convention's FLOP-equivalent count (what intensity and roofline use)."""
        return None if self.cost is None else self.cost.flops

    @cached
    def bytes_moved(self) -> Optional[int]:
        return None if self.cost is None else self.cost.bytes_moved


@dataclass(frozen=True)
class Roofline:
    device: Device
    peak: float  # FLOP/s at the report's precision
    bandwidth: float  # byte/s
    ridge: float  # FLOP/byte
    seconds: Optional[float]  # sum of the layers' estimates; None if one is unknown
    memory_bound_seconds: Optional[float]

    @property
    def memory_bound_share(self) -> Optional[float]:
        if self.seconds is None or self.memory_bound_seconds is None or not self.seconds:
            return None
        return self.memory_bound_seconds / self.seconds


@dataclass(frozen=True)
class Report:
    name: str
    framework: str
    source: str
    sha256: Optional[str]  # None when not computed (a large file, hashing not asked for)
    inputs: Tuple[Tuple[str, Shape], ...]
    outputs: Tuple[Tuple[str, Shape], ...]
    layers: Tuple[LayerRow, ...]
    convention: Convention
    precision: str
    roofline: Optional[Roofline] = None
    peak_activation_elements: Optional[int] = None
    peak_activation_at: Optional[str] = None
    by_type: Tuple[Bucket, ...] = ()
    by_scope: Tuple[Bucket, ...] = ()
    scope_depth: Optional[int] = None
    warnings: Tuple[str, ...] = field(default=())

    # ---- totals (cached: every renderer asks for them, some several times, and each is a
    # pass over every layer; a Report is frozen, so they cannot go stale)
    @cached
    def total_params(self) -> int:
        return sum([r.params for r in self.layers if r.params])

    @cached
    def total_stored_values(self) -> int:
        return sum([r.stored_values for r in self.layers if r.stored_values])

    @cached
    def layers_with_unknown_params(self) -> List[str]:
        return [r.name for r in self.layers if r.params is None or r.stored_values is None]

    @cached
    def unknown_types(self) -> List[str]:
        return sorted({r.type for r in self.layers if not r.known_op})

    @cached
    def shape_issues(self) -> List[Tuple[str, str, str]]:
        return [(r.name, r.type, r.shape_note) for r in self.layers if r.shape_note]

    @cached
    def uncounted(self) -> List[str]:
        return [r.name for r in self.layers if r.cost is not None and r.cost.uncounted]

    @cached
    def _metric_totals(self) -> Dict[str, Tuple[int, bool]]:
        return {key: _sum_known([r.cost.counts[key] for r in self.layers])
                for key in self.convention.keys}

    def total(self, metric: str) -> Tuple[int, bool]:
        """(sum over layers of a convention metric, whether every layer's count is known)."""
        return self._metric_totals[metric]

    def total_bytes(self) -> Tuple[int, bool]:
        return self._bytes_total

    def total_ops(self) -> Tuple[int, bool]:
        return self._ops_total

    @cached
    def _bytes_total(self) -> Tuple[int, bool]:
        return _sum_known([r.bytes_moved for r in self.layers])

    @cached
    def _ops_total(self) -> Tuple[int, bool]:
        return _sum_known([r.ops for r in self.layers])

    @property
    def bytes_per_element(self) -> int:
        return BYTES_PER_ELEMENT[self.precision]

    def model_bytes(self, precision: str) -> int:
        """Bytes of every stored tensor (learnable and stored values) at a precision."""
        return (self.total_params + self.total_stored_values) * BYTES_PER_ELEMENT[precision]

    @property
    def peak_activation_bytes(self) -> Optional[int]:
        n = self.peak_activation_elements
        return None if n is None else n * self.bytes_per_element

    @cached
    def intensity(self) -> Optional[float]:
        ops, ops_ok = self.total_ops()
        moved, moved_ok = self.total_bytes()
        if not (ops_ok and moved_ok) or not moved:
            return None
        return ops / moved

    # ---- renderers
    def to_json(self, **kwargs) -> str:
        from .render.json_out import render_json

        return render_json(self, **kwargs)

    def to_table(self, columns=None) -> str:
        from .render.table import render_table

        return render_table(self, columns)

    def to_csv(self) -> str:
        from .render.csv_out import render_csv

        return render_csv(self)

    def to_markdown(self, columns=None) -> str:
        from .render.markdown import render_markdown

        return render_markdown(self, columns)

    def to_html(self) -> str:
        """One self-contained HTML page (graph, table, breakdowns, charts; no requests)."""
        from .render.html import render_html

        return render_html(self)


def _row(tensors, node: Node, cost: NodeCost, roofline) -> LayerRow:
    point = None
    if roofline is not None:
        point = estimate(cost.flops, cost.bytes_moved, roofline[0], roofline[1])
    params = stored = 0
    if not node.known_op:
        # An op no rule knows may hold weights we cannot see: its counts are unknown, not 0.
        params = stored = None
    elif node.params:
        params = _count([p.shape for p in node.params if p.learnable])
        stored = _count([p.shape for p in node.params if not p.learnable])
    return LayerRow(
        node.name, node.op,
        tuple([(t, tensors[t].shape) for t in node.inputs]),
        tuple([(t, tensors[t].shape) for t in node.outputs]),
        params, stored,
        tuple([(p.name, p.shape, p.learnable) for p in node.params]),
        node.in_place, node.shape_note, node.known_op, cost, point)


def _device(options: Options) -> Optional[Device]:
    if options.device and (options.peak_flops or options.bandwidth):
        from .errors import NetcostError

        raise NetcostError("give either --device or --peak-flops/--bandwidth, not both")
    if options.device:
        return get_device(options.device)
    if options.peak_flops or options.bandwidth:
        if not (options.peak_flops and options.bandwidth):
            from .errors import NetcostError

            raise NetcostError("--peak-flops and --bandwidth go together")
        return custom_device(options.peak_flops, options.bandwidth, options.precision)
    return None


HASH_LIMIT = 64 << 20  # larger sources are hashed only when asked: hashing reads every byte


def _file_sha256(path: str, wanted: Optional[bool]) -> Optional[str]:
    """The source's sha256; for files over HASH_LIMIT only when asked (None: not computed),
    since it would read the weights that the analysis itself never touches."""
    import os

    if wanted is False or not path:
        return None
    if wanted is None and os.path.getsize(path) > HASH_LIMIT:
        return None
    digest = hashlib.sha256()
    if path:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def build_report(graph: Graph, options: Options = Options()) -> Report:
    from .errors import NetcostError

    if options.precision not in BYTES_PER_ELEMENT:
        raise NetcostError(f"unknown precision '{options.precision}' "
                           f"(known: {', '.join(BYTES_PER_ELEMENT)})")
    convention = get_convention(options.convention)
    device = _device(options)
    rates = None
    if device is not None:
        rates = (device.peak_for(options.precision), device.bandwidth)
    costs = cost_graph(graph, convention, options.precision)
    rows = tuple([_row(graph.tensors, n, c, rates) for n, c in zip(graph.nodes, costs)])
    roofline = None
    if device is not None:
        seconds, complete = 0.0, True
        memory_seconds = 0.0
        for r in rows:
            if r.roofline is None:
                complete = False
                continue
            seconds += r.roofline.seconds
            if r.roofline.memory_bound:
                memory_seconds += r.roofline.seconds
        roofline = Roofline(device, rates[0], rates[1], ridge_point(*rates),
                            seconds if complete else None,
                            memory_seconds if complete else None)
    peak, peak_at = peak_activation_elements(graph)
    # Shares are of the known total; the totals say when some layer's count is unknown.
    share_base = _sum_known(r.ops for r in rows)[0] or None
    return Report(
        name=graph.name, framework=graph.framework, source=graph.source,
        sha256=_file_sha256(graph.source, options.sha256),
        inputs=tuple((t, graph.tensors[t].shape) for t in graph.inputs),
        outputs=tuple((t, graph.tensors[t].shape) for t in graph.outputs),
        layers=rows, convention=convention, precision=options.precision, roofline=roofline,
        peak_activation_elements=peak, peak_activation_at=peak_at,
        by_type=tuple(by_type(rows, share_base)),
        by_scope=tuple(by_scope(rows, graph.framework, share_base, options.scope_depth)),
        scope_depth=options.scope_depth,
        warnings=graph.warnings)


__all__ = ["Report", "LayerRow", "build_report", "JSON_SCHEMA_VERSION", "PRECISIONS"]
