"""Property-based fuzzing of every netcost reader with hypothesis.

    python3 bench/fuzz_hypothesis.py [--reader NAME ...] [--examples 100000] [--seed 1]
                                     [--avoid-known] [--progress]

bench/fuzz_readers.py flips random bytes of the corpus files; most of what it makes dies in
the first parser. Here hypothesis builds inputs from structure, so that they reach shape
inference, costing and rendering:

* Caffe nets of the layer types netcost registers, with random parameters of the right
  kinds (extreme numbers included), missing bottoms, in-place tops, cycles, 100,000-way
  concats, long chains and deep nesting, written as prototxt (modern, V1 and V0 syntax) and
  as binary caffemodels with weight blobs;
* TensorFlow GraphDefs of the registered ops with attrs of the right kinds, `name:N` ports,
  `^control` and dangling inputs, Const tensors of random shapes and dtypes, and function
  libraries, written as binary .pb, text .pbtxt, wrapped in a MetaGraphDef (.meta) and a
  SavedModel;
* TF1 checkpoints: a LevelDB-format `.index` of random BundleEntryProtos (valid crcs)
  beside a graph whose variables it names;
* hypothesis-chosen mutations of the shared corpus seeds, for every reader.

The contract, as for fuzz_readers.py: analyzing an input end to end
(netcost.cli.analyze_file(path, Options(), "json")) may only raise NetcostError with a
one-line message, takes under 2 s, and peak memory stays under 1 GB. A crash is saved under
tests/regressions/ as <reader>-hyp-<exception>-<module>-<line>.<suffix> (the smallest input
per bug) plus a .why.txt; tests/test_fuzz.py replays those files. One summary line per reader
is printed, followed by the shape-rule exceptions the shape engine turned into a ShapeError:
within the contract, but each one a rule that did not expect its input.
"""
from __future__ import annotations

import argparse
import gc
import glob
import os
import re
import resource
import shutil
import signal
import struct
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
REGRESSIONS = os.path.join(ROOT, "tests", "regressions")

SLOW_SECONDS = 2.0  # the contract
HANG_SECONDS = 20.0  # an input still running after this is abandoned (and saved)
MEMORY_LIMIT_BYTES = 1 << 30  # the contract: peak RSS under 1 GB
ADDRESS_SPACE_CAP = 2 << 30  # a runaway allocation fails here (MemoryError), not in swap
MAX_SEED_BYTES = 120_000  # bigger seeds cost 50 ms an input for no new code paths
MAX_INPUT_BYTES = 4 << 20  # mutations that grow a file stop here

# Crashes already reported whose fix is pending in files this harness does not own. A long
# run started with --avoid-known leaves their triggers out, so that its time goes to finding
# new bugs instead of finding these again; remove an entry once its fix is in.
KNOWN_BUGS: Dict[str, str] = {
    # None open. Found and fixed earlier, tags kept should the triggers need leaving out
    # again: "huge-output-count" (a port or num_split/num/N of 2**31 or more),
    # "unicode-digit-port" (`n:²`), "text-meta-variabledef" (bytes that are not a VariableDef
    # in a text .meta's trainable_variables), all fixed in 6e0885e; "count-attr-kind" (N,
    # num_split or num holding a string, shape or list), fixed in da99dbb;
    # "spp-pyramid-height" (an SPP pyramid_height in the millions ran for hours) and
    # "huge-digit-counts" (a count of over 4,300 digits could not be printed), fixed in
    # cfdeb8b.
}
AVOIDED: frozenset = frozenset()  # the KNOWN_BUGS keys this run leaves out

# Payload: file suffix -> bytes. Most readers need one file; a checkpoint needs its .index
# and the .meta graph beside it.
Payload = Dict[str, bytes]

# --------------------------------------------------------------------------------------
# Numbers: mostly ordinary, often extreme.

INT64_EXTREMES = (0, 1, -1, 2, 3, -2, 7, 255, 256, 65535, 65536, 100_000, 2**31 - 1, -2**31,
                  2**31, 2**32 - 1, 2**32, 2**53 + 1, 2**62, 2**63 - 1, -2**63, 2**64 - 1)
FLOAT_EXTREMES = (0.0, -0.0, 1.0, -1.0, 0.5, 1e-45, 1e-300, 3.4e38, 1e38, 1e308,
                  float("inf"), float("-inf"), float("nan"))
SMALL_DIMS = (1, 1, 2, 3, 4, 5, 7, 8, 16, 32, 224)
ODD_DIMS = (0, -1, -2, 2**31 - 1, 2**31, 2**62, 2**63 - 1, -2**63, 100_000)


def ints(lo: int, hi: int, wild: bool = True) -> st.SearchStrategy:
    """Integers in [lo, hi]: small ones most often, the extremes that fit, anything; not
    `wild`: small ones only (a layer that is to get through shape inference)."""
    if not wild:
        return st.integers(max(lo, -2), min(hi, 8))
    extremes = [v for v in INT64_EXTREMES if lo <= v <= hi] + [lo, hi]
    small = st.integers(max(lo, -2), min(hi, 16))
    return st.one_of(small, small, st.sampled_from(extremes), st.integers(lo, hi))


def floats(width: int = 64) -> st.SearchStrategy:
    extremes = [v for v in FLOAT_EXTREMES if width == 64 or _fits_float32(v)]
    return st.one_of(st.sampled_from(extremes), st.floats(width=width),
                     st.floats(-10, 10, width=width))


def _fits_float32(value: float) -> bool:
    try:
        struct.pack("<f", value)
    except OverflowError:
        return False
    return True


def dims(lo: int = -2**63, hi: int = 2**63 - 1, wild: bool = True) -> st.SearchStrategy:
    """A tensor dimension: usually a plausible size; when `wild`, often 0, negative or huge."""
    plausible = st.sampled_from(SMALL_DIMS)
    if not wild:
        return plausible
    odd = [d for d in ODD_DIMS if lo <= d <= hi]
    return st.one_of(plausible, plausible, plausible, st.sampled_from(odd),
                     st.integers(lo, hi))


