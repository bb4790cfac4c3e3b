"""Generate benchmark inputs: ResNet-like TensorFlow GraphDefs and Caffe prototxts of a given
size, written with netcost's own protobuf schemas (no TensorFlow needed).

    python bench/gen_graphs.py OUT_DIR [--nodes 1000 10000 100000]

A block is Conv2D -> BiasAdd -> Relu -> Conv2D -> BiasAdd -> AddV2(skip) -> Relu, every few
blocks a MaxPool and a ConcatV2 of two branches; Const weights carry shape and dtype only (no
payload), as stripped graphs do.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _tf_graph(target_nodes: int):
    from netcost.proto import tf_graph_pb2 as pb

    graph = pb.GraphDef()

    def node(name, op, inputs=(), **attrs):
        n = graph.node.add(name=name, op=op)
        n.input.extend(inputs)
        for key, value in attrs.items():
            if isinstance(value, str):
                n.attr[key].s = value.encode()
            elif isinstance(value, bool):
                n.attr[key].b = value
            elif isinstance(value, list):
                n.attr[key].list.i.extend(value)
            elif key in ("T", "dtype", "Tidx"):
                n.attr[key].type = value
            elif isinstance(value, int):
                n.attr[key].i = value
        return n

    def const(name, dims):
        n = node(name, "Const", dtype=pb.DT_FLOAT)
        tensor = n.attr["value"].tensor
        tensor.dtype = pb.DT_FLOAT
        for d in dims:
            tensor.tensor_shape.dim.add(size=d)
        return name

    def conv(name, x, cin, cout):
        w = const(f"{name}/kernel", [3, 3, cin, cout])
        b = const(f"{name}/bias", [cout])
        node(f"{name}/Conv2D", "Conv2D", [x, w], T=pb.DT_FLOAT, strides=[1, 1, 1, 1],
             padding="SAME", data_format="NHWC")
        node(f"{name}/BiasAdd", "BiasAdd", [f"{name}/Conv2D", b], T=pb.DT_FLOAT,
             data_format="NHWC")
        return f"{name}/BiasAdd"

    p = node("input", "Placeholder", dtype=pb.DT_FLOAT)
    for d in (1, 32, 32, 16):
        p.attr["shape"].shape.dim.add(size=d)
    x, channels, i = "input", 16, 0
    while len(graph.node) < target_nodes:
        i += 1
        a = conv(f"block{i}/conv1", x, channels, channels)
        node(f"block{i}/relu1", "Relu", [a], T=pb.DT_FLOAT)
        b = conv(f"block{i}/conv2", f"block{i}/relu1", channels, channels)
        node(f"block{i}/add", "AddV2", [b, x], T=pb.DT_FLOAT)
        node(f"block{i}/relu2", "Relu", [f"block{i}/add"], T=pb.DT_FLOAT)
        x = f"block{i}/relu2"
        if i % 8 == 0:
            axis = const(f"block{i}/axis", [])
            graph.node[-1].attr["value"].tensor.dtype = pb.DT_INT32
            graph.node[-1].attr["value"].tensor.int_val.append(3)
            graph.node[-1].attr["dtype"].type = pb.DT_INT32
            node(f"block{i}/concat", "ConcatV2", [x, x, axis], T=pb.DT_FLOAT, N=2,
                 Tidx=pb.DT_INT32)
            node(f"block{i}/pool", "MaxPool", [f"block{i}/concat"], T=pb.DT_FLOAT,
                 ksize=[1, 1, 1, 1], strides=[1, 1, 1, 1], padding="VALID",
                 data_format="NHWC")
            reduce = conv(f"block{i}/reduce", f"block{i}/pool", 2 * channels, channels)
            x = reduce
    return graph


def _prototxt(target_layers: int) -> str:
    lines = ['name: "bench"', 'input: "data"', "input_shape { dim: 1 dim: 16 dim: 32 dim: 32 }"]
    x, i, count = "data", 0, 0
    while count < target_layers:
        i += 1
        for j in (1, 2):
            lines.append(f'layer {{ name: "b{i}_conv{j}" type: "Convolution" bottom: "{x}" '
                         f'top: "b{i}_conv{j}" convolution_param {{ num_output: 16 '
                         f'kernel_size: 3 pad: 1 }} }}')
            lines.append(f'layer {{ name: "b{i}_relu{j}" type: "ReLU" bottom: "b{i}_conv{j}" '
                         f'top: "b{i}_conv{j}" }}')
            x = f"b{i}_conv{j}"
            count += 2
        lines.append(f'layer {{ name: "b{i}_sum" type: "Eltwise" bottom: "{x}" '
                     f'bottom: "b{i}_conv1" top: "b{i}_sum" }}')
        x = f"b{i}_sum"
        count += 1
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--nodes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for n in args.nodes:
        path = os.path.join(args.out, f"resnet_like_{n}.pb")
        with open(path, "wb") as f:
            f.write(_tf_graph(n).SerializeToString())
        with open(os.path.join(args.out, f"resnet_like_{n}.prototxt"), "w") as f:
            f.write(_prototxt(n))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
