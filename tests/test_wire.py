"""The wire-format walker: big tensor payloads left out, everything else kept, bad bytes a
one-line ParseError."""
import os
import random
import struct

import pytest

from conftest import REFERENCE, run_cli
from netcost.errors import ParseError
from netcost.frontends import wire
from netcost.frontends.wire import mapped, strip_payloads
from netcost.proto import caffe_pb2 as cpb
from netcost.proto import tf_graph_pb2 as pb
from netcost.proto import tf_meta_graph_pb2 as mpb

TF_PAYLOAD_FIELDS = ("tensor_content", "half_val", "float_val", "double_val", "int_val",
                     "string_val", "scomplex_val", "int64_val", "bool_val", "dcomplex_val",
                     "resource_handle_val", "variant_val", "uint32_val", "uint64_val",
                     "float8_val")
BLOB_PAYLOAD_FIELDS = ("data", "diff", "double_data", "double_diff")


def _floats(count, seed=0):
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(count)]


def _shape(proto, dims):
    for d in dims:
        proto.dim.add(size=d)


def _const(graph_or_function, name, dtype, dims, **payload):
    adder = graph_or_function.node if hasattr(graph_or_function, "versions") else \
        graph_or_function.node_def
    node = adder.add(name=name, op="Const")
    node.attr["dtype"].type = dtype
    tensor = node.attr["value"].tensor
    tensor.dtype = dtype
    _shape(tensor.tensor_shape, dims)
    for field, value in payload.items():
        if isinstance(value, bytes):
            setattr(tensor, field, value)
        else:
            getattr(tensor, field).extend(value)
    return node


def _graph_def():
    g = pb.GraphDef()
    g.versions.producer = 1234
    x = g.node.add(name="x", op="Placeholder")
    x.attr["dtype"].type = pb.DT_FLOAT
    _shape(x.attr["shape"].shape, [1, 28, 28, 3])
    _const(g, "kernel", pb.DT_FLOAT, [5, 5, 3, 32],
           tensor_content=struct.pack("<2400f", *_floats(2400)))
    _const(g, "bias", pb.DT_FLOAT, [300], float_val=_floats(300, 1))  # 1,200 B packed
    _const(g, "tiny_bias", pb.DT_FLOAT, [32], float_val=_floats(32, 2))  # kept: small
    _const(g, "shape", pb.DT_INT32, [2], int_val=[-1, 4704])  # small int: kept
    _const(g, "perm", pb.DT_INT64, [1000],  # 8,000 B of int64, still decoded: kept
           tensor_content=struct.pack("<1000q", *range(1000)))
    _const(g, "big_ints", pb.DT_INT32, [5000],
           tensor_content=struct.pack("<5000i", *range(5000)))
    _const(g, "labels", pb.DT_STRING, [400], string_val=[b"label%d" % i for i in range(400)])
    _const(g, "halves", pb.DT_HALF, [2000], half_val=list(range(2000)))
    conv = g.node.add(name="conv", op="Conv2D", input=["x", "kernel"])
    conv.attr["T"].type = pb.DT_FLOAT
    conv.attr["strides"].list.i.extend([1, 1, 1, 1])
    conv.attr["padding"].s = b"SAME"
    # A list of tensors (e.g. an op holding several constants).
    listed = g.node.add(name="listed", op="SomeOp", input=["conv"])
    for seed in (3, 4):
        t = listed.attr["values"].list.tensor.add(dtype=pb.DT_FLOAT)
        _shape(t.tensor_shape, [400])
        t.tensor_content = struct.pack("<400f", *_floats(400, seed))
    small = listed.attr["values"].list.tensor.add(dtype=pb.DT_INT32)
    small.int_val.extend([1, 2, 3])
    # A function library whose body holds a weight, and a weight in a function attribute.
    f = g.library.function.add()
    f.signature.name = "body_fn"
    _const(f, "w", pb.DT_FLOAT, [32, 10], tensor_content=struct.pack("<320f", *_floats(320)))
    _const(f, "axis", pb.DT_INT32, [], int_val=[3])
    f.attr["_init"].tensor.dtype = pb.DT_DOUBLE
    f.attr["_init"].tensor.double_val.extend(_floats(200, 5))
    f.arg_attr[0].attr["_default"].tensor.dtype = pb.DT_FLOAT
    f.arg_attr[0].attr["_default"].tensor.float_val.extend(_floats(500, 6))
    f.ret["out"] = "w:output:0"
    call = g.node.add(name="call", op="StatefulPartitionedCall", input=["conv"])
    call.attr["f"].func.name = "body_fn"
    return g


