"""TF1 checkpoints: the graph as it stands before freezing and as freezing would leave it.

Freezing (TF's convert_variables_to_constants) keeps the nodes the outputs need, through
data and control inputs, and turns every variable into a constant holding the checkpoint's
value; a resource variable's ReadVariableOp becomes an Identity. What it drops is grouped by
kind so a report can say why the two tf.profiler totals differ.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import NetcostError
from .ir import Graph, Node, Param, Shape, Tensor, TensorFacts

VARIABLE_OPS = {"VariableV2", "Variable", "VarHandleOp"}
SAVE_OPS = {"SaveV2", "Save", "SaveSlices", "RestoreV2", "Restore", "RestoreSlice",
            "MergeV2Checkpoints", "ShardedFilename", "ShardedFilespec", "StringJoin"}
ASSIGN_OPS = {"Assign", "AssignVariableOp", "AssignAdd", "AssignSub", "AssignAddVariableOp",
              "AssignSubVariableOp"}
NOT_OUTPUTS = {"NoOp", "Const", "Placeholder", "PlaceholderWithDefault", "Assert",
               "VarIsInitializedOp", "IsVariableInitialized"} | VARIABLE_OPS | SAVE_OPS | \
    ASSIGN_OPS
KINDS = ("initializers", "optimizer/gradients", "save/restore", "summaries",
         "other (not needed by the outputs)")


@dataclass(frozen=True)
class Frozen:
    graph: Graph  # after freezing, before shape inference
    outputs: Tuple[str, ...]  # node names
    outputs_reason: str
    removed: Dict[str, List[str]] = field(default_factory=dict)  # kind -> node names


# TensorFlow's optimizer update ops (training_ops.cc): ApplyAdam, ResourceApplyAdam,
# SparseApplyAdagrad, ResourceSparseApplyAdagrad, ... An update reads the variable and
# the gradients and nothing reads it: never an inference output.
OPTIMIZER_OP_PREFIXES = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply")


def _scope_kind(node: Node) -> Optional[str]:
    name, op = node.name, node.op
    if op in SAVE_OPS or name.startswith("save/") or "/save/" in name or name == "save":
        return "save/restore"
    if op.endswith("Summary") or op.startswith("Write") or name.startswith("summaries"):
        return "summaries"
    if name.startswith("gradients") or op.startswith(OPTIMIZER_OP_PREFIXES) or \
            "/gradients/" in name or op in ("BroadcastGradientArgs",):
        return "optimizer/gradients"
    if "/Initializer/" in name or name.startswith("init") or op in ASSIGN_OPS:
        return "initializers"
    return None


def _consumers(graph: Graph) -> Dict[str, List[Node]]:
    producer = {t: n.name for n in graph.nodes for t in n.outputs}
    users: Dict[str, List[Node]] = {n.name: [] for n in graph.nodes}
    for n in graph.nodes:
        for t in n.inputs:
            if t in producer:
                users[producer[t]].append(n)
        for c in n.control_inputs:
            if c in users:
                users[c].append(n)
    return users


def detect_outputs(graph: Graph, given: Sequence[str] = ()) -> Tuple[Tuple[str, ...], str]:
    """The inference outputs: the names given, else every node that nothing consumes and
    that is not training or checkpoint machinery (initializers, optimizer, save/restore)."""
    names = {n.name for n in graph.nodes}
    if given:
        wanted = tuple(g.split(":")[0] for g in given)
        missing = [g for g in wanted if g not in names]
        if missing:
            raise NetcostError(f"--outputs names no node of the graph: {', '.join(missing)}",
                               file=graph.source)
        return wanted, "given with --outputs"
    users = _consumers(graph)
    found = tuple(n.name for n in graph.nodes
                  if not users[n.name] and n.op not in NOT_OUTPUTS and _scope_kind(n) is None)
    if not found:
        raise NetcostError("no inference output found (every unconsumed node is training or "
                           "checkpoint machinery); name them with --outputs", file=graph.source)
    return found, ("nodes nothing consumes, leaving out initializers, optimizer, save/restore "
                   "and summaries")


def freeze(graph: Graph, variable_shapes: Dict[str, Tuple[Shape, str]],
           outputs: Sequence[str] = ()) -> Frozen:
    """Freeze an unshaped IR graph; variable_shapes maps a variable's name to (shape, dtype)
    as the checkpoint's index stores them."""
    output_names, reason = detect_outputs(graph, outputs)
    by_name = {n.name: n for n in graph.nodes}
    producer = {t: n.name for n in graph.nodes for t in n.outputs}
    keep = set()
    stack = list(output_names)
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        node = by_name[name]
        stack.extend(producer[t] for t in node.inputs if t in producer)
        stack.extend(c for c in node.control_inputs if c in by_name)

    nodes: List[Node] = []
    tensors: Dict[str, Tensor] = {}
    for node in graph.nodes:
        if node.name not in keep:
            continue
        if node.op in VARIABLE_OPS:
            node = _as_constant(node, variable_shapes, graph.source)
        elif node.op == "ReadVariableOp":
            node = replace(node, op="Identity", attrs={"T": node.attrs.get("dtype")})
        node = replace(node, control_inputs=tuple(c for c in node.control_inputs if c in keep))
        nodes.append(node)
        for t in node.outputs:
            tensors[t] = Tensor(t)
    removed = _classify_removed(graph, keep)
    frozen_graph = replace(graph, nodes=tuple(nodes), tensors=tensors,
                           inputs=tuple(t for t in graph.inputs if t in tensors),
                           # An output node's first tensor; an optimizer update such as
                           # ResourceSparseApply* outputs none.
                           outputs=tuple(t for name in output_names
                                         for t in by_name[name].outputs[:1]),
                           name=graph.name + " (after freezing)")
    return Frozen(frozen_graph, tuple(output_names), reason, removed)


def _as_constant(node: Node, variable_shapes, source: str) -> Node:
    stored = variable_shapes.get(node.name)
    declared = node.attrs.get("shape")
    if stored is None:
        raise NetcostError(f"the checkpoint holds no value for variable {node.name}",
                           file=source, layer=node.name)
    shape, dtype = stored
    if isinstance(declared, Shape) and declared.is_known and declared.dims != shape.dims:
        raise NetcostError(f"variable {node.name} is declared {declared} but the checkpoint "
                           f"stores {shape}", file=source, layer=node.name)
    value = TensorFacts(shape.dims, dtype, None)
    return replace(node, op="Const", attrs={"value": value, "dtype": dtype},
                   params=(Param(node.name, shape, learnable=False, dtype=dtype),))


def _classify_removed(graph: Graph, keep: set) -> Dict[str, List[str]]:
    """Each dropped node's kind: by its scope or op, else by what it feeds (a node that only
    feeds initializers is an initializer, e.g. random_normal feeding Variable/Assign)."""
    users = _consumers(graph)
    kind_of: Dict[str, str] = {}
    for node in reversed(graph.nodes):
        if node.name in keep:
            continue
        kind = _scope_kind(node)
        if kind is None:
            user_kinds = {kind_of.get(u.name) for u in users[node.name] if u.name not in keep}
            user_kinds.discard(None)
            kind = user_kinds.pop() if len(user_kinds) == 1 else KINDS[-1]
        kind_of[node.name] = kind
    removed: Dict[str, List[str]] = {k: [] for k in KINDS}
    for node in graph.nodes:
        if node.name in kind_of:
            removed[kind_of[node.name]].append(node.name)
    return {k: v for k, v in removed.items() if v}
