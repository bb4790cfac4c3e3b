"""The committed *_pb2.py modules are what protoc (plus proto/generate.py's adaptation to
the netcost.proto package) makes of the proto/*.proto schemas today, and the schemas keep
the field numbers of the formats they read."""
import glob
import os
import re
import subprocess
import sys
import textwrap

import numpy
import pytest
from google.protobuf import descriptor_pb2

from conftest import REFERENCE, ROOT, SHARED

PROTO_DIR = os.path.join(ROOT, "proto")
TF_SCHEMAS = ["tf_debug_info", "tf_graph", "tf_object_graph", "tf_meta_graph", "tf_bundle"]


def test_every_schema_is_covered():
    schemas = sorted(os.path.basename(p)[:-len(".proto")]
                     for p in glob.glob(os.path.join(PROTO_DIR, "*.proto")))
    assert schemas == sorted(["caffe"] + TF_SCHEMAS)


@pytest.mark.parametrize("schema", ["caffe"] + TF_SCHEMAS)
def test_committed_module_matches_schema(schema, tmp_path):
    grpc_tools = pytest.importorskip("grpc_tools")
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")  # any.proto, ...
    out = tmp_path / "set.pb"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}", f"-I{well_known}",
                    f"--descriptor_set_out={out}", os.path.join(PROTO_DIR, f"{schema}.proto")],
                   check=True)
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    module = __import__(f"netcost.proto.{schema}_pb2", fromlist=["DESCRIPTOR"])
    committed = descriptor_pb2.FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb)
    _normalize(compiled.message_type)
    _normalize(committed.message_type)
    assert committed == compiled, f"run `python proto/generate.py` to regenerate {schema}_pb2.py"


def _normalize(messages):
    """protoc writes json names into descriptor sets only, and the Python generator prints
    float defaults at float32 precision ("9.99999994e-09" for 1e-08): compare values."""
    float_type = descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT
    for message in messages:
        for field in message.field:
            field.ClearField("json_name")
            if field.type == float_type and field.HasField("default_value") and \
                    field.default_value not in ("inf", "-inf", "nan"):
                as_float32 = numpy.float32(float(field.default_value))
                field.default_value = repr(float(as_float32))
        _normalize(message.nested_type)


def test_schema_keeps_bvlc_field_numbers():
    # Spot checks against BVLC caffe.proto (facts of the format every .caffemodel relies on).
    from netcost.proto import caffe_pb2 as pb

    layer = pb.LayerParameter.DESCRIPTOR.fields_by_name
    assert (layer["name"].number, layer["type"].number, layer["bottom"].number,
            layer["top"].number, layer["blobs"].number) == (1, 2, 3, 4, 7)
    assert layer["convolution_param"].number == 106
    assert layer["input_param"].number == 143
    net = pb.NetParameter.DESCRIPTOR.fields_by_name
    assert (net["layer"].number, net["layers"].number, net["input_shape"].number) == (100, 2, 8)
    assert pb.V1LayerParameter.LayerType.Value("CONVOLUTION") == 4
    pool = pb.PoolingParameter.DESCRIPTOR.fields_by_name
    assert pool["pool"].default_value == pb.PoolingParameter.MAX
    assert pb.ConvolutionParameter.DESCRIPTOR.fields_by_name["bias_term"].default_value is True


# ---------------------------------------------------------------------------------------
# TensorFlow schemas

@pytest.mark.parametrize("schema", TF_SCHEMAS)
def test_tf_module_imports_its_siblings_relatively(schema):
    with open(os.path.join(PROTO_DIR, f"{schema}_pb2.py"), encoding="utf-8") as f:
        source = f.read()
    assert not re.search(r"^import \w+_pb2", source, re.M), "run `python proto/generate.py`"
    with open(os.path.join(PROTO_DIR, f"{schema}.proto"), encoding="utf-8") as f:
        siblings = re.findall(r'^import "(tf_\w+)\.proto";', f.read(), re.M)
    for sibling in siblings:
        assert f"from . import {sibling}_pb2 as " in source


