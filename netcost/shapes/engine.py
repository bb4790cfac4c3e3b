"""Shape inference: runs one rule per node, in graph order, over a registry keyed by op type.

A rule receives the node and the shapes of its inputs and returns the shapes of its outputs
and of its parameter tensors. Unknown dims propagate as None; a node whose op has no rule is
reported by name and its outputs get unknown shapes; nothing is guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from ..errors import NetcostError, ShapeError
from ..ir import UNKNOWN_SHAPE, Graph, Node, Param, Shape, Tensor, TensorFacts, evolve
from ..options import Options


@dataclass
class ShapeResult:
    outputs: List[Shape]
    params: List[Param] = field(default_factory=list)
    note: Optional[str] = None  # why some output dims are unknown, when the rule knows
    # Geometry the rule worked out (pooling window, conv kernel/stride/group...), kept on the
    # node so that cost rules read it instead of decoding the attrs a second time.
    derived: Dict[str, object] = field(default_factory=dict)
    dtypes: Optional[List[Optional[str]]] = None  # per output; None keeps the inputs' dtype
    values: Optional[List[Optional[tuple]]] = None  # per output: small constant values


# A rule gets the node and what is known of its inputs (TensorFacts: a Shape with dtype and,
# for small constant integer tensors, values).
Rule = Callable[[Node, Sequence[TensorFacts]], ShapeResult]


class ShapeRegistry:
    """Shape rules keyed by op type; registering an op twice is a programming error."""

    def __init__(self, framework: str, input_ops: Optional[Sequence[str]] = None,
                 min_dim: int = 1):
        self.framework = framework
        self.min_dim = min_dim  # TF tensors may be empty (a dim of 0); Caffe blobs may not
        self.rules: Dict[str, Rule] = {}
        # Ops whose outputs --input and --batch may set; None: every node without inputs.
        self.input_ops = None if input_ops is None else frozenset(input_ops)

    def is_input(self, node: Node) -> bool:
        if self.input_ops is None:
            return not node.inputs
        return node.op in self.input_ops

    def register(self, *ops: str) -> Callable[[Rule], Rule]:
        def add(rule: Rule) -> Rule:
            for op in ops:
                if op in self.rules:
                    raise ValueError(f"{self.framework} shape rule for {op} registered twice")
                self.rules[op] = rule
            return rule

        return add

    def get(self, op: str) -> Optional[Rule]:
        return self.rules.get(op)

    def known(self) -> List[str]:
        return sorted(self.rules)


@dataclass(frozen=True)
class ShapeIssue:
    """A node whose outputs are not fully known, and why."""

    node: str
    op: str
    reason: str


def infer_shapes(graph: Graph, registry: ShapeRegistry, options: Options) -> Graph:
    # What is known of each tensor so far; a rule reads these for its inputs. Tensors are
    # entered as their producer runs (v1 loop back edges read the file's initial facts).
    facts: Dict[str, TensorFacts] = {}
    shapes: Dict[str, Shape] = {}
    origin: Dict[str, str] = {}  # tensor -> node (or input) where its unknown dims come from
    overrides = dict(options.input_shapes)

    def initial(name: str) -> TensorFacts:
        t = graph.tensors[name]
        known = facts[name] = TensorFacts(shapes.get(name, t.shape).dims, t.dtype, t.value)
        return known

    warnings: List[str] = list(graph.warnings)
    produced = {t for node in graph.nodes for t in node.outputs}
    for name in graph.inputs:
        if name in produced:
            continue  # an input op's node (e.g. a TF Placeholder) sets it below
        shapes[name] = _source_shape(name, graph.tensors[name].shape, overrides, options)
        if not shapes[name].is_known:
            origin[name] = f"net input '{name}'"

    new_nodes: List[Node] = []
    get_facts = facts.get
    rule_for = registry.get
    min_dim = registry.min_dim
    checked_dims = set()  # dims tuples already validated: most tensors share a few shapes
    for node in graph.nodes:
        ins = [get_facts(t) or initial(t) for t in node.inputs]
        rule = rule_for(node.op)
        note = None
        if rule is None:
            result = ShapeResult([UNKNOWN_SHAPE] * len(node.outputs))
            note = f"unknown layer type '{node.op}': no shape rule"
        else:
            try:
                result = rule(node, ins)
            except NetcostError as e:
                raise _batch_hint(e.with_context(file=graph.source, layer=node.name), options)
            except (ZeroDivisionError, IndexError, KeyError, TypeError, ValueError,
                    OverflowError) as e:  # absurd values a rule's arithmetic cannot take
                error = _missing_input(rule, node, ins) if isinstance(e, IndexError) else None
                raise _batch_hint(error or ShapeError(
                    f"cannot infer the output shape of this {node.op} layer "
                    f"({type(e).__name__}: {e})", file=graph.source, layer=node.name),
                    options).with_context(file=graph.source, layer=node.name) from None
            note = result.note
        if len(result.outputs) != len(node.outputs):
            raise ShapeError(f"{node.op} produces {len(result.outputs)} output(s) here but the "
                             f"graph names or reads {len(node.outputs)}", file=graph.source,
                             layer=node.name)
        outputs = [s if type(s) is Shape else Shape(s.dims) for s in result.outputs]
        declared = node.attrs.get("_output_shapes")
        if isinstance(declared, list) and len(declared) == len(outputs):
            outputs = [_reconcile(node, i, inferred, stated, warnings, graph.source)
                       for i, (inferred, stated) in enumerate(zip(outputs, declared))]
        if registry.is_input(node):
            outputs = [_source_shape(_blob_name(t), s, overrides, options)
                       for t, s in zip(node.outputs, outputs)]
        default_dtype = ins[0].dtype if ins else None
        all_known = True
        for i, (t, s) in enumerate(zip(node.outputs, outputs)):
            dims = s.dims
            if dims is None or None in dims:
                all_known = False
            if dims and dims not in checked_dims:
                _check_dims(s, graph.source, node.name, t, min_dim)
                if None not in dims:
                    checked_dims.add(dims)
            shapes[t] = s
            dtype = result.dtypes[i] if result.dtypes else None
            value = result.values[i] if result.values else None
            facts[t] = TensorFacts(dims, dtype or default_dtype or graph.tensors[t].dtype,
                                   value)
        if all_known:
            note = None
        else:
            upstream = next((origin[t] for t in node.inputs if t in origin), None)
            if note is None:
                note = f"depends on {upstream}" if upstream else f"{node.op} output depends on data"
            # Blame the first place an unknown came from, not every layer downstream of it.
            blame = upstream if upstream and note.startswith("depends on") else \
                f"layer '{node.name}' ({node.op})"
            for t, s in zip(node.outputs, outputs):
                if not s.is_known:
                    origin[t] = blame
        params = _merge_params(node, result.params, graph.source) if node.params else \
            result.params
        new_nodes.append(evolve(node, params=tuple(params), shape_note=note,
                                known_op=rule is not None, derived=result.derived))

    if overrides:
        raise NetcostError(f"--input names no net input or data layer top: "
                           f"{', '.join(sorted(overrides))}", file=graph.source)

    tensors = {}
    for name, t in graph.tensors.items():
        known = facts.get(name)
        if known is None:
            shape = shapes.get(name, t.shape)
            tensors[name] = t if shape is t.shape else Tensor(name, shape, t.dtype, t.value)
        else:
            tensors[name] = Tensor(name, shapes[name], known.dtype, known.value)
    return evolve(graph, nodes=tuple(new_nodes), tensors=tensors, warnings=tuple(warnings))


class _MissingInput(ShapeError):
    """A rule read an input the layer does not have."""


class _CountedInputs(list):
    """A rule's inputs that name a missing one instead of raising a bare IndexError."""

    def __getitem__(self, index):
        try:
            return list.__getitem__(self, index)
        except IndexError:
            raise _MissingInput(f"reads input {index} but the layer has {len(self)} "
                                f"input(s)") from None