def rare(one_in: int) -> st.SearchStrategy:
    """True about once in `one_in` draws. The value tested is a middle one: hypothesis draws
    the bounds of a range (0 above all) far more often than the others."""
    return st.integers(0, one_in - 1).map(lambda roll: roll == one_in // 2)


def rarely(common: st.SearchStrategy, uncommon: st.SearchStrategy, one_in: int):
    """`uncommon` about once in `one_in` draws: for inputs that are expensive to analyze."""
    return rare(one_in).flatmap(lambda hit: uncommon if hit else common)


NAME_POOL = ("data", "x", "a/b", "scope/x_1", "", " ", "x:0", "^y", "ü", "名前", "a" * 300,
             "n\x00ul", "x\ny", "'q'", '"dq"', "{", "../..", "label")
names = st.one_of(st.sampled_from(NAME_POOL), st.text(max_size=10))

# --------------------------------------------------------------------------------------
# Any protobuf message, field by field from its descriptor: the parameter messages of Caffe
# layers get values of the right kinds without a hand-written strategy per layer type.

MAX_MESSAGE_DEPTH = 3
_INT_RANGES = {}  # filled lazily: FieldDescriptor type -> (lo, hi)


def _int_range(fd) -> Optional[Tuple[int, int]]:
    if not _INT_RANGES:
        from google.protobuf.descriptor import FieldDescriptor as F

        i32, i64 = (-2**31, 2**31 - 1), (-2**63, 2**63 - 1)
        u32, u64 = (0, 2**32 - 1), (0, 2**64 - 1)
        _INT_RANGES.update({F.TYPE_INT32: i32, F.TYPE_SINT32: i32, F.TYPE_SFIXED32: i32,
                            F.TYPE_INT64: i64, F.TYPE_SINT64: i64, F.TYPE_SFIXED64: i64,
                            F.TYPE_UINT32: u32, F.TYPE_FIXED32: u32,
                            F.TYPE_UINT64: u64, F.TYPE_FIXED64: u64})
    return _INT_RANGES.get(fd.type)


@lru_cache(maxsize=None)
def _scalar_strategy(fd, wild: bool) -> st.SearchStrategy:
    from google.protobuf.descriptor import FieldDescriptor as F

    bounds = _int_range(fd)
    if bounds:
        return ints(*bounds, wild=wild)
    if fd.type in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
        if not wild:
            return st.sampled_from([0.0, 0.5, 1.0, 2.0, 1e-5])
        return floats(32 if fd.type == F.TYPE_FLOAT else 64)
    if fd.type == F.TYPE_BOOL:
        return st.booleans()
    if fd.type == F.TYPE_STRING:
        return names
    if fd.type == F.TYPE_BYTES:
        return st.binary(max_size=16)
    if fd.type == F.TYPE_ENUM:
        return st.sampled_from([v.number for v in fd.enum_type.values])
    raise ValueError(f"no strategy for field {fd.full_name}")


def _fillable(descriptor) -> list:
    """Fields a random message may set: maps and groups are left out (none of the
    parameter messages has them)."""
    from google.protobuf.descriptor import FieldDescriptor as F

    return [fd for fd in descriptor.fields if fd.type != F.TYPE_GROUP and not (
        fd.message_type is not None and fd.message_type.GetOptions().map_entry)]


repeat_counts = rarely(st.integers(0, 3), st.sampled_from([8, 100]), 20)


@st.composite
def fill_message(draw, message, depth: int = 0, max_fields: int = 5, wild: bool = True):
    """Set a few random fields of `message` (in place) with values of the right kinds:
    extreme ones when `wild`, else small."""
    from google.protobuf.descriptor import FieldDescriptor as F

    fields = _fillable(message.DESCRIPTOR)
    if not fields:
        return message
    chosen = draw(st.lists(st.sampled_from(fields), max_size=max_fields,
                           unique_by=lambda fd: fd.number))
    for fd in chosen:
        repeated = fd.is_repeated
        if fd.type == F.TYPE_MESSAGE:
            if depth >= MAX_MESSAGE_DEPTH:
                continue
            if repeated:
                for _ in range(draw(st.integers(0, 2))):
                    draw(fill_message(getattr(message, fd.name).add(), depth + 1, wild=wild))
            else:
                getattr(message, fd.name).SetInParent()  # present even when left empty
                draw(fill_message(getattr(message, fd.name), depth + 1, wild=wild))
        elif repeated:
            count = draw(repeat_counts if wild else st.integers(0, 2))
            values = draw(st.lists(_scalar_strategy(fd, wild), max_size=count))
            getattr(message, fd.name).extend(values)
        else:
            setattr(message, fd.name, draw(_scalar_strategy(fd, wild)))
    return message


# --------------------------------------------------------------------------------------
# Caffe nets

@lru_cache(maxsize=None)
def caffe_tables():
    """(layer types, type -> param field, V1 enum name -> number, V0 type strings)."""
    from netcost.frontends.caffe import PARAM_FIELD_OF_TYPE, V0_TYPE_NAMES
    from netcost.proto import caffe_pb2
    from netcost.shapes.caffe import CAFFE_SHAPES

    types = tuple(CAFFE_SHAPES.known()) + ("NoSuchLayer", "")
    layer_type = caffe_pb2.V1LayerParameter.DESCRIPTOR.enum_types_by_name["LayerType"]
    v1 = {v.name: v.number for v in layer_type.values}
    return types, PARAM_FIELD_OF_TYPE, v1, tuple(V0_TYPE_NAMES) + ("nosuch",)


BLOB_POOL = ("data", "label", "b0", "b1", "b2", "b3", "", "data@x")
DATA_LAYERS = ("Data", "ImageData", "WindowData", "MemoryData", "AnnotatedData", "HDF5Data",
               "DummyData", "Input")


@st.composite
def blob_ref(draw, produced: List[str]) -> str:
    """A bottom: nearly always a blob some layer above produced, else any name (missing, or
    made further down: a cycle in graph terms)."""
    if produced and not draw(rare(30)):
        return draw(st.sampled_from(produced))
    return draw(st.one_of(st.sampled_from(BLOB_POOL), st.sampled_from(
        [f"t{i}" for i in range(12)]), names))


bottom_counts = st.sampled_from([1, 1, 1, 1, 1, 2, 2, 0, 3])


@st.composite
def caffe_layer(draw, layer, index: int, produced: List[str], blobs: bool, wild: bool):
    """Fill a modern LayerParameter in place; returns the tops it declares."""
    types, param_field, _, _ = caffe_tables()
    layer.name = f"l{index}" if not draw(rare(10)) else draw(names)
    layer.type = draw(st.sampled_from(types))
    for _ in range(draw(bottom_counts)):
        layer.bottom.append(draw(blob_ref(produced)))
    for k in range(draw(st.sampled_from([1, 1, 1, 1, 2, 0]))):
        in_place = layer.bottom and k == 0 and draw(rare(4))
        layer.top.append(layer.bottom[0] if in_place else (
            f"t{index}_{k}" if not draw(rare(20)) else draw(st.sampled_from(BLOB_POOL))))
    param = param_field.get(layer.type)
    if param is None or draw(rare(10)):  # sometimes another type's params
        param = draw(st.sampled_from(sorted(set(param_field.values()))))
    if not draw(rare(5)):
        message = getattr(layer, param)
        message.SetInParent()
        draw(fill_message(message, wild=wild))
    spp = layer.spp_param
    if "spp-pyramid-height" in AVOIDED and layer.HasField("spp_param") and \
            spp.HasField("pyramid_height"):
        spp.pyramid_height = min(spp.pyramid_height, 16)
    if layer.type in DATA_LAYERS or draw(rare(10)):
        draw(fill_message(layer.transform_param, max_fields=3, wild=wild))
    if draw(rare(15)):
        rules = layer.include if draw(st.booleans()) else layer.exclude
        draw(fill_message(rules.add(), max_fields=3, wild=wild))
    if draw(rare(10)):
        layer.loss_weight.extend(draw(st.lists(floats(32), max_size=3)))
    if blobs:
        for _ in range(draw(st.integers(0, 3))):
            draw(blob_proto(layer.blobs.add(), wild))
    return list(layer.top)


@st.composite
def blob_proto(draw, blob, wild: bool):
    """A weight blob: a shape (or the legacy num/channels/height/width) and a few values,
    not necessarily as many as the shape says."""
    if draw(st.integers(0, 3)):
        count = draw(repeat_counts if wild else st.integers(1, 4))
        blob.shape.dim.extend(draw(st.lists(dims(wild=wild), max_size=count)))
    else:
        for name in ("num", "channels", "height", "width"):
            if draw(st.booleans()):
                setattr(blob, name, draw(dims(-2**31, 2**31 - 1, wild)))
    blob.data.extend(draw(st.lists(floats(32), max_size=8)))
    return blob


@st.composite
def v1_layer(draw, layer, index: int, produced: List[str], wild: bool):
    """A V1 `layers {}` entry: enum type, and the param field of that type when V1 has it."""
    from netcost.frontends.caffe import V1_TYPE_NAMES

    _, param_field, v1_types, _ = caffe_tables()
    name = draw(st.sampled_from(sorted(v1_types)))
    layer.type = v1_types[name]
    layer.name = f"l{index}"
    for _ in range(draw(bottom_counts)):
        layer.bottom.append(draw(blob_ref(produced)))
    layer.top.append(f"t{index}")
    param = param_field.get(V1_TYPE_NAMES.get(name, ""))
    if param and param in layer.DESCRIPTOR.fields_by_name and draw(st.booleans()):
        getattr(layer, param).SetInParent()
        draw(fill_message(getattr(layer, param), wild=wild))
    return list(layer.top)


@st.composite
def v0_layer(draw, wrapper, index: int, produced: List[str], wild: bool):
    """A V0 `layers { layer { type: "conv" ... } }` entry, its flat fields set at random."""
    _, _, _, v0_types = caffe_tables()
    for _ in range(draw(bottom_counts)):
        wrapper.bottom.append(draw(blob_ref(produced)))
    wrapper.top.append(f"t{index}")
    draw(fill_message(wrapper.layer, max_fields=6, wild=wild))
    wrapper.layer.name = f"l{index}"
    wrapper.layer.type = draw(st.sampled_from(v0_types))
    return list(wrapper.top)


@st.composite
def caffe_inputs(draw, net, wild: bool) -> List[str]:
    """Net inputs in one of Caffe's ways (or none, for a net that begins with an Input or
    data layer): input + input_shape, or input + input_dim (4 per input, as Caffe wants)."""
    style = draw(st.sampled_from(["input_shape", "input_shape", "input_dim", "none"]))
    if style == "none":
        return []
    for i in range(draw(st.sampled_from([1, 1, 1, 2]))):
        net.input.append("data" if i == 0 else draw(st.sampled_from(BLOB_POOL)))
        rank = draw(st.sampled_from([4, 4, 4, 2, 3, 1, 0, 5]) if wild else st.just(4))
        if style == "input_shape":
            net.input_shape.add().dim.extend(draw(st.lists(dims(wild=wild), min_size=rank,
                                                           max_size=rank)))
        else:
            net.input_dim.extend(draw(st.lists(dims(-2**31, 2**31 - 1, wild), min_size=rank,
                                               max_size=rank)))
    return list(net.input)


@st.composite
def input_layer(draw, layer) -> List[str]:
    """An Input layer declaring "data" of a plausible 4-D shape: the usual head of a net."""
    layer.name, layer.type = "input", "Input"
    layer.top.append("data")
    layer.input_param.shape.add().dim.extend(draw(st.lists(dims(wild=False), min_size=4,
                                                           max_size=4)))
    return ["data"]


@st.composite
def caffe_net(draw, blobs: bool = False):
    """A NetParameter: inputs, then layers in one syntax, then perhaps one adversarial size
    (a very wide Concat or Eltwise, or a long chain). Most layers get small parameters, one
    in four extreme ones: a net that is to reach costing must get through shape inference,
    where any one bad layer ends the analysis."""
    from netcost.proto import caffe_pb2

    net = caffe_pb2.NetParameter()
    if draw(st.booleans()):
        net.name = draw(names)
    produced = draw(caffe_inputs(net, wild=draw(rare(4))))
    if not produced and not draw(rare(4)):
        produced = draw(input_layer(net.layer.add()))
    syntax = draw(st.sampled_from(["modern"] * 6 + ["v1", "v0"]))
    for index in range(draw(st.integers(0, 10))):
        wild = draw(rare(4))
        if syntax == "modern":
            tops = draw(caffe_layer(net.layer.add(), index, produced, blobs, wild))
        elif syntax == "v1":
            tops = draw(v1_layer(net.layers.add(), index, produced, wild))
        else:
            tops = draw(v0_layer(net.layers.add(), index, produced, wild))
        produced.extend(t for t in tops if t not in produced)
    if draw(rare(5)):
        draw(fill_message(net.state, max_fields=3))
    draw(rarely(st.just(None), adversarial_caffe(net, produced), 150))
    return net


@st.composite
def adversarial_caffe(draw, net, produced: List[str]):
    kind = draw(st.sampled_from(["wide", "chain"]))
    source = produced[0] if produced else "data"
    if kind == "wide":
        layer = net.layer.add(name="wide", type=draw(st.sampled_from(["Concat", "Eltwise"])),
                              top=["wide"])
        layer.bottom.extend([source] * draw(st.sampled_from([1000, 100_000])))
    else:
        layer_type = draw(st.sampled_from(["ReLU", "Sigmoid", "Convolution", "Pooling"]))
        previous = source
        for i in range(draw(st.sampled_from([1000, 5000]))):
            layer = net.layer.add(name=f"c{i}", type=layer_type, bottom=[previous],
                                  top=[f"c{i}"])
            if layer_type == "Convolution":
                layer.convolution_param.num_output = 2
                layer.convolution_param.kernel_size.append(1)
            previous = f"c{i}"


def nested_text(depth: int) -> str:
    """An unknown field nested `depth` levels deep: a recursive-descent parser's worst case."""
    return "deep { " * depth + "}" * depth


def nested_groups(depth: int) -> bytes:
    """The binary counterpart: unknown field 999 as start-group markers `depth` deep."""
    start, end = _varint(999 << 3 | 3), _varint(999 << 3 | 4)
    return start * depth + end * depth


@st.composite
def prototxt_payload(draw) -> Payload:
    from google.protobuf import text_format

    net = draw(caffe_net())
    text = text_format.MessageToString(net, as_one_line=draw(st.booleans()),
                                       use_short_repeated_primitives=draw(st.booleans()))
    depth = draw(rarely(st.just(0), st.sampled_from([50, 1000, 50_000]), 100))
    if depth:
        text += f'\nlayer {{ name: "n" {nested_text(depth)} }}\n'
    return {".prototxt": text.encode()}


@st.composite
def caffemodel_payload(draw) -> Payload:
    data = draw(caffe_net(blobs=True)).SerializePartialToString()  # required fields may be unset
    depth = draw(rarely(st.just(0), st.sampled_from([50, 1000, 20_000]), 100))
    return {".caffemodel": data + nested_groups(depth)}


# --------------------------------------------------------------------------------------
# TensorFlow graphs

@lru_cache(maxsize=None)
def tf_ops() -> Tuple[str, ...]:
    from netcost.shapes.tensorflow import TF_SHAPES

    return tuple(TF_SHAPES.known()) + ("NoSuchOp", "", "StatefulPartitionedCall",
                                       "PartitionedCall", "fn0")


SOURCE_OPS = ("Const", "Const", "Placeholder", "VariableV2", "VarHandleOp", "Const")
DTYPE_NUMBERS = (1, 1, 3, 3, 9, 10, 2, 4, 5, 6, 7, 14, 17, 19, 20, 21, 22, 23, 101, 103, 0,
                 33, 77, 200)
TAME_DTYPES = (1, 1, 1, 3, 9, 10)
dtypes = rarely(st.sampled_from(DTYPE_NUMBERS), st.integers(-2**31, 2**31 - 1), 20)


def dtypes_for(wild: bool) -> st.SearchStrategy:
    return dtypes if wild else st.sampled_from(TAME_DTYPES)
PORTS = ("0", "0", "1", "2", "7")
ODD_PORTS = ("", "-1", "x", "٣", "0x1", "65536", "00")
HUGE_PORTS = ("2147483648", "99999999999999999999")
COUNT_ATTRS = ("N", "num_split", "num")
EQUATIONS = ("ij,jk->ik", "...ij,...jk->...ik", "bhqd,bhkd->bhqk", "ii->i", "ij->ji",
             "abc,cd->abd", "->", ",->", "...->...", "i,i", "ij,jk", "a" * 60 + "->a")

# Attrs by the kind of value TensorFlow gives them.
TYPE_ATTRS = ("T", "dtype", "DstT", "SrcT", "Tidx", "Tshape", "Tpaddings", "Tindices",
              "Tparams", "Taxis", "Index", "out_type", "output_type", "element_dtype",
              "shape_type", "out_idx", "Tmultiples", "TI")
INT_ATTRS = ("axis", "N", "num_split", "num", "k", "block_size", "batch_dims", "begin_mask",
             "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask", "depth_radius",
             "num_elements", "seed", "depth")
BOOL_ATTRS = ("transpose_a", "transpose_b", "adj_x", "adj_y", "keep_dims", "is_training",
              "is_constant", "align_corners", "half_pixel_centers", "sorted")
FLOAT_ATTRS = ("epsilon", "alpha", "exponential_avg_factor", "bias", "beta", "min", "max")
INT_LIST_ATTRS = ("strides", "ksize", "dilations", "explicit_paddings", "squeeze_dims",
                  "rates", "padding_list")
TYPE_LIST_ATTRS = ("dtypes", "Tout", "Tin")
SHAPE_ATTRS = ("shape", "element_shape")
SHAPE_LIST_ATTRS = ("_output_shapes", "shapes")
STRING_CHOICES = {
    "padding": ("SAME", "VALID", "EXPLICIT", "same", ""),
    "data_format": ("NHWC", "NCHW", "NDHWC", "NCDHW", "NC", "HWNC", ""),
    "equation": EQUATIONS,
    "mode": ("REFLECT", "SYMMETRIC", "CONSTANT"),
}
# Attrs an op family reads: drawn for a node of that family half of the time, so that the
# shape rules see the combinations they branch on (strides with padding with data_format).
FAMILY_ATTRS = (
    (("Conv", "Depthwise", "Dilation"), ("T", "strides", "padding", "data_format",
                                          "dilations", "explicit_paddings", "rates")),
    (("Pool",), ("T", "ksize", "strides", "padding", "data_format")),
    (("MatMul",), ("T", "transpose_a", "transpose_b", "adj_x", "adj_y")),
    (("StridedSlice",), ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                         "shrink_axis_mask", "Index")),
    (("Split", "Unpack", "Pack", "Concat", "AddN", "ShapeN", "IdentityN"),
     ("N", "num_split", "num", "axis", "T")),
    (("Mean", "Sum", "Max", "Min", "Prod", "All", "Any", "Norm", "ArgM"),
     ("keep_dims", "Tidx", "output_type")),
    (("BatchNorm",), ("is_training", "data_format", "epsilon", "exponential_avg_factor")),
    (("Einsum",), ("equation", "N", "T")),
    (("Depth", "SpaceTo", "ToSpace"), ("block_size", "data_format")),
    (("Gather", "OneHot", "TopK", "Squeeze", "Cumsum", "Cumprod", "Reverse"),
     ("batch_dims", "axis", "k", "squeeze_dims", "depth")),
    (("Shape", "Size", "Rank", "Cast", "Bitcast"), ("out_type", "DstT", "SrcT", "T")),
    (("TensorList", "EmptyTensorList"), ("element_dtype", "element_shape", "shape_type",
                                         "num_elements")),
    (("Restore", "Save"), ("dtypes",)),
    (("Resize",), ("align_corners", "half_pixel_centers")),
    (("Pad",), ("mode", "Tpaddings")),
)
ALL_ATTRS = (TYPE_ATTRS + INT_ATTRS + BOOL_ATTRS + FLOAT_ATTRS + INT_LIST_ATTRS
             + TYPE_LIST_ATTRS + SHAPE_ATTRS + SHAPE_LIST_ATTRS + tuple(STRING_CHOICES))
