"""TensorFlow graphs against tf.profiler and TF shape inference, node for node.

The oracles in ../shared/reference/tf/ are real TensorFlow 2.21 outputs (TF-PROFILER.md)."""
import json
import os

import pytest

from conftest import REFERENCE, SAMPLES
from netcost.cost import cost_graph, get_convention
from netcost.loader import load_graph
from netcost.options import Options

TF_DIR = os.path.join(REFERENCE, "tf")
ORACLE_GRAPHS = ["MobileNetV2", "MobileNetV2.tf1", "ResNet50", "ResNet50.tf1"]


def _reference(name):
    path = os.path.join(TF_DIR, name)
    if not os.path.exists(path):
        pytest.skip(f"shared reference not present: {path}")
    return path


@pytest.mark.parametrize("name", ORACLE_GRAPHS)
def test_every_node_matches_tf_profiler_and_tf_shapes(name):
    with open(_reference(f"{name}.oracle.json")) as f:
        oracle = json.load(f)
    graph = load_graph(_reference(f"{name}.stripped.pb"), Options())
    costs = {c.name: c for c in cost_graph(graph, get_convention("tf-profiler"))}
    nodes = {n.name: n for n in graph.nodes}
    assert len(nodes) == oracle["num_nodes"] == len(oracle["nodes"])
    flops_wrong, shapes_wrong = [], []
    for expected in oracle["nodes"]:
        node = nodes[expected["name"]]
        assert node.op == expected["op"]
        if costs[node.name].counts["flops"] != expected["flops"]:
            flops_wrong.append((node.name, costs[node.name].counts["flops"], expected["flops"]))
        shapes = [graph.tensors[t].shape.to_json() for t in node.outputs]
        if shapes != expected["output_shapes"]:
            shapes_wrong.append((node.name, shapes, expected["output_shapes"]))
    assert flops_wrong == []
    assert shapes_wrong == []
    assert sum(c.counts["flops"] for c in costs.values()) == oracle["total_float_ops"]


def test_lenet_frozen_graph():
    # REFERENCE.md / lenet.oracle.json: 4,615,950 FLOPs and the ten per-node figures.
    with open(_reference("lenet.oracle.json")) as f:
        published = json.load(f)["published"]
    graph = load_graph(_reference("lenet_frozen.pb"), Options())
    costs = {c.name: c.counts["flops"] for c in cost_graph(graph, get_convention("tf-profiler"))}
    assert sum(costs.values()) == published["flops_after_freeze"] == 4_615_950
    nonzero = {name: flops for name, flops in costs.items() if flops}
    assert nonzero == published["per_node_after_freeze"]


def test_caffe_lenet_under_tf_profiler_equals_the_frozen_tf_graph():
    caffe = load_graph(os.path.join(SAMPLES, "lenet.prototxt"), Options())
    tf = load_graph(_reference("lenet_frozen.pb"), Options())
    convention = get_convention("tf-profiler")
    assert sum(c.counts["flops"] for c in cost_graph(caffe, convention)) == \
        sum(c.counts["flops"] for c in cost_graph(tf, convention)) == 4_615_950


def test_flops_and_macc_conventions_on_a_tf_graph():
    graph = load_graph(_reference("lenet_frozen.pb"), Options())
    macc = sum(c.counts["macc"] for c in cost_graph(graph, get_convention("macc")))
    flops = sum(c.counts["flops"] for c in cost_graph(graph, get_convention("flops")))
    # REFERENCE.md LeNet: 2,293,000 MACC and 4,615,950 FLOPs (2 x MACC + bias adds + pools).
    assert (macc, flops) == (2_293_000, 4_615_950)
