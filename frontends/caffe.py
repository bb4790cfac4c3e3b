"""Caffe frontend: .prototxt (V0, V1, V2 syntax) and binary .caffemodel into the IR.

Every quirk of the Caffe format lives here: the V0/V1 upgrade to modern layer types,
phase/level/stage rules, the three ways to declare inputs, in-place tops renamed so that
every tensor is unique, and weight blobs. Shapes are inferred later (netcost.shapes).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence, Tuple

from ..errors import GraphError, ParseError
from ..ir import Graph, Node, Param, Shape, Tensor
from ..options import Options
from .wire import looks_binary

CAFFE_SUFFIXES = (".prototxt", ".caffemodel", ".binaryproto")

# The parameter message each layer type reads; it is always present in a node's attrs,
# with the schema's defaults filled in, even when the file does not write it.
PARAM_FIELD_OF_TYPE = {
    "Accuracy": "accuracy_param", "ArgMax": "argmax_param", "BatchNorm": "batch_norm_param",
    "Bias": "bias_param", "BN": "bn_param", "Clip": "clip_param", "Concat": "concat_param",
    "ContrastiveLoss": "contrastive_loss_param", "Convolution": "convolution_param",
    "ConvolutionDepthwise": "convolution_param", "DepthwiseConvolution": "convolution_param",
    "Crop": "crop_param", "Data": "data_param", "Deconvolution": "convolution_param",
    "DetectionOutput": "detection_output_param", "Dropout": "dropout_param",
    "DummyData": "dummy_data_param", "Eltwise": "eltwise_param", "ELU": "elu_param",
    "Embed": "embed_param", "Exp": "exp_param", "Flatten": "flatten_param",
    "HDF5Data": "hdf5_data_param", "HDF5Output": "hdf5_output_param",
    "HingeLoss": "hinge_loss_param", "Im2col": "convolution_param",
    "ImageData": "image_data_param", "InfogainLoss": "infogain_loss_param",
    "InnerProduct": "inner_product_param", "Input": "input_param", "Interp": "interp_param",
    "Log": "log_param", "LRN": "lrn_param", "LSTM": "recurrent_param",
    "MemoryData": "memory_data_param", "MVN": "mvn_param", "Normalize": "norm_param",
    "Parameter": "parameter_param", "Permute": "permute_param", "Pooling": "pooling_param",
    "Power": "power_param", "PReLU": "prelu_param", "PriorBox": "prior_box_param",
    "PSROIPooling": "psroi_pooling_param", "Python": "python_param",
    "Reduction": "reduction_param", "ReLU": "relu_param", "Reshape": "reshape_param",
    "RNN": "recurrent_param", "ROIPooling": "roi_pooling_param", "Scale": "scale_param",
    "ShuffleChannel": "shuffle_channel_param", "Sigmoid": "sigmoid_param",
    "Slice": "slice_param", "Softmax": "softmax_param", "SoftmaxWithLoss": "softmax_param",
    "SPP": "spp_param", "Swish": "swish_param", "TanH": "tanh_param",
    "Threshold": "threshold_param", "Tile": "tile_param", "Upsample": "upsample_param",
    "WindowData": "window_data_param", "MultiBoxLoss": "multibox_loss_param",
    "AnnotatedData": "annotated_data_param", "DetectionEvaluate": "detection_evaluate_param",
}

# V1 `layers { type: ENUM }` names and the modern type strings they became
# (Caffe's UpgradeV1LayerType); CROP is the value the FCN fork added.
V1_TYPE_NAMES = {
    "ABSVAL": "AbsVal", "ACCURACY": "Accuracy", "ARGMAX": "ArgMax", "BNLL": "BNLL",
    "CONCAT": "Concat", "CONTRASTIVE_LOSS": "ContrastiveLoss", "CONVOLUTION": "Convolution",
    "DECONVOLUTION": "Deconvolution", "DATA": "Data", "DROPOUT": "Dropout",
    "DUMMY_DATA": "DummyData", "EUCLIDEAN_LOSS": "EuclideanLoss", "ELTWISE": "Eltwise",
    "EXP": "Exp", "FLATTEN": "Flatten", "HDF5_DATA": "HDF5Data", "HDF5_OUTPUT": "HDF5Output",
    "HINGE_LOSS": "HingeLoss", "IM2COL": "Im2col", "IMAGE_DATA": "ImageData",
    "INFOGAIN_LOSS": "InfogainLoss", "INNER_PRODUCT": "InnerProduct", "LRN": "LRN",
    "MEMORY_DATA": "MemoryData", "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss",
    "MVN": "MVN", "POOLING": "Pooling", "POWER": "Power", "RELU": "ReLU",
    "SIGMOID": "Sigmoid", "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss",
    "SILENCE": "Silence", "SOFTMAX": "Softmax", "SOFTMAX_LOSS": "SoftmaxWithLoss",
    "SPLIT": "Split", "SLICE": "Slice", "TANH": "TanH", "WINDOW_DATA": "WindowData",
    "THRESHOLD": "Threshold", "CROP": "Crop",
}

# V0 `layers { layer { type: "conv" } }` type strings (Caffe's UpgradeV0LayerType).
V0_TYPE_NAMES = {
    "accuracy": "Accuracy", "bnll": "BNLL", "concat": "Concat", "conv": "Convolution",
    "data": "Data", "dropout": "Dropout", "euclidean_loss": "EuclideanLoss",
    "flatten": "Flatten", "hdf5_data": "HDF5Data", "hdf5_output": "HDF5Output",
    "im2col": "Im2col", "images": "ImageData", "infogain_loss": "InfogainLoss",
    "innerproduct": "InnerProduct", "lrn": "LRN",
    "multinomial_logistic_loss": "MultinomialLogisticLoss", "pool": "Pooling",
    "relu": "ReLU", "sigmoid": "Sigmoid", "softmax": "Softmax",
    "softmax_loss": "SoftmaxWithLoss", "split": "Split", "tanh": "TanH",
    "window_data": "WindowData", "padding": "Padding",
}


@functools.cache
def _pb():
    from ..proto import caffe_pb2  # deferred: keeps `netcost --version` fast

    return caffe_pb2


def match(path: str, head: bytes) -> bool:
    """Caffe owns .prototxt/.caffemodel files, and text that declares Caffe layers."""
    if path.lower().endswith(CAFFE_SUFFIXES):
        return True
    text = head[:4096].decode("utf-8", errors="ignore")
    return "layer {" in text or "layers {" in text or "input_dim" in text


class _Layer:
    """One layer in modern form, whatever syntax the file used."""

    __slots__ = ("name", "type", "bottoms", "tops", "params", "include", "exclude", "blobs")

    def __init__(self, name, type, bottoms: Iterable, tops: Iterable,
                 params: Dict[str, object], include: Sequence = (), exclude: Sequence = (),
                 blobs: Sequence = ()):
        self.name: str = _text(name)
        self.type: str = _text(type)
        self.bottoms: List[str] = _texts(bottoms)
        self.tops: List[str] = _texts(tops)
        self.params = params  # *_param field name -> protobuf message
        # NetStateRule and BlobProto messages, kept in the sequences given (read only).
        self.include = include
        self.exclude = exclude
        self.blobs = blobs


def _text(value) -> str:
    """A proto2 string field holding invalid UTF-8 comes back as bytes from binary files."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _texts(values: Iterable) -> List[str]:
    values = list(values)
    if bytes in map(type, values):  # (a C loop: most lists hold only str)
        values = [_text(value) for value in values]
    return values


