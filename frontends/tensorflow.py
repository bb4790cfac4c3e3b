"""TensorFlow frontend: frozen GraphDef (.pb binary or text), MetaGraphDef (.meta) and
SavedModel (saved_model.pb) into the IR, without TensorFlow.

TF quirks live here: `name:N` and `^control` inputs, node order that need not be topological
(sorted here, v1 loop back edges from NextIteration excepted), AttrValues decoded into plain
values, small integer Const tensors decoded so that shape arithmetic resolves, output counts
per op. Shapes are inferred later (netcost.shapes.tensorflow).
"""
from __future__ import annotations

import os
import struct
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from ..errors import GraphError, ParseError
from ..ir import Graph, Node, Param, Shape, Tensor, TensorFacts
from ..options import Options
from .wire import looks_binary

TF_SUFFIXES = (".pb", ".pbtxt", ".meta", ".graphdef")
MAX_DECODED_ELEMENTS = 1024  # Const values decoded (shapes, axes); weights are never read
# Outputs one node may have. TF ops have a handful (a Split or ShapeN some hundreds); a larger
# count read from an attr or a port number is a corrupt file, and honouring it would allocate
# one tensor name per output.
MAX_OUTPUTS = 1 << 16

# Outputs of ops whose count does not follow from their consumers alone.
FIXED_OUTPUTS = {
    "FusedBatchNorm": 5, "FusedBatchNormV2": 5, "FusedBatchNormV3": 6, "_FusedBatchNormEx": 6,
    "Switch": 2, "RefSwitch": 2, "Merge": 2, "RefMerge": 2, "TopKV2": 2, "TopK": 2,
    "MaxPoolWithArgmax": 2, "Unique": 2, "NoOp": 0, "SaveV2": 0, "Save": 0,
    "AssignVariableOp": 0, "Assert": 0, "MergeV2Checkpoints": 0, "ControlTrigger": 0,
    "BroadcastGradientArgs": 2, "SoftmaxCrossEntropyWithLogits": 2,
    "SparseSoftmaxCrossEntropyWithLogits": 2, "FusedBatchNormGrad": 5,
    "FusedBatchNormGradV2": 5, "FusedBatchNormGradV3": 5, "UniqueWithCounts": 3,
    "AssignAddVariableOp": 0, "AssignSubVariableOp": 0, "TensorListPopBack": 2,
    "ListDiff": 2,
}


def _pb():
    from ..proto import tf_graph_pb2

    return tf_graph_pb2


def _meta_pb():
    from ..proto import tf_meta_graph_pb2

    return tf_meta_graph_pb2


def match(path: str, head: bytes) -> bool:
    name = path.lower()
    if name.endswith(TF_SUFFIXES):
        return True
    text = head[:4096].decode("utf-8", errors="ignore")
    return text.lstrip().startswith("node {") or "\nnode {" in text


# ---------------------------------------------------------------- reading the file

def load(path: str, options: Options) -> Graph:
    from .wire import is_blank, mapped

    warnings: List[str] = []
    with mapped(path) as data:  # binary files are walked on the mapping, weights unread
        if is_blank(data):
            raise ParseError("empty file: no graph", file=path)
        graph_def, kind, trainable, outputs = _read_graph_def(path, data, warnings, options)
    from .tf_functions import inline_calls, keep_ancestors

    node_defs = list(graph_def.node)
    if outputs:  # a signature: only what its outputs need
        node_defs = keep_ancestors(node_defs, outputs)
    node_defs = inline_calls(node_defs, graph_def.library, path, warnings)
    if outputs:
        node_defs = keep_ancestors(node_defs, outputs)
    return build_graph(node_defs, path, warnings, kind, trainable)