ATTR_KINDS = ("type", "i", "b", "f", "list_i", "list_type", "shape", "list_shape", "s",
              "tensor", "func", "list_s", "empty_list")


def _kind_of(attr: str) -> str:
    for names_, kind in ((TYPE_ATTRS, "type"), (INT_ATTRS, "i"), (BOOL_ATTRS, "b"),
                         (FLOAT_ATTRS, "f"), (INT_LIST_ATTRS, "list_i"),
                         (TYPE_LIST_ATTRS, "list_type"), (SHAPE_ATTRS, "shape"),
                         (SHAPE_LIST_ATTRS, "list_shape")):
        if attr in names_:
            return kind
    return "s"


def _family_attrs(op: str) -> Tuple[str, ...]:
    for markers, attrs in FAMILY_ATTRS:
        if any(m in op for m in markers):
            return attrs
    return ("T",)


@st.composite
def shape_proto(draw, message, wild: bool = True):
    """Fill a TensorShapeProto: rank 0-5, sometimes unknown (-1) dims; when `wild`, now and
    then an unknown rank, a very high rank or extreme dims."""
    if draw(rare(10 if wild else 30)):
        message.unknown_rank = True
        return message
    ranks = st.sampled_from([4, 4, 2, 1, 0, 3, 5])
    high = [8] if "huge-digit-counts" in AVOIDED else [8, 254, 300]
    rank = draw(rarely(ranks, st.sampled_from(high), 40) if wild else ranks)
    sizes = rarely(dims(wild=wild), st.just(-1), 6)
    for size in draw(st.lists(sizes, min_size=rank, max_size=rank)):
        message.dim.add(size=size)
    return message


