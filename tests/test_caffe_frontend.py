"""The Caffe frontend: every syntax, inputs, phases and stages, in-place layers, weights."""
import os

import pytest

from conftest import SAMPLES, corpus_file
from netcost.errors import NetcostError
from netcost.ir import Shape
from netcost.loader import load_graph
from netcost.options import Options
from netcost.proto import caffe_pb2 as pb
from netcost.report import build_report

LENET = os.path.join(SAMPLES, "lenet.prototxt")
# REFERENCE.md: LeNet blob shapes (N x C x H x W) for a 1x1x28x28 input.
LENET_SHAPES = {"conv1": (1, 20, 24, 24), "pool1": (1, 20, 12, 12), "conv2": (1, 50, 8, 8),
                "pool2": (1, 50, 4, 4), "ip1": (1, 500), "ip2": (1, 10)}


def _dims(graph, tensor):
    return graph.tensors[tensor].shape.dims


def test_lenet_shapes_and_in_place_relu():
    graph = load_graph(LENET)
    for blob, dims in LENET_SHAPES.items():
        assert _dims(graph, blob) == dims
    relu = graph.node("relu1")
    assert relu.in_place and relu.inputs == ("ip1",) and relu.outputs == ("ip1@relu1",)
    assert graph.node("ip2").inputs == ("ip1@relu1",)  # reads the blob after the ReLU
    assert graph.inputs == ("data",) and graph.outputs == ("ip2",)


def test_v0_v1_and_v2_syntax_give_the_same_lenet():
    v1 = load_graph(os.path.join(SAMPLES, "lenet_v1.prototxt"))
    for blob, dims in LENET_SHAPES.items():
        assert _dims(v1, blob) == dims
    assert [n.op for n in v1.nodes][:5] == ["Convolution", "Pooling", "Convolution", "Pooling",
                                           "InnerProduct"]
    # The V0 LeNet trains on a database of 64 MNIST digits: channels and size are supplied.
    v0 = load_graph(corpus_file("caffe", "v0_bvlc_lenet_train.prototxt"),
                    Options(phase="train", input_shapes={"data": Shape((64, 1, 28, 28))}))
    assert v0.node("conv1").op == "Convolution"
    assert _dims(v0, "ip2") == (64, 10)
    assert build_report(v0).total_params == 431_080


def test_attrs_have_defaults_filled():
    graph = load_graph(LENET)
    conv = graph.node("conv1").attrs["convolution_param"]
    assert conv["num_output"] == 20 and conv["group"] == 1 and conv["bias_term"] is True
    assert conv["pad"] == [] and conv["kernel_h"] is None  # unset, no default
    pool = graph.node("pool1").attrs["pooling_param"]
    assert pool["pool"] == "MAX" and pool["pad"] == 0
    assert graph.node("relu1").attrs["relu_param"]["negative_slope"] == 0


TRAIN_VAL = """
name: "phases"
layer { name: "train_data" type: "Input" top: "data" include { phase: TRAIN }
  input_param { shape { dim: 32 dim: 3 dim: 8 dim: 8 } } }
layer { name: "test_data" type: "Input" top: "data" include { phase: TEST }
  input_param { shape { dim: 4 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 2 kernel_size: 3 } }
layer { name: "deploy_only" type: "ReLU" bottom: "conv" top: "conv" exclude { stage: "train" } }
layer { name: "staged" type: "Sigmoid" bottom: "conv" top: "sig" include { stage: "extra" } }
layer { name: "levelled" type: "TanH" bottom: "conv" top: "tanh" include { min_level: 2 } }
"""


@pytest.mark.parametrize("options, batch, layers", [
    (Options(), 4, ["test_data", "conv", "deploy_only"]),
    (Options(phase="train"), 32, ["train_data", "conv", "deploy_only"]),
    (Options(phase="test", stages=("train",)), 4, ["test_data", "conv"]),
    (Options(stages=("extra",)), 4, ["test_data", "conv", "deploy_only", "staged"]),
    (Options(level=2), 4, ["test_data", "conv", "deploy_only", "levelled"]),
])
def test_phase_stage_and_level_rules(write, options, batch, layers):
    graph = load_graph(write("net.prototxt", TRAIN_VAL), options)
    assert [n.name for n in graph.nodes] == layers
    assert _dims(graph, "conv")[0] == batch


def test_incomplete_test_net_falls_back_with_a_warning(write):
    text = """
    layer { name: "d" type: "Input" top: "data" include { phase: TRAIN }
      input_param { shape { dim: 1 dim: 1 dim: 4 dim: 4 } } }
    layer { name: "r" type: "ReLU" bottom: "data" top: "r" }
    """
    graph = load_graph(write("t.prototxt", text))
    assert [n.name for n in graph.nodes] == ["d", "r"]
    assert any("analyzing phase TRAIN" in w for w in graph.warnings)
    with pytest.raises(NetcostError, match="bottom blob 'data'"):
        load_graph(write("t.prototxt", text), Options(phase="test"))


