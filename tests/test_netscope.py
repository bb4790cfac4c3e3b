"""The `netscope` convention against real outputs of Netscope CNN Analyzer.

The reference files are what the tool itself printed for two corpus nets (NETSCOPE.md); every
row netcost does not reproduce exactly is listed below with the reason and the arithmetic of
netcost's own number. Small nets after them check, by hand arithmetic, each place where the
convention follows what Netscope meant instead of its catalogued bug (NETSCOPE.md (e)).
"""
import json
import os

import pytest

from conftest import REFERENCE, corpus_file
from netcost.cost import cost_graph
from netcost.cost.netscope import NETSCOPE_CONVENTION
from netcost.loader import load_graph
from netcost.options import Options
from netcost.shapes.caffe import CAFFE_SHAPES

BUCKETS = ("macc", "comp", "add", "div", "exp", "params", "activations")


def reference(name):
    path = os.path.join(REFERENCE, "netscope", name)
    if not os.path.exists(path):
        pytest.skip(f"Netscope reference output not present: {path}")
    with open(path) as f:
        return json.load(f)


def costs_of(path, options):
    graph = load_graph(path, options)
    return graph, {c.name: c for c in cost_graph(graph, NETSCOPE_CONVENTION)}


# ------------------------------------------------------------------ the convention itself

def test_metrics_and_flops():
    c = NETSCOPE_CONVENTION
    assert c.name == "netscope"
    assert c.keys == BUCKETS
    assert c.flops_metric == "macc" and c.flops_per_unit == 2
    assert c.metric("params").unit == "parameters as Netscope counts them (elements)"
    assert c.metric("activations").unit == "output elements as Netscope counts them"


def test_every_caffe_type_has_a_rule():
    missing = [op for op in CAFFE_SHAPES.known() if NETSCOPE_CONVENTION.registry.get(op) is None]
    assert missing == []


# ------------------------------------------------------------------ the two reference outputs

# Netscope rows that netcost has no node for, per reference file, with the reason and the
# buckets of the row (hand arithmetic) that netcost's totals therefore lack.
#
# ZynqNet "loss" (SoftmaxWithLoss, `include { phase: TRAIN }`): Netscope always shows the
# TRAIN net (src/caffe/caffe.coffee, generateLayers: `phase ?= 'train'`, and the loader
# passes none), netcost analyzes TEST by default, as Caffe deploys. This is not one of the
# numbered bugs of NETSCOPE.md (e); test_zynqnet_train_phase_matches_every_row shows that
# in the TRAIN phase netcost has the row and matches it. Its input is pool10 = global
# average pool of conv10 (num_output 1024) = 1 x 1024 x 1 x 1, so E = 1024 and Netscope's
# softmax counts exp = add = div = E = 1024, activations = E = 1024.
ZYNQ_LOSS_E = 1 * 1024 * 1 * 1
ABSENT_ROWS = {
    "netscope_zynqnet.nsa.json": {
        "loss": ("Netscope shows the TRAIN phase; netcost analyzes TEST (loss is TRAIN-only)",
                 {"exp": ZYNQ_LOSS_E, "add": ZYNQ_LOSS_E, "div": ZYNQ_LOSS_E,
                  "activations": ZYNQ_LOSS_E}),
    },
    # Inception v3 (batch 1): every Netscope row is a netcost node. Its data layer is
    # TRAIN-only and its two Accuracy layers TEST-only; netcost's TEST net is incomplete
    # without the data layer, so it falls back to TRAIN (with a warning), the phase Netscope
    # shows. No "implicit" rows: every top is named like its layer.
    "netscope_inception_v3.batch1.nsa.json": {},
}