def _missing_input(rule: Rule, node: Node, ins: List[TensorFacts]) -> Optional[ShapeError]:
    """After a rule raised IndexError: if it was reading an input the node does not have,
    the error saying so. Run again only on this failure path, so the hot path keeps plain
    lists."""
    try:
        rule(node, _CountedInputs(ins))
    except _MissingInput as e:
        e.message = f"{node.op} {e.message}"
        return e
    except Exception:  # noqa: BLE001 - the first error stands
        pass
    return None


def _batch_hint(error: NetcostError, options: Options) -> NetcostError:
    """--batch rewrites dimension 0 of every input; a net that hard-codes its batch (a
    Reshape to 16x10x4096 in an LRCN net, where dimension 0 is time x streams) then fails
    further down, and the user should see why."""
    if options.batch is not None and isinstance(error, ShapeError):
        error.message += (f" (--batch {options.batch} set dimension 0 of every net input; "
                          "this net fixes it elsewhere)")
    return error


def _reconcile(node: Node, index: int, inferred: Shape, stated, warnings: List[str],
               source: str) -> Shape:
    """TF graphs may carry `_output_shapes`: they fill dims inference left unknown, and a
    disagreement on a known dim is reported (the inferred shape is kept: it follows the
    graph's own ops, the attr may be stale)."""
    if not isinstance(stated, Shape) or stated.dims is None:
        return inferred
    if inferred.dims is None:
        return stated
    if len(inferred.dims) != len(stated.dims):
        warnings.append(f"{source}: {node.name}: output {index} is inferred as {inferred} but "
                        f"_output_shapes says {stated}")
        return inferred
    merged = []
    for a, b in zip(inferred.dims, stated.dims):
        if a is not None and b is not None and a != b:
            warnings.append(f"{source}: {node.name}: output {index} is inferred as {inferred} "
                            f"but _output_shapes says {stated}")
            return inferred
        merged.append(a if a is not None else b)
    return Shape(tuple(merged))