def test_tf_types_live_in_a_private_pool_so_tensorflow_can_load_too():
    # TensorFlow registers tensorflow.GraphDef & co. in protobuf's default pool from its own
    # files; the default pool refuses a second file defining the same names.  Simulate that
    # in a fresh interpreter: register "TensorFlow's" file, then load every netcost module.
    from google.protobuf.internal import api_implementation

    if api_implementation.Type() == "python":
        pytest.skip("the pure-Python protobuf runtime also registers every generated class in "
                    "the default symbol database, so the private pool cannot avoid the clash")
    code = textwrap.dedent("""
        from google.protobuf import descriptor_pb2, descriptor_pool
        fake = descriptor_pb2.FileDescriptorProto(
            name="tensorflow/core/framework/graph.proto", package="tensorflow", syntax="proto3")
        for name in ("GraphDef", "NodeDef", "MetaGraphDef", "BundleEntryProto", "SavedModel"):
            fake.message_type.add(name=name)
        descriptor_pool.Default().AddSerializedFile(fake.SerializeToString())
        from netcost.proto import tf_graph_pb2, tf_meta_graph_pb2, tf_bundle_pb2
        assert tf_graph_pb2.GraphDef.DESCRIPTOR.full_name == "tensorflow.GraphDef"
        assert tf_graph_pb2.GraphDef.DESCRIPTOR.file.pool is not descriptor_pool.Default()
        pool = tf_graph_pb2.DESCRIPTOR.pool
        assert tf_meta_graph_pb2.DESCRIPTOR.pool is pool and tf_bundle_pb2.DESCRIPTOR.pool is pool
        g = tf_graph_pb2.GraphDef()
        g.node.add(name="x", op="Const")
        m = tf_meta_graph_pb2.MetaGraphDef(graph_def=g)
        m.meta_info_def.any_info.Pack(g)
        back = tf_graph_pb2.GraphDef()
        assert m.meta_info_def.any_info.Unpack(back) and back == g
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_tf_schemas_keep_tensorflow_field_numbers():
    # Spot checks against TensorFlow's own schemas (facts of the format).
    from netcost.proto import tf_bundle_pb2 as bundle
    from netcost.proto import tf_graph_pb2 as graph
    from netcost.proto import tf_meta_graph_pb2 as meta

    def numbers(message):
        return {f.name: f.number for f in message.DESCRIPTOR.fields}

    assert numbers(graph.GraphDef) == {"node": 1, "versions": 4, "version": 3, "library": 2,
                                       "debug_info": 5}
    assert numbers(graph.NodeDef) == {"name": 1, "op": 2, "input": 3, "device": 4, "attr": 5,
                                      "experimental_debug_info": 6, "experimental_type": 7}
    assert numbers(graph.AttrValue) == {"list": 1, "s": 2, "i": 3, "f": 4, "b": 5, "type": 6,
                                        "shape": 7, "tensor": 8, "placeholder": 9, "func": 10}
    tensor = numbers(graph.TensorProto)
    assert (tensor["dtype"], tensor["tensor_shape"], tensor["tensor_content"],
            tensor["float_val"], tensor["int_val"], tensor["half_val"]) == (1, 2, 4, 5, 7, 13)
    assert numbers(graph.TensorShapeProto.Dim) == {"size": 1, "name": 2}
    assert (graph.DT_FLOAT, graph.DT_INT32, graph.DT_HALF, graph.DT_RESOURCE,
            graph.DT_BFLOAT16) == (1, 3, 19, 20, 14)
    names = dict(graph.DataType.items())
    for name, value in names.items():  # every type has its _REF twin at +100
        if name != "DT_INVALID":
            twin = name[:-4] if name.endswith("_REF") else name + "_REF"
            assert names[twin] == (value - 100 if name.endswith("_REF") else value + 100)
    assert numbers(meta.MetaGraphDef) == {
        "meta_info_def": 1, "graph_def": 2, "saver_def": 3, "collection_def": 4,
        "signature_def": 5, "asset_file_def": 6, "object_graph_def": 7}
    assert numbers(meta.SavedModel) == {"saved_model_schema_version": 1, "meta_graphs": 2}
    assert meta.SaverDef.V2 == 2
    assert numbers(meta.VariableDef)["trainable"] == 7
    entry = bundle.BundleEntryProto.DESCRIPTOR.fields_by_name
    assert [entry[n].number for n in ("dtype", "shape", "shard_id", "offset", "size", "crc32c",
                                      "slices")] == [1, 2, 3, 4, 5, 6, 7]
    assert entry["crc32c"].type == entry["crc32c"].TYPE_FIXED32


def _tf_files():
    """(path, message type name, text format?) of the TensorFlow files of the shared data."""
    ref, corpus = os.path.join(REFERENCE, "tf"), os.path.join(SHARED, "corpus", "tf")
    files = [(p, "GraphDef", False) for p in sorted(glob.glob(os.path.join(ref, "*.pb")))]
    files += [(p, "MetaGraphDef", False) for p in sorted(glob.glob(os.path.join(ref, "*.meta")))]
    for p in sorted(glob.glob(os.path.join(corpus, "*"))):
        if p.endswith("saved_model.pb"):
            files.append((p, "SavedModel", False))
        elif p.endswith(".pb"):
            files.append((p, "GraphDef", False))
        elif p.endswith(".meta"):
            files.append((p, "MetaGraphDef", False))
        elif p.endswith(".pbtxt"):
            files.append((p, "GraphDef", True))
    return files


def _unknown_fields(message, where="", found=None):
    """Paths of every (sub)message holding fields the schema does not declare."""
    from google.protobuf.descriptor import FieldDescriptor
    from google.protobuf.unknown_fields import UnknownFieldSet

    found = [] if found is None else found
    if len(UnknownFieldSet(message)):
        found.append(where or "<top>")
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for key, item in value.items():
                    _unknown_fields(item, f"{where}.{field.name}[{key!r}]", found)
        elif field.is_repeated:
            for i, item in enumerate(value):
                _unknown_fields(item, f"{where}.{field.name}[{i}]", found)
        else:
            _unknown_fields(value, f"{where}.{field.name}", found)
    return found


def test_shared_tf_files_are_present():
    if not os.path.isdir(SHARED):
        pytest.skip("shared reference files not present")
    assert len(_tf_files()) == 24  # 7 reference files, 17 corpus files


@pytest.mark.parametrize("path, kind, text", _tf_files(), ids=lambda v: os.path.basename(str(v)))
def test_tf_file_parses_with_no_unknown_fields(path, kind, text):
    from google.protobuf import text_format

    from netcost.proto import tf_graph_pb2, tf_meta_graph_pb2

    cls = getattr(tf_graph_pb2, kind, None) or getattr(tf_meta_graph_pb2, kind)
    with open(path, "rb") as f:
        data = f.read()
    message = cls()
    if text:
        text_format.Parse(data.decode("utf-8"), message)
    else:
        message.ParseFromString(data)
        assert message.ByteSize() == len(data)
    assert _unknown_fields(message) == []
    if kind == "GraphDef":
        graphs = [message]
    elif kind == "MetaGraphDef":
        graphs = [message.graph_def]
    else:
        graphs = [m.graph_def for m in message.meta_graphs]
    assert graphs and all(len(g.node) > 0 for g in graphs)
