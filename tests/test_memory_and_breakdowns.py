"""Peak activation memory, model size and breakdowns, checked by hand."""
import os

import netcost
from conftest import SAMPLES

LENET = os.path.join(SAMPLES, "lenet.prototxt")


def test_lenet_peak_activation_and_model_size():
    report = netcost.analyze(LENET)
    # Sequential: conv1 reads data (784) and writes 11,520; then pool1 reads those 11,520 and
    # writes 2,880 while data is already dead: 14,400 elements, the peak.
    assert report.peak_activation_elements == 14_400
    assert report.peak_activation_at == "pool1"
    assert report.peak_activation_bytes == 14_400 * 4
    # torchsummary: 431,080 params are 1.64 MB (MiB) at fp32.
    assert report.model_bytes("fp32") == 1_724_320
    assert report.model_bytes("int8") == 431_080
    assert netcost.analyze(LENET, precision="fp16").peak_activation_bytes == 14_400 * 2


def test_in_place_layers_share_their_buffer(write):
    text = """input: "data" input_shape { dim: 1 dim: 1 dim: 10 dim: 10 }
    layer { name: "c" type: "Convolution" bottom: "data" top: "c"
            convolution_param { num_output: 4 kernel_size: 1 } }
    layer { name: "r" type: "ReLU" bottom: "c" top: "c" }
    layer { name: "d" type: "Convolution" bottom: "c" top: "d"
            convolution_param { num_output: 2 kernel_size: 1 } }"""
    report = netcost.analyze(write("n.prototxt", text))
    # c: 100 + 400 = 500; r writes into c's buffer: 400; d: 400 + 200 = 600. Without sharing,
    # r would hold 800.
    assert report.peak_activation_elements == 600
    assert report.peak_activation_at == "d"


SCOPED = """input: "data" input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
layer { name: "block1/conv" type: "Convolution" bottom: "data" top: "a"
        convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "block1/pool" type: "Pooling" bottom: "a" top: "b"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "block2/conv_x" type: "Convolution" bottom: "b" top: "c"
        convolution_param { num_output: 2 kernel_size: 1 bias_term: false } }
"""


def test_breakdowns_by_type_and_scope(write):
    report = netcost.analyze(write("s.prototxt", SCOPED))
    # block1/conv: 1x1 kernel, 2 in, 2 out, 4x4 = 64 MACC -> 2 * 64 + 32 bias adds = 160 FLOPs;
    # block1/pool: 2x2x2 outputs x 4 window = 32; block2/conv_x: 2*2 x 2x2 = 16 MACC -> 32
    # (no bias). Total 224.
    by_type = {b.key: (b.layers, b.ops, b.share) for b in report.by_type}
    assert by_type == {"Convolution": (2, 192, 192 / 224), "Pooling": (1, 32, 32 / 224)}
    scopes = [(b.key, b.depth, b.layers, b.ops) for b in report.by_scope]
    assert scopes == [("block1", 1, 2, 192), ("block1/conv", 2, 1, 160),
                      ("block1/pool", 2, 1, 32), ("block2", 1, 1, 32),
                      ("block2/conv", 2, 1, 32), ("block2/conv_x", 3, 1, 32)]
    folded = netcost.analyze(write("s.prototxt", SCOPED), scope_depth=1)
    assert [(b.key, b.ops) for b in folded.by_scope] == [("block1", 192), ("block2", 32)]