def _saved_model_trainable(meta_graph, path: str) -> Tuple[str, ...]:
    """TF2: trainable variables as the object graph records them. Its names are not unique
    ("Variable" twice) while graph nodes are ("Variable", "Variable_1"): a node matches an
    unused record of the same base name and shape."""
    import re

    names = list(_trainable_names(meta_graph, path))
    records = [(obj.variable.name.split(":")[0], shape_of(obj.variable.shape),
                obj.variable.trainable)
               for obj in meta_graph.object_graph_def.nodes
               if obj.WhichOneof("kind") == "variable"]
    used = set()
    for node in meta_graph.graph_def.node:
        if node.op != "VarHandleOp":
            continue
        base = re.sub(r"_\d+$", "", node.name)
        shape = shape_of(node.attr["shape"].shape)
        for i, (name, record_shape, trainable) in enumerate(records):
            if i not in used and name in (node.name, base) and record_shape == shape:
                used.add(i)
                if trainable:
                    names.append(node.name)
                break
    return tuple(names)


def _trainable_names(meta_graph, path: str = "") -> Tuple[str, ...]:
    """Node names of the TRAINABLE_VARIABLES collection (serialized VariableDefs)."""
    collection = meta_graph.collection_def.get("trainable_variables")
    if collection is None:
        return ()
    from google.protobuf.message import DecodeError

    names = []
    for blob in collection.bytes_list.value:
        try:
            variable = _meta_pb().VariableDef.FromString(blob)
        except DecodeError:
            raise ParseError("the trainable_variables collection holds an entry that is not "
                             "a VariableDef", file=path or None) from None
        names.append(variable.variable_name.split(":")[0])
    return tuple(names)




def _read_graph_def(path: str, data: bytes, warnings: List[str], options: Options):
    """The GraphDef inside whatever the file holds, a word naming the container, the
    trainable variables' node names and the outputs to keep (a signature's)."""
    pb, meta = _pb(), _meta_pb()
    name = os.path.basename(path).lower()
    if not looks_binary(data):
        from ..textproto import parse

        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(f"text is not valid UTF-8 at byte {e.start}", file=path) from None
        message = meta.MetaGraphDef() if name.endswith(".meta") else pb.GraphDef()
        parse(text, message, path=path, warn=warnings.append)
        if isinstance(message, pb.GraphDef):
            return message, "text GraphDef", (), ()
        return message.graph_def, "text MetaGraphDef", _trainable_names(message, path), ()
    from google.protobuf.message import DecodeError

    from .wire import strip_payloads

    def stripped(kind: str) -> bytes:
        # Tensor payloads (weights) left out: shapes and dtypes are all the analysis needs.
        try:
            return strip_payloads(data, kind, path=path)
        except ParseError as e:
            raise ParseError(f"not a valid TensorFlow protobuf ({e.message})",
                             file=path) from None

    try:
        if name.endswith(".meta"):
            message = meta.MetaGraphDef.FromString(stripped("MetaGraphDef"))
            return message.graph_def, "MetaGraphDef", _trainable_names(message, path), ()
        if name == "saved_model.pb" or name.endswith("saved_model.pb"):
            from .tf_functions import choose_meta_graph, signature_outputs

            saved = meta.SavedModel.FromString(stripped("SavedModel"))
            chosen = choose_meta_graph(saved, path, options.tag, warnings)
            outputs = signature_outputs(chosen, path, options.signature)
            return chosen.graph_def, "SavedModel", _saved_model_trainable(chosen, path), outputs
        graph_def = pb.GraphDef.FromString(stripped("GraphDef"))
    except (DecodeError, RuntimeError, ValueError) as e:
        raise ParseError(f"not a valid TensorFlow protobuf ({e or 'truncated or corrupt'})",
                         file=path) from None
    if not len(graph_def.node):
        raise ParseError("binary file holds no TensorFlow graph nodes (not a GraphDef?)",
                         file=path)
    return graph_def, "GraphDef", (), ()


# ---------------------------------------------------------------- attribute decoding

_DTYPE_NAMES: Dict[int, str] = {}


def dtype_name(enum_value: int) -> str:
    """DT_FLOAT -> 'float32', DT_INT64_REF -> 'int64' (a ref is the same element type)."""
    if not _DTYPE_NAMES:
        for name, number in _pb().DataType.items():
            base = name[3:].lower()
            if base.endswith("_ref"):
                base = base[:-4]
            _DTYPE_NAMES[number] = {"float": "float32", "double": "float64",
                                    "half": "float16"}.get(base, base)
    return _DTYPE_NAMES.get(enum_value, f"unknown dtype {enum_value}")


