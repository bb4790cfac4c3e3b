"""The torchstat convention: LeNet against REFERENCE.md's torchstat figures, and one small net
per other layer type with the figure worked out by hand from torchstat's formulas
(compute_madd.py, compute_flops.py, compute_memory.py; memory is elements x 4 bytes)."""
import os

import pytest

from conftest import SAMPLES
from netcost.cost.engine import cost_graph
from netcost.cost.torchstat import TORCHSTAT_CONVENTION
from netcost.ir import Shape
from netcost.loader import load_graph
from netcost.options import Options
from netcost.shapes.caffe import CAFFE_SHAPES

LENET = os.path.join(SAMPLES, "lenet.prototxt")
KEYS = ("madd", "flops", "mem_read", "mem_write")

# REFERENCE.md, torchstat per layer: (MAdd, Flops, MemRead B, MemWrite B). Its fc1/fc2 are
# the Caffe net's ip1/ip2.
REFERENCE_TORCHSTAT = {
    "conv1": (576_000, 299_520, 5_216, 46_080),
    "pool1": (8_640, 11_520, 46_080, 11_520),
    "conv2": (3_200_000, 1_603_200, 111_720, 12_800),
    "pool2": (2_400, 3_200, 12_800, 3_200),
    "ip1": (799_500, 400_000, 1_605_200, 2_000),
    "ip2": (9_990, 5_000, 22_040, 40),
}
# relu1 is an nn.ReLU on ip1's 500 outputs (REFERENCE's torchstat LeNet calls F.relu, which
# torchstat does not see): MAdd = 500 (one per element), Flops = 500, MemRead = 500 * 4 = 2,000,
# MemWrite = 500 * 4 = 2,000.
RELU1 = (500, 500, 500 * 4, 500 * 4)


def _costs(graph):
    return {c.name: c for c in cost_graph(graph, TORCHSTAT_CONVENTION)}


def _row(cost):
    return tuple(cost.counts[k] for k in KEYS)


@pytest.fixture(scope="module")
def lenet():
    return _costs(load_graph(LENET, Options()))


def test_convention_shape():
    c = TORCHSTAT_CONVENTION
    assert c.name == "torchstat"
    assert c.keys == KEYS
    assert [m.label for m in c.metrics] == ["MAdd", "Flops", "MemRead", "MemWrite"]
    assert c.metric("mem_read").unit == "bytes" and c.metric("mem_write").unit == "bytes"
    # MAdd counts single operations (2*MACC-ish); torchstat's "Flops" is MACC-like.
    assert (c.flops_metric, c.flops_per_unit) == ("madd", 1)


def test_every_known_caffe_type_has_a_rule():
    missing = [op for op in CAFFE_SHAPES.known() if TORCHSTAT_CONVENTION.registry.get(op) is None]
    assert missing == []


@pytest.mark.parametrize("layer", sorted(REFERENCE_TORCHSTAT))
def test_lenet_layers_match_reference(lenet, layer):
    assert _row(lenet[layer]) == REFERENCE_TORCHSTAT[layer]


def test_lenet_relu1_is_torchstat_relu(lenet):
    assert _row(lenet["relu1"]) == RELU1


def test_lenet_totals(lenet):
    assert not any(c.uncounted for c in lenet.values())
    # REFERENCE.md totals, plus relu1's figures (a module here, a functional call there).
    madd = 4_596_530 + 500  # = 4,597,030
    flops = 2_322_440 + 500  # = 2,322,940
    moved = 1_878_696 + (2_000 + 2_000)  # = 1,882,696
    assert sum(c.counts["madd"] for c in lenet.values()) == madd == 4_597_030
    assert sum(c.counts["flops"] for c in lenet.values()) == flops == 2_322_940
    assert sum(c.counts["mem_read"] + c.counts["mem_write"]
               for c in lenet.values()) == moved == 1_882_696
    # The reference rows themselves add up to REFERENCE.md's totals.
    assert sum(r[0] for r in REFERENCE_TORCHSTAT.values()) == 4_596_530
    assert sum(r[1] for r in REFERENCE_TORCHSTAT.values()) == 2_322_440
    assert sum(r[2] + r[3] for r in REFERENCE_TORCHSTAT.values()) == 1_878_696