def load(path: str, options: Options) -> Graph:
    from .wire import mapped

    warnings: List[str] = []
    with mapped(path) as data:  # a binary caffemodel is walked on the mapping, blobs unread
        net, order = _parse_net(path, data, warnings)
    layers = _layers_in_file_order(net, order, path)
    layers = _select_layers(net, layers, options, path, warnings)
    if options.weights:
        _attach_weights(layers, options.weights, warnings)
    return _build_graph(net, layers, path, warnings)


def _attach_weights(layers: List[_Layer], weights_path: str, warnings: List[str]) -> None:
    """Take each layer's blobs from a .caffemodel, matched by layer name as Caffe's
    CopyTrainedLayersFrom does; their shapes then give the parameter counts."""
    from .wire import mapped

    try:
        with mapped(weights_path) as data:
            weights_net, order = _parse_net(weights_path, data, warnings)
    except OSError as e:
        raise ParseError(f"cannot read weights: {e.strerror}", file=weights_path) from None
    stored = {layer.name: layer.blobs
              for layer in _layers_in_file_order(weights_net, order, weights_path)
              if layer.blobs}
    used = set()
    for layer in layers:
        if layer.name in stored:
            layer.blobs = stored[layer.name]
            used.add(layer.name)
    unused = [name for name in stored if name not in used]
    if unused:
        warnings.append(f"{weights_path}: weights of {len(unused)} layer(s) match no layer of "
                        f"the definition and are ignored: {', '.join(unused[:5])}"
                        + (" ..." if len(unused) > 5 else ""))