def _cleared(message, fields, limit=wire.DEFAULT_THRESHOLD):
    """What stripping should give: every TensorProto/BlobProto payload field whose encoded
    size is over the limit cleared, but in integer tensors the frontend decodes (up to 1024
    elements)."""
    from netcost.frontends.tensorflow import shape_of

    out = type(message)()
    out.CopyFrom(message)

    def visit(m):
        name = m.DESCRIPTOR.name
        if name in ("TensorProto", "BlobProto"):
            if name == "TensorProto" and m.dtype % 100 in wire.INT_DTYPES:
                count = shape_of(m.tensor_shape).numel
                if count is not None and count <= wire.MAX_DECODED_ELEMENTS:
                    return
            for field in fields:
                if _field_size(m, field) > limit:
                    m.ClearField(field)
            return
        for fd, value in m.ListFields():
            if fd.message_type is None:
                continue
            if fd.message_type.GetOptions().map_entry:
                if fd.message_type.fields_by_name["value"].message_type is not None:
                    for v in value.values():
                        visit(v)
            elif fd.is_repeated:
                for v in value:
                    visit(v)
            else:
                visit(value)

    visit(out)
    return out


def _field_size(m, field):
    """Encoded bytes of one field of m (tags included)."""
    probe = type(m)()
    if m.DESCRIPTOR.fields_by_name[field].is_repeated:
        getattr(probe, field).extend(getattr(m, field))
    else:
        setattr(probe, field, getattr(m, field))
    return probe.ByteSize()


# ---------------------------------------------------------------- round trips

def test_graph_def_without_payloads_equals_the_original_cleared():
    g = _graph_def()
    data = g.SerializeToString()
    stats = {}
    stripped = strip_payloads(data, "GraphDef", stats=stats)
    parsed = pb.GraphDef.FromString(stripped)
    expected = _cleared(g, TF_PAYLOAD_FIELDS)
    assert parsed == expected
    assert parsed != g  # something was dropped ...
    assert len(stripped) < len(data) // 4
    assert stats["dropped_payloads"] == 10
    assert 0 < len(data) - len(stripped) - stats["dropped_bytes"] < 100  # and length prefixes
    by_name = {n.name: n for n in parsed.node}
    # ... shapes and dtypes stay, the big payloads go, small integers keep their values.
    kernel = by_name["kernel"].attr["value"].tensor
    assert kernel.dtype == pb.DT_FLOAT and [d.size for d in kernel.tensor_shape.dim] == \
        [5, 5, 3, 32] and kernel.tensor_content == b""
    assert list(by_name["shape"].attr["value"].tensor.int_val) == [-1, 4704]
    assert len(by_name["perm"].attr["value"].tensor.tensor_content) == 8000
    assert by_name["big_ints"].attr["value"].tensor.tensor_content == b""
    assert len(by_name["tiny_bias"].attr["value"].tensor.float_val) == 32
    assert not by_name["bias"].attr["value"].tensor.float_val
    assert not by_name["labels"].attr["value"].tensor.string_val
    listed = by_name["listed"].attr["values"].list.tensor
    assert [t.tensor_content for t in listed[:2]] == [b"", b""]
    assert list(listed[2].int_val) == [1, 2, 3]
    body = parsed.library.function[0]
    assert body.node_def[0].attr["value"].tensor.tensor_content == b""
    assert list(body.node_def[1].attr["value"].tensor.int_val) == [3]
    assert not body.attr["_init"].tensor.double_val
    assert not body.arg_attr[0].attr["_default"].tensor.float_val
    assert body.ret["out"] == "w:output:0"