@pytest.mark.parametrize("header", [
    'input: "data" input_shape { dim: 2 dim: 3 dim: 10 dim: 10 }',
    'input: "data" input_dim: 2 input_dim: 3 input_dim: 10 input_dim: 10',
    'layer { name: "in" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 10 dim: 10 } } }',
    'layer { name: "in" type: "DummyData" top: "data" dummy_data_param { shape { dim: 2 dim: 3 dim: 10 dim: 10 } } }',
    'layer { name: "in" type: "MemoryData" top: "data" top: "label" memory_data_param '
    '{ batch_size: 2 channels: 3 height: 10 width: 10 } }',
    'layer { name: "in" type: "Data" top: "data" top: "label" transform_param { crop_size: 10 '
    'mean_value: 104 mean_value: 117 mean_value: 123 } data_param { batch_size: 2 } }',
    'layer { name: "in" type: "ImageData" top: "data" top: "label" image_data_param '
    '{ batch_size: 2 new_height: 10 new_width: 10 } }',
    # Netscope presets declare a Data layer's image shape with input_param.
    'layer { name: "in" type: "Data" top: "data" input_param { shape { dim: 2 dim: 3 dim: 10 dim: 10 } } }',
    'layer { name: "in" type: "WindowData" top: "data" top: "label" transform_param '
    '{ crop_size: 10 } window_data_param { batch_size: 2 } }',
])
def test_every_input_form(write, header):
    text = header + '\nlayer { name: "conv" type: "Convolution" bottom: "data" top: "conv" ' \
                    'convolution_param { num_output: 4 kernel_size: 3 } }'
    graph = load_graph(write("in.prototxt", text))
    # 10x10 input, 3x3 kernel, no pad, stride 1: (10 - 3) / 1 + 1 = 8.
    assert _dims(graph, "conv") == (2, 4, 8, 8)
    assert build_report(graph).total_params == 3 * 3 * 3 * 4 + 4


def test_input_and_batch_overrides(write):
    graph = load_graph(LENET, Options(input_shapes={"data": Shape((1, 1, 32, 32))}))
    assert _dims(graph, "conv1") == (1, 20, 28, 28)  # 32 - 5 + 1
    graph = load_graph(LENET, Options(batch=8))
    assert _dims(graph, "ip2") == (8, 10)
    with pytest.raises(NetcostError, match="nosuch"):
        load_graph(LENET, Options(input_shapes={"nosuch": Shape((1,))}))


def test_data_layer_without_database_sizes_is_partly_unknown(write):
    text = """layer { name: "mnist" type: "Data" top: "data" top: "label"
      data_param { source: "db" batch_size: 64 } }
    layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
      convolution_param { num_output: 20 kernel_size: 5 } }"""
    graph = load_graph(write("d.prototxt", text))
    assert _dims(graph, "data") == (64, None, None, None)
    assert _dims(graph, "label") == (64,)
    assert _dims(graph, "conv") == (64, 20, None, None)
    assert "database" in graph.node("mnist").shape_note
    assert "mnist" in graph.node("conv").shape_note
    report = build_report(graph)
    assert report.layers_with_unknown_params == ["conv"]  # C_in unknown: 20 x ? x 5 x 5
    graph = load_graph(write("d.prototxt", text),
                       Options(input_shapes={"data": Shape((64, 1, 28, 28))}))
    assert _dims(graph, "conv") == (64, 20, 24, 24)
    assert build_report(graph).total_params == 20 * 25 + 20


def test_unknown_field_is_a_warning_naming_it(write):
    text = LENET_TEXT.replace('type: "Pooling"', 'type: "Pooling"\n  my_fork_param { x: 1 y { z: 2 } }')
    graph = load_graph(write("w.prototxt", text))
    assert _dims(graph, "pool2") == (1, 50, 4, 4)
    assert any("my_fork_param" in w and "line" in w for w in graph.warnings)


def test_mixed_layer_and_layers_keep_file_order(write):
    text = """input: "data" input_shape { dim: 1 dim: 2 dim: 6 dim: 6 }
    layers { name: "a" type: RELU bottom: "data" top: "a" }
    layer { name: "b" type: "Pooling" bottom: "a" top: "b" pooling_param { kernel_size: 2 stride: 2 } }
    layers { name: "c" type: SIGMOID bottom: "b" top: "c" }"""
    graph = load_graph(write("m.prototxt", text))
    assert [n.name for n in graph.nodes] == ["a", "b", "c"]
    assert _dims(graph, "c") == (1, 2, 3, 3)


def test_v1_crop_enum_added_by_forks(write):
    text = """input: "a" input_dim: 1 input_dim: 1 input_dim: 10 input_dim: 10
    input: "b" input_dim: 1 input_dim: 1 input_dim: 6 input_dim: 6
    layers { name: "crop" type: CROP bottom: "a" bottom: "b" top: "c" }"""
    graph = load_graph(write("c.prototxt", text))
    assert graph.node("crop").op == "Crop" and _dims(graph, "c") == (1, 1, 6, 6)


