"""The committed caffe_pb2.py is what protoc makes of proto/caffe.proto today."""
import os
import subprocess
import sys

import numpy
import pytest
from google.protobuf import descriptor_pb2

from conftest import ROOT

PROTO_DIR = os.path.join(ROOT, "proto")


@pytest.mark.parametrize("schema", ["caffe"])
def test_committed_module_matches_schema(schema, tmp_path):
    pytest.importorskip("grpc_tools")
    out = tmp_path / "set.pb"
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}",
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
