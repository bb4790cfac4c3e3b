"""Real TensorFlow as the oracle for netcost's TensorFlow support (used by test_tf_live.py).

Everything here needs TensorFlow; the test module imports it after pytest.importorskip.
The oracle is what a user would get from a frozen .pb: the GraphDef is imported with
tf.import_graph_def into a fresh tf.Graph (name=""), then
tf.compat.v1.profiler.profile(graph, cmd="scope", options=float_operation()) gives each node's
own float_ops, and the imported graph's static shapes (C++ shape inference) give the outputs.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from netcost.cost import cost_graph, get_convention  # noqa: E402
from netcost.loader import load_graph  # noqa: E402
from netcost.options import Options  # noqa: E402


def import_graph_def(graph_def) -> "tf.Graph":
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    return graph


def _walk(proto, out: Dict[str, int]) -> None:
    if proto.name != "_TFProfRoot":
        out[proto.name] = out.get(proto.name, 0) + int(proto.float_ops)
    for child in proto.children:
        _walk(child, out)


def profiler_flops(graph: "tf.Graph") -> Tuple[int, Dict[str, int]]:
    """(total_float_ops, {node: flops}) from tf.profiler's scope view, every node of the graph
    present (the view hides nodes of 0 flops: they are 0 here)."""
    options = dict(tf.compat.v1.profiler.ProfileOptionBuilder.float_operation(), output="none")
    root = tf.compat.v1.profiler.profile(graph, cmd="scope", options=options)
    seen: Dict[str, int] = {}
    _walk(root, seen)
    names = {op.name for op in graph.get_operations()}
    strays = sorted(n for n, f in seen.items() if f and n not in names)
    assert not strays, f"tf.profiler reports flops for names that are no node: {strays}"
    per = {name: seen.get(name, 0) for name in names}
    assert sum(per.values()) == int(root.total_float_ops)
    return int(root.total_float_ops), per


def _shape_list(tensor) -> Optional[List[Optional[int]]]:
    shape = tensor.shape
    if shape.rank is None:
        return None
    return shape.as_list()


def tf_shapes(graph: "tf.Graph") -> Dict[str, List]:
    """{node: [static shape of each output]}: None for an unknown dim or an unknown rank."""
    return {op.name: [_shape_list(t) for t in op.outputs] for op in graph.get_operations()}


def tf_oracle(graph_def) -> Dict[str, object]:
    graph = import_graph_def(graph_def)
    total, flops = profiler_flops(graph)
    ops = {op.name: op.type for op in graph.get_operations()}
    return {"total": total, "flops": flops, "shapes": tf_shapes(graph), "ops": ops}


def netcost_view(path: str, options: Options = Options()) -> Dict[str, object]:
    graph = load_graph(path, options)
    costs = {c.name: c.counts["flops"] for c in cost_graph(graph, get_convention("tf-profiler"))}
    shapes = {n.name: [graph.tensors[t].shape.to_json() for t in n.outputs]
              for n in graph.nodes}
    ops = {n.name: n.op for n in graph.nodes}
    return {"flops": costs, "shapes": shapes, "ops": ops}


def compare(graph_def, path: str) -> Dict[str, object]:
    """Write graph_def to path (binary .pb), and compare netcost with TensorFlow node by node.

    Returns {"nodes": n, "flops_wrong": [...], "shapes_wrong": [...], "total": tf total,
    "ops": {op type: count}}; both lists empty means every node agrees."""
    with open(path, "wb") as f:
        f.write(graph_def.SerializeToString())
    oracle = tf_oracle(graph_def)
    mine = netcost_view(path)
    assert set(mine["ops"]) == set(oracle["ops"]), "netcost and TF see different nodes"
    flops_wrong, shapes_wrong = [], []
    for name, op in sorted(oracle["ops"].items()):
        assert mine["ops"][name] == op
        if mine["flops"][name] != oracle["flops"][name]:
            flops_wrong.append((name, op, mine["flops"][name], oracle["flops"][name]))
        if mine["shapes"][name] != oracle["shapes"][name]:
            shapes_wrong.append((name, op, mine["shapes"][name], oracle["shapes"][name]))
    counts: Dict[str, int] = {}
    for op in oracle["ops"].values():
        counts[op] = counts.get(op, 0) + 1
    return {"nodes": len(oracle["ops"]), "flops_wrong": flops_wrong,
            "shapes_wrong": shapes_wrong, "total": oracle["total"], "ops": counts,
            "netcost_total": sum(v or 0 for v in mine["flops"].values())}


def freeze_function(fn, *specs):
    """A tf.function's concrete graph with variables folded into Consts (TF2 freezing)."""
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    concrete = tf.function(fn).get_concrete_function(*specs)
    return convert_variables_to_constants_v2(concrete).graph.as_graph_def()


# ---------------------------------------------------------------- Keras models