def _parse_net(path: str, data: bytes, warnings: List[str]):
    from .wire import is_blank, strip_payloads

    pb = _pb()
    net = pb.NetParameter()
    if is_blank(data):
        raise ParseError("empty file: no network definition", file=path)
    if looks_binary(data):
        from google.protobuf.message import DecodeError

        try:
            # Blob data left out: the parameter counts come from the blob shapes.
            net.ParseFromString(strip_payloads(data, "NetParameter", path=path))
        except ParseError as e:
            raise ParseError(f"not a text prototxt and not a valid binary caffemodel "
                             f"({e.message})", file=path) from None
        except (DecodeError, RuntimeError, ValueError) as e:
            raise ParseError(f"not a text prototxt and not a valid binary caffemodel "
                             f"({e or 'truncated or corrupt protobuf'})", file=path) from None
        if not (len(net.layer) or len(net.layers)):
            raise ParseError("binary file holds no Caffe layers (not a caffemodel?)", file=path)
        return net, None
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"text is not valid UTF-8 at byte {e.start}", file=path) from None
    from ..textproto import parse

    order = parse(text, net, path=path, warn=warnings.append, order_of=("layer", "layers"))
    if not order and not len(net.input):
        raise ParseError("no layers and no inputs: not a Caffe network definition", file=path)
    return net, order




def _layers_in_file_order(net, order, path: str) -> List[_Layer]:
    if order is None:  # binary: no interleaving information; V1 nets have only `layers`
        order = [("layers", i) for i in range(len(net.layers))] + \
                [("layer", i) for i in range(len(net.layer))]
    # Each repeated field is listed once: indexing it per layer costs a lookup each time.
    entries = {"layer": list(net.layer), "layers": list(net.layers)}
    v2_params = _param_fields(_pb().LayerParameter)
    layers: List[_Layer] = []
    for field_name, index in order:
        message = entries[field_name][index]
        if field_name == "layer":
            layers.append(_layer_of(message, v2_params))
        elif message.HasField("layer"):
            layers.append(_from_v0(message, path))
        else:
            layers.append(_from_v1(message, path))
    if any(layer.type == "Padding" for layer in layers):
        layers = _fold_v0_padding(layers, path)
    return layers


@functools.cache
def _param_fields(message_class) -> frozenset:
    """Names of the *_param message fields of a layer message type."""
    return frozenset(fd.name for fd in message_class.DESCRIPTOR.fields
                     if fd.name.endswith("_param") and fd.message_type is not None)