def shape_of(proto) -> Shape:
    if proto.unknown_rank:
        return Shape.unknown()
    sizes = [d.size for d in proto.dim]  # each protobuf field read builds an object: once
    if sizes and min(sizes) < 0:
        sizes = [None if size < 0 else size for size in sizes]
    return Shape(tuple(sizes))


_INT_FORMATS = {"int32": "i", "int64": "q", "int16": "h", "int8": "b", "uint8": "B",
                "uint16": "H", "uint32": "I", "uint64": "Q", "bool": "?"}
_FLOAT_FORMATS = {"float32": "f", "float64": "d"}


def tensor_facts(proto) -> TensorFacts:
    """Shape and dtype of a TensorProto; values only for small integer/bool tensors and
    floating scalars."""
    dtype = dtype_name(proto.dtype)
    shape = shape_of(proto.tensor_shape)
    value = None
    count = shape.numel
    fmt = _INT_FORMATS.get(dtype)
    if fmt is not None and count is not None and count <= MAX_DECODED_ELEMENTS:
        if proto.tensor_content:
            size = struct.calcsize(fmt)
            if len(proto.tensor_content) == size * count:
                value = struct.unpack(f"<{count}{fmt}", proto.tensor_content)
        else:
            listed = list(proto.bool_val if dtype == "bool" else
                          proto.int64_val if dtype == "int64" else
                          proto.uint64_val if dtype == "uint64" else proto.int_val)
            if count == 0:
                value = ()
            elif listed:
                # A short list repeats its last value (TensorProto's fill rule).
                value = tuple(listed[:count]) + (listed[-1],) * (count - len(listed))
            else:
                value = (0,) * count  # no values at all: every element is zero
        if value is not None and dtype == "bool":
            value = tuple(bool(v) for v in value)
    elif dtype in _FLOAT_FORMATS and count == 1:
        # A floating scalar (tf.range's bounds, a scale): TF's shape functions may read it.
        if proto.tensor_content:
            if len(proto.tensor_content) == struct.calcsize(_FLOAT_FORMATS[dtype]):
                value = struct.unpack(f"<{_FLOAT_FORMATS[dtype]}", proto.tensor_content)
        else:
            listed = list(proto.float_val if dtype == "float32" else proto.double_val)
            value = (float(listed[0]) if listed else 0.0,)
    return TensorFacts(shape.dims, dtype, value)


def decode_attr(value):
    kind = value.WhichOneof("value")
    if kind == "s":
        return value.s.decode("utf-8", errors="replace")
    if kind in ("i", "f", "b"):
        return getattr(value, kind)
    if kind == "type":
        return dtype_name(value.type)
    if kind == "shape":
        return shape_of(value.shape)
    if kind == "tensor":
        return tensor_facts(value.tensor)
    if kind == "func":
        return value.func.name
    if kind == "placeholder":
        return f"${value.placeholder}"
    if kind == "list":
        lst = value.list
        for field in ("s", "i", "f", "b", "type", "shape", "tensor", "func"):
            items = getattr(lst, field)
            if len(items):
                if field == "s":
                    return [v.decode("utf-8", errors="replace") for v in items]
                if field == "type":
                    return [dtype_name(v) for v in items]
                if field == "shape":
                    return [shape_of(v) for v in items]
                if field == "tensor":
                    return [tensor_facts(v) for v in items]
                if field == "func":
                    return [v.name for v in items]
                return list(items)
        return []
    return None


# ---------------------------------------------------------------- building the IR