def test_frontend_decodes_the_same_small_values():
    """tensor_facts sees the same shapes, dtypes and integer values stripped or not."""
    from netcost.frontends.tensorflow import decode_attr

    g = _graph_def()
    stripped = pb.GraphDef.FromString(strip_payloads(g.SerializeToString(), "GraphDef"))
    for before, after in zip(g.node, stripped.node):
        for key in before.attr:
            assert decode_attr(before.attr[key]) == decode_attr(after.attr[key]), \
                (before.name, key)


def test_nothing_to_drop_gives_the_same_bytes():
    g = pb.GraphDef()
    _const(g, "shape", pb.DT_INT32, [2], int_val=[1, 2])
    node = g.node.add(name="n", op="Identity", input=["shape"])
    node.attr["T"].type = pb.DT_INT32
    data = g.SerializeToString() + b"\xf8\x07\x05"  # and an unknown varint field 127
    assert strip_payloads(data, "GraphDef") == data
    assert strip_payloads(b"", "GraphDef") == b""


def test_unknown_fields_are_copied_verbatim():
    g = _graph_def()
    node = pb.NodeDef.FromString(g.node[1].SerializeToString() + b"\xaa\x06\x03abc")
    g.node[1].CopyFrom(node)  # node "kernel" with an unknown field 101
    stripped = strip_payloads(g.SerializeToString(), "GraphDef")
    again = pb.GraphDef.FromString(stripped).node[1]
    assert again.SerializeToString().endswith(b"\xaa\x06\x03abc")


def test_meta_graph_and_saved_model():
    g = _graph_def()
    meta = mpb.MetaGraphDef()
    meta.meta_info_def.tags.append("serve")
    meta.graph_def.CopyFrom(g)
    meta.collection_def["trainable_variables"].bytes_list.value.append(b"\x0a\x03v:0")
    meta.signature_def["serving_default"].outputs["y"].name = "conv:0"
    stripped = mpb.MetaGraphDef.FromString(strip_payloads(meta.SerializeToString(),
                                                          "MetaGraphDef"))
    assert stripped == _cleared(meta, TF_PAYLOAD_FIELDS)
    assert stripped.graph_def == _cleared(g, TF_PAYLOAD_FIELDS)

    saved = mpb.SavedModel(saved_model_schema_version=1)
    saved.meta_graphs.add().CopyFrom(meta)
    other = saved.meta_graphs.add()
    other.CopyFrom(meta)
    other.meta_info_def.tags[:] = ["train"]
    data = saved.SerializeToString()
    result = mpb.SavedModel.FromString(strip_payloads(data, "SavedModel"))
    assert result == _cleared(saved, TF_PAYLOAD_FIELDS)
    assert [list(m.meta_info_def.tags) for m in result.meta_graphs] == [["serve"], ["train"]]


def _caffemodel():
    net = cpb.NetParameter(name="net")
    net.input.append("data")
    layer = net.layer.add(name="conv1", type="Convolution", bottom=["data"], top=["conv1"])
    layer.convolution_param.num_output = 20
    w = layer.blobs.add()
    w.shape.dim.extend([20, 1, 5, 5])
    w.data.extend(_floats(500))
    w.diff.extend(_floats(500, 1))
    b = layer.blobs.add()
    b.shape.dim.extend([20])
    b.data.extend(_floats(20))  # 80 B: kept
    ip = net.layer.add(name="ip", type="InnerProduct", bottom=["conv1"], top=["ip"])
    d = ip.blobs.add()
    d.shape.dim.extend([10, 300])
    d.double_data.extend(_floats(3000, 2))
    d.double_diff.extend(_floats(3000, 3))
    return net


