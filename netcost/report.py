"""The report: plain data about one analyzed network, ready for any renderer."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .ir import Graph, Node, Shape
from .version import __version__

JSON_SCHEMA_VERSION = 1


def _count(shapes: List[Shape]) -> Optional[int]:
    total = 0
    for s in shapes:
        n = s.numel
        if n is None:
            return None
        total += n
    return total


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Report:
    name: str
    framework: str
    source: str
    sha256: str
    inputs: Tuple[Tuple[str, Shape], ...]
    outputs: Tuple[Tuple[str, Shape], ...]
    layers: Tuple[LayerRow, ...]
    warnings: Tuple[str, ...] = field(default=())

    @property
    def total_params(self) -> int:
        return sum(r.params or 0 for r in self.layers)

    @property
    def total_stored_values(self) -> int:
        return sum(r.stored_values or 0 for r in self.layers)

    @property
    def layers_with_unknown_params(self) -> List[str]:
        return [r.name for r in self.layers if r.params is None or r.stored_values is None]

    @property
    def unknown_types(self) -> List[str]:
        return sorted({r.type for r in self.layers if not r.known_op})

    @property
    def shape_issues(self) -> List[Tuple[str, str, str]]:
        return [(r.name, r.type, r.shape_note) for r in self.layers if r.shape_note]

    def to_json(self, **kwargs) -> str:
        from .render.json_out import render_json

        return render_json(self, **kwargs)

    def to_table(self) -> str:
        from .render.table import render_table

        return render_table(self)


def _row(graph: Graph, node: Node) -> LayerRow:
    learnable = [p.shape for p in node.params if p.learnable]
    stored = [p.shape for p in node.params if not p.learnable]
    return LayerRow(
        name=node.name, type=node.op,
        inputs=tuple((t, graph.tensors[t].shape) for t in node.inputs),
        outputs=tuple((t, graph.tensors[t].shape) for t in node.outputs),
        # An op no rule knows may hold weights we cannot see: its counts are unknown, not 0.
        params=_count(learnable) if node.known_op else None,
        stored_values=_count(stored) if node.known_op else None,
        param_tensors=tuple((p.name, p.shape, p.learnable) for p in node.params),
        in_place=node.in_place, shape_note=node.shape_note, known_op=node.known_op)


def build_report(graph: Graph) -> Report:
    digest = hashlib.sha256()
    if graph.source:
        with open(graph.source, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return Report(
        name=graph.name, framework=graph.framework, source=graph.source,
        sha256=digest.hexdigest(),
        inputs=tuple((t, graph.tensors[t].shape) for t in graph.inputs),
        outputs=tuple((t, graph.tensors[t].shape) for t in graph.outputs),
        layers=tuple(_row(graph, n) for n in graph.nodes),
        warnings=graph.warnings)


__all__ = ["Report", "LayerRow", "build_report", "JSON_SCHEMA_VERSION", "__version__"]