def _blob_name(tensor_name: str) -> str:
    return tensor_name.split("@", 1)[0]


def _source_shape(name: str, shape: Shape, overrides: Dict[str, Shape], options: Options) -> Shape:
    # TF tensors are "node:0"; --input may name the node or the tensor.
    for key in (name, name[:-2] if name.endswith(":0") else None):
        if key is not None and key in overrides:
            shape = overrides.pop(key)
            break
    if options.batch is not None and shape.dims:
        shape = Shape((options.batch,) + shape.dims[1:])
    return shape


def _check_dims(shape: Shape, source: str, layer: str, tensor: str, min_dim: int) -> None:
    if not shape.dims:
        return
    for d in shape.dims:
        if d is not None and d < min_dim:
            raise ShapeError(f"output '{_blob_name(tensor)}' would have shape {shape}: "
                             f"dimensions must be at least {min_dim}", file=source,
                             layer=layer)


def _merge_params(node: Node, inferred: List[Param], source: str) -> List[Param]:
    """Weights read from a file win over inferred shapes; their learnable flags and names
    come from the rule, which knows what each blob is."""
    if not node.params:
        return inferred
    merged = []
    for i, stored in enumerate(node.params):
        if i < len(inferred):
            rule_param = inferred[i]
            if rule_param.shape.is_known and stored.shape.numel != rule_param.shape.numel:
                raise ShapeError(f"stored blob {i} has shape {stored.shape} but the layer "
                                 f"definition implies {rule_param.shape}", file=source,
                                 layer=node.name)
            merged.append(Param(rule_param.name, stored.shape, rule_param.learnable))
        else:
            merged.append(stored)
    return merged


def shape_issues(graph: Graph) -> List[ShapeIssue]:
    return [ShapeIssue(n.name, n.op, n.shape_note) for n in graph.nodes if n.shape_note]