def test_caffemodel_v2_blobs():
    net = _caffemodel()
    stats = {}
    stripped = cpb.NetParameter.FromString(
        strip_payloads(net.SerializeToString(), "NetParameter", stats=stats))
    assert stripped == _cleared(net, BLOB_PAYLOAD_FIELDS)
    assert stats["dropped_payloads"] == 4
    assert list(stripped.layer[0].blobs[0].shape.dim) == [20, 1, 5, 5]
    assert len(stripped.layer[0].blobs[1].data) == 20
    assert list(stripped.layer[1].blobs[0].shape.dim) == [10, 300]


def test_caffemodel_v1_and_v0_blobs():
    net = cpb.NetParameter(name="old")
    v1 = net.layers.add(name="conv1", type=cpb.V1LayerParameter.CONVOLUTION)
    w = v1.blobs.add(num=20, channels=1, height=5, width=5)  # legacy 4-D shape
    w.data.extend(_floats(500))
    v1.blobs.add(num=1, channels=1, height=1, width=20).data.extend(_floats(20))
    v0 = net.layers.add()
    v0.layer.name = "ip"
    v0.layer.type = "innerproduct"
    v0.layer.num_output = 10
    v0.layer.blobs.add(num=1, channels=1, height=10, width=800).data.extend(_floats(8000))
    stripped = cpb.NetParameter.FromString(strip_payloads(net.SerializeToString(),
                                                          "NetParameter"))
    assert stripped == _cleared(net, BLOB_PAYLOAD_FIELDS)
    blob = stripped.layers[0].blobs[0]
    assert (blob.num, blob.channels, blob.height, blob.width) == (20, 1, 5, 5)
    assert not blob.data and len(stripped.layers[0].blobs[1].data) == 20
    assert stripped.layers[1].layer.blobs[0].width == 800
    assert not stripped.layers[1].layer.blobs[0].data


def test_unpacked_repeated_payload_is_dropped_too():
    """Old writers may store repeated floats one field each: all instances go together."""
    blob = b"".join(b"\x2d" + struct.pack("<f", v) for v in _floats(400))  # data, wire 5
    blob = b"\x3a\x03\x0a\x01\x07" + blob  # shape { dim: 7 }
    layer = b"\x0a\x01a" + b"\x3a" + wire._varint_bytes(len(blob)) + blob
    data = b"\xa2\x06" + wire._varint_bytes(len(layer)) + layer  # NetParameter.layer (100)
    net = cpb.NetParameter.FromString(strip_payloads(data, "NetParameter"))
    assert not net.layer[0].blobs[0].data and list(net.layer[0].blobs[0].shape.dim) == [7]
    assert len(cpb.NetParameter.FromString(data).layer[0].blobs[0].data) == 400


def test_caffemodel_params_through_the_frontend(tmp_path):
    from netcost.loader import load_graph
    from netcost.report import build_report

    net = cpb.NetParameter(name="n")
    net.layer.add(name="data", type="Input", top=["data"]).input_param.shape.add(
        dim=[1, 3, 32, 32])
    conv = net.layer.add(name="conv", type="Convolution", bottom=["data"], top=["conv"])
    conv.convolution_param.num_output = 64
    conv.convolution_param.kernel_size.append(3)
    conv.blobs.add().shape.dim.extend([64, 3, 3, 3])
    conv.blobs[0].data.extend([0.5] * 1728)
    conv.blobs.add(num=1, channels=1, height=1, width=64).data.extend([0.0] * 64)
    path = tmp_path / "m.caffemodel"
    path.write_bytes(net.SerializeToString())
    graph = load_graph(str(path))
    assert [p.shape.dims for p in graph.node("conv").params] == [(64, 3, 3, 3), (1, 1, 1, 64)]
    assert build_report(graph).total_params == 1728 + 64


# ---------------------------------------------------------------- the schema itself