def _layer_of(message, param_names: frozenset, layer_type=None) -> _Layer:
    """A _Layer of a LayerParameter or V1LayerParameter (`layer_type`: the modern type
    of a V1 layer): one ListFields call finds every field set, in field-number order,
    instead of a lookup per field."""
    name = type_ = ""
    bottoms = tops = include = exclude = blobs = ()
    params: Dict[str, object] = {}
    for fd, value in message.ListFields():
        field_name = fd.name
        if field_name == "bottom":
            bottoms = value
        elif field_name == "top":
            tops = value
        elif field_name == "name":
            name = value
        elif field_name == "type":
            type_ = value
        elif field_name in param_names:
            params[field_name] = value
        elif field_name == "include":
            include = value
        elif field_name == "exclude":
            exclude = value
        elif field_name == "blobs":
            blobs = value
    return _Layer(name, type_ if layer_type is None else layer_type, bottoms, tops, params,
                  include, exclude, blobs)


def _from_v1(v1, path: str) -> _Layer:
    enum_name = type(v1).LayerType.Name(v1.type)
    layer_type = V1_TYPE_NAMES.get(enum_name)
    if layer_type is None:
        raise ParseError(f"V1 layer type {enum_name} has no modern equivalent",
                         file=path, layer=v1.name or None)
    layer = _layer_of(v1, _param_fields(type(v1)), layer_type)
    data_param = layer.params.get("data_param")
    if data_param is not None:
        _move_v1_transform_fields(data_param, layer.params)
    return layer


def _move_v1_transform_fields(data_param, params: Dict[str, object]) -> None:
    """Old data_param carried scale/mean_file/crop_size/mirror; Caffe moved them to
    transform_param when it upgraded a net, and so do we."""
    pb = _pb()
    moved = [f for f in ("scale", "mean_file", "crop_size", "mirror")
             if f in data_param.DESCRIPTOR.fields_by_name and data_param.HasField(f)]
    if not moved:
        return
    transform = params.get("transform_param") or pb.TransformationParameter()
    for f in moved:
        setattr(transform, f, getattr(data_param, f))
    params["transform_param"] = transform


# How V0 layer fields map into modern parameter messages (Caffe's UpgradeV0LayerParameter):
# layer type -> [(param field, message type, [(V0 field, new field), ...])]. A repeated
# destination (kernel_size, stride, pad of convolutions) receives the one V0 value.
_DATA_TRANSFORM = ("transform_param", "TransformationParameter",
                   [("scale", "scale"), ("meanfile", "mean_file"), ("cropsize", "crop_size"),
                    ("mirror", "mirror")])
V0_FIELD_MAP = {
    "Convolution": [("convolution_param", "ConvolutionParameter",
                     [("num_output", "num_output"), ("biasterm", "bias_term"),
                      ("kernelsize", "kernel_size"), ("group", "group"), ("stride", "stride"),
                      ("pad", "pad")])],
    "Pooling": [("pooling_param", "PoolingParameter",
                 [("pool", "pool"), ("kernelsize", "kernel_size"), ("stride", "stride"),
                  ("pad", "pad")])],
    "InnerProduct": [("inner_product_param", "InnerProductParameter",
                      [("num_output", "num_output"), ("biasterm", "bias_term")])],
    "LRN": [("lrn_param", "LRNParameter",
             [("local_size", "local_size"), ("alpha", "alpha"), ("beta", "beta"), ("k", "k")])],
    "Dropout": [("dropout_param", "DropoutParameter", [("dropout_ratio", "dropout_ratio")])],
    "Concat": [("concat_param", "ConcatParameter", [("concat_dim", "concat_dim")])],
    "Data": [("data_param", "DataParameter",
              [("source", "source"), ("batchsize", "batch_size")]), _DATA_TRANSFORM],
    "ImageData": [("image_data_param", "ImageDataParameter",
                   [("source", "source"), ("batchsize", "batch_size"),
                    ("new_height", "new_height"), ("new_width", "new_width"),
                    ("shuffle_images", "shuffle")]), _DATA_TRANSFORM],
    "WindowData": [("window_data_param", "WindowDataParameter",
                    [("source", "source"), ("batchsize", "batch_size")]), _DATA_TRANSFORM],
}
V0_FIELD_MAP["Im2col"] = V0_FIELD_MAP["Convolution"]


