"""Regenerate the *_pb2.py modules beside this file from the .proto schemas.

    pip install grpcio-tools && python proto/generate.py

The generated modules are committed so that users need only the protobuf runtime;
tests/test_proto_generated.py checks that they still match the schemas.
"""
from __future__ import annotations

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def protoc_args(out_flag: str, proto_files):
    import grpc_tools

    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    return ["grpc_tools.protoc", f"-I{HERE}", f"-I{include}", out_flag, *proto_files]


def main() -> int:
    from grpc_tools import protoc

    protos = sorted(glob.glob(os.path.join(HERE, "*.proto")))
    status = protoc.main(protoc_args(f"--python_out={HERE}", protos))
    if status:
        print(f"protoc failed with status {status}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