def _descriptor_of(kind):
    descriptors = {
        "SavedModel": mpb.SavedModel.DESCRIPTOR, "MetaGraphDef": mpb.MetaGraphDef.DESCRIPTOR,
        "GraphDef": pb.GraphDef.DESCRIPTOR, "FunctionDefLibrary":
        pb.FunctionDefLibrary.DESCRIPTOR, "FunctionDef": pb.FunctionDef.DESCRIPTOR,
        "ArgAttrEntry": pb.FunctionDef.DESCRIPTOR.fields_by_name["arg_attr"].message_type,
        "ArgAttrs": pb.FunctionDef.ArgAttrs.DESCRIPTOR, "NodeDef": pb.NodeDef.DESCRIPTOR,
        "AttrEntry": pb.NodeDef.DESCRIPTOR.fields_by_name["attr"].message_type,
        "AttrValue": pb.AttrValue.DESCRIPTOR, "ListValue": pb.AttrValue.ListValue.DESCRIPTOR,
        "TensorProto": pb.TensorProto.DESCRIPTOR,
        "NetParameter": cpb.NetParameter.DESCRIPTOR,
        "LayerParameter": cpb.LayerParameter.DESCRIPTOR,
        "V1LayerParameter": cpb.V1LayerParameter.DESCRIPTOR,
        "V0LayerParameter": cpb.V0LayerParameter.DESCRIPTOR,
        "BlobProto": cpb.BlobProto.DESCRIPTOR,
    }
    return descriptors[kind]


def test_paths_match_the_schema_field_numbers():
    for kind, children in wire.PATHS.items():
        descriptor = _descriptor_of(kind)
        for number, child in children.items():
            field = descriptor.fields_by_number[number]
            assert field.message_type is not None, (kind, number)
            child_descriptor = _descriptor_of(child)
            if kind.endswith("Entry"):  # a map entry's value
                assert field.name == "value"
            if child.endswith("Entry"):  # map<..., AttrValue> entries of any message
                assert field.message_type.GetOptions().map_entry
                assert field.message_type.fields_by_name["value"].message_type.full_name == \
                    child_descriptor.fields_by_name["value"].message_type.full_name
                continue
            assert field.message_type.full_name == child_descriptor.full_name, (kind, number)
    tensor = pb.TensorProto.DESCRIPTOR.fields_by_name
    assert {tensor[f].number for f in TF_PAYLOAD_FIELDS} == wire.PAYLOADS["TensorProto"]
    assert tensor["dtype"].number == wire.TENSOR_DTYPE_FIELD
    assert tensor["tensor_shape"].number == wire.TENSOR_SHAPE_FIELD
    shape = pb.TensorShapeProto.DESCRIPTOR.fields_by_name
    assert (shape["dim"].number, shape["unknown_rank"].number) == \
        (wire.SHAPE_DIM_FIELD, wire.SHAPE_UNKNOWN_RANK_FIELD)
    assert pb.TensorShapeProto.Dim.DESCRIPTOR.fields_by_name["size"].number == \
        wire.DIM_SIZE_FIELD
    blob = cpb.BlobProto.DESCRIPTOR.fields_by_name
    assert {blob[f].number for f in BLOB_PAYLOAD_FIELDS} == wire.PAYLOADS["BlobProto"]
    # The shape fields are not payload.
    assert not {blob[f].number for f in ("shape", "num", "channels", "height", "width")} & \
        wire.PAYLOADS["BlobProto"]


def test_paths_have_no_cycles():
    def depth(kind, seen=()):
        assert kind not in seen
        return 1 + max((depth(c, seen + (kind,)) for c in wire.PATHS.get(kind, {}).values()),
                       default=0)

    assert max(depth(k) for k in wire.ROOT_KINDS) <= 12


def test_int_dtypes_are_the_decoded_ones():
    from netcost.frontends import tensorflow as tf_frontend

    decoded = {number for name, number in pb.DataType.items()
               if number < 100 and tf_frontend.dtype_name(number) in tf_frontend._INT_FORMATS}
    assert decoded == set(wire.INT_DTYPES)
    assert wire.MAX_DECODED_ELEMENTS == tf_frontend.MAX_DECODED_ELEMENTS


