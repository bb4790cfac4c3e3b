"""SavedModels: meta graph by --tag, signature by --signature, TF2 function calls inlined."""
import json
import os

import pytest

from conftest import run_cli
from netcost.proto import tf_graph_pb2, tf_meta_graph_pb2


def _tiny_graph(graph_def, scale_op="Square"):
    x = graph_def.node.add(name="x", op="Placeholder")
    x.attr["dtype"].type = tf_graph_pb2.DT_FLOAT
    for d in (2, 5):
        x.attr["shape"].shape.dim.add(size=d)
    y = graph_def.node.add(name="y", op=scale_op, input=["x"])
    y.attr["T"].type = tf_graph_pb2.DT_FLOAT


def _saved_model(tmp_path, tags=(("serve",), ("train",))):
    saved = tf_meta_graph_pb2.SavedModel(saved_model_schema_version=1)
    for i, tag_set in enumerate(tags):
        meta = saved.meta_graphs.add()
        meta.meta_info_def.tags.extend(tag_set)
        _tiny_graph(meta.graph_def, "Square" if i == 0 else "Neg")
        for name in ("serving_default", "other"):
            signature = meta.signature_def[name]
            signature.outputs["out"].name = "y:0"
    path = tmp_path / "saved_model.pb"
    path.write_bytes(saved.SerializeToString())
    return str(path)


def test_several_meta_graphs_need_a_tag(tmp_path):
    path = _saved_model(tmp_path)
    result = run_cli(path)
    assert result.returncode == 2 and "--tag" in result.stderr and "serve" in result.stderr
    serve = json.loads(run_cli(path, "--tag", "serve", "-c", "tf-profiler",
                               "--format", "json").stdout)
    # Square of a 2x5 tensor: tf.profiler counts |x| = 10.
    assert serve["totals"]["flops"]["value"] == 10
    bad = run_cli(path, "--tag", "gpu")
    assert bad.returncode == 2 and "no meta graph tagged 'gpu'" in bad.stderr


def test_signature_choice(tmp_path):
    path = _saved_model(tmp_path, tags=(("serve",),))
    assert run_cli(path, "--signature", "other").returncode == 0
    bad = run_cli(path, "--signature", "nope")
    assert bad.returncode == 2 and "serving_default" in bad.stderr


def test_tf2_saved_model_function_calls_are_inlined(tmp_path):
    tf = pytest.importorskip("tensorflow")

    class Model(tf.Module):
        def __init__(self):
            self.w = tf.Variable(tf.ones([4, 3]))
            self.b = tf.Variable(tf.zeros([3]))

        @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32)])
        def __call__(self, x):
            return tf.nn.relu(tf.matmul(x, self.w) + self.b)

    model = Model()
    tf.saved_model.save(model, str(tmp_path / "m"), signatures={"serving_default": model.__call__})
    result = run_cli(str(tmp_path / "m" / "saved_model.pb"), "-c", "tf-profiler",
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    ops = {layer["type"]: layer for layer in report["layers"]}
    # The MatMul inside the function: 2 * k(4) * out(2x3) = 48; the bias AddV2: 6.
    assert ops["MatMul"]["counts"]["flops"] == 48 and ops["AddV2"]["counts"]["flops"] == 6
    assert report["totals"]["flops"]["value"] == 54
    # Both variables are trainable: 4x3 + 3.
    assert report["totals"]["params"] == 15
    assert not any(layer["type"] in ("SaveV2", "RestoreV2") for layer in report["layers"])