# Rows both have whose buckets differ: (row name, bucket) -> (NETSCOPE.md bug, netcost's
# value with its arithmetic). None for these two nets: neither has a layer that a catalogued
# bug touches (no Eltwise, Deconvolution, Power, PriorBox, Reshape, Python or ROIPooling; no
# `global_pooling: false`; every pooling has pad 0, so Caffe's clip (bug 4) never fires;
# Netscope was given batch 1, so the crop_size NaN (bug 1) does not occur). The places
# where netcost keeps Netscope's own conventions on purpose are checked to match here:
# in-place ReLU/BatchNorm/Dropout rows count activations (bug 10), BatchNorm params are
# 2C (bug 11), e.g. inception's conv_conv2d_bn: C = 32 -> 64.
EXPECTED_DIFFERENCES = {
    "netscope_zynqnet.nsa.json": {},
    "netscope_inception_v3.batch1.nsa.json": {},
}

CASES = [
    ("netscope_zynqnet.prototxt", "netscope_zynqnet.nsa.json",
     # the file's Data layer declares input_param 1 x 3 x 256 x 256 (Netscope's data row)
     (1, 3, 256, 256)),
    ("netscope_inception_v3.prototxt", "netscope_inception_v3.batch1.nsa.json",
     # Data with crop_size 299 (3 mean values: 3 channels), batch set to 1 as Netscope's run
     (1, 3, 299, 299)),
]


def _shape(row, key):
    s = row[key]
    return (s["batch"], s["ch"], s["h"], s["w"])


@pytest.mark.parametrize("prototxt,ref_name,input_shape", CASES)
def test_reference_rows(prototxt, ref_name, input_shape):
    ref = reference(ref_name)
    assert ref["status"] == "ok"
    graph, costs = costs_of(corpus_file("caffe", prototxt), Options(batch=1))

    # Netscope's input shape (its data row) is netcost's.
    data = ref["layers"][0]
    assert data["type"] == "Data" and _shape(data, "output_shape") == input_shape
    assert graph.tensors[graph.node(data["name"]).outputs[0]].shape.dims == input_shape

    absent = ABSENT_ROWS[ref_name]
    expected = EXPECTED_DIFFERENCES[ref_name]
    rows = {row["name"]: row for row in ref["layers"]}
    assert sorted(name for name in rows if name not in costs) == sorted(absent)
    # netcost has no node Netscope lacks.
    assert sorted(name for name in costs if name not in rows) == []

    differences = {}
    for name, row in rows.items():
        if name in absent:
            continue
        cost = costs[name]
        for bucket in BUCKETS:
            if cost.counts[bucket] != row[bucket]:
                differences[(name, bucket)] = (row[bucket], cost.counts[bucket])
    assert sorted(differences) == sorted(expected)
    for key, (_, netcost_value) in expected.items():
        assert differences[key][1] == netcost_value

    # Output element counts agree too, except where Caffe's shape is not Netscope's: a loss
    # is a scalar in Caffe, Netscope gives SoftmaxWithLoss its input's shape (netcost counts
    # those E probabilities as the layer's activations, like Netscope).
    for name, row in rows.items():
        if name in absent or row["type"] == "SoftmaxWithLoss":
            continue
        b, c, h, w = _shape(row, "output_shape")
        node = graph.node(name)
        assert graph.tensors[node.outputs[0]].shape.numel == b * c * h * w, name


@pytest.mark.parametrize("prototxt,ref_name,input_shape", CASES)
def test_reference_totals(prototxt, ref_name, input_shape):
    ref = reference(ref_name)
    _, costs = costs_of(corpus_file("caffe", prototxt), Options(batch=1))
    for bucket in BUCKETS:
        # Netscope's totals are plain sums of its rows (renderer.coffee).
        assert ref["totals"][bucket] == sum(row[bucket] for row in ref["layers"])
        expected = ref["totals"][bucket]
        for _, counts in ABSENT_ROWS[ref_name].values():
            expected -= counts.get(bucket, 0)
        for (_, b), (netscope_value, netcost_value) in EXPECTED_DIFFERENCES[ref_name].items():
            if b == bucket:
                expected += netcost_value - netscope_value
        assert sum(c.counts[bucket] for c in costs.values()) == expected, bucket