class LazyAttrs(Mapping):
    """A NodeDef's attrs, each decoded the first time something reads it: most attrs of a
    big graph (T, use_cudnn_on_gpu, _class...) are never read, and decoding them all
    eagerly was a quarter of the frontend's time."""

    __slots__ = ("_proto", "_decoded")

    def __init__(self, proto):
        self._proto = proto  # the NodeDef's attr map
        self._decoded: Dict[str, object] = {}

    def _decode(self, key: str):
        value = self._decoded[key] = decode_attr(self._proto[key])
        return value

    def __getitem__(self, key: str):
        if key in self._decoded:
            return self._decoded[key]
        if key not in self._proto:
            raise KeyError(key)
        return self._decode(key)

    def get(self, key: str, default=None):  # without the KeyError a Mapping's get would use
        if key in self._decoded:
            return self._decoded[key]
        return self._decode(key) if key in self._proto else default

    def __contains__(self, key) -> bool:
        return key in self._proto

    def __iter__(self):
        return iter(sorted(self._proto))

    def __len__(self) -> int:
        return len(self._proto)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _split_input(text: str) -> Tuple[bool, str, int]:
    """'^a' -> control on a; 'a:2' -> (a, 2); 'a' -> (a, 0)."""
    if text.startswith("^"):
        return True, text[1:], 0
    name, sep, port = text.rpartition(":")
    if sep and port.isascii() and port.isdigit():  # "²" is a Unicode digit int() refuses
        return False, name, int(port)
    return False, text, 0


def _output_count(op: str, attrs: Mapping, data_inputs: int):
    """How many outputs the op itself declares (an attr's value as the file has it: the
    caller checks it is a sane integer)."""
    if op in ("Split", "SplitV"):
        return attrs.get("num_split", 1)
    if op == "Unpack":
        return attrs.get("num", 1)
    if op in ("ShapeN", "ConcatOffset"):
        return attrs.get("N", data_inputs)
    if op == "IdentityN":
        return data_inputs
    if op == "RestoreV2":
        dtypes = attrs.get("dtypes")
        return len(dtypes) if isinstance(dtypes, list) else 0
    if op in FIXED_OUTPUTS:
        return FIXED_OUTPUTS[op]
    if op.startswith(("ResourceApply", "ResourceSparseApply")):
        return 0  # optimizer updates of resource variables output nothing
    if "_output_shapes" in attrs:
        shapes = attrs["_output_shapes"]
        return len(shapes) if isinstance(shapes, list) else 1
    return 1


def _checked_output_count(node: "_Parsed", count, max_port: int, path: str) -> int:
    """The node's output count: what the op declares, or more when a consumer reads a later
    port (an op netcost does not know the outputs of)."""
    if max_port >= MAX_OUTPUTS:
        raise GraphError(f"an input reads output {max_port} of this {node.op} node (a corrupt "
                         f"port: netcost accepts up to {MAX_OUTPUTS:,} outputs)", file=path,
                         layer=node.name)
    if not isinstance(count, int) or isinstance(count, bool):
        raise GraphError(f"{node.op} node's output count attr holds {count!r}, not an integer",
                         file=path, layer=node.name)
    if not 0 <= count <= MAX_OUTPUTS:
        raise GraphError(f"{node.op} node would have {count} outputs (a corrupt output count or "
                         f"port: netcost accepts up to {MAX_OUTPUTS:,})", file=path,
                         layer=node.name)
    return max(count, max_port + 1)


class _Parsed:
    """One NodeDef's fields read out of protobuf once: every later pass touches plain
    Python objects (a protobuf field read builds a new object each time)."""

    __slots__ = ("name", "op", "attrs", "data", "controls")

    def __init__(self, nd):
        self.name = nd.name
        self.op = nd.op
        self.attrs = LazyAttrs(nd.attr)
        data: List[Tuple[str, int]] = []
        controls: List[str] = []
        for text in nd.input:
            control, name, port = _split_input(text)
            if control:
                controls.append(name)
            else:
                data.append((name, port))
        self.data = data
        self.controls = controls