def _from_v0(v1, path: str) -> _Layer:
    pb = _pb()
    v0 = v1.layer
    layer_type = V0_TYPE_NAMES.get(v0.type)
    if layer_type is None:
        raise ParseError(f"V0 layer type '{v0.type}' is unknown", file=path,
                         layer=v0.name or None)
    params: Dict[str, object] = {}
    for field_name, message_type, fields in V0_FIELD_MAP.get(layer_type, []):
        message = getattr(pb, message_type)()
        for old, new in fields:
            if v0.HasField(old):
                value = getattr(v0, old)
                try:
                    if message.DESCRIPTOR.fields_by_name[new].is_repeated:
                        getattr(message, new).append(value)
                    else:
                        setattr(message, new, value)
                except (TypeError, ValueError):  # e.g. a negative V0 int in an unsigned field
                    raise ParseError(f"V0 field {old} = {value} does not fit the upgraded "
                                     f"{message_type}.{new}", file=path,
                                     layer=v0.name or None) from None
        params[field_name] = message
    if layer_type == "Padding":
        params["pad"] = v0.pad
    return _Layer(v0.name, layer_type, v1.bottom, v1.top, params, blobs=v0.blobs)


def _fold_v0_padding(layers: List[_Layer], path: str) -> List[_Layer]:
    """V0 nets pad with a separate "padding" layer feeding a conv; Caffe folds its pad
    into that convolution when upgrading, and so do we."""
    pb = _pb()
    padding_by_top = {}
    kept = []
    for layer in layers:
        if layer.type == "Padding":
            if len(layer.bottoms) != 1 or len(layer.tops) != 1:
                raise ParseError("V0 padding layer needs one bottom and one top",
                                 file=path, layer=layer.name)
            padding_by_top[layer.tops[0]] = layer
            continue
        if layer.bottoms and layer.bottoms[0] in padding_by_top:
            pad_layer = padding_by_top[layer.bottoms[0]]
            if layer.type != "Convolution":
                raise ParseError(f"V0 padding layer '{pad_layer.name}' feeds a "
                                 f"{layer.type} layer; only convolutions can absorb it",
                                 file=path, layer=layer.name)
            conv = layer.params.setdefault("convolution_param", pb.ConvolutionParameter())
            del conv.pad[:]
            conv.pad.append(pad_layer.params["pad"])
            layer.bottoms[0] = pad_layer.bottoms[0]
        kept.append(layer)
    return kept


@dataclass(frozen=True)
class _NetState:
    phase: int
    level: int
    stages: Tuple[str, ...]


def _select_layers(net, layers: List[_Layer], options: Options, path: str,
                   warnings: List[str]) -> List[_Layer]:
    """Keep the layers of the requested net state (phase, level, stages).

    With no phase or stage asked for, TEST comes first, as for a deployed net. Solver
    files often give train_val nets a TEST net only under a stage (test-on-train, ...) or
    data layers only in TRAIN; Caffe cannot build them without that state either. Then
    the first state whose net is complete is used, with a warning naming it.
    """
    pb = _pb()
    level = options.level if options.level is not None else net.state.level
    if options.phase is not None or options.stages:
        phase = pb.Phase.Value((options.phase or "test").upper())
        stages = tuple(options.stages) or tuple(net.state.stage)
        state = _NetState(phase, level, stages)
        return _layers_of_state(layers, state, path)
    mentioned: Dict[str, None] = {}  # stage names in file order, each once
    for layer in layers:
        for rule in [*layer.include, *layer.exclude]:
            for stage in list(rule.stage) + list(rule.not_stage):
                mentioned.setdefault(stage)
    candidates = [_NetState(phase, level, stages)
                  for phase in (pb.TEST, pb.TRAIN)
                  for stages in [tuple(net.state.stage)] + [(s,) for s in mentioned]]
    first = None
    for state in candidates:
        kept = _layers_of_state(layers, state, path)
        if first is None:
            first = kept
        if kept and _bottoms_resolve(net, kept):
            if state is not candidates[0]:
                stage_text = f" stage '{state.stages[0]}'" if state.stages else ""
                warnings.append(f"{path}: the TEST net is incomplete (a bottom blob is produced "
                                f"by no layer of that phase); analyzing phase "
                                f"{pb.Phase.Name(state.phase)}{stage_text} instead (choose "
                                "with --phase/--stage)")
            return kept
    return first or []


