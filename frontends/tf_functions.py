"""TF2 graphs: pick a SavedModel's meta graph and signature, and inline function calls.

In a TF2 SavedModel the serving computation lives in the function library and the graph only
calls it (StatefulPartitionedCall / PartitionedCall). To count its ops netcost inlines each
called function: body nodes are copied under `<call node>/`, their inputs renamed, and an
IdentityN named like the call node hands the function's results to the call's consumers.
Inside a body an input reads `node:out_arg:index`; it becomes a port of that node.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import GraphError, ParseError

CALL_OPS = ("StatefulPartitionedCall", "PartitionedCall")
MAX_INLINE_DEPTH = 16

# Output arguments of ops with more than one, in order (others have one: index = port).
MULTI_OUTPUT_ARGS = {
    "FusedBatchNorm": ("y", "batch_mean", "batch_variance", "reserve_space_1",
                       "reserve_space_2"),
    "FusedBatchNormV2": ("y", "batch_mean", "batch_variance", "reserve_space_1",
                         "reserve_space_2"),
    "FusedBatchNormV3": ("y", "batch_mean", "batch_variance", "reserve_space_1",
                         "reserve_space_2", "reserve_space_3"),
    "Switch": ("output_false", "output_true"), "Merge": ("output", "value_index"),
    "TopKV2": ("values", "indices"), "Unique": ("y", "idx"),
    "MaxPoolWithArgmax": ("output", "argmax"),
}


def choose_meta_graph(saved, path: str, tag: Optional[str], warnings: List[str]):
    graphs = list(saved.meta_graphs)
    if not graphs:
        raise ParseError("SavedModel holds no meta graph", file=path)
    tags = [",".join(g.meta_info_def.tags) or "(no tag)" for g in graphs]
    if tag is not None:
        for g in graphs:
            if tag in g.meta_info_def.tags:
                return g
        raise ParseError(f"SavedModel has no meta graph tagged '{tag}' (tags: "
                         f"{'; '.join(tags)})", file=path)
    if len(graphs) > 1:
        raise ParseError(f"SavedModel holds {len(graphs)} meta graphs; choose one with --tag "
                         f"({'; '.join(tags)})", file=path)
    return graphs[0]


def signature_outputs(meta_graph, path: str, signature: Optional[str]) -> Tuple[str, ...]:
    """Node names a signature's outputs come from (empty: keep the whole graph)."""
    signatures = {k: v for k, v in meta_graph.signature_def.items()
                  if not k.startswith("__")}
    if signature is None:
        if not signatures:
            return ()
        if "serving_default" in signatures:
            signature = "serving_default"
        elif len(signatures) == 1:
            signature = next(iter(signatures))
        else:
            raise ParseError(f"the meta graph has {len(signatures)} signatures; choose one "
                             f"with --signature ({', '.join(sorted(signatures))})", file=path)
    if signature not in signatures:
        raise ParseError(f"no signature '{signature}' (signatures: "
                         f"{', '.join(sorted(signatures)) or 'none'})", file=path)
    outputs = signatures[signature].outputs
    return tuple(outputs[k].name.split(":")[0] for k in sorted(outputs))


def keep_ancestors(node_defs: Sequence, outputs: Sequence[str]) -> List:
    """The nodes the outputs depend on through data and control inputs, in file order."""
    by_name = {n.name: n for n in node_defs}
    keep, stack = set(), list(outputs)
    while stack:
        name = stack.pop()
        if name in keep or name not in by_name:
            continue
        keep.add(name)
        for text in by_name[name].input:
            stack.append(text.lstrip("^").split(":")[0])
    return [n for n in node_defs if n.name in keep]


def _port(node_def, arg: str, index: int) -> int:
    names = MULTI_OUTPUT_ARGS.get(node_def.op)
    if names and arg in names:
        return names.index(arg) + index
    return index


def inline_calls(node_defs: Sequence, library, path: str, warnings: List[str],
                 depth: int = 0) -> List:
    """Replace every call of a library function by its body, recursively."""
    functions = {f.signature.name: f for f in library.function}
    if not functions or not any(n.op in CALL_OPS or n.op in functions for n in node_defs):
        return list(node_defs)
    if depth > MAX_INLINE_DEPTH:
        raise ParseError(f"function calls nest deeper than {MAX_INLINE_DEPTH} levels", file=path)
    result: List = []
    for n in node_defs:
        fname = n.attr["f"].func.name if n.op in CALL_OPS and "f" in n.attr else (
            n.op if n.op in functions else None)
        function = functions.get(fname) if fname else None
        if function is None:
            if n.op in CALL_OPS:
                warnings.append(f"{path}: {n.name} calls function '{fname}', which the "
                                "library does not hold")
            result.append(n)
            continue
        result.extend(_inline_one(n, function, library, path, warnings, depth))
    return result


def _inline_one(call, function, library, path: str, warnings: List[str], depth: int) -> List:
    prefix = call.name + "/"
    data_inputs = [t for t in call.input if not t.startswith("^")]
    controls = [t for t in call.input if t.startswith("^")]
    args = {a.name: data_inputs[i] for i, a in enumerate(function.signature.input_arg)
            if i < len(data_inputs)}
    body = {n.name: n for n in function.node_def}

    def rename(text: str) -> str:
        control = text.startswith("^")
        name = text.lstrip("^")
        if control:
            return "^" + (prefix + name if name in body else args.get(name, name).lstrip("^"))
        parts = name.split(":")
        if len(parts) == 1:
            return args.get(name, prefix + name if name in body else name)
        node_name = parts[0]
        if node_name in body and len(parts) == 3:
            if not (parts[2].isascii() and parts[2].isdigit()):  # "0x1", "²": no port
                raise GraphError(f"input '{text}' of function {function.signature.name} has "
                                 f"no port number after its output name", file=path,
                                 layer=call.name)
            return f"{prefix}{node_name}:{_port(body[node_name], parts[1], int(parts[2]))}"
        return prefix + name if node_name in body else name

    copies = []
    for node in function.node_def:
        copy = type(node)()
        copy.CopyFrom(node)
        copy.name = prefix + node.name
        del copy.input[:]
        copy.input.extend(rename(t) for t in node.input)
        if not node.input:
            copy.input.extend(controls)  # a body's sources wait for the call's controls
        copies.append(copy)
    results = type(call)()
    results.name = call.name
    results.op = "IdentityN"
    results.input.extend(rename(function.ret[a.name]) for a in function.signature.output_arg)
    types = results.attr["T"].list
    for a in function.signature.output_arg:
        if a.type:
            types.type.append(a.type)
    copies.append(results)
    return inline_calls(copies, library, path, warnings, depth + 1)