def _topological_order(parsed: Sequence[_Parsed], node_defs: Sequence, path: str) -> List[int]:
    """Kahn's algorithm, stable in file order; edges from NextIteration close v1 loops and do
    not count as dependencies."""
    index = {n.name: i for i, n in enumerate(parsed)}
    if len(index) != len(parsed):
        seen = set()
        for n in parsed:
            if n.name in seen:
                raise GraphError(f"node name '{n.name}' is used twice", file=path, layer=n.name)
            seen.add(n.name)
    users: List[List[int]] = [[] for _ in parsed]
    in_file_order = True
    for i, n in enumerate(parsed):
        for name in [name for name, _ in n.data] + n.controls:
            j = index.get(name)
            if j is None:  # name the first such input as the file spells it
                text = next(t for t in node_defs[i].input if _split_input(t)[1] not in index)
                raise GraphError(f"input '{text}' names no node of the graph", file=path,
                                 layer=n.name)
            if parsed[j].op in ("NextIteration", "RefNextIteration"):
                continue
            users[j].append(i)
            if j >= i:
                in_file_order = False
    if in_file_order:
        return list(range(len(parsed)))  # what the stable sort would give, without a heap
    from ..toposort import stable_order

    order, stuck_ids = stable_order(len(parsed), users)
    if stuck_ids:
        stuck = [parsed[i].name for i in stuck_ids]
        raise GraphError(f"the graph has a cycle through {len(stuck)} node(s), e.g. "
                         f"{', '.join(stuck[:3])}", file=path, layer=stuck[0])
    return order


def build_graph(node_defs: Sequence, path: str, warnings: List[str], kind: str = "GraphDef",
                trainable: Sequence[str] = ()) -> Graph:
    parsed = [_Parsed(nd) for nd in node_defs]
    if not parsed:
        raise ParseError("the graph has no nodes", file=path)
    max_port: Dict[str, int] = {}
    for n in parsed:
        for name, port in n.data:
            if port >= max_port.get(name, 0):
                max_port[name] = port
    order = _topological_order(parsed, node_defs, path)
    trainable_set = set(trainable)
    tensors: Dict[str, Tensor] = {}
    # Every node's outputs first: a v1 loop's Merge reads its NextIteration, sorted after it.
    outputs_of: Dict[str, Tuple[str, ...]] = {}
    for i in order:
        n = parsed[i]
        port = max_port.get(n.name, -1)
        count = _checked_output_count(n, _output_count(n.op, n.attrs, len(n.data)), port, path)
        outputs = tuple(f"{n.name}:{k}" for k in range(count))
        for t in outputs:
            tensors[t] = Tensor(t)
        outputs_of[n.name] = outputs
    nodes: List[Node] = []
    consumed = set()
    inputs: List[str] = []
    for i in order:
        n = parsed[i]
        data_inputs = tuple(f"{name}:{port}" for name, port in n.data)
        for t in data_inputs:
            if t not in tensors:
                raise GraphError(f"input '{t}' names output {t.rsplit(':', 1)[1]} of a node "
                                 "that has fewer outputs", file=path, layer=n.name)
        consumed.update(data_inputs)
        outputs = outputs_of[n.name]
        if n.op in ("Placeholder", "PlaceholderV2"):
            inputs.extend(outputs)
        nodes.append(Node(name=n.name, op=n.op, attrs=n.attrs, inputs=data_inputs,
                          outputs=outputs, params=_params(n, trainable_set),
                          control_inputs=tuple(n.controls)))
    bookkeeping = {"Const", "NoOp", "Placeholder", "VariableV2", "VarHandleOp", "Assert",
                   "SaveV2", "RestoreV2"}
    outputs_found = tuple(t for n in nodes if n.op not in bookkeeping for t in n.outputs[:1]
                          if t not in consumed)
    name = os.path.splitext(os.path.basename(path))[0]
    return Graph(name=name, framework="tensorflow", nodes=tuple(nodes), tensors=tensors,
                 inputs=tuple(inputs), outputs=outputs_found, source=path,
                 warnings=tuple(warnings))


def _params(nd: _Parsed, trainable: set) -> Tuple[Param, ...]:
    """Stored tensors: floating-point Consts (frozen weights) and variables."""
    attrs = nd.attrs
    if nd.op == "Const":
        value = attrs.get("value")
        if isinstance(value, TensorFacts) and value.dtype.startswith(("float", "bfloat")) \
                and value.dims and value.numel != 1:
            return (Param(f"{nd.name}", Shape(value.dims), learnable=False, dtype=value.dtype),)
        return ()
    if nd.op in ("VariableV2", "Variable", "VarHandleOp"):
        shape = attrs.get("shape")
        if isinstance(shape, Shape):
            return (Param(nd.name, shape, learnable=nd.name in trainable,
                          dtype=attrs.get("dtype") or "float32"),)
    return ()