def _layers_of_state(layers: List[_Layer], state: _NetState, path: str) -> List[_Layer]:
    # Most layers have no rules at all: they are in every state.
    return [layer for layer in layers
            if not (layer.include or layer.exclude) or _included(layer, state, path)]


def _bottoms_resolve(net, layers: List[_Layer]) -> bool:
    available = set(net.input)
    for layer in layers:
        if not available.issuperset(layer.bottoms):
            return False
        available.update(layer.tops)
    return True


def _meets(rule, state: _NetState) -> bool:
    """Caffe's Net::StateMeetsRule."""
    if rule.HasField("phase") and rule.phase != state.phase:
        return False
    if rule.HasField("min_level") and state.level < rule.min_level:
        return False
    if rule.HasField("max_level") and state.level > rule.max_level:
        return False
    if any(stage not in state.stages for stage in rule.stage):
        return False
    if any(stage in state.stages for stage in rule.not_stage):
        return False
    return True


def _included(layer: _Layer, state: _NetState, path: str) -> bool:
    if layer.include and layer.exclude:
        raise ParseError("a layer may have include rules or exclude rules, not both",
                         file=path, layer=layer.name)
    if layer.include:
        return any(_meets(rule, state) for rule in layer.include)
    return not any(_meets(rule, state) for rule in layer.exclude)


def message_to_dict(message) -> Dict[str, object]:
    """Every field of `message` with the schema's defaults filled in.

    Enums become their names. A singular field that is unset and has no default in the
    schema becomes None, so rules can tell "not given" from a given zero, as Caffe's
    has_*() checks do. Each call returns new dicts and lists: nothing is shared.
    """
    defaults, repeated, converters = _dict_plan(type(message))
    out = defaults.copy()
    for name in repeated:
        out[name] = []
    for fd, value in message.ListFields():  # only the fields set (none: a default message)
        convert = converters.get(fd.name)
        if convert is not None:
            out[fd.name] = convert(value)
        elif fd.name in out:  # (extensions are left out)
            out[fd.name] = value
    return out


@functools.cache
def _dict_plan(message_class):
    """What message_to_dict needs of a message type, worked out once: the dict of an
    empty message (repeated fields to be filled with new lists), and how to convert each
    field's value when it is set (no entry: the value as it is)."""
    empty = message_class()
    defaults: Dict[str, object] = {}
    repeated: List[str] = []
    converters = {}
    for fd in message_class.DESCRIPTOR.fields:
        names = _enum_names_of(fd.enum_type) if fd.enum_type is not None else None
        if fd.is_repeated:
            defaults[fd.name] = None  # replaced by a new list; keeps the field order
            repeated.append(fd.name)
            if fd.message_type is not None:
                converters[fd.name] = _dicts_of
            elif names is not None:
                converters[fd.name] = functools.partial(_enum_names, names)
            else:
                converters[fd.name] = list
            continue
        if fd.message_type is not None:
            defaults[fd.name] = None
            converters[fd.name] = message_to_dict
            continue
        if names is not None:
            converters[fd.name] = names.__getitem__
        elif fd.type == fd.TYPE_STRING:
            converters[fd.name] = _text
        if fd.has_default_value:
            value = getattr(empty, fd.name)
            convert = converters.get(fd.name)
            defaults[fd.name] = convert(value) if convert is not None else value
        else:
            defaults[fd.name] = None
    return defaults, tuple(repeated), converters