def test_duplicate_layer_names_are_renamed_with_a_warning(write):
    text = """input: "data" input_shape { dim: 1 dim: 1 dim: 2 dim: 2 }
    layer { name: "x" type: "ReLU" bottom: "data" top: "a" }
    layer { name: "x" type: "ReLU" bottom: "a" top: "b" }"""
    graph = load_graph(write("d.prototxt", text))
    assert [n.name for n in graph.nodes] == ["x", "x_1"]
    assert any("used twice" in w for w in graph.warnings)


with open(LENET) as _f:
    LENET_TEXT = _f.read()


def _lenet_caffemodel(legacy_blobs=False, v1=False):
    """A LeNet .caffemodel as Caffe writes one: the net with a weight blob per parameter."""
    from google.protobuf import text_format

    net = pb.NetParameter()
    text_format.Parse(LENET_TEXT, net)
    shapes = {"conv1": [(20, 1, 5, 5), (20,)], "conv2": [(50, 20, 5, 5), (50,)],
              "ip1": [(500, 800), (500,)], "ip2": [(10, 500), (10,)]}
    if v1:
        # Old Caffe saved a deploy net's input names without their shapes.
        v1_net = pb.NetParameter(name=net.name, input=["data"])
        for layer in net.layer:
            v1_layer = v1_net.layers.add(name=layer.name, bottom=layer.bottom, top=layer.top)
            v1_layer.type = {"Convolution": pb.V1LayerParameter.CONVOLUTION,
                             "Pooling": pb.V1LayerParameter.POOLING,
                             "InnerProduct": pb.V1LayerParameter.INNER_PRODUCT,
                             "ReLU": pb.V1LayerParameter.RELU}[layer.type]
            for field, value in layer.ListFields():
                if field.name.endswith("_param"):
                    getattr(v1_layer, field.name).CopyFrom(value)
        net = v1_net
    for layer in (net.layers if v1 else net.layer):
        for dims in shapes.get(layer.name, []):
            blob = layer.blobs.add()
            count = 1
            for d in dims:
                count *= d
            if legacy_blobs:  # old Caffe: 4-D num/channels/height/width, padded with ones
                padded = (1,) * (4 - len(dims)) + dims
                blob.num, blob.channels, blob.height, blob.width = padded
            else:
                blob.shape.dim.extend(dims)
            blob.data.extend([0.0] * count)
    return net.SerializeToString()


@pytest.mark.parametrize("legacy_blobs, v1", [(False, False), (True, False), (True, True)])
def test_caffemodel_alone_counts_real_weights(write, legacy_blobs, v1):
    path = write("lenet.caffemodel", _lenet_caffemodel(legacy_blobs, v1))
    graph = load_graph(path, Options(input_shapes={"data": Shape((1, 1, 28, 28))})
                       if v1 else Options())
    report = build_report(graph)
    assert report.total_params == 431_080  # REFERENCE.md
    assert _dims(graph, "ip2") == (1, 10)


def test_weights_beside_a_definition(write):
    path = write("lenet.caffemodel", _lenet_caffemodel())
    graph = load_graph(LENET, Options(weights=path))
    assert [p.shape.dims for p in graph.node("ip1").params] == [(500, 800), (500,)]
    assert build_report(graph).total_params == 431_080


def test_weights_that_contradict_the_definition_are_an_error(write):
    path = write("lenet.caffemodel", _lenet_caffemodel())
    bigger = LENET_TEXT.replace("num_output: 500", "num_output: 400")
    with pytest.raises(NetcostError, match="ip1"):
        load_graph(write("lenet.prototxt", bigger), Options(weights=path))


def test_v0_padding_layer_folds_into_the_convolution(write):
    text = """input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
    layers { layer { name: "pad1" type: "padding" pad: 2 } bottom: "data" top: "pad1" }
    layers { layer { name: "conv1" type: "conv" num_output: 4 kernelsize: 5 biasterm: false }
             bottom: "pad1" top: "conv1" }
    layers { layer { name: "norm1" type: "lrn" local_size: 3 } bottom: "conv1" top: "norm1" }
    layers { layer { name: "pool1" type: "pool" pool: AVE kernelsize: 2 stride: 2 }
             bottom: "norm1" top: "pool1" }"""
    graph = load_graph(write("v0.prototxt", text))
    assert [n.name for n in graph.nodes] == ["conv1", "norm1", "pool1"]
    assert graph.node("conv1").inputs == ("data",)
    # (8 + 2*2 - 5) / 1 + 1 = 8, then ceil((8 - 2) / 2) + 1 = 4.
    assert _dims(graph, "conv1") == (1, 4, 8, 8) and _dims(graph, "pool1") == (1, 4, 4, 4)
    assert graph.node("norm1").attrs["lrn_param"]["local_size"] == 3
    assert graph.node("pool1").attrs["pooling_param"]["pool"] == "AVE"
    assert build_report(graph).total_params == 5 * 5 * 3 * 4  # biasterm: false