_PACK = {3: "i", 9: "q", 4: "B", 5: "h", 6: "b", 10: "?", 17: "H", 22: "I", 23: "Q",
         1: "f", 2: "d"}


@st.composite
def tensor_proto(draw, message, wild: bool = True):
    """Fill a TensorProto: a dtype, a shape, and values in one of TensorProto's ways, not
    always as many as the shape has elements. Small integer vectors (what shape-carrying
    Consts hold: Reshape's shape, a reduction's axes) and float weights are the most common."""
    shape_like = draw(st.booleans())
    if shape_like:
        message.dtype = draw(st.sampled_from([3, 3, 9]))
        if draw(st.integers(0, 3)):
            message.tensor_shape.dim.add(size=draw(st.integers(0, 5)))
    else:
        message.dtype = draw(dtypes_for(wild))
        draw(shape_proto(message.tensor_shape, wild))
    count = 1
    for d in message.tensor_shape.dim:
        count *= max(d.size, 0)
    way = draw(st.sampled_from(["packed", "int_val", "int_val", "none"] if shape_like else [
        "int_val", "int64_val", "float_val", "bool_val", "content", "packed", "none"]))
    if way == "int_val":
        message.int_val.extend(draw(st.lists(ints(-2**31, 2**31 - 1, wild),
                                             max_size=draw(repeat_counts) + 1)))
    elif way == "int64_val":
        message.int64_val.extend(draw(st.lists(ints(-2**63, 2**63 - 1, wild), max_size=6)))
    elif way == "float_val":
        message.float_val.extend(draw(st.lists(floats(32), max_size=4)))
    elif way == "bool_val":
        message.bool_val.extend(draw(st.lists(st.booleans(), max_size=4)))
    elif way == "content":
        message.tensor_content = draw(st.binary(max_size=64))
    elif way == "packed" and message.dtype in _PACK and not message.tensor_shape.unknown_rank \
            and count <= 64:
        message.tensor_content = draw(packed_values(_PACK[message.dtype], count, wild))
    return message


@st.composite
def packed_values(draw, fmt: str, count: int, wild: bool = True) -> bytes:
    """`count` values in the exact little-endian layout of tensor_content."""
    if fmt in "fd":
        values = draw(st.lists(floats(32 if fmt == "f" else 64), min_size=count,
                               max_size=count))
    elif fmt == "?":
        values = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    else:
        bits = struct.calcsize(fmt) * 8
        lo, hi = (0, 2**bits - 1) if fmt.isupper() else (-2**(bits - 1), 2**(bits - 1) - 1)
        values = draw(st.lists(ints(lo, hi, wild), min_size=count, max_size=count))
    return struct.pack(f"<{count}{fmt}", *values)


@st.composite
def attr_value(draw, message, kind: str, attr: str = "", wild: bool = True):
    """Fill an AttrValue with a value of `kind`: extreme numbers when `wild`."""
    if kind == "type":
        message.type = draw(dtypes_for(wild))
    elif kind == "i":
        huge = attr not in COUNT_ATTRS or "huge-output-count" not in AVOIDED
        message.i = draw(ints(-2**63, 2**63 - 1 if huge else 100_000, wild))
    elif kind == "b":
        message.b = draw(st.booleans())
    elif kind == "f":
        message.f = draw(floats(32) if wild else st.sampled_from([0.001, 0.2, 1.0]))
    elif kind == "list_i":
        lengths = st.sampled_from([4, 4, 2, 1, 0, 3, 5, 8])
        length = draw(rarely(lengths, st.just(1000), 50) if wild else lengths)
        values = ints(-2**63, 2**63 - 1) if wild else st.sampled_from([1, 1, 1, 2, 2, 3, 0])
        message.list.i.extend(draw(st.lists(values, min_size=length, max_size=length)))
    elif kind == "list_type":
        message.list.type.extend(draw(st.lists(dtypes_for(wild), max_size=4)))
    elif kind == "shape":
        draw(shape_proto(message.shape, wild))
    elif kind == "list_shape":
        for _ in range(draw(st.integers(0, 3))):
            draw(shape_proto(message.list.shape.add(), wild))
    elif kind == "s":
        choices = STRING_CHOICES.get(attr)
        text = draw(st.sampled_from(choices) if choices and not draw(rare(6))
                    else st.text(alphabet="abcdijkNHWC.,->", max_size=12))
        message.s = text.encode()
    elif kind == "tensor":
        draw(tensor_proto(message.tensor, wild))
    elif kind == "func":
        message.func.name = draw(st.sampled_from(["fn0", "fn1", "fn2", "missing", ""]))
    elif kind == "list_s":
        message.list.s.extend(draw(st.lists(st.binary(max_size=6), max_size=3)))
    else:  # an empty list: a list attr of no kind at all
        message.list.SetInParent()
    return message