def _enum_names_of(enum) -> Dict[int, str]:
    # values_by_number decides which name an aliased number gets.
    return {v.number: enum.values_by_number[v.number].name for v in enum.values}


def _dicts_of(messages) -> List[Dict[str, object]]:
    return [message_to_dict(m) for m in messages]


def _enum_names(names: Dict[int, str], values) -> List[str]:
    return [names[v] for v in values]


@functools.cache
def _empty_main_param(layer_type: str):
    """An empty message of the parameter field the layer type reads (never modified),
    or None when it reads none."""
    main = PARAM_FIELD_OF_TYPE.get(layer_type)
    if main is None or main not in _param_fields(_pb().LayerParameter):
        return None
    return type(getattr(_pb().LayerParameter(), main))()


def _attrs(layer: _Layer) -> Dict[str, object]:
    attrs: Dict[str, object] = {}
    params = layer.params
    main = PARAM_FIELD_OF_TYPE.get(layer.type)
    if main not in params:
        empty = _empty_main_param(layer.type)
        if empty is not None:
            attrs[main] = message_to_dict(empty)
    for name, message in params.items():
        if name == "pad":  # V0 padding amount, already folded
            continue
        attrs[name] = message_to_dict(message)
    return attrs


def _blob_shape(blob) -> Shape:
    if blob.HasField("shape"):
        return Shape(tuple(blob.shape.dim))
    # Legacy 4-D blobs (num, channels, height, width).
    return Shape((blob.num, blob.channels, blob.height, blob.width))


def _build_graph(net, layers: List[_Layer], path: str, warnings: List[str]) -> Graph:
    blobs = _Blobs(path)
    graph_inputs = []
    for name, shape in _net_inputs(net, path):
        blobs.add_input(name, shape)
        graph_inputs.append(name)
    nodes: List[Node] = []
    names = _NodeNames(path, warnings)
    for index, layer in enumerate(layers):
        name = layer.name or f"{layer.type}_{index}"
        name = names.unique(name) if name in names.seen else names.add(name)
        inputs = blobs.read(layer.bottoms, name)
        outputs, in_place = blobs.write(layer.tops, layer.bottoms, name)
        params = tuple(Param(f"{name}/blob{i}", _blob_shape(b))
                       for i, b in enumerate(layer.blobs)) if layer.blobs else ()
        nodes.append(Node(name=name, op=layer.type, attrs=_attrs(layer), inputs=inputs,
                          outputs=outputs, params=params, in_place=in_place))
    net_name = _text(net.name) or os.path.splitext(os.path.basename(path))[0]
    return Graph(name=net_name, framework="caffe", nodes=tuple(nodes), tensors=blobs.tensors,
                 inputs=tuple(graph_inputs), outputs=blobs.unconsumed(), source=path,
                 warnings=tuple(warnings))


