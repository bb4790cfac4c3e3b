"""A TF1 checkpoint analyzed before and after freezing (numbers from lenet.oracle.json, which
holds tf.profiler's output for both, and REFERENCE.md)."""
import json
import os
import shutil

import pytest

import netcost
from conftest import REFERENCE, run_cli
from netcost.cost import cost_graph, get_convention
from netcost.loader import load_graph

TF_DIR = os.path.join(REFERENCE, "tf")


def _lenet_ckpt():
    path = os.path.join(TF_DIR, "lenet.ckpt.meta")
    if not os.path.exists(path):
        pytest.skip("shared reference not present")
    return path


def _oracle():
    with open(os.path.join(TF_DIR, "lenet.oracle.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("given", ["lenet.ckpt.meta", "lenet.ckpt", "lenet.ckpt.index"])
def test_before_and_after_freezing(given):
    _lenet_ckpt()
    report = netcost.analyze(os.path.join(TF_DIR, given), convention="tf-profiler")
    published = _oracle()["published"]
    # REFERENCE.md: 5,478,522 FLOPs and 431,864 trainable params before freezing;
    # 4,615,950 and 0 after.
    assert report.before.total("flops") == (published["flops_before_freeze"], True)
    assert report.before.total_params == published["params_before_freeze"] == 431_864
    assert report.after.total("flops") == (published["flops_after_freeze"], True)
    assert report.after.total_params == published["params_after_freeze"] == 0
    assert report.outputs == ("ip2/BiasAdd",)


def test_before_freezing_matches_tf_profiler_node_for_node():
    variant = _oracle()["variants"][0]
    report = netcost.analyze(_lenet_ckpt(), convention="tf-profiler")
    before = {r.name: r.cost.counts["flops"] for r in report.before.layers if r.cost.counts["flops"]}
    assert before == variant["before_freeze"]["per_node_flops"]
    after = {r.name: r.cost.counts["flops"] for r in report.after.layers if r.cost.counts["flops"]}
    assert after == variant["after_freeze"]["per_node_flops"]


def test_after_freezing_is_the_frozen_graph():
    report = netcost.analyze(_lenet_ckpt(), convention="tf-profiler")
    frozen = load_graph(os.path.join(TF_DIR, "lenet_frozen.pb"))
    frozen_costs = {c.name: c.counts["flops"] for c in cost_graph(frozen, get_convention("tf-profiler"))}
    after = {r.name: r.cost.counts["flops"] for r in report.after.layers}
    assert after == frozen_costs  # the same nodes, each with the same count
    frozen_shapes = {n.name: frozen.tensors[n.outputs[0]].shape for n in frozen.nodes if n.outputs}
    after_shapes = {r.name: r.outputs[0][1] for r in report.after.layers if r.outputs}
    assert after_shapes == frozen_shapes


def test_what_freezing_removed_is_grouped_by_kind():
    report = netcost.analyze(_lenet_ckpt())
    removed = report.removed
    # The initializers: 4 glorot-uniform kernels x 7 nodes, 4 zero biases, the random_normal
    # image (5 nodes), the 9 Assigns and `init`: the extra FLOPs of REFERENCE.md live there.
    assert "conv1/kernel/Initializer/random_uniform/mul" in removed["initializers"]
    assert "random_normal" in removed["initializers"] and "init" in removed["initializers"]
    assert "save/SaveV2" in removed["save/restore"] and "save/restore_all" in removed["save/restore"]
    assert set(removed) == {"initializers", "save/restore"}
    kept = {r.name for r in report.after.layers}
    assert not kept & {n for names in removed.values() for n in names}
    assert len(kept) + sum(len(v) for v in removed.values()) == len(report.before.layers)


def test_outputs_option_and_json(tmp_path):
    result = run_cli(_lenet_ckpt(), "--outputs", "ip1/Relu", "--format", "json",
                     "-c", "tf-profiler")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["checkpoint"]["outputs"] == ["ip1/Relu"]
    assert data["checkpoint"]["outputs_reason"] == "given with --outputs"
    # Without ip2 (10,000 + 10 FLOPs): 4,615,950 - 10,010.
    assert data["after_freezing"]["totals"]["flops"]["value"] == 4_605_940
    assert data["before_freezing"]["totals"]["flops"]["value"] == 5_478_522
    bad = run_cli(_lenet_ckpt(), "--outputs", "nosuch")
    assert bad.returncode == 2 and "nosuch" in bad.stderr


def _copy_checkpoint(tmp_path, with_index=True):
    for suffix in (".meta", ".data-00000-of-00001") + ((".index",) if with_index else ()):
        shutil.copy(os.path.join(TF_DIR, "lenet.ckpt" + suffix), tmp_path / ("m.ckpt" + suffix))
    return str(tmp_path / "m.ckpt")


def test_checkpoint_without_index_is_analyzed_as_a_plain_graph_or_fails_clearly(tmp_path):
    _lenet_ckpt()
    prefix = _copy_checkpoint(tmp_path, with_index=False)
    # A .meta alone is a graph, not a checkpoint: analyzed as it stands, with no freezing.
    alone = run_cli(prefix + ".meta", "--format", "json", "-c", "tf-profiler")
    assert alone.returncode == 0 and "before_freezing" not in json.loads(alone.stdout)
    # Naming the checkpoint prefix needs the index.
    result = run_cli(prefix + ".index")
    assert result.returncode == 2 and ".index" in result.stderr


def test_corrupted_index_is_a_clear_error(tmp_path):
    _lenet_ckpt()
    prefix = _copy_checkpoint(tmp_path)
    index = tmp_path / "m.ckpt.index"
    data = bytearray(index.read_bytes())
    data[20] ^= 0xFF  # inside the first data block
    index.write_bytes(bytes(data))
    result = run_cli(prefix + ".meta", "-o", str(tmp_path / "out.json"))
    assert result.returncode == 2
    assert "crc" in result.stderr.lower() and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("update_op", ["ApplyGradientDescent", "ResourceApplyAdam",
                                       "SparseApplyAdagrad", "ResourceSparseApplyAdagrad"])
def test_optimizer_updates_are_never_inference_outputs(update_op):
    # A sparse embedding update (e.g. tf.compat.v1.train.AdagradOptimizer on an embedding
    # lookup) is unconsumed like the logits; only the logits are the output.
    from netcost.freeze import detect_outputs
    from netcost.ir import Graph, Node

    nodes = (Node("x", "Placeholder", outputs=("x:0",)),
             Node("logits", "Relu", inputs=("x:0",), outputs=("logits:0",)),
             Node("train/update", update_op, inputs=("x:0",)))
    graph = Graph(name="g", framework="tensorflow", nodes=nodes, tensors={}, inputs=(),
                  outputs=(), source="g.meta")
    assert detect_outputs(graph)[0] == ("logits",)