@st.composite
def node_attrs(draw, node, wild: bool = True):
    """The attrs of a node: what a source op needs to be meaningful, those its op family
    reads, a few others; when `wild`, now and then of the wrong kind."""
    op = node.op
    if op == "Const" or op == "HostConst":
        draw(tensor_proto(node.attr["value"].tensor, wild))
        node.attr["dtype"].type = node.attr["value"].tensor.dtype
    elif op in ("Placeholder", "VariableV2", "VarHandleOp") and not draw(rare(5)):
        draw(shape_proto(node.attr["shape"].shape, wild))
        node.attr["dtype"].type = draw(dtypes_for(wild))
    elif op in ("StatefulPartitionedCall", "PartitionedCall") and not draw(rare(5)):
        draw(attr_value(node.attr["f"], "func"))
    family = _family_attrs(op)
    pool = family if not draw(rare(3)) else ALL_ATTRS
    for attr in draw(st.lists(st.sampled_from(pool), max_size=4, unique=True)):
        wrong_kind = wild and draw(rare(10)) and not (
            attr in COUNT_ATTRS and "count-attr-kind" in AVOIDED)
        kind = draw(st.sampled_from(ATTR_KINDS)) if wrong_kind else _kind_of(attr)
        draw(attr_value(node.attr[attr], kind, attr, wild))
    return node


@st.composite
def port(draw) -> str:
    """The text after `name:` in an input: a port, now and then something that only looks
    like one (then the whole input names a node that does not exist)."""
    if not draw(rare(8)):
        return draw(st.sampled_from(PORTS))
    pool = ODD_PORTS
    if "huge-output-count" not in AVOIDED:
        pool += HUGE_PORTS
    if "unicode-digit-port" not in AVOIDED:
        pool += ("²",)
    return draw(st.sampled_from(pool))


@st.composite
def input_ref(draw, earlier: Sequence[str], everything: Sequence[str]) -> str:
    """An input string: `name`, `name:port` or `^name`, naming nearly always an earlier node,
    else any node (a cycle), a missing one (dangling) or an odd string."""
    if earlier and not draw(rare(40)):
        name = draw(st.sampled_from(earlier))
    elif everything and (not earlier or draw(st.booleans())):
        name = draw(st.sampled_from(everything))
    else:
        name = draw(names)
    form = draw(st.sampled_from(["plain"] * 5 + ["port", "control"]))
    if form == "port":
        return f"{name}:{draw(port())}"
    return "^" + name if form == "control" else name


input_counts = st.sampled_from([1, 1, 1, 2, 2, 2, 3, 0, 4])


@st.composite
def node_def(draw, node, index: int, earlier: List[str], everything: List[str]):
    """Fill a NodeDef: op, inputs and attrs; one node in four gets extreme values."""
    node.name = everything[index]
    node.op = draw(st.sampled_from(SOURCE_OPS if draw(rare(3)) else tf_ops()))
    # The first node has nothing before it to read: it reads later nodes (a cycle) rarely.
    reads = node.op not in SOURCE_OPS or draw(rare(4))
    if reads and (earlier or draw(rare(10))):
        for _ in range(draw(input_counts)):
            node.input.append(draw(input_ref(earlier, everything)))
    draw(node_attrs(node, wild=draw(rare(4))))
    return node


@st.composite
def node_names(draw, count: int, prefix: str = "n") -> List[str]:
    """Names for `count` nodes: distinct, now and then odd (and perhaps duplicated)."""
    return [draw(names) if draw(rare(20)) else f"{prefix}{i}" for i in range(count)]


@st.composite
def function_library(draw, library):
    """A FunctionDefLibrary of up to three functions that may call each other (and
    themselves): their bodies read arguments and `node:out_arg:index` outputs."""
    for f_index in range(draw(st.integers(1, 3))):
        function = library.function.add()
        function.signature.name = f"fn{f_index}"
        args = [f"x{i}" for i in range(draw(st.integers(0, 3)))]
        for arg in args:
            function.signature.input_arg.add(name=arg, type=draw(dtypes))
        body = draw(node_names(draw(st.integers(0, 5)), prefix="b"))
        refs = args + [f"{name}:{draw(st.sampled_from(['output', 'y', 'z', 'o']))}:"
                       f"{draw(port())}" for name in body] + body
        for i in range(len(body)):
            draw(node_def(function.node_def.add(), i, refs, body))
        for o in range(draw(st.integers(0, 2))):
            function.signature.output_arg.add(name=f"o{o}", type=draw(dtypes))
            if not draw(rare(6)):
                function.ret[f"o{o}"] = draw(st.sampled_from(refs)) if refs else "x"
    return library


@st.composite
def graph_def(draw, variables: Sequence[Tuple[str, str]] = ()):
    """A GraphDef: optional variable nodes (name, op) first, then random nodes, a function
    library now and then, and rarely an adversarial size."""
    from netcost.proto import tf_graph_pb2

    graph = tf_graph_pb2.GraphDef()
    count = draw(st.integers(0, 12))
    everything = [name for name, _ in variables] + draw(node_names(count))
    earlier: List[str] = []
    for name, op in variables:
        node = graph.node.add(name=name, op=op)
        draw(node_attrs(node, wild=draw(rare(4))))
        earlier.append(name)
    for i in range(len(variables), len(everything)):
        draw(node_def(graph.node.add(), i, earlier, everything))
        earlier.append(everything[i])
    if draw(rare(8)):
        draw(function_library(graph.library))
    if draw(st.booleans()):
        graph.versions.producer = draw(ints(-2**31, 2**31 - 1))
    draw(rarely(st.just(None), adversarial_tf(graph, earlier), 150))
    return graph


@st.composite
def adversarial_tf(draw, graph, earlier: List[str]):
    source = earlier[0] if earlier else "src"
    if not earlier:
        graph.node.add(name="src", op="Placeholder").attr["shape"].shape.dim.add(size=2)
    if draw(st.booleans()):
        node = graph.node.add(name="wide", op=draw(st.sampled_from(["AddN", "ConcatV2",
                                                                    "Pack", "IdentityN"])))
        node.input.extend([source] * draw(st.sampled_from([1000, 100_000])))
    else:
        op = draw(st.sampled_from(["Relu", "Identity", "Neg"]))
        previous = source
        for i in range(draw(st.sampled_from([1000, 5000]))):
            graph.node.add(name=f"c{i}", op=op, input=[previous])
            previous = f"c{i}"


@st.composite
def graphdef_payload(draw) -> Payload:
    return {".pb": draw(graph_def()).SerializeToString()}


@st.composite
def pbtxt_payload(draw) -> Payload:
    from google.protobuf import text_format

    text = text_format.MessageToString(draw(graph_def()), as_one_line=draw(st.booleans()))
    return {".pbtxt": text.encode()}


@st.composite
def meta_graph(draw, message, variables: Sequence[Tuple[str, str]] = (), garbage: bool = True):
    """Fill a MetaGraphDef: a graph, tags, the trainable-variables collection (serialized
    VariableDefs, or with `garbage` bytes that are not one), sometimes signatures and saved
    variables."""
    from netcost.proto import tf_meta_graph_pb2

    message.graph_def.CopyFrom(draw(graph_def(variables)))
    message.meta_info_def.tags.extend(draw(st.lists(st.sampled_from(["serve", "train", ""]),
                                                    max_size=2)))
    nodes = [n.name for n in message.graph_def.node] + ["missing"]
    if draw(st.integers(0, 3)):
        blobs = message.collection_def["trainable_variables"].bytes_list.value
        for _ in range(draw(st.integers(0, 4))):
            if not garbage or draw(st.integers(0, 7)):
                name = draw(st.sampled_from(nodes)) + draw(st.sampled_from([":0", "", ":1"]))
                blobs.append(tf_meta_graph_pb2.VariableDef(
                    variable_name=name).SerializeToString())
            else:
                blobs.append(draw(st.binary(max_size=12)))
    if draw(rare(5)):
        signature = message.signature_def[draw(st.sampled_from(
            ["serving_default", "other", "__saved_model_init_op"]))]
        for k in range(draw(st.integers(0, 2))):
            signature.outputs[f"out{k}"].name = draw(st.sampled_from(nodes)) + ":0"
    if draw(rare(5)):
        for _ in range(draw(st.integers(1, 3))):
            variable = message.object_graph_def.nodes.add().variable
            variable.name = draw(st.sampled_from(nodes)) + ":0"
            variable.trainable = draw(st.booleans())
            draw(shape_proto(variable.shape))
    return message


