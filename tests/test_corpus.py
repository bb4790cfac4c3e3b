"""Every Caffe prototxt of the shared corpus loads, and every layer of a known type gets a
shape unless the file itself cannot tell it (then the report says why)."""
import glob
import os

import pytest

from conftest import CORPUS, run_cli
from netcost.loader import load_graph
from netcost.options import Options
from netcost.shapes.caffe import CAFFE_SHAPES

CAFFE_FILES = sorted(glob.glob(os.path.join(CORPUS, "caffe", "*.prototxt")))

# Where a shape may legitimately be unknown: it lives outside the file (a database, an HDF5
# file, user Python code) or depends on the data (detections, filtered items).
DATA_DEPENDENT = {"Data", "HDF5Data", "ImageData", "Python", "AnnotatedData",
                  "DetectionOutput", "DetectionEvaluate", "Filter"}


def test_corpus_is_present():
    if not os.path.isdir(CORPUS):
        pytest.skip("shared corpus not present")
    assert len(CAFFE_FILES) == 59


@pytest.mark.parametrize("path", CAFFE_FILES, ids=os.path.basename)
def test_corpus_file_loads_with_shapes(path):
    graph = load_graph(path, Options())
    assert graph.nodes
    unknown_types = sorted({n.op for n in graph.nodes if CAFFE_SHAPES.get(n.op) is None})
    assert unknown_types == []
    origins = {n.name for n in graph.nodes if n.op in DATA_DEPENDENT}
    for node in graph.nodes:
        shapes = [graph.tensors[t].shape for t in node.outputs]
        if all(s.is_known for s in shapes):
            assert node.shape_note is None
            continue
        # Unknown dims must be explained, and the explanation must lead to a layer whose
        # shape the file cannot give, or to an input the file leaves unshaped.
        assert node.shape_note, f"{node.name} ({node.op}) has no shape and no reason"
        if node.op not in DATA_DEPENDENT:
            assert node.shape_note.startswith("depends on "), (node.name, node.shape_note)
            assert any(f"layer '{o}'" in node.shape_note for o in origins) or \
                "net input" in node.shape_note, (node.name, node.shape_note)


@pytest.mark.parametrize("name", ["resnet50_deploy.prototxt", "v1_fcn8s_pascal_netscope.prototxt",
                                  "v0_bvlc_lenet_train.prototxt"])
def test_corpus_file_through_the_command(name):
    path = os.path.join(CORPUS, "caffe", name)
    if not os.path.exists(path):
        pytest.skip("shared corpus not present")
    result = run_cli(path, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"layers"' in result.stdout


@pytest.mark.parametrize("path", CAFFE_FILES, ids=os.path.basename)
def test_corpus_file_gets_a_full_cost_table(path):
    from netcost.cost import conventions
    from netcost.report import build_report

    graph = load_graph(path, Options())
    for name in conventions():
        report = build_report(graph, Options(convention=name))
        assert report.uncounted == [], (name, report.uncounted)
        for row in report.layers:
            if any(v is None for v in row.cost.counts.values()):
                # Only where the file cannot tell: shapes unknown, or data-dependent work.
                assert row.cost.note, (name, row.name)