class _Blobs:
    """Caffe blobs as unique tensors: a blob written in place gets a new tensor each time."""

    def __init__(self, path: str):
        self.path = path
        self.tensors: Dict[str, Tensor] = {}
        self.latest: Dict[str, str] = {}  # Caffe blob name -> unique tensor name holding it now
        self.producer: Dict[str, str] = {}  # blob name -> layer that produced it first
        self.consumed = set()

    def add_input(self, name: str, shape: Shape) -> None:
        self.tensors[name] = Tensor(name, shape)
        self.latest[name] = name
        self.producer[name] = "(net input)"

    def read(self, bottoms: List[str], layer: str) -> Tuple[str, ...]:
        """The tensors a layer's bottoms name now."""
        latest = self.latest
        inputs = []
        for bottom in bottoms:
            tensor = latest.get(bottom)
            if tensor is None:
                raise GraphError(f"bottom blob '{bottom}' is not produced by any earlier "
                                 "layer or net input", file=self.path, layer=layer)
            inputs.append(tensor)
        self.consumed.update(inputs)
        return tuple(inputs)

    def write(self, tops: List[str], bottoms: List[str], layer: str
              ) -> Tuple[Tuple[str, ...], bool]:
        """New tensors for a layer's tops, and whether it works in place."""
        tensors, latest = self.tensors, self.latest
        outputs = []
        in_place = False
        # A set when long: a 100,000-way layer would otherwise search its bottoms per top.
        if len(bottoms) >= 16:
            bottoms = set(bottoms)
        for top in tops:
            if top in bottoms:
                # In place: Caffe overwrites the blob; we give the new value its own name.
                in_place = True
                unique = f"{top}@{layer}"
            elif top in latest:
                raise GraphError(f"top blob '{top}' is already produced by layer "
                                 f"'{self.producer[top]}' (only in-place layers may reuse a "
                                 "blob name)", file=self.path, layer=layer)
            else:
                unique = top
                self.producer[top] = layer
            if unique in tensors:
                raise GraphError(f"top blob '{top}' is written twice", file=self.path,
                                 layer=layer)
            tensors[unique] = Tensor(unique)
            latest[top] = unique
            outputs.append(unique)
        return tuple(outputs), in_place

    def unconsumed(self) -> Tuple[str, ...]:
        """The graph outputs: the latest tensor of each blob that no layer reads."""
        return tuple(t for t in self.latest.values()
                     if t not in self.consumed and t in self.tensors)


class _NodeNames:
    """Unique node names: Caffe tolerates repeated layer names, node names may not."""

    def __init__(self, path: str, warnings: List[str]):
        self.path = path
        self.warnings = warnings
        self.seen = set()
        # name -> the suffix that made it unique last time: names are only ever added, so
        # the smallest free suffix never decreases and the search resumes there (a file
        # repeating one name 100,000 times stays linear).
        self.next_suffix: Dict[str, int] = {}

    def add(self, name: str) -> str:
        self.seen.add(name)
        return name

    def unique(self, name: str) -> str:
        """A name for a layer called `name`, which is taken (and the warning saying so)."""
        suffix = self.next_suffix.get(name, 1)
        while f"{name}_{suffix}" in self.seen:
            suffix += 1
        self.next_suffix[name] = suffix
        self.warnings.append(f"{self.path}: layer name '{name}' is used twice; the second "
                             f"is reported as '{name}_{suffix}'")
        name = f"{name}_{suffix}"
        self.seen.add(name)
        return name


def _net_inputs(net, path: str) -> List[Tuple[str, Shape]]:
    """Net-level inputs: `input` with `input_shape` (one per input) or `input_dim` (4 each)."""
    names = [_text(name) for name in net.input]
    if not names:
        if len(net.input_shape) or len(net.input_dim):
            raise ParseError("input_shape/input_dim given without any `input` name", file=path)
        return []
    if len(net.input_shape):
        if len(net.input_shape) != len(names):
            raise ParseError(f"{len(names)} inputs but {len(net.input_shape)} input_shape "
                             "entries", file=path)
        shapes = [Shape(tuple(s.dim)) for s in net.input_shape]
    elif len(net.input_dim):
        dims = list(net.input_dim)
        if len(dims) != 4 * len(names):
            raise ParseError(f"input_dim must list 4 dims per input: {len(names)} inputs, "
                             f"{len(dims)} dims", file=path)
        shapes = [Shape(tuple(dims[4 * i:4 * i + 4])) for i in range(len(names))]
    else:
        shapes = [Shape.unknown() for _ in names]
    for name, shape in zip(names, shapes):
        if shape.dims is not None and any(d < 0 for d in shape.dims):
            raise ParseError(f"input '{name}' has a negative dimension: {shape}", file=path)
    return list(zip(names, shapes))