def test_lenet_roofline_flops_is_madd(lenet):
    assert lenet["conv1"].flops == 576_000
    assert lenet["ip2"].flops == 9_990


def test_memory_is_fp32_whatever_the_precision():
    graph = load_graph(LENET, Options())
    costs = {c.name: c for c in cost_graph(graph, TORCHSTAT_CONVENTION, precision="int8")}
    assert _row(costs["conv1"]) == REFERENCE_TORCHSTAT["conv1"]
    # netcost's own bytes follow the precision: conv1 reads 784 + 500 + 20 elements at 1 byte.
    assert costs["conv1"].bytes_read == 784 + 500 + 20


# ---------------------------------------------------------------- other layer types

def _input(shape):
    dims = " ".join(f"dim: {d}" for d in shape)
    return (f'layer {{ name: "data" type: "Input" top: "data" '
            f'input_param {{ shape {{ {dims} }} }} }}\n')


def _layer(name, op, bottoms, body="", top=None):
    bottom = " ".join(f'bottom: "{b}"' for b in bottoms)
    return (f'layer {{ name: "{name}" type: "{op}" {bottom} top: "{top or name}" '
            f'{body} }}\n')


CASES = [
    # Grouped conv: 1x4x8x8 -> 6@3x3, pad 1, group 2, bias -> 1x6x8x8 (384 outputs).
    # MAdd: per output 3*3*(4/2) = 18 muls, 17 adds + 1 bias add -> 36 * 384 = 13,824.
    # Flops: 3*3*4*(6/2) = 108 per position * 64 positions = 6,912, + 384 bias = 7,296.
    # MemRead: (256 input + 6*2*3*3 = 108 weights + 6 bias) * 4 = 370 * 4 = 1,480.
    # MemWrite: 384 * 4 = 1,536.
    ("grouped_conv", [1, 4, 8, 8],
     [("conv", "Convolution", ["data"],
       "convolution_param { num_output: 6 kernel_size: 3 pad: 1 group: 2 }")],
     "conv", (13_824, 7_296, 1_480, 1_536)),
    # Depthwise, no bias: 1x8x5x5 -> 8@3x3, group 8 -> 1x8x3x3 (72 outputs).
    # MAdd: 9 muls + 8 adds = 17 per output -> 1,224. Flops: 3*3*8*(8/8) = 72 * 9 positions
    # = 648. MemRead: (200 + 72 weights) * 4 = 1,088. MemWrite: 72 * 4 = 288.
    ("depthwise_no_bias", [1, 8, 5, 5],
     [("dw", "Convolution", ["data"],
       "convolution_param { num_output: 8 kernel_size: 3 group: 8 bias_term: false }")],
     "dw", (1_224, 648, 1_088, 288)),
    # Conv at batch 2 (torchstat runs batch 1; here its batch-1 figure x 2): 2x1x4x4 -> 2@3x3
    # -> 2x2x2x2 (16 outputs). MAdd (2*9 - 1 + 1) * 16 = 288. Flops 3*3*1*2 = 18 * 8 positions
    # = 144, + 16 bias = 160. MemRead: 2 * (16 + 18 + 2) = 72 elements * 4 = 288.
    # MemWrite 16 * 4 = 64.
    ("conv_batch2", [2, 1, 4, 4],
     [("conv", "Convolution", ["data"], "convolution_param { num_output: 2 kernel_size: 3 }")],
     "conv", (288, 160, 288, 64)),
    # Deconvolution (nn.ConvTranspose2d): 1x4x3x3 -> 2@2x2 stride 2, bias -> 1x2x6x6.
    # MAdd: per input position and output channel 2*2*4 = 16 muls + 15 adds + 1 bias = 32;
    # 3*3 positions * 2 channels = 18 -> 576. No Flops or memory formula: 0.
    ("deconv", [1, 4, 3, 3],
     [("up", "Deconvolution", ["data"],
       "convolution_param { num_output: 2 kernel_size: 2 stride: 2 }")],
     "up", (576, 0, 0, 0)),
    # Caffe BatchNorm alone = nn.BatchNorm2d(3, affine=False) on 1x3x4x4 (48 elements):
    # MAdd 4 * 48 = 192; Flops 48; MemRead (48 + 2*3) * 4 = 216; MemWrite 48 * 4 = 192.
    ("batchnorm", [1, 3, 4, 4],
     [("bn", "BatchNorm", ["data"], "")], "bn", (192, 48, 216, 192)),
    # The Scale after it is the affine half: Flops 48 more (torchstat doubles Flops when
    # affine), nothing else.
    ("batchnorm_scale", [1, 3, 4, 4],
     [("bn", "BatchNorm", ["data"], ""),
      ("sc", "Scale", ["bn"], "scale_param { bias_term: true }")], "sc", (0, 48, 0, 0)),
    # A Scale with its factor from a second bottom is a functional multiply: unseen.
    ("scale_two_bottoms", [1, 3, 4, 4],
     [("sc", "Scale", ["data", "data"], "")], "sc", (0, 0, 0, 0)),
    # PSPNet BN (affine): MAdd 192, Flops 2 * 48 = 96, MemRead 216, MemWrite 192.
    ("bn_fork", [1, 3, 4, 4], [("bn", "BN", ["data"], "")], "bn", (192, 96, 216, 192)),
    # nn.ReLU6 on 1x3x4x4: MAdd 48, Flops 48, MemRead 48 * 4 = 192, MemWrite 192.
    ("relu6", [1, 3, 4, 4], [("r", "ReLU6", ["data"], "")], "r", (48, 48, 192, 192)),
    # nn.PReLU(3): no MAdd rule (0); Flops 48; MemRead (48 + 3 slopes) * 4 = 204; MemWrite 192.
    ("prelu", [1, 3, 4, 4], [("p", "PReLU", ["data"], "")], "p", (0, 48, 204, 192)),
    # nn.PReLU() with one shared slope: MemRead (48 + 1) * 4 = 196.
    ("prelu_shared", [1, 3, 4, 4],
     [("p", "PReLU", ["data"], "prelu_param { channel_shared: true }")], "p",
     (0, 48, 196, 192)),
    # ReLU with a slope is nn.LeakyReLU: MAdd 0 (compute_madd knows only ReLU/ReLU6).
    ("leaky_relu", [1, 3, 4, 4],
     [("r", "ReLU", ["data"], "relu_param { negative_slope: 0.1 }")], "r", (0, 48, 192, 192)),
    # nn.ELU: Flops and memory only.
    ("elu", [1, 3, 4, 4], [("e", "ELU", ["data"], "")], "e", (0, 48, 192, 192)),
    # nn.AvgPool2d(3, 2) on 1x2x5x5: Caffe's ceil gives 2x2 -> 1x2x2x2 (8 outputs).
    # MAdd: (9 - 1 adds + 1 divide) * 8 = 72. Flops: the input size, 2*5*5 = 50 (not 9 * 8 = 72:
    # the windows overlap). MemRead 50 * 4 = 200, MemWrite 8 * 4 = 32.
    ("avg_pool", [1, 2, 5, 5],
     [("pool", "Pooling", ["data"], "pooling_param { pool: AVE kernel_size: 3 stride: 2 }")],
     "pool", (72, 50, 200, 32)),
    # nn.MaxPool2d(3, 2), same shapes: MAdd (9 - 1) * 8 = 64, the rest as AvgPool2d.
    ("max_pool", [1, 2, 5, 5],
     [("pool", "Pooling", ["data"], "pooling_param { pool: MAX kernel_size: 3 stride: 2 }")],
     "pool", (64, 50, 200, 32)),
    # Global pooling = nn.AdaptiveAvgPool2d(1): torchstat has no formula, 0 everywhere.
    ("global_pool", [1, 2, 5, 5],
     [("pool", "Pooling", ["data"], "pooling_param { pool: AVE global_pooling: true }")],
     "pool", (0, 0, 0, 0)),
    # nn.Softmax on 1x10x2x2 (40 elements of one sample): 40 exp + 39 adds + 40 divides = 119;
    # no Flops or memory formula.
    ("softmax", [1, 10, 2, 2], [("prob", "Softmax", ["data"], "")], "prob", (119, 0, 0, 0)),
    # At batch 2 (2x10): per sample 3*10 - 1 = 29, times 2 = 58.
    ("softmax_batch2", [2, 10], [("prob", "Softmax", ["data"], "")], "prob", (58, 0, 0, 0)),
    # nn.Upsample(scale_factor=2) on 1x3x4x4 -> 1x3x8x8: Flops = batch * 8 * 8 = 64 (torchstat
    # multiplies out[0].shape[1:], dropping the 3 channels); MAdd and memory 0.
    ("upsample", [1, 3, 4, 4],
     [("up", "Upsample", ["data"], "upsample_param { scale: 2 }")], "up", (0, 64, 0, 0)),
    # Interp zoom 2 on 1x3x4x4 -> 4 + 3*(2-1) = 7 -> 1x3x7x7: Flops 7 * 7 = 49.
    ("interp", [1, 3, 4, 4],
     [("up", "Interp", ["data"], "interp_param { zoom_factor: 2 }")], "up", (0, 49, 0, 0)),
    # nn.Linear(12, 5) on a batch of 2 (2x3x2x2 flattened to 2x12), bias:
    # MAdd 5 * (12 + 11) = 115 per sample * 2 = 230; Flops 2 * 12 * 5 = 120;
    # MemRead 2 * (12 + 60 + 5) = 154 * 4 = 616; MemWrite 2 * 5 * 4 = 40.
    ("linear_batch2", [2, 3, 2, 2],
     [("fc", "InnerProduct", ["data"], "inner_product_param { num_output: 5 }")],
     "fc", (230, 120, 616, 40)),
    # Modules torchstat does not know, and functional calls it never sees: 0.
    ("sigmoid", [1, 3, 4, 4], [("s", "Sigmoid", ["data"], "")], "s", (0, 0, 0, 0)),
    ("tanh", [1, 3, 4, 4], [("t", "TanH", ["data"], "")], "t", (0, 0, 0, 0)),
    ("dropout", [1, 3, 4, 4], [("d", "Dropout", ["data"], "")], "d", (0, 0, 0, 0)),
    ("eltwise", [1, 3, 4, 4], [("e", "Eltwise", ["data", "data"], "")], "e", (0, 0, 0, 0)),
    ("concat", [1, 3, 4, 4], [("c", "Concat", ["data", "data"], "")], "c", (0, 0, 0, 0)),
    ("input", [1, 3, 4, 4], [], "data", (0, 0, 0, 0)),
]


