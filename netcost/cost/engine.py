"""The cost engine: per-node counts under a named convention, plus bytes moved.

A Convention is data: a name, what it counts (its metrics, each with a unit), where its
rules come from, and a registry of per-op rules. A rule gets a CostContext (the node with
its input/output shapes and parameters) and returns one exact integer per metric, or None
for a metric it cannot know. An op with no rule is "uncounted": listed, never a silent 0.
Bytes moved do not depend on the convention: inputs + stored tensors read, outputs written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..arith import total as _sum
from ..ir import Graph, Node, Param, Shape
from ..record import record

Counts = Dict[str, Optional[int]]
BYTES_PER_ELEMENT = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


@record
class CostContext:
    """What a cost rule sees of one node."""

    node: Node
    inputs: Tuple[Shape, ...]
    outputs: Tuple[Shape, ...]

    @property
    def params(self) -> Tuple[Param, ...]:
        return self.node.params

    def attr(self, message: str) -> Mapping:
        return self.node.attrs.get(message) or {}

    def derived(self, key: str, default=None):
        return self.node.derived.get(key, default)

    def in_numel(self, index: int = 0) -> Optional[int]:
        return self.inputs[index].numel if index < len(self.inputs) else None

    def out_numel(self, index: int = 0) -> Optional[int]:
        return self.outputs[index].numel if index < len(self.outputs) else None

    def param_numel(self, name_suffix: str) -> Optional[int]:
        """Element count of the parameter named `<layer>/<name_suffix>` (0 if absent)."""
        for p in self.node.params:
            if p.name.endswith("/" + name_suffix):
                return p.shape.numel
        return 0

    def param_shape(self, name_suffix: str) -> Optional[Shape]:
        for p in self.node.params:
            if p.name.endswith("/" + name_suffix):
                return p.shape
        return None


Rule = Callable[[CostContext], Counts]


class CostRegistry:
    """Cost rules keyed by op type; a duplicate registration is a programming error."""

    def __init__(self, name: str):
        self.name = name
        self.rules: Dict[str, Rule] = {}

    def register(self, *ops: str) -> Callable[[Rule], Rule]:
        def add(rule: Rule) -> Rule:
            for op in ops:
                if op in self.rules:
                    raise ValueError(f"cost rule for {op} registered twice in {self.name}")
                self.rules[op] = rule
            return rule

        return add

    def get(self, op: str) -> Optional[Rule]:
        return self.rules.get(op)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # column title
    unit: str  # what one unit of this count is


@dataclass(frozen=True)
class Convention:
    name: str
    title: str
    description: str  # one paragraph: what is counted and how
    source: str  # where the rules come from
    metrics: Tuple[Metric, ...]
    # The count used as "FLOPs" for intensity and roofline, and how many FLOPs one unit is
    # (a MACC is 2 FLOPs). None: the convention has no operation count that maps to FLOPs.
    flops_metric: Optional[str]
    flops_per_unit: int
    registry: CostRegistry  # rules keyed by Caffe layer type
    tensorflow: Optional[CostRegistry] = None  # rules keyed by TensorFlow op type

    def registry_for(self, framework: str) -> CostRegistry:
        registry = {"caffe": self.registry, "tensorflow": self.tensorflow}.get(framework)
        if registry is None:
            from ..errors import NetcostError

            raise NetcostError(f"the {self.name} convention has no rules for {framework} "
                               "graphs (use flops, macc or tf-profiler)")
        return registry

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)

    @property
    def keys(self) -> Tuple[str, ...]:
        return tuple([m.key for m in self.metrics])


@record
class NodeCost:
    name: str
    op: str
    counts: Mapping[str, Optional[int]]  # convention metrics; None = unknown
    flops: Optional[int]  # the convention's FLOP-equivalent count, for intensity/roofline
    bytes_read: Optional[int]  # inputs + stored tensors, at the chosen precision
    bytes_written: Optional[int]  # outputs, at the chosen precision
    uncounted: bool = False  # no rule for this op in the convention
    note: Optional[str] = None  # why some count is unknown

    @property
    def bytes_moved(self) -> Optional[int]:
        if self.bytes_read is None or self.bytes_written is None:
            return None
        return self.bytes_read + self.bytes_written

    @property
    def intensity(self) -> Optional[float]:
        """FLOPs per byte moved (a ratio, not a count: the one float here)."""
        moved = self.bytes_moved
        if self.flops is None or not moved:
            return None
        return self.flops / moved


# Ops whose output aliases their input's memory (a view or a forwarded buffer): no bytes.
ALIAS_OPS = {
    "caffe": {"Reshape", "Flatten", "Split", "Silence"},
    "tensorflow": {"Identity", "IdentityN", "Reshape", "Squeeze", "ExpandDims", "StopGradient",
                   "PreventGradient", "Enter", "Exit", "NextIteration", "Switch", "Merge",
                   "ReadVariableOp", "EnsureShape", "CheckNumerics"},
}


def _node_bytes(node: Node, inputs: Tuple[Shape, ...], outputs: Tuple[Shape, ...],
                bytes_per_element: int) -> Tuple[Optional[int], Optional[int]]:
    """(bytes read, bytes written) by a node that computes (see cost_graph for those that
    move nothing): inputs and stored tensors read, outputs written."""
    read = _sum([s.numel for s in inputs] + [p.shape.numel for p in node.params])
    written = _sum([s.numel for s in outputs])
    return (None if read is None else read * bytes_per_element,
            None if written is None else written * bytes_per_element)


def cost_graph(graph: Graph, convention: Convention, precision: str = "fp32") -> List[NodeCost]:
    per_element = BYTES_PER_ELEMENT[precision]
    rule_for = convention.registry_for(graph.framework).get
    keys = convention.keys
    key_set = frozenset(keys)
    aliases = ALIAS_OPS.get(graph.framework, ())
    tensors = graph.tensors
    flops_metric, flops_per_unit = convention.flops_metric, convention.flops_per_unit
    costs = []
    for node in graph.nodes:
        inputs = tuple([tensors[t].shape for t in node.inputs])
        outputs = tuple([tensors[t].shape for t in node.outputs])
        # An aliasing op moves no bytes; an input layer, constant or variable computes
        # nothing: its tensor is what the network is given or stores, and the layers that
        # read it count those bytes.
        if node.op in aliases or not node.inputs:
            read, written = 0, 0
        else:
            read, written = _node_bytes(node, inputs, outputs, per_element)
        rule = rule_for(node.op) if node.known_op else None
        note = None
        uncounted = rule is None
        if uncounted:
            counts: Counts = dict.fromkeys(keys)
            note = (f"no {convention.name} cost rule for {node.op}" if node.known_op
                    else f"unknown layer type {node.op}")
        else:
            try:
                returned = rule(CostContext(node, inputs, outputs))
            except TypeError:
                # A dim the formula needs is unknown (None reached arithmetic). With every
                # shape known the same error is a bug in the rule: let it surface.
                if all(s.is_known for s in inputs + outputs) and all(
                        p.shape.is_known for p in node.params):
                    raise
                returned = dict.fromkeys(keys)
            if not returned.keys() <= key_set:
                extra = set(returned) - key_set
                raise ValueError(f"{convention.name} rule for {node.op} returned unknown "
                                 f"metrics {sorted(extra)}")
            counts = dict.fromkeys(keys, 0)  # a rule names only the metrics it adds to
            counts.update(returned)
            if None in counts.values():
                note = node.shape_note or "a count depends on data the file does not hold"
        flops = None
        if flops_metric is not None:
            value = counts.get(flops_metric)
            flops = None if value is None else value * flops_per_unit
        costs.append(NodeCost(node.name, node.op, counts, flops, read, written, uncounted,
                              note))
    return costs


def per_element(*ops_per_element: int, output: int = 0) -> Callable[[CostContext], Optional[int]]:
    """Helper: a count of `ops` per element of an output (0: the first)."""
    ops = sum(ops_per_element)

    def count(ctx: CostContext) -> Optional[int]:
        n = ctx.out_numel(output)
        return None if n is None else ops * n

    return count