def test_absent_rows_are_what_netscope_printed():
    # The hand-computed buckets of each absent row are the reference's own numbers.
    for ref_name, absent in ABSENT_ROWS.items():
        rows = {row["name"]: row for row in reference(ref_name)["layers"]}
        for name, (_, counts) in absent.items():
            for bucket in BUCKETS:
                assert rows[name][bucket] == counts.get(bucket, 0), (name, bucket)


def test_zynqnet_train_phase_matches_every_row():
    # In Netscope's phase (TRAIN) the loss row exists in netcost too, and every row and
    # every total matches exactly.
    ref = reference("netscope_zynqnet.nsa.json")
    _, costs = costs_of(corpus_file("caffe", "netscope_zynqnet.prototxt"),
                        Options(batch=1, phase="train"))
    assert sorted(costs) == sorted(row["name"] for row in ref["layers"])
    for row in ref["layers"]:
        for bucket in BUCKETS:
            assert costs[row["name"]].counts[bucket] == row[bucket], (row["name"], bucket)
    for bucket in BUCKETS:
        assert sum(c.counts[bucket] for c in costs.values()) == ref["totals"][bucket]


# ------------------------------------------------------------------ published totals

def test_resnet50_published_macc():
    # The published Netscope figure for ResNet-50: 3,868,560,384 MACC, with each Scale
    # element counted as one MACC. fc1000: 2048 x 1000 = 2,048,000 MACC.
    _, costs = costs_of(corpus_file("caffe", "resnet50_deploy.prototxt"), Options(batch=1))
    assert sum(c.counts["macc"] for c in costs.values()) == 3_868_560_384
    assert costs["fc1000"].counts["macc"] == 2048 * 1000
    # Every Scale follows a BatchNorm in place: one MACC per element of what BatchNorm
    # divides (one div per element).
    scale = sum(c.counts["macc"] for c in costs.values() if c.op == "Scale")
    norm = sum(c.counts["div"] for c in costs.values() if c.op == "BatchNorm")
    assert scale == norm > 0


def test_squeezenet_v1_0_published_macc():
    _, costs = costs_of(corpus_file("caffe", "squeezenet_v1_0_deploy.prototxt"),
                        Options(batch=1))
    assert sum(c.counts["macc"] for c in costs.values()) == 861_339_936
    # conv1: 96 filters 7x7x3 over a 111x111 output = 96*111*111*147.
    assert costs["conv1"].counts["macc"] == 96 * 111 * 111 * 7 * 7 * 3


# ------------------------------------------------------------------ catalogued bugs, by hand

def _net(write, body, name="net.prototxt"):
    graph = load_graph(write(name, body))
    return {c.name: c.counts for c in cost_graph(graph, NETSCOPE_CONVENTION)}


INPUT = """
layer {{ name: "in" type: "Input" {tops}
  input_param {{ shape {{ {dims} }} }} }}
"""


def _input(tops, dims):
    return INPUT.format(tops=" ".join(f'top: "{t}"' for t in tops),
                        dims=" ".join(f"dim: {d}" for d in dims))


def test_eltwise_real_operation_and_k_minus_1(write):
    # Bug 3: Netscope counts every Eltwise as SUM with E adds. netcost: the real operation,
    # (k - 1) * E for k inputs. E = 2*4*5*5 = 200 (batch 2 included).
    body = _input("abc", (2, 4, 5, 5)) + """
layer { name: "prod" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "p"
  eltwise_param { operation: PROD } }
layer { name: "max" type: "Eltwise" bottom: "a" bottom: "b" top: "m"
  eltwise_param { operation: MAX } }
layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "s" }
"""
    c = _net(write, body)
    assert c["prod"] == dict.fromkeys(BUCKETS, 0) | {"macc": 2 * 200, "activations": 200}
    assert c["max"] == dict.fromkeys(BUCKETS, 0) | {"comp": 200, "activations": 200}
    assert c["sum"] == dict.fromkeys(BUCKETS, 0) | {"add": 2 * 200, "activations": 200}