@st.composite
def metagraph_payload(draw) -> Payload:
    from google.protobuf import text_format

    from netcost.proto import tf_meta_graph_pb2

    binary = draw(st.integers(0, 3)) > 0
    garbage = binary or "text-meta-variabledef" not in AVOIDED
    meta = draw(meta_graph(tf_meta_graph_pb2.MetaGraphDef(), garbage=garbage))
    if binary:
        return {".meta": meta.SerializeToString()}
    return {".meta": text_format.MessageToString(meta).encode()}


@st.composite
def savedmodel_payload(draw) -> Payload:
    from netcost.proto import tf_meta_graph_pb2

    saved = tf_meta_graph_pb2.SavedModel(saved_model_schema_version=1)
    for _ in range(draw(rarely(st.just(1), st.sampled_from([0, 2]), 10))):
        draw(meta_graph(saved.meta_graphs.add()))
    return {"saved_model.pb": saved.SerializeToString()}


# --------------------------------------------------------------------------------------
# TF1 checkpoints: an index table written here (LevelDB's format, as TensorFlow writes it)

def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negative numbers as protobuf writes them: 10 bytes
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def table_block(items: Sequence[Tuple[bytes, bytes]], restart_interval: int) -> bytes:
    """Entries with their keys prefix-compressed, then the restart array."""
    out, restarts, previous = bytearray(), [], b""
    for i, (key, value) in enumerate(items):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            shared = len(os.path.commonprefix([previous, key]))
        out += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        out += key[shared:] + value
        previous = key
    restarts = restarts or [0]
    out += b"".join(r.to_bytes(4, "little") for r in restarts)
    return bytes(out + len(restarts).to_bytes(4, "little"))


@dataclass
class TableShape:
    """How a table is laid out and what, if anything, is wrong with it."""
    per_block: int = 8
    restart_interval: int = 16
    compression: int = 0
    bad_crc_block: int = -1  # this block gets a wrong crc


def write_table(items: Sequence[Tuple[bytes, bytes]], layout: TableShape) -> bytes:
    from netcost.frontends.tf_checkpoint import TABLE_MAGIC, crc32c, mask_crc

    out, index = bytearray(), []

    def put(block: bytes) -> bytes:
        handle = _varint(len(out)) + _varint(len(block))
        kind = bytes([layout.compression])
        crc = mask_crc(crc32c(block + kind))
        if layout.bad_crc_block == len(index):
            crc ^= 1
        out.extend(block + kind + crc.to_bytes(4, "little"))
        return handle

    for start in range(0, len(items), layout.per_block):
        chunk = items[start:start + layout.per_block]
        index.append((chunk[-1][0], put(table_block(chunk, layout.restart_interval))))
    meta_handle = put(table_block([], 1))
    index_handle = put(table_block(index, 1))
    footer = meta_handle + index_handle
    return bytes(out + footer + bytes(40 - len(footer)) + TABLE_MAGIC.to_bytes(8, "little"))


@st.composite
def table_layout(draw) -> TableShape:
    layout = TableShape(per_block=draw(st.integers(1, 9)),
                        restart_interval=draw(st.integers(1, 17)))
    if draw(rare(30)):
        layout.compression = draw(st.sampled_from([1, 2, 255]))
    if draw(rare(30)):
        layout.bad_crc_block = draw(st.integers(0, 3))
    return layout


@st.composite
def bundle_entry(draw, declared=None) -> bytes:
    """A BundleEntryProto: the declared shape of the variable it names, or another one."""
    from netcost.proto import tf_bundle_pb2

    entry = tf_bundle_pb2.BundleEntryProto(dtype=draw(dtypes))
    if declared is not None and draw(st.booleans()):
        entry.shape.CopyFrom(declared)
    else:
        draw(shape_proto(entry.shape))
    entry.shard_id = draw(ints(-2**31, 2**31 - 1))
    entry.offset = draw(ints(-2**63, 2**63 - 1))
    entry.size = draw(ints(-2**63, 2**63 - 1))
    entry.crc32c = draw(ints(0, 2**32 - 1))
    for _ in range(draw(rarely(st.just(0), st.integers(1, 3), 8))):
        draw(fill_message(entry.slices.add()))
    return entry.SerializeToString()


@st.composite
def bundle_header(draw) -> bytes:
    from netcost.proto import tf_bundle_pb2

    return draw(fill_message(tf_bundle_pb2.BundleHeaderProto())).SerializeToString()


class SeedCheckpoint:
    """The corpus checkpoint: its .index, .meta, and the index's (key, value) entries. Not a
    dataclass: hypothesis prints a strategy's arguments, and a dataclass field by field."""

    def __init__(self, index: bytes, meta: bytes, entries: Tuple[Tuple[bytes, bytes], ...]):
        self.index, self.meta, self.entries = index, meta, entries

    def __repr__(self) -> str:
        return f"<seed checkpoint, {len(self.entries)} entries>"


@st.composite
def checkpoint_payload(draw, seed: Optional[SeedCheckpoint]):
    """An .index with the .meta beside it: either a generated graph whose variables the index
    lists, or the seed checkpoint's graph with an index of random shapes for its variables."""
    from netcost.proto import tf_meta_graph_pb2

    if seed is not None and draw(st.booleans()):
        meta_bytes = seed.meta
        variables = [key.decode() for key, _ in seed.entries if key]
        declared = {}
    else:
        count = draw(st.integers(0, 4))
        variables = [f"v{i}" for i in range(count)]
        ops = draw(st.lists(st.sampled_from(["VariableV2", "VarHandleOp", "Variable"]),
                            min_size=count, max_size=count))
        meta = draw(meta_graph(tf_meta_graph_pb2.MetaGraphDef(), list(zip(variables, ops))))
        declared = {n.name: n.attr["shape"].shape for n in meta.graph_def.node}
        meta_bytes = meta.SerializeToString()
    items = []
    if not draw(rare(20)):
        items.append((b"", draw(bundle_header())))
    listed = draw(st.lists(st.sampled_from(variables), unique=True)) if variables else []
    for name in listed + draw(st.lists(names, max_size=2)):
        items.append((name.encode(), draw(bundle_entry(declared.get(name)))))
    if not draw(rare(10)):
        items.sort()
    return {".index": write_table(items, draw(table_layout())), ".meta": meta_bytes}


# --------------------------------------------------------------------------------------
# Mutations of corpus seeds, chosen by hypothesis

EXTREME_TOKENS = (b"0", b"-1", b"2147483648", b"4294967296", b"4611686018427387904",
                  b"9223372036854775808", b"-9223372036854775809", b"99999999999999999999",
                  b"1e308", b"-1e308", b"nan", b"inf", b"0x7fffffff", b"1e-400", b"00")
MUTATION_KINDS = ("set", "flip", "delete", "duplicate", "insert", "truncate", "splice",
                  "number", "varint", "repeat")
mutation = st.tuples(st.sampled_from(MUTATION_KINDS), st.integers(0, 2**32 - 1),
                     st.integers(0, 2**32 - 1),
                     st.one_of(st.integers(1, 16), st.sampled_from([64, 512, 4096])),
                     st.binary(min_size=1, max_size=8))
mutations = st.lists(mutation, min_size=1, max_size=6)


