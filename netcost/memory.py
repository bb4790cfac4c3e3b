"""Memory figures that do not depend on a cost convention: model size and peak activations."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

from .ir import Graph


def peak_activation_elements(graph: Graph) -> Tuple[Optional[int], Optional[str]]:
    """Peak of live activation elements when the nodes run one after another in graph order.

    A tensor lives from the step that produces it (graph inputs: from the start) to the last
    step that reads it; a net output lives to the end. In-place layers write into their input's
    buffer, so such tensors share one buffer whose life is the union of theirs. Returns
    (peak elements, node at which it is reached), or (None, None) when a size is unknown.
    """
    buffer_of: Dict[str, str] = {name: name for name in graph.inputs}
    first: Dict[str, int] = {name: -1 for name in graph.inputs}
    last: Dict[str, int] = {name: -1 for name in graph.inputs}
    size: Dict[str, Optional[int]] = {name: graph.tensors[name].shape.numel
                                      for name in graph.inputs}
    tensors = graph.tensors
    for step, node in enumerate(graph.nodes):
        for t in node.inputs:
            buffer = buffer_of.get(t)
            if buffer is not None:  # else a loop back edge (TF NextIteration), produced later
                last[buffer] = step
        for t in node.outputs:
            shared = _in_place_source(node, t) if node.in_place else None
            if shared is not None:
                buffer = buffer_of[t] = buffer_of[shared]
            else:
                buffer = buffer_of[t] = t
                first[t] = step
                size[t] = tensors[t].shape.numel
            last[buffer] = step  # steps only grow: this is the latest use so far
    end = len(graph.nodes)
    for t in graph.outputs:
        last[buffer_of[t]] = end
    if any(v is None for v in size.values()):
        return None, None
    # Sweep: +size at first use, -size after last use.
    events: Dict[int, int] = {}
    for buffer, start in first.items():
        events[start] = events.get(start, 0) + size[buffer]
        stop = last.get(buffer, start) + 1
        events[stop] = events.get(stop, 0) - size[buffer]
    live, peak, peak_step = 0, 0, -1
    for step in sorted(events):
        live += events[step]
        if live > peak:
            peak, peak_step = live, step
    at = graph.nodes[peak_step].name if 0 <= peak_step < end else "(inputs)"
    return peak, at


def _in_place_source(node, tensor: str) -> Optional[str]:
    """The input whose buffer an output of an in-place node overwrites (Caffe: a top named
    as a bottom)."""
    blob = tensor.split("@", 1)[0]
    for t in node.inputs:
        if t.split("@", 1)[0] == blob:
            return t
    return None