@pytest.mark.parametrize("name, shape, layers, target, expected", CASES,
                         ids=[c[0] for c in CASES])
def test_layer_types(write, name, shape, layers, target, expected):
    text = _input(shape) + "".join(_layer(n, op, bottoms, body) for n, op, bottoms, body in layers)
    costs = _costs(load_graph(write(f"{name}.prototxt", text), Options()))
    assert not costs[target].uncounted
    assert _row(costs[target]) == expected


def test_batchnorm_and_scale_add_up_to_affine_batchnorm2d(write):
    # torchstat's affine nn.BatchNorm2d(3) on 1x3x4x4: MAdd 4*48 = 192, Flops 2*48 = 96,
    # MemRead (48 + 6) * 4 = 216, MemWrite 192: what the Caffe pair sums to.
    text = (_input([1, 3, 4, 4]) + _layer("bn", "BatchNorm", ["data"]) +
            _layer("sc", "Scale", ["bn"], "scale_param { bias_term: true }"))
    costs = _costs(load_graph(write("pair.prototxt", text), Options()))
    pair = tuple(a + b for a, b in zip(_row(costs["bn"]), _row(costs["sc"])))
    assert pair == (192, 96, 216, 192)


def test_unknown_dims_give_none(write):
    text = (_input([1, 3, 8, 8]) +
            _layer("conv", "Convolution", ["data"],
                   "convolution_param { num_output: 4 kernel_size: 3 }") +
            _layer("d", "Dropout", ["conv"]))
    options = Options(input_shapes={"data": Shape.of(1, 3, None, None)})
    costs = _costs(load_graph(write("unknown.prototxt", text), options))
    assert _row(costs["conv"]) == (None, None, None, None)
    assert _row(costs["d"]) == (0, 0, 0, 0)  # torchstat counts nothing for nn.Dropout