def mutate(data: bytes, ops, donors: Sequence[bytes]) -> bytes:
    """Apply hypothesis-drawn (kind, where, other, size, blob) mutations; positions are taken
    modulo the current length, so that every drawn value is valid whatever came before."""
    buf = bytearray(data)
    for kind, where, other, size, blob in ops:
        if not buf:
            buf.extend(blob)
            continue
        i = where % len(buf)
        if kind == "set":
            buf[i] = blob[0]
        elif kind == "flip":
            buf[i] ^= 1 << (other % 8)
        elif kind == "delete":
            del buf[i:i + size]
        elif kind == "duplicate":
            j = other % len(buf)
            buf[i:i] = buf[j:j + size]
        elif kind == "insert":
            buf[i:i] = blob
        elif kind == "truncate":
            del buf[i:]
        elif kind == "splice" and donors:
            donor = donors[other % len(donors)]
            j = (other // len(donors)) % max(1, len(donor))
            buf[i:] = donor[j:j + size * 8]
        elif kind == "number":
            _replace_number(buf, i, EXTREME_TOKENS[other % len(EXTREME_TOKENS)])
        elif kind == "varint":
            # In a binary file a length, tag or dim becomes huge (or negative: 10 bytes).
            buf[i:i + 1] = _varint(INT64_EXTREMES[other % len(INT64_EXTREMES)])
        elif kind == "repeat":
            buf[i:i] = bytes(buf[i:i + size]) * (other % 64)
        del buf[MAX_INPUT_BYTES:]
    return bytes(buf)


def _replace_number(buf: bytearray, start: int, token: bytes) -> None:
    """Replace the run of digits at or after `start` (text formats) by `token`."""
    digits = b"0123456789"
    while start < len(buf) and buf[start] not in digits:
        start += 1
    end = start
    while end < len(buf) and buf[end] in digits:
        end += 1
    if start < len(buf):
        buf[start:end] = token


@st.composite
def mutated_seed(draw, suffix: str, seeds: Sequence[bytes]) -> Payload:
    data = seeds[draw(st.integers(0, len(seeds) - 1))]
    return {suffix: mutate(data, draw(mutations), seeds)}


@st.composite
def mutated_checkpoint(draw, seed: SeedCheckpoint) -> Payload:
    """The seed checkpoint with its .index mutated: as raw bytes (mostly caught by the crc
    checks), or entry by entry and written back with valid crcs, which reaches the
    BundleEntryProto decoding and the freezing behind it."""
    if draw(rare(4)):
        return {".index": mutate(seed.index, draw(mutations), [seed.index]), ".meta": seed.meta}
    items = list(seed.entries)
    for _ in range(draw(st.integers(1, 4))):
        k = draw(st.integers(0, len(items) - 1))
        key, value = items[k]
        if not draw(rare(5)):
            value = mutate(value, draw(mutations), [v for _, v in items])
        else:
            key = mutate(key, draw(mutations), [k_ for k_, _ in items])
        items[k] = (key, value)
    return {".index": write_table(items, draw(table_layout())), ".meta": seed.meta}


# --------------------------------------------------------------------------------------
# Readers: what each one is given

@dataclass(frozen=True)
class Reader:
    name: str
    suffix: str  # of the file analyzed (and saved)
    seed_globs: Tuple[str, ...]  # under the shared folder
    structured: Callable[[], st.SearchStrategy]


READERS: Dict[str, Reader] = {r.name: r for r in (
    Reader("prototxt", ".prototxt", ("corpus/caffe/*.prototxt", "reference/lenet.prototxt"),
           prototxt_payload),
    Reader("caffemodel", ".caffemodel", (), caffemodel_payload),
    Reader("graphdef", ".pb", ("reference/tf/lenet_unfrozen.pb", "reference/tf/*.stripped.pb",
                               "corpus/tf/utensor_*.pb", "corpus/tf/tf2onnx_*frozen.pb",
                               "corpus/tf/kws_*.pb"), graphdef_payload),
    Reader("pbtxt", ".pbtxt", ("corpus/tf/*.pbtxt",), pbtxt_payload),
    Reader("metagraph", ".meta", ("reference/tf/lenet.ckpt.meta", "corpus/tf/*.meta"),
           metagraph_payload),
    Reader("savedmodel", "saved_model.pb", ("corpus/tf/*saved_model.pb",), savedmodel_payload),
    Reader("index", ".index", ("reference/tf/lenet.ckpt.index",), None),
)}


class Seeds(list):
    """Seed files: a list of bytes whose repr stays short (hypothesis prints strategies)."""

    def __repr__(self) -> str:
        return f"<{len(self)} seeds>"


def _read_seeds(patterns: Sequence[str]) -> List[bytes]:
    files = sorted({f for p in patterns for f in glob.glob(os.path.join(SHARED, p))})
    seeds = []
    for path in files:
        if os.path.getsize(path) <= MAX_SEED_BYTES:
            with open(path, "rb") as f:
                seeds.append(f.read())
    return Seeds(seeds)


def _caffemodel_seeds() -> List[bytes]:
    """The prototxt seeds the protobuf schema parses, as binary nets with a small weight blob
    on each layer that has parameters."""
    from google.protobuf import text_format

    from netcost.proto import caffe_pb2

    seeds = []
    for text in _read_seeds(READERS["prototxt"].seed_globs):
        net = caffe_pb2.NetParameter()
        try:
            text_format.Parse(text.decode("utf-8"), net)
        except Exception:  # fork fields the schema lacks: not a seed  # noqa: BLE001
            continue
        for layer in net.layer:
            if layer.type in ("Convolution", "InnerProduct", "Scale", "BatchNorm"):
                blob = layer.blobs.add()
                blob.shape.dim.extend([2, 3])
                blob.data.extend([0.5] * 6)
        seeds.append(net.SerializeToString())
    return Seeds(seeds)


def strategy_for(reader: str) -> st.SearchStrategy:
    """Structured inputs and, when the shared corpus is there, mutated seeds."""
    spec = READERS[reader]
    if reader == "index":
        return _checkpoint_strategy()
    seeds = _caffemodel_seeds() if reader == "caffemodel" else _read_seeds(spec.seed_globs)
    structured = spec.structured()
    if not seeds:
        return structured
    # Two structured inputs for one mutated seed: most mutations die in the first parser.
    return st.one_of(structured, structured, mutated_seed(spec.suffix, seeds))


def _checkpoint_strategy() -> st.SearchStrategy:
    from netcost.frontends.tf_checkpoint import _TableReader

    index_seeds = _read_seeds(READERS["index"].seed_globs)
    meta_seeds = _read_seeds(["reference/tf/lenet.ckpt.meta"])
    if not (index_seeds and meta_seeds):
        return checkpoint_payload(None)
    index = index_seeds[0]
    # The seed's entries, read with netcost's own table reader: the seed is a valid file.
    entries = tuple((bytes(k), bytes(v)) for k, v in _TableReader(index, "seed").items())
    seed = SeedCheckpoint(index, meta_seeds[0], entries)
    return st.one_of(checkpoint_payload(seed), mutated_checkpoint(seed))


# --------------------------------------------------------------------------------------
# Checking the contract on one input

class Hang(BaseException):
    """Raised by the alarm: a BaseException so that no `except Exception` swallows it."""


def _on_alarm(signum, frame):
    raise Hang()


@dataclass
class Finding:
    kind: str  # "crash", "slow", "memory", "hang"
    signature: str  # what makes two findings the same bug
    detail: str  # traceback or measurement


@dataclass
class Stats:
    reader: str
    examples: int = 0
    crashes: int = 0
    slow: int = 0
    slowest: float = 0.0
    # Shape-rule exceptions the engine turns into a ShapeError ("cannot infer the output
    # shape of this X layer (IndexError: ...)"): within the contract, but each is a rule
    # that did not expect its input. Signature -> [count, first message].
    masked: Dict[str, list] = field(default_factory=dict)
    saved: Dict[str, str] = field(default_factory=dict)  # signature -> saved base path
    sizes: Dict[str, int] = field(default_factory=dict)  # signature -> saved input size

    def summary(self, seconds: float) -> dict:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"reader": self.reader, "examples": self.examples, "crashes": self.crashes,
                "saved": len(self.saved), "slow": self.slow,
                "slowest_s": round(self.slowest, 3), "peak_rss_mib": round(peak),
                "seconds": round(seconds, 1),
                "masked": sum(count for count, _ in self.masked.values()),
                "masked_kinds": {k: tuple(v) for k, v in self.masked.items()}}