def test_grouped_deconvolution_not_multiplied_by_group(write):
    # Bug 5: FCN-style bilinear upsampling, C = 8, group 8, k 4, s 2, p 1: 1x8x4x4 -> 1x8x8x8.
    # Netscope: macc = C_i*C_o*H_o*W_o*(k/s)^2 = 8*8*64*4 = 16384, params = 16*8*8 = 1024.
    # netcost: each input element meets a 4x4 window of C_o/g = 1 channel:
    # C_i*(C_o/g)*k*k*H_i*W_i = 8*1*16*16 = 2048 (= 16384 / 8); params 8*1*4*4 = 128.
    body = _input(["x"], (1, 8, 4, 4)) + """
layer { name: "up" type: "Deconvolution" bottom: "x" top: "y"
  convolution_param { num_output: 8 group: 8 kernel_size: 4 stride: 2 pad: 1
                      bias_term: false } }
"""
    c = _net(write, body)["up"]
    assert c["macc"] == 8 * 1 * 4 * 4 * 4 * 4 == 16384 // 8
    assert c["params"] == 8 * 1 * 4 * 4 == 1024 // 8
    assert c["activations"] == 8 * 8 * 8


def test_power_counts_the_batch(write):
    # Bug 9: Netscope's Power uses n = C*H*W = 48; netcost E = 2*3*4*4 = 96 for each of the
    # multiply (scale 0.5), add (shift 1) and power (2).
    body = _input(["x"], (2, 3, 4, 4)) + """
layer { name: "pow" type: "Power" bottom: "x" top: "y"
  power_param { power: 2 scale: 0.5 shift: 1 } }
"""
    c = _net(write, body)["pow"]
    assert c == dict.fromkeys(BUCKETS, 0) | {"macc": 96, "add": 96, "exp": 96,
                                            "activations": 96}


def test_pooling_clip_and_global_pooling_false(write):
    # Bug 4: 5x5, k 2, s 2, p 1: Netscope ceil((5+2-2)/2)+1 = 4, Caffe drops the window that
    # starts in the padding: 3. comp = 3*3 outputs * 4 = 36, activations 9 (Netscope 64, 16).
    # Bug 2: `global_pooling: false` is false: 5x5, k 3, s 1 -> 3x3 on 2 channels:
    # comp = 2*3*3 * 9 = 162, activations 18 (Netscope: global, 2*5*5 = 50 and 2).
    body = _input(["x"], (1, 2, 5, 5)) + """
layer { name: "clip" type: "Pooling" bottom: "x" top: "a"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 pad: 1 } }
layer { name: "notglobal" type: "Pooling" bottom: "x" top: "b"
  pooling_param { pool: MAX kernel_size: 3 stride: 1 global_pooling: false } }
layer { name: "ave" type: "Pooling" bottom: "x" top: "c"
  pooling_param { pool: AVE global_pooling: true } }
"""
    c = _net(write, body)
    assert c["clip"]["comp"] == 2 * 3 * 3 * 4 and c["clip"]["activations"] == 2 * 3 * 3
    assert c["notglobal"]["comp"] == 2 * 3 * 3 * 9 and c["notglobal"]["activations"] == 18
    # AVE -> add; global: H_i*W_i*C*N = 5*5*2 (the division is not counted, as in Netscope)
    assert c["ave"] == dict.fromkeys(BUCKETS, 0) | {"add": 50, "activations": 2}


def test_crop_size_data_layer_has_a_batch(write):
    # Bug 1: a crop_size Data layer makes Netscope's counts NaN. netcost: batch_size 4,
    # 3 mean values -> 3 channels, crop 8: image 4*3*8*8 = 768 and label 4 elements
    # (bug 7: Netscope would count the label as an implicit image-sized row).
    body = """
layer { name: "data" type: "Data" top: "data" top: "label"
  transform_param { crop_size: 8 mean_value: 1 mean_value: 2 mean_value: 3 }
  data_param { source: "db" batch_size: 4 } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 2 kernel_size: 3 } }
"""
    c = _net(write, body)
    assert c["data"] == dict.fromkeys(BUCKETS, 0) | {"activations": 768 + 4}
    # conv: 4 x 2 x 6 x 6 outputs, 3*3*3 MACC each; params 2*27 + 2 bias
    assert c["conv"]["macc"] == 4 * 2 * 6 * 6 * 27
    assert c["conv"]["params"] == 2 * 27 + 2


