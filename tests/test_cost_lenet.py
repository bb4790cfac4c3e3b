"""LeNet under each convention, per layer and in total (numbers from REFERENCE.md)."""
import os

import pytest

from conftest import SAMPLES
from netcost.cost import cost_graph, get_convention
from netcost.loader import load_graph

LENET = os.path.join(SAMPLES, "lenet.prototxt")

# REFERENCE.md LeNet table: MACC and FLOPs (2 x MACC + bias adds; pool = output x kernel area).
REFERENCE_MACC = {"conv1": 288_000, "pool1": 0, "conv2": 1_600_000, "pool2": 0, "ip1": 400_000,
                  "relu1": 0, "ip2": 5_000}
REFERENCE_FLOPS = {"conv1": 587_520, "pool1": 11_520, "conv2": 3_203_200, "pool2": 3_200,
                   "ip1": 800_500, "relu1": 0, "ip2": 10_010}
# REFERENCE.md, tf.profiler on the frozen TF twin, per node; Caffe layer = TF ops summed.
TF_PROFILER_NODES = {"conv1": 576_000 + 11_520, "pool1": 11_520, "conv2": 3_200_000 + 3_200,
                     "pool2": 3_200, "ip1": 800_000 + 500, "relu1": 0, "ip2": 10_000 + 10}


@pytest.fixture(scope="module")
def lenet():
    return load_graph(LENET)


def _by_name(costs, key):
    return {c.name: c.counts[key] for c in costs}


def test_flops_convention(lenet):
    costs = cost_graph(lenet, get_convention("flops"))
    assert _by_name(costs, "flops") == REFERENCE_FLOPS
    assert _by_name(costs, "macc") == REFERENCE_MACC
    assert sum(REFERENCE_FLOPS.values()) == 4_615_950
    assert sum(c.counts["flops"] for c in costs) == 4_615_950


def test_macc_convention(lenet):
    costs = cost_graph(lenet, get_convention("macc"))
    assert _by_name(costs, "macc") == REFERENCE_MACC
    assert sum(c.counts["macc"] for c in costs) == 2_293_000
    # For a roofline a MACC is 2 FLOPs.
    assert costs[0].flops == 2 * 288_000


def test_tf_profiler_convention(lenet):
    costs = cost_graph(lenet, get_convention("tf-profiler"))
    assert _by_name(costs, "flops") == TF_PROFILER_NODES
    assert sum(c.counts["flops"] for c in costs) == 4_615_950


def test_bytes_moved_by_precision(lenet):
    # conv1 at fp32: (784 input + 520 params + 11,520 output) x 4 bytes = 51,296 (REFERENCE.md
    # memory access formula; torchstat's MemRead 5,216 + MemWrite 46,080 for the same layer).
    fp32 = cost_graph(lenet, get_convention("flops"), "fp32")
    assert (fp32[0].bytes_read, fp32[0].bytes_written) == (5_216, 46_080)
    for precision, per_element in (("fp16", 2), ("bf16", 2), ("int8", 1)):
        other = cost_graph(lenet, get_convention("flops"), precision)
        for a, b in zip(fp32, other):
            assert b.bytes_read * 4 == a.bytes_read * per_element
            assert b.bytes_written * 4 == a.bytes_written * per_element
    # Intensity = FLOPs / bytes moved: conv1 587,520 / 51,296.
    assert fp32[0].intensity == pytest.approx(587_520 / 51_296)