def _signature(error: BaseException) -> str:
    """Exception type and the innermost netcost frame: one saved input per bug."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.sep + "netcost" in f.filename or os.sep + "frontends" in f.filename]
    where = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    module = os.path.splitext(os.path.basename(where.filename))[0]
    return f"{type(error).__name__.lower()}-{module}-{where.lineno}"


MASKED = re.compile(r"cannot infer the output shape of this (.*) layer \((\w+): ")


def analyze(path: str) -> Optional[Finding]:
    """Run one input through netcost; a Finding when the contract is broken, or of kind
    "masked" for a shape-rule exception the engine reported as a ShapeError."""
    from netcost.cli import analyze_file
    from netcost.errors import NetcostError
    from netcost.options import Options

    try:
        analyze_file(path, Options(), "json")
    except NetcostError as e:
        try:
            text = str(e)  # what the CLI prints: it must not fail either
        except Exception as error:  # noqa: BLE001
            return Finding("crash", _signature(error), traceback.format_exc())
        if "".join(text.splitlines()) != text:  # any line break, not only "\n"
            return Finding("crash", "multiline-message", f"message spans lines: {text!r}")
        masked = MASKED.search(e.message)
        if masked:
            return Finding("masked", f"{masked.group(1)}-{masked.group(2)}", e.message)
    except Hang:
        return Finding("hang", "hang", f"still running after {HANG_SECONDS:.0f} s")
    except Exception as e:  # noqa: BLE001 - the contract: nothing else may escape
        return Finding("crash", _signature(e), traceback.format_exc())
    return None


class Harness:
    """Writes each input into a scratch folder, analyzes it, measures it, saves findings."""

    def __init__(self, reader: str, workdir: str, masked_dir: Optional[str] = None):
        self.reader = READERS[reader]
        self.workdir = workdir
        self.masked_dir = masked_dir  # where masked shape-rule exceptions go, if anywhere
        self.stats = Stats(reader)
        self.rss_limit_kib = MEMORY_LIMIT_BYTES // 1024  # ru_maxrss counts KiB on Linux

    def check(self, payload: Payload) -> None:
        self.stats.examples += 1
        main = self._write(payload)
        rss_before = self._rss_kib()
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
        gc.disable()  # as the CLI runs: a collection of hypothesis's garbage is not netcost's time
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            finding = analyze(main)
        finally:
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            gc.enable()
            signal.setitimer(signal.ITIMER_REAL, 0)
        self.stats.slowest = max(self.stats.slowest, elapsed)
        # A clean error (a masked one included) that is slow or too big is that finding.
        within = finding is None or finding.kind == "masked"
        if within and elapsed > SLOW_SECONDS:
            # CPU time beside it: on a busy machine wall time alone can cross the limit.
            finding = Finding("slow", "slow", f"took {elapsed:.2f} s, {cpu:.2f} s of CPU "
                              f"(limit {SLOW_SECONDS} s)")
        rss = self._rss_kib()
        if rss > self.rss_limit_kib and rss > rss_before:  # this input raised the peak
            memory = f"peak RSS {rss // 1024} MiB (limit {self.rss_limit_kib // 1024} MiB)"
            finding = Finding("memory", "memory", memory) if within else Finding(
                finding.kind, finding.signature, f"{memory}\n\n{finding.detail}")
        if finding is None:
            return
        if finding.kind == "masked":
            entry = self.stats.masked.setdefault(finding.signature, [0, finding.detail])
            entry[0] += 1
            if self.masked_dir:
                self._save(payload, finding, self.masked_dir)
            return
        if finding.kind == "slow":
            self.stats.slow += 1
        else:
            self.stats.crashes += 1
        self._save(payload, finding)

    @staticmethod
    def _rss_kib() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def _write(self, payload: Payload) -> str:
        for suffix, data in payload.items():
            with open(self._path(suffix), "wb") as f:
                f.write(data)
        return self._path(self.reader.suffix)

    def _path(self, suffix: str) -> str:
        stem = "" if suffix == "saved_model.pb" else "input"
        return os.path.join(self.workdir, stem + suffix)

    def _save(self, payload: Payload, finding: Finding, folder: Optional[str] = None) -> None:
        """Keep the smallest input per signature (the easiest one to debug) in `folder`,
        tests/regressions/ by default."""
        size = sum(len(d) for d in payload.values())
        key = finding.signature
        if key in self.stats.sizes and self.stats.sizes[key] <= size:
            return
        base = os.path.join(folder or REGRESSIONS, f"{self.reader.name}-hyp-{key}")
        os.makedirs(os.path.dirname(base), exist_ok=True)
        for suffix, data in payload.items():
            # saved_model.pb keeps its full name: the SavedModel reader goes by it.
            with open(base + ("." + suffix if suffix == "saved_model.pb" else suffix),
                      "wb") as f:
                f.write(data)
        with open(base + ".why.txt", "w") as f:
            f.write(f"Found by bench/fuzz_hypothesis.py (reader {self.reader.name}): "
                    f"{finding.kind}.\n\n{finding.detail}\n")
        self.stats.sizes[key] = size
        if folder is None:  # a regression, not a masked exception
            self.stats.saved[key] = base


# --------------------------------------------------------------------------------------
# Driving hypothesis

CHUNK = 1000  # examples per hypothesis run: its bookkeeping of a run grows with the run


def run_reader(reader: str, examples: int, seed_value: int = 1,
               progress: Optional[Callable[[Stats], None]] = None,
               avoid: Sequence[str] = (), masked_dir: Optional[str] = None) -> dict:
    """Run `examples` hypothesis examples against one reader; returns the summary.
    `avoid`: KNOWN_BUGS whose triggers are not generated."""
    global AVOIDED
    AVOIDED = frozenset(avoid)
    strategy = strategy_for(reader)
    workdir = tempfile.mkdtemp(prefix=f"netcost-hyp-{reader}-")
    harness = Harness(reader, workdir, masked_dir)
    previous_alarm = signal.signal(signal.SIGALRM, _on_alarm)
    started = time.time()
    try:
        for start in range(0, examples, CHUNK):
            _run_chunk(harness, strategy, min(CHUNK, examples - start), seed_value + start)
            gc.collect()  # a clean heap for the next chunk
            if progress:
                progress(harness.stats)
    finally:
        signal.signal(signal.SIGALRM, previous_alarm)
        shutil.rmtree(workdir, ignore_errors=True)
    return harness.stats.summary(time.time() - started)


def _run_chunk(harness: Harness, strategy, count: int, seed_value: int) -> None:
    # Generation only: a finding is recorded, never raised, so there is nothing to shrink
    # and the run goes on; the smallest input per bug is what gets saved.
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    @seed(seed_value)
    @given(strategy)
    def one(payload):
        harness.check(payload)

    one()


def _cap_address_space() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > ADDRESS_SPACE_CAP:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, hard))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", nargs="+", choices=sorted(READERS), default=list(READERS))
    parser.add_argument("--examples", type=int, default=100_000, help="per reader")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--progress", action="store_true", help="a line every 1000 examples")
    parser.add_argument("--masked-dir", metavar="DIR",
                        help="also save the smallest input of each masked shape-rule exception")
    parser.add_argument("--avoid-known", action="store_true",
                        help="leave out the triggers of the KNOWN_BUGS listed in this file")
    args = parser.parse_args(argv)
    # The cyclic GC runs between inputs (Harness.check turns it off during each analysis, as
    # the CLI does): hypothesis leaves cycles behind every example, and a heap grown by them
    # would hide a netcost input's own peak.
    _cap_address_space()
    failed = False

    started = time.time()

    def report(stats: Stats) -> None:
        # Complete enough to stand for the summary of a run stopped early.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"  {stats.reader}: {stats.examples} examples, {stats.crashes} crashes, "
              f"{stats.slow} slow (slowest {stats.slowest:.3f} s), peak RSS {peak} MiB, "
              f"{time.time() - started:.0f} s", file=sys.stderr, flush=True)

    for reader in args.reader:
        result = run_reader(reader, args.examples, args.seed, report if args.progress else None,
                            KNOWN_BUGS if args.avoid_known else (), args.masked_dir)
        print(summary_line(result), flush=True)
        print_masked(result["masked_kinds"], args.masked_dir)
        failed |= bool(result["crashes"] or result["slow"])
    return 1 if failed else 0


MASKED_SHOWN = 15


def print_masked(kinds: Dict[str, tuple], masked_dir: Optional[str]) -> None:
    """The most frequent masked shape-rule exceptions, one line each."""
    ranked = sorted(kinds.items(), key=lambda item: (-item[1][0], item[0]))
    for signature, (count, message) in ranked[:MASKED_SHOWN]:
        print(f"    masked x{count} {signature}: {message}", flush=True)
    if len(ranked) > MASKED_SHOWN:
        where = masked_dir or "--masked-dir DIR"
        print(f"    ... and {len(ranked) - MASKED_SHOWN} more kinds (an input of each: {where})",
              flush=True)


def summary_line(r: dict) -> str:
    return (f"{r['reader']}: {r['examples']} examples, {r['crashes']} crashes, "
            f"{r['slow']} slow (slowest {r['slowest_s']} s), {r['saved']} inputs saved, "
            f"peak RSS {r['peak_rss_mib']} MiB, {r['seconds']} s; {r['masked']} shape-rule "
            f"exceptions reported as ShapeError ({len(r['masked_kinds'])} kinds)")


if __name__ == "__main__":
    sys.exit(main())