def test_priorbox_and_concat_use_caffe_shapes(write):
    # Bug 8: Netscope's PriorBox shape is [N, 2, 4, min_size*aspect_ratio*2]; Caffe's is
    # 1 x 2 x H*W*priors*4. Feature map 3x3, min_size 10, aspect ratio 2 with flip: priors
    # 1, 2, 1/2 = 3 -> 1 x 2 x 108. PriorBox counts nothing (as in Netscope); the Concat of
    # two along axis 2 is 1 x 2 x 216 = 432 activations.
    body = _input(["f", "img"], (1, 4, 3, 3)) + """
layer { name: "pb1" type: "PriorBox" bottom: "f" bottom: "img" top: "p1"
  prior_box_param { min_size: 10 aspect_ratio: 2 flip: true } }
layer { name: "pb2" type: "PriorBox" bottom: "f" bottom: "img" top: "p2"
  prior_box_param { min_size: 10 aspect_ratio: 2 flip: true } }
layer { name: "cat" type: "Concat" bottom: "p1" bottom: "p2" top: "p"
  concat_param { axis: 2 } }
layer { name: "r" type: "Reshape" bottom: "p" top: "q"
  reshape_param { shape { dim: 0 dim: -1 dim: 4 } } }
layer { name: "sm" type: "Softmax" bottom: "q" top: "s" softmax_param { axis: 2 } }
"""
    c = _net(write, body)
    assert c["pb1"] == dict.fromkeys(BUCKETS, 0)
    assert c["cat"] == dict.fromkeys(BUCKETS, 0) | {"activations": 2 * 216}
    # Reshape counts nothing (Netscope: "on-the-fly"); its 3-D output 1 x 108 x 4 keeps
    # 432 elements (bug 8: Netscope would pad it to 4-D), so the Softmax after it counts
    # exp = add = div = 432.
    assert c["r"] == dict.fromkeys(BUCKETS, 0)
    assert c["sm"] == dict.fromkeys(BUCKETS, 0) | {"exp": 432, "add": 432, "div": 432,
                                                  "activations": 432}


def test_concat_bottoms_around_a_param_block(write):
    # Bug 6: bottoms on both sides of a param {} block; Netscope loses one (8 channels).
    # netcost keeps both: 1 x 16 x 2 x 2 = 64 activations.
    body = _input(["a", "b"], (1, 8, 2, 2)) + """
layer { name: "cat" type: "Concat" bottom: "a" param { lr_mult: 1 } bottom: "b" top: "c" }
"""
    assert _net(write, body)["cat"]["activations"] == 16 * 2 * 2


def test_netscope_param_conventions_kept(write):
    # Bug 11 is kept on purpose: BN 2C (mean, variance), Scale 0, PReLU 0, LRN 2.
    # E = 1*4*2*2 = 16. LRN local_size 3: macc = 3E, add = E, exp = E, div = 2E.
    body = _input(["x"], (1, 4, 2, 2)) + """
layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" }
layer { name: "sc" type: "Scale" bottom: "x" top: "x" scale_param { bias_term: true } }
layer { name: "pr" type: "PReLU" bottom: "x" top: "x" }
layer { name: "lrn" type: "LRN" bottom: "x" top: "y" lrn_param { local_size: 3 } }
layer { name: "drop" type: "Dropout" bottom: "y" top: "y" }
"""
    c = _net(write, body)
    zero = dict.fromkeys(BUCKETS, 0)
    assert c["bn"] == zero | {"add": 16, "div": 16, "params": 2 * 4, "activations": 16}
    assert c["sc"] == zero | {"macc": 16, "activations": 16}
    assert c["pr"] == zero | {"comp": 16, "activations": 16}
    assert c["lrn"] == zero | {"macc": 48, "add": 16, "exp": 16, "div": 32, "params": 2,
                               "activations": 16}
    assert c["drop"] == zero | {"comp": 16, "activations": 16}


