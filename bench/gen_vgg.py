"""Generate frozen VGG-16-like TensorFlow GraphDefs WITH real float weights (tensor_content
filled with random float32), written with netcost's own protobuf schemas (no TensorFlow).

    python bench/gen_vgg.py OUT_DIR [--sizes 100 553]

The conv stack is VGG-16's (13 3x3 convolutions, 5 max pools) at 224x224; the width of the
two hidden fully connected layers is chosen so that the file is about the asked size in MB
(4096, i.e. VGG-16 itself, gives 138 M parameters = 553 MB). Nodes are serialized one at a
time and appended as GraphDef.node fields, so memory stays near one layer's weights.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

CONV_STACK = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M")
IMAGE = 224
CLASSES = 1000


def _conv_params() -> int:
    total, cin = 0, 3
    for item in CONV_STACK:
        if item != "M":
            total += 9 * cin * item + item
            cin = item
    return total


def fc_width_for(size_mb: float) -> int:
    """Hidden FC width whose VGG-16-like graph holds about size_mb * 1e6 bytes of float32."""
    flat = 512 * (IMAGE // 32) ** 2
    budget = size_mb * 1e6 / 4 - _conv_params() - CLASSES
    # flat*w + w + w*w + w + w*classes = budget
    b = flat + CLASSES + 2
    w = (-b + (b * b + 4 * budget) ** 0.5) / 2
    if abs(w - 4096) < 41:  # within 1%: VGG-16 itself
        return 4096
    return max(16, int(round(w)))


def _varint(value: int) -> bytes:
    from netcost.frontends.wire import _varint_bytes

    return _varint_bytes(value)


def write_vgg(path: str, fc_width: int, seed: int = 0) -> int:
    """Write the graph; returns the number of parameters."""
    import numpy as np

    from netcost.proto import tf_graph_pb2 as pb

    rng = np.random.default_rng(seed)
    params = 0
    count = 0

    def emit(f, node) -> None:
        nonlocal count
        body = node.SerializeToString()
        f.write(b"\x0a" + _varint(len(body)) + body)  # GraphDef.node = 1
        count += 1

    def node(name, op, inputs=(), **attrs):
        n = pb.NodeDef(name=name, op=op)
        n.input.extend(inputs)
        for key, value in attrs.items():
            if isinstance(value, bytes):
                n.attr[key].s = value
            elif isinstance(value, list):
                n.attr[key].list.i.extend(value)
            else:
                n.attr[key].type = value
        return n

    def weight(f, name, dims):
        nonlocal params
        n = node(name, "Const", dtype=pb.DT_FLOAT)
        tensor = n.attr["value"].tensor
        tensor.dtype = pb.DT_FLOAT
        size = 1
        for d in dims:
            tensor.tensor_shape.dim.add(size=d)
            size *= d
        values = rng.standard_normal(size, dtype=np.float32)
        values *= 0.01
        tensor.tensor_content = values.tobytes()
        params += size
        emit(f, n)
        return name

    with open(path, "wb") as f:
        x = node("input", "Placeholder", dtype=pb.DT_FLOAT)
        for d in (1, IMAGE, IMAGE, 3):
            x.attr["shape"].shape.dim.add(size=d)
        emit(f, x)
        current, cin, block, index = "input", 3, 1, 0
        for item in CONV_STACK:
            if item == "M":
                emit(f, node(f"pool{block}", "MaxPool", [current], T=pb.DT_FLOAT,
                             ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding=b"VALID",
                             data_format=b"NHWC"))
                current, block, index = f"pool{block}", block + 1, 0
                continue
            index += 1
            scope = f"conv{block}_{index}"
            w = weight(f, f"{scope}/kernel", [3, 3, cin, item])
            b = weight(f, f"{scope}/bias", [item])
            emit(f, node(f"{scope}/Conv2D", "Conv2D", [current, w], T=pb.DT_FLOAT,
                         strides=[1, 1, 1, 1], padding=b"SAME", data_format=b"NHWC"))
            emit(f, node(f"{scope}/BiasAdd", "BiasAdd", [f"{scope}/Conv2D", b],
                         T=pb.DT_FLOAT, data_format=b"NHWC"))
            emit(f, node(f"{scope}/Relu", "Relu", [f"{scope}/BiasAdd"], T=pb.DT_FLOAT))
            current, cin = f"{scope}/Relu", item
        flat = 512 * (IMAGE // 32) ** 2
        shape = node("flatten/shape", "Const", dtype=pb.DT_INT32)
        tensor = shape.attr["value"].tensor
        tensor.dtype = pb.DT_INT32
        tensor.tensor_shape.dim.add(size=2)
        tensor.int_val.extend([-1, flat])
        emit(f, shape)
        emit(f, node("flatten", "Reshape", [current, "flatten/shape"], T=pb.DT_FLOAT,
                     Tshape=pb.DT_INT32))
        current, width = "flatten", flat
        for i, out in enumerate((fc_width, fc_width, CLASSES), 1):
            w = weight(f, f"fc{i}/kernel", [width, out])
            b = weight(f, f"fc{i}/bias", [out])
            emit(f, node(f"fc{i}/MatMul", "MatMul", [current, w], T=pb.DT_FLOAT))
            emit(f, node(f"fc{i}/BiasAdd", "BiasAdd", [f"fc{i}/MatMul", b], T=pb.DT_FLOAT,
                         data_format=b"NHWC"))
            current, width = f"fc{i}/BiasAdd", out
            if i < 3:
                emit(f, node(f"fc{i}/Relu", "Relu", [current], T=pb.DT_FLOAT))
                current = f"fc{i}/Relu"
        emit(f, node("prob", "Softmax", [current], T=pb.DT_FLOAT))
        versions = pb.VersionDef(producer=1882).SerializeToString()
        f.write(b"\x22" + _varint(len(versions)) + versions)  # GraphDef.versions = 4
    return params


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--sizes", type=float, nargs="+", default=[100, 553],
                        help="approximate file sizes in MB (default: 100 553)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for size in args.sizes:
        width = fc_width_for(size)
        path = os.path.join(args.out, f"vgg16_like_{size:g}mb.pb")
        params = write_vgg(path, width)
        print(f"{path}: fc width {width}, {params:,} params, "
              f"{os.path.getsize(path) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