def test_largest_decodable_int_tensor_keeps_its_values():
    g = pb.GraphDef()
    _const(g, "packed", pb.DT_INT64, [1024], int64_val=[-1] * 1024)  # 10-byte varints
    node = _const(g, "unpacked", pb.DT_INT32, [1024])
    tensor = node.attr["value"].tensor
    raw = b"".join(b"\x38" + b"\xff" * 9 + b"\x01" for _ in range(1024))  # int_val, wire 0
    tensor.MergeFromString(raw)
    assert len(tensor.int_val) == 1024
    _const(g, "over", pb.DT_INT32, [1025], int_val=[-1] * 1025)  # never decoded: dropped
    # Shape and payload disagree: what the frontend reads from it stays the same.
    _const(g, "odd", pb.DT_INT32_REF, [2], int_val=list(range(3000)))
    _const(g, "unknown", pb.DT_INT32, [-1], int_val=list(range(3000)))
    node = _const(g, "merged", pb.DT_INT32, [40], int_val=list(range(3000)))
    node.attr["value"].tensor.tensor_shape.dim.add(size=40)  # 40 x 40 elements
    scalar = _const(g, "scalar", pb.DT_BOOL, [], bool_val=[True] * 3000)
    data = g.SerializeToString()
    parsed = pb.GraphDef.FromString(strip_payloads(data, "GraphDef"))
    assert parsed == _cleared(g, TF_PAYLOAD_FIELDS)
    tensors = {n.name: n.attr["value"].tensor for n in parsed.node}
    assert list(tensors["packed"].int64_val) == [-1] * 1024
    assert list(tensors["unpacked"].int_val) == [-1] * 1024
    assert not tensors["over"].int_val
    assert len(tensors["odd"].int_val) == 3000
    assert not tensors["unknown"].int_val and not tensors["merged"].int_val
    assert len(tensors["scalar"].bool_val) == 3000
    from netcost.frontends.tensorflow import decode_attr

    for before, after in zip(g.node, parsed.node):
        assert decode_attr(before.attr["value"]) == decode_attr(after.attr["value"])
    assert scalar.name == "scalar"


def _ld(tag: bytes, body: bytes) -> bytes:
    return tag + wire._varint_bytes(len(body)) + body


@pytest.mark.parametrize("shape_fields, kept", [(1, True), (2, False)])
def test_repeated_tensor_shape_fields_merge(shape_fields, kept):
    """A singular message field written twice merges: dims [40] and [40] are a 40x40 tensor."""
    values = b"".join(wire._varint_bytes(v) for v in range(3000))
    tensor = b"\x08\x03" + _ld(b"\x12", _ld(b"\x12", b"\x08\x28")) * shape_fields + \
        _ld(b"\x3a", values)
    entry = _ld(b"\x0a", b"value") + _ld(b"\x12", _ld(b"\x42", tensor))
    data = _ld(b"\x0a", _ld(b"\x0a", b"c") + _ld(b"\x12", b"Const") + _ld(b"\x2a", entry))
    original = pb.GraphDef.FromString(data).node[0].attr["value"].tensor
    assert [d.size for d in original.tensor_shape.dim] == [40] * shape_fields
    stripped = pb.GraphDef.FromString(strip_payloads(data, "GraphDef"))
    assert len(stripped.node[0].attr["value"].tensor.int_val) == (3000 if kept else 0)


# ---------------------------------------------------------------- malformed input

def _small_graph_bytes():
    g = pb.GraphDef()
    _const(g, "w", pb.DT_FLOAT, [3, 4], tensor_content=struct.pack("<12f", *range(12)))
    _const(g, "s", pb.DT_INT32, [2], int_val=[1, -2])
    n = g.node.add(name="mm", op="MatMul", input=["w", "w"])
    n.attr["T"].type = pb.DT_FLOAT
    f = g.library.function.add()
    f.signature.name = "f"
    _const(f, "c", pb.DT_FLOAT, [2], float_val=[1.0, 2.0])
    return g.SerializeToString()