def test_depthwise_fork_counts_as_convolution(write):
    # Netscope has no case for ConvolutionDepthwise; it is a grouped convolution:
    # 1x4x5x5, group 4, k 3, pad 1: 4*5*5 outputs x 3*3*1 = 900 MACC; params 4*1*9 + 4.
    body = _input(["x"], (1, 4, 5, 5)) + """
layer { name: "dw" type: "ConvolutionDepthwise" bottom: "x" top: "y"
  convolution_param { num_output: 4 group: 4 kernel_size: 3 pad: 1 } }
"""
    c = _net(write, body)["dw"]
    assert c == dict.fromkeys(BUCKETS, 0) | {"macc": 900, "params": 40, "activations": 100}


def test_faster_rcnn_proposal_and_roi_pooling(write):
    # Netscope's rpn.proposal_layer: A = 9 anchors x H x W of bottom 0 = 9*4*5 = 180,
    # P = 300*299/2 = 44850. div = P; macc = 8A + 2P = 1440 + 89700; add = 10A + 6P =
    # 1800 + 269100; comp = 6A + A^2 + 7P = 1080 + 32400 + 313950; exp = 2A = 360; output
    # 300 x 5. ROIPooling over 300 rois (given as an input here) of a 1x8x6x6 map, 2x2 bins:
    # add = div = macc = 300, comp = 300*8*6*6 = 86400, activations 300*8*2*2 = 9600.
    body = _input(["scores"], (1, 18, 4, 5)) + """
layer { name: "in2" type: "Input" top: "deltas" top: "im_info" top: "feat" top: "rois"
  input_param { shape { dim: 1 dim: 36 dim: 4 dim: 5 } shape { dim: 1 dim: 3 }
                shape { dim: 1 dim: 8 dim: 6 dim: 6 } shape { dim: 300 dim: 5 } } }
layer { name: "proposal" type: "Python" bottom: "scores" bottom: "deltas" bottom: "im_info"
  top: "props" python_param { module: "rpn.proposal_layer" layer: "ProposalLayer" } }
layer { name: "roi" type: "ROIPooling" bottom: "feat" bottom: "rois" top: "pooled"
  roi_pooling_param { pooled_h: 2 pooled_w: 2 spatial_scale: 0.0625 } }
layer { name: "user" type: "Python" bottom: "feat" top: "u"
  python_param { module: "my.layer" layer: "Mine" } }
"""
    c = _net(write, body)
    assert c["proposal"] == {"macc": 1440 + 89700, "comp": 1080 + 32400 + 313950,
                             "add": 1800 + 269100, "div": 44850, "exp": 360, "params": 0,
                             "activations": 1500}
    assert c["roi"] == dict.fromkeys(BUCKETS, 0) | {"add": 300, "div": 300, "macc": 300,
                                                   "comp": 86400, "activations": 9600}
    # Any other Python module: user code, unknown operations (Netscope stops with an error).
    assert all(c["user"][b] is None for b in ("macc", "comp", "add", "div", "exp"))


def test_types_netscope_does_not_know_count_only_their_outputs(write):
    # "Anything else": 0 in every bucket; activations = the elements written. Split shares
    # its bottom (0); Slice writes its two halves (2*2*2*2 each).
    body = _input(["x"], (1, 4, 2, 2)) + """
layer { name: "sig" type: "Sigmoid" bottom: "x" top: "s" }
layer { name: "split" type: "Split" bottom: "s" top: "s1" top: "s2" }
layer { name: "slice" type: "Slice" bottom: "s1" top: "h1" top: "h2" }
layer { name: "bias" type: "Bias" bottom: "s2" top: "b" }
"""
    c = _net(write, body)
    zero = dict.fromkeys(BUCKETS, 0)
    assert c["sig"] == zero | {"activations": 16}
    assert c["split"] == zero
    assert c["slice"] == zero | {"activations": 16}
    assert c["bias"] == zero | {"activations": 16}