def mini_net(keras, batch=1, hw=33):
    """A small functional net touching most Keras layers a vision model uses (odd sizes,
    strides 2 and 3, dilation, padding/cropping, SE block, separable/depthwise/transposed
    convolutions, resizing, normalizations, Flatten/Reshape/Conv1D); `keras` is Keras 3 or
    tf_keras."""
    L = keras.layers
    inp = keras.Input((hw, hw - 4, 3), batch_size=batch)
    x = L.ZeroPadding2D(((1, 2), (0, 1)))(inp)
    x = L.Conv2D(8, 3, strides=2, use_bias=False)(x)
    x = L.BatchNormalization()(x)
    x = L.ReLU(6.0)(x)
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(x)
    y = L.BatchNormalization()(y)
    y = L.Activation("swish")(y)
    y = L.Conv2D(8, 1)(y)
    x = L.Add()([x, y])
    se = L.GlobalAveragePooling2D(keepdims=True)(x)
    se = L.Conv2D(4, 1, activation="relu")(se)
    se = L.Conv2D(8, 1, activation="sigmoid")(se)
    x = L.Multiply()([x, se])
    a = L.SeparableConv2D(6, 3, padding="same", dilation_rate=2)(x)
    b = L.MaxPooling2D(3, strides=1, padding="same")(x)
    c = L.AveragePooling2D(2, strides=1, padding="same")(x)
    x = L.Concatenate()([a, b, c])
    x = L.Conv2D(12, 3, strides=3, padding="same", activation="elu")(x)
    u = L.UpSampling2D(2, interpolation="bilinear")(x)
    u = L.Conv2DTranspose(5, 3, strides=2, padding="same")(u)
    u = L.Cropping2D(((1, 0), (2, 1)))(u)
    u = L.UpSampling2D(2)(u)
    x = L.LayerNormalization()(x)
    x = L.Conv2D(10, 2, padding="valid", activation="gelu")(x)
    f = L.Flatten()(x)
    f = L.Dense(16, activation="tanh")(f)
    f = L.Dropout(0.5)(f)
    g = L.GlobalMaxPooling2D()(u)
    h = L.Concatenate()([f, g])
    h = L.Reshape((7, 3))(h)
    h = L.Conv1D(4, 3, padding="causal")(h)
    h = L.Flatten()(h)
    out = L.Dense(10, activation="softmax")(h)
    return keras.Model(inp, out)


def sequence_net(keras, batch=2):
    """Embedding, attention, LSTM and GRU (their loops become v1 control flow when frozen)."""
    L = keras.layers
    tokens = keras.Input((7,), batch_size=batch, dtype="int32")
    x = L.Embedding(20, 6)(tokens)
    x = L.LayerNormalization()(x + L.MultiHeadAttention(2, 3)(x, x))
    x = L.LSTM(5, return_sequences=True)(x)
    x = L.GRU(4)(x)
    return keras.Model(tokens, L.Dense(3, activation="softmax")(x))


def freeze_keras(model, shape, dtype=None):
    """Keras 3: the model in a tf.function, frozen by convert_variables_to_constants_v2."""
    spec = tf.TensorSpec(shape, dtype or tf.float32, name="input")
    return freeze_function(lambda x: model(x, training=False), spec)


def write_tf1_keras_graphs(out_dir):
    """tf_keras in a TF1 session (run with TF_USE_LEGACY_KERAS=1 set before TensorFlow is
    imported): each model's graph as built (before freezing) and frozen by
    graph_util.convert_variables_to_constants. Returns {name: path}."""
    import tf_keras

    tf.compat.v1.disable_v2_behavior()
    backend = tf.compat.v1.keras.backend
    models = {
        "mobilenet-a025-96": (lambda i: tf_keras.applications.MobileNet(
            weights=None, alpha=0.25, input_tensor=i), [1, 96, 96, 3]),
        "mini-net": (lambda i: mini_net(tf_keras), [1, 33, 29, 3]),
    }
    paths = {}
    for name, (build, shape) in models.items():
        graph = tf.Graph()
        with graph.as_default():
            session = tf.compat.v1.Session(graph=graph)
            backend.set_session(session)
            backend.set_learning_phase(0)
            if name == "mini-net":
                model = build(None)
            else:
                model = build(tf.compat.v1.placeholder(tf.float32, shape, name="input"))
            session.run(tf.compat.v1.global_variables_initializer())
            unfrozen = graph.as_graph_def()
            frozen = tf.compat.v1.graph_util.convert_variables_to_constants(
                session, unfrozen, [model.output.op.name])
            session.close()
        for kind, graph_def in (("unfrozen", unfrozen), ("frozen", frozen)):
            path = os.path.join(out_dir, f"tf1-{name}-{kind}.pb")
            with open(path, "wb") as f:
                f.write(graph_def.SerializeToString())
            paths[f"tf1-{name}-{kind}"] = path
    return paths


if __name__ == "__main__":  # python tf_oracle_util.py OUT_DIR (with TF_USE_LEGACY_KERAS=1)
    import json
    import sys

    print(json.dumps(write_tf1_keras_graphs(sys.argv[1])))