def _small_net_bytes():
    net = cpb.NetParameter(name="n")
    layer = net.layer.add(name="c", type="Convolution")
    layer.blobs.add().shape.dim.extend([2, 3])
    layer.blobs[0].data.extend([1.0] * 6)
    old = net.layers.add(name="o")
    old.blobs.add(num=1, channels=1, height=1, width=3).data.extend([2.0] * 3)
    old.layer.blobs.add(width=2).double_data.extend([1.0, 2.0])
    return net.SerializeToString()


@pytest.mark.parametrize("kind, make", [("GraphDef", _small_graph_bytes),
                                        ("MetaGraphDef", None), ("SavedModel", None),
                                        ("NetParameter", _small_net_bytes)])
def test_truncated_at_every_byte_is_a_parse_error_or_parses(kind, make):
    if kind == "MetaGraphDef":
        data = b"\x12" + wire._varint_bytes(len(_small_graph_bytes())) + _small_graph_bytes()
    elif kind == "SavedModel":
        meta = b"\x12" + wire._varint_bytes(len(_small_graph_bytes())) + _small_graph_bytes()
        data = b"\x08\x01\x12" + wire._varint_bytes(len(meta)) + meta
    else:
        data = make()
    for cut in range(len(data) + 1):
        for threshold in (0, 8, wire.DEFAULT_THRESHOLD):  # 0: every path is walked
            try:
                strip_payloads(data[:cut], kind, threshold=threshold, path="x.pb")
            except ParseError as e:
                assert e.file == "x.pb" and "\n" not in str(e)


@pytest.mark.parametrize("bad, words", [
    (b"\x0a" + wire._varint_bytes(1 << 62) + b"xyz", "claims"),
    (b"\x0a" + b"\xff" * 10 + b"\x01", "longer than 10 bytes"),
    (b"\xff" * 11, "longer than 10 bytes"),
    (b"\x0a\x05ab", "claims 5 bytes but only 2 remain"),
    (b"\x0a", "cut off"),
    (b"\x0a\x85", "cut off"),
    (b"\x08\x01", "must be length-delimited"),  # GraphDef.node as a varint
    (b"\x0b\x0c", "group"),
    (b"\x1b", "group"),  # an unknown field 3 as a group
    (b"\x1e", "invalid wire type"),
    (b"\x00\x00", "field number 0"),
    (b"\x02\x00", "field number 0"),
    (b"\x21\x00", "cut off"),  # a 64-bit field cut
    (b"\x25\x00", "cut off"),  # a 32-bit field cut
    (b"\x80\x80\x80\x80\x80\x01", "bad field tag"),
])
def test_malformed_bytes(bad, words):
    with pytest.raises(ParseError) as info:
        strip_payloads(bad, "GraphDef", path="bad.pb")
    assert words in str(info.value) and str(info.value).startswith("bad.pb: ")


def test_malformed_inside_a_tensor():
    big = b"\x22" + wire._varint_bytes(5000) + b"\x00" * 10  # tensor_content cut short
    value = b"\x42" + wire._varint_bytes(len(big) + 2000) + big + b"\x00" * 1990
    with pytest.raises(ParseError, match="remain"):
        strip_payloads(b"\x0a" + wire._varint_bytes(len(value)) + value, "GraphDef")
    bad_group = b"\x42" + wire._varint_bytes(2002) + b"\x0b" + b"\x00" * 2001
    entry = b"\x12" + wire._varint_bytes(len(bad_group)) + bad_group
    node = b"\x2a" + wire._varint_bytes(len(entry)) + entry
    with pytest.raises(ParseError, match="group"):
        strip_payloads(b"\x0a" + wire._varint_bytes(len(node)) + node, "GraphDef")


def test_random_damage_never_escapes_as_another_exception():
    rng = random.Random(7)
    seeds = [(_small_graph_bytes(), "GraphDef"), (_small_net_bytes(), "NetParameter")]
    for _ in range(3000):
        data, kind = rng.choice(seeds)
        data = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            strip_payloads(bytes(data), kind, threshold=rng.choice((0, 8, 1024)))
        except ParseError:
            pass


def test_bad_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        strip_payloads(b"", "Nope")


# ---------------------------------------------------------------- files

def test_mapped_files(tmp_path):
    empty = tmp_path / "empty.pb"
    empty.write_bytes(b"")
    with mapped(str(empty)) as data:
        assert data == b""
    full = tmp_path / "g.pb"
    full.write_bytes(_small_graph_bytes())
    with mapped(str(full)) as data:
        assert len(data) == len(_small_graph_bytes())
        assert strip_payloads(data, "GraphDef", threshold=0)
    with pytest.raises(ParseError):  # an error leaves no view that keeps the map open
        with mapped(str(full)) as data:
            strip_payloads(data[:-3] if isinstance(data, bytes) else memoryview(data)[:-3],
                           "GraphDef", threshold=0)


def test_truncated_big_graph_is_one_line(tmp_path):
    g = _graph_def()
    data = g.SerializeToString()
    for cut in (len(data) // 3, len(data) - 1):
        path = tmp_path / f"cut{cut}.pb"
        path.write_bytes(data[:cut])
        result = run_cli(str(path))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"netcost: error: {path}: not a valid "
                                                       "TensorFlow protobuf"), result.stderr


def test_truncated_caffemodel_is_one_line(tmp_path):
    data = _caffemodel().SerializeToString()
    path = tmp_path / "cut.caffemodel"
    path.write_bytes(data[: len(data) // 2])
    result = run_cli(str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a valid binary caffemodel" in lines[0], result.stderr


# ---------------------------------------------------------------- the reference LeNet

def _lenet_frozen():
    path = os.path.join(REFERENCE, "tf", "lenet_frozen.pb")
    if not os.path.exists(path):
        pytest.skip("shared reference not present")
    return path


def test_lenet_frozen_analyzes_the_same(monkeypatch):
    import json

    from netcost.loader import load_graph

    path = _lenet_frozen()
    with open(path, "rb") as f:
        data = f.read()
    stripped = strip_payloads(data, "GraphDef")
    assert len(stripped) < 10_000 < 1_000_000 < len(data)
    stripped_graph = load_graph(path)
    monkeypatch.setattr(wire, "strip_payloads", lambda data, kind, **kw: bytes(data))
    full_graph = load_graph(path)
    assert {n: t.shape.dims for n, t in stripped_graph.tensors.items()} == \
        {n: t.shape.dims for n, t in full_graph.tensors.items()}
    assert [(n.name, n.op, [p.shape.dims for p in n.params]) for n in stripped_graph.nodes] == \
        [(n.name, n.op, [p.shape.dims for p in n.params]) for n in full_graph.nodes]
    result = run_cli(path, "-c", "tf-profiler", "--format", "json", "-o", "-")
    assert result.returncode == 0, result.stderr
    totals = json.loads(result.stdout)["totals"]
    assert totals["flops"]["value"] == 4_615_950


def test_small_binary_that_is_valid_utf8_is_binary():
    # A MetaGraphDef holding one small graph: every byte below 0x80, no NUL, yet binary.
    meta = mpb.MetaGraphDef()
    node = meta.graph_def.node.add(name="v", op="VarHandleOp")
    node.attr["shape"].shape.dim.add(size=2)
    data = meta.SerializeToString()
    assert b"\x00" not in data and data.decode("utf-8")
    assert wire.looks_binary(data)
    for text in (b'node { name: "a" op: "Relu" }\n', b"layer {\r\n\tname: 'x'\x0b\x0c}",
                 'name: "caf\u00e9"'.encode()):
        assert not wire.looks_binary(text)
