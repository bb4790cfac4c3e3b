"""Shape rules check what they read: a layer the framework itself would refuse is reported in
the framework's terms (exit 2, one line), never as the engine's catch-all "cannot infer the
output shape of this X layer (IndexError: ...)" that leaks Python internals.

Each row names the framework's own check the message follows: Caffe's layer .hpp/.cpp
CHECKs, TensorFlow's OpDefs and shape functions (tensorflow/core/ops/*.cc,
tensorflow/core/framework/common_shape_fns.cc)."""
import pytest

from netcost.cli import run

PYTHON_ERRORS = ("IndexError", "KeyError", "TypeError", "ValueError", "ZeroDivisionError",
                 "OverflowError", "cannot infer the output shape")

# ---------------------------------------------------------------- Caffe

INPUT = ('layer {{ name: "input" type: "Input" top: "data" '
         'input_param {{ shape {{ {dims} }} }} }}\n')


def caffe_input(*dims):
    return INPUT.format(dims=" ".join(f"dim: {d}" for d in dims))


SCALAR = (caffe_input(1, 3, 4, 1) +  # Accuracy's top is a scalar blob
          'layer { name: "acc" type: "Accuracy" bottom: "data" bottom: "data" top: "s" }\n')

CAFFE = [
    # slice_layer.hpp: MinTopBlobs() is 1; layer.hpp CheckBlobCounts: "Slice Layer produces
    # at least 1 top blob(s) as output" (was a ZeroDivisionError splitting among 0 tops).
    ("slice-without-tops", caffe_input(16, 4, 1, 1)
     + 'layer { name: "s" type: "Slice" bottom: "data" }\n',
     "s: Slice needs at least one top, got 0"),
    # data_layer.hpp: MinTopBlobs() is 1.
    ("data-without-tops", 'layer { name: "d" type: "Data" data_param { batch_size: 4 } }\n',
     "d: Data needs at least one top, got 0"),
    # hdf5_data_layer.hpp: MinTopBlobs() is 1 (here a V1 layer, upgraded).
    ("hdf5data-without-tops", 'layers { name: "h" type: HDF5_DATA }\n',
     "h: HDF5Data needs at least one top, got 0"),
    # image_data_layer.hpp: ExactNumTopBlobs() is 2 (images and labels; forks vary the count,
    # the images' top is what every one of them needs).
    ("imagedata-without-tops", 'layer { name: "i" type: "ImageData" '
     'image_data_param { batch_size: 2 } }\n',
     "i: ImageData needs at least one top, got 0"),
    # argmax_layer.cpp without an axis: CHECK_LE(top_k_, bottom[0]->count(1)); Blob::count(1)
    # checks CHECK_LE(start_axis, num_axes()), which a scalar (0-axis) blob fails.
    ("argmax-of-a-scalar", SCALAR
     + 'layer { name: "am" type: "ArgMax" bottom: "s" top: "am" }\n',
     "am: ArgMax without an axis needs an input of rank 1 or more"),
    # argmax_layer.cpp: CHECK_LE(top_k_, bottom[0]->count(1)) "top_k must be less than or
    # equal to the dimension of the flattened bottom blob per instance".
    ("argmax-top-k-beyond-item", caffe_input(2, 3, 1, 1)
     + 'layer { name: "am" type: "ArgMax" bottom: "data" top: "am" '
       'argmax_param { top_k: 5 } }\n',
     "am: top_k 5 exceeds the 3 values of each item"),
    # interp_layer.cpp (DeepLab/PSPNet): CHECK_GE(shrink_factor, 1) "Shrink factor must be
    # positive" (was a ZeroDivisionError).
    ("interp-zero-shrink", caffe_input(1, 2, 8, 8)
     + 'layer { name: "r" type: "Interp" bottom: "data" top: "r" '
       'interp_param { shrink_factor: 0 zoom_factor: 0 } }\n',
     "r: Interp shrink_factor must be positive, got 0"),
    # interp_layer.cpp: CHECK_GE(zoom_factor, 1) "Zoom factor must be positive".
    ("interp-zero-zoom", caffe_input(1, 2, 8, 8)
     + 'layer { name: "r" type: "Interp" bottom: "data" top: "r" '
       'interp_param { zoom_factor: 0 } }\n',
     "r: Interp zoom_factor must be positive, got 0"),
    # interp_layer.cpp reads bottom[1]->height()/width(); blob.hpp LegacyShape:
    # CHECK_LE(num_axes(), 4) "Cannot use legacy accessors on Blobs with > 4 axes".
    ("interp-reference-of-5-axes", caffe_input(1, 2, 8, 8)
     + 'layer { name: "big" type: "Input" top: "big" '
       'input_param { shape { dim: 1 dim: 2 dim: 3 dim: 4 dim: 5 } } }\n'
       'layer { name: "r" type: "Interp" bottom: "data" bottom: "big" top: "r" }\n',
     "r: Interp's second bottom 1x2x3x4x5 has more than 4 axes"),
]

# ---------------------------------------------------------------- TensorFlow


def placeholder(name, dims, dtype="DT_FLOAT"):
    shape = " ".join(f"dim {{ size: {d} }}" for d in dims)
    return (f'node {{ name: "{name}" op: "Placeholder" attr {{ key: "dtype" value {{ type: '
            f'{dtype} }} }} attr {{ key: "shape" value {{ shape {{ {shape} }} }} }} }}\n')


def const(name, values, dtype="DT_INT32", dims=None):
    dims = [len(values)] if dims is None else dims
    field = "float_val" if dtype == "DT_FLOAT" else "int_val"
    shape = " ".join(f"dim {{ size: {d} }}" for d in dims)
    vals = " ".join(f"{field}: {v}" for v in values)
    return (f'node {{ name: "{name}" op: "Const" attr {{ key: "dtype" value {{ type: {dtype} '
            f'}} }} attr {{ key: "value" value {{ tensor {{ dtype: {dtype} tensor_shape {{ '
            f'{shape} }} {vals} }} }} }} }}\n')


# A resource variable's handle: what it holds rides along as the handle's value.
HANDLE = ('node { name: "v" op: "VarHandleOp" attr { key: "dtype" value { type: DT_FLOAT } } '
          'attr { key: "shape" value { shape { dim { size: 2 } dim { size: 3 } } } } }\n')


def node(name, op, inputs, **lists):
    """A node; keyword args are list(int) attrs, except padding (a string)."""
    attrs = ""
    for key, value in lists.items():
        if isinstance(value, str):
            attrs += f'attr {{ key: "{key}" value {{ s: "{value}" }} }} '
        else:
            items = " ".join(f"i: {v}" for v in value)
            attrs += f'attr {{ key: "{key}" value {{ list {{ {items} }} }} }} '
    ins = " ".join(f'input: "{i}"' for i in inputs)
    return f'node {{ name: "{name}" op: "{op}" {ins} {attrs}}}\n'


ONES4, ONES5 = [1] * 4, [1] * 5

TF = [
    # math_ops.cc: Abs's T is {bfloat16, half, float, double, int8, ..., int64}; graph
    # construction: "Input 0 of node a was passed resource from v:0 incompatible with
    # expected float" (was "TypeError: bad operand type for abs(): 'Shape'").
    ("abs-of-a-handle", HANDLE + node("a", "Abs", ["v"]),
     "a: Abs takes a numeric tensor, not a resource handle"),
    # math_ops.cc All: reduction_indices is Tidx in {int32, int64} (ReductionShape:
    # "reduction_indices can only be int32 or int64").
    ("all-axes-from-a-handle", placeholder("x", [2, 3], "DT_BOOL") + HANDLE
     + node("a", "All", ["x", "v"]),
     "a: a resource tensor is used as All's reduction_indices"),
    ("all-axes-of-floats", placeholder("x", [2, 3], "DT_BOOL")
     + const("c", [1.5], "DT_FLOAT", []) + node("a", "All", ["x", "c"]),
     "a: a float32 tensor is used as All's reduction_indices"),
    # math_ops.cc ArgMax/ArgMin: dimension is Tidx in {int32, int64}.
    ("argmax-dimension-from-a-handle", placeholder("x", [2, 3]) + HANDLE
     + node("a", "ArgMax", ["x", "v"]),
     "a: a resource tensor is used as ArgMax's dimension"),
    # math_ops.cc ArgOpShape: WithRank(c->input(1), 0) "Shape must be rank 0 but is rank 1".
    ("argmin-dimension-not-scalar", placeholder("x", [2, 3]) + const("d", [1])
     + node("a", "ArgMin", ["x", "d"]),
     "a: ArgMin's dimension must be a scalar, got shape 1"),
    # nn_ops.cc AvgPoolGrad: orig_input_shape is int32, read by MakeShapeFromShapeTensor(0).
    ("avgpoolgrad-shape-from-a-handle", placeholder("g", [2, 3, 3, 1]) + HANDLE
     + node("a", "AvgPoolGrad", ["v", "g"], ksize=ONES4, strides=ONES4, padding="VALID"),
     "a: a resource tensor is used as a shape"),
    # nn_ops.cc Conv2DBackpropInput's OpDef has 3 inputs: "NodeDef expected inputs 'int32,
    # float, float' do not match 0 inputs specified" (was "ValueError: not enough values to
    # unpack (expected 3, got 0)").
    ("conv2d-backprop-input-without-inputs", node("a", "Conv2DBackpropInput", [],
                                                  strides=ONES4, padding="VALID"),
     "a: Conv2DBackpropInput takes 3 inputs (input_sizes, filter, out_backprop), got 0"),
    # array_ops.cc BroadcastArgs's OpDef: s0, s1 (was "ValueError: not enough values to
    # unpack (expected 2, got 0)").
    ("broadcast-args-without-inputs", node("b", "BroadcastArgs", []),
     "b: BroadcastArgs takes 2 inputs (s0, s1), got 0"),
    # array_ops.cc SelectV2's OpDef: condition, t, e.
    ("selectv2-two-inputs", placeholder("c", [2, 3], "DT_BOOL") + placeholder("x", [2, 3])
     + node("a", "SelectV2", ["c", "x"]),
     "a: SelectV2 takes 3 inputs (condition, t, e), got 2"),
    # array_ops.cc SelectV2 shape fn: t and e broadcast, then the condition with them
    # (BroadcastBinaryOpOutputShapeFnHelper: "Dimensions must be equal, but are 3 and 2").
    ("selectv2-values-do-not-broadcast", placeholder("c", [], "DT_BOOL")
     + placeholder("x", [3, 4]) + placeholder("y", [2, 4]) + node("a", "SelectV2", ["c", "x", "y"]),
     "a: SelectV2 values t and e do not broadcast: 3x4 vs 2x4"),
    ("selectv2-condition-does-not-broadcast", placeholder("c", [2, 3, 4], "DT_BOOL")
     + placeholder("x", [2, 3]) + node("a", "SelectV2", ["c", "x", "x"]),
     "a: SelectV2 condition and values do not broadcast: 2x3x4 vs 2x3"),
    # common_shape_fns.cc Pool3DShape: WithRank(c->input(0), 5, ...) (was "IndexError: tuple
    # index out of range").
    ("maxpool3d-input-rank", placeholder("x", [1, 2, 3])
     + node("a", "MaxPool3D", ["x"], ksize=ONES5, strides=ONES5, padding="VALID"),
     "a: MaxPool3D needs a rank-5 input, got 1x2x3"),
    # Pool3DShape: "Pool3D requires the ksize attribute to contain 5 values, but got: 2".
    ("maxpool3d-short-ksize", placeholder("x", [1, 2, 3, 4, 5])
     + node("a", "MaxPool3D", ["x"], ksize=[1, 1], strides=ONES5, padding="VALID"),
     "a: MaxPool3D requires ksize to contain 5 values, got 2"),
    # MaxPoolShape: WithRank(c->input(0), 4) (a rank-3 input was taken silently).
    ("maxpool-input-rank", placeholder("x", [1, 2, 3])
     + node("a", "MaxPool", ["x"], ksize=ONES4, strides=ONES4, padding="VALID"),
     "a: MaxPool needs a rank-4 input, got 1x2x3"),
    # CheckValidPadding: "explicit_paddings attribute must contain 8 values, but got: 3".
    ("maxpool-explicit-paddings", placeholder("x", [1, 4, 4, 1])
     + node("a", "MaxPool", ["x"], ksize=[1, 2, 2, 1], strides=ONES4, padding="EXPLICIT",
            explicit_paddings=[0, 0, 1]),
     "a: MaxPool: the explicit_paddings attribute must contain 8 values, got 3"),
    # image_ops.cc ResizeShapeFn: WithRank(images, 4) (was "IndexError: tuple index out of
    # range").
    ("resize-images-rank", placeholder("x", [4]) + const("hw", [5, 4])
     + node("a", "ResizeBicubic", ["x", "hw"]),
     "a: ResizeBicubic needs a rank-4 images input, got 4 (rank 1)"),
    # ResizeShapeFn: WithValue(c->Dim(size, 0), 2) "Dimension must be 2 but is 4".
    ("resize-size-of-4", placeholder("x", [1, 4, 4, 1]) + const("hw", [5, 4, 3, 3])
     + node("a", "ResizeBilinear", ["x", "hw"]),
     "a: ResizeBilinear's size must be a vector of 2 values (height, width), got shape 4"),
    # common_shape_fns.cc FusedBatchNormShape: WithRank(c->input(0), rank) (4, or 5 for
    # NDHWC/NCDHW).
    ("fused-batch-norm-rank", placeholder("x", [4]) + placeholder("c", [4])
     + node("a", "FusedBatchNormV2", ["x", "c", "c", "c", "c"]),
     "a: FusedBatchNormV2 needs a rank-4 x, got 4 (rank 1)"),
    # FusedBatchNormGradShape: WithRank(c->input(0), rank) for y_backprop.
    ("fused-batch-norm-grad-rank", placeholder("dy", []) + placeholder("x", [1, 2, 2, 3])
     + placeholder("c", [3]) + node("a", "FusedBatchNormGradV3", ["dy", "x", "c", "c", "c"]),
     "a: FusedBatchNormGradV3 needs a rank-4 y_backprop, got scalar (rank 0)"),
    # array_ops.cc SpaceToDepth: WithRank(input, 4) (was "ValueError: not enough values to
    # unpack (expected 4, got 1)").
    ("space-to-depth-rank", placeholder("x", [8]) + node("a", "SpaceToDepth", ["x"]),
     "a: SpaceToDepth needs a rank-4 input, got 8 (rank 1)"),
    # SpaceToDepth: Divide(dim, block_size, evenly_divisible=true) "Dimension size must be
    # evenly divisible by 2 but is 5".
    ("space-to-depth-uneven", placeholder("x", [1, 5, 4, 3]) + node("a", "SpaceToDepth", ["x"]),
     "a: SpaceToDepth: dimension 5 is not evenly divisible by 2"),
    # array_ops.cc PadShapeFn: WithRank(paddings, 2) and WithValue(Dim(paddings, 1), 2)
    # (was "IndexError: list index out of range" reading a second padding).
    ("pad-paddings-not-a-matrix", placeholder("x", [4]) + const("p", [8])
     + node("a", "Pad", ["x", "p"]),
     "a: Pad's paddings must be a matrix of (before, after) rows, got shape 1"),
    # PadShapeFn: WithRank(input, Value(Dim(paddings, 0))).
    ("pad-rows-for-another-rank", placeholder("x", [4, 4]) + const("p", [1, 1], dims=[1, 2])
     + node("a", "Pad", ["x", "p"]),
     "a: Pad's paddings have 1 row(s) for an input of rank 2"),
    # PadKnown: "Paddings must be non-negative".
    ("pad-negative", placeholder("x", [4]) + const("p", [-1, 1], dims=[1, 2])
     + node("a", "Pad", ["x", "p"]),
     "a: Pad's paddings must be non-negative, got [-1, 1]"),
    # ConcatV2's OpDef: N >= 2 values, then the axis (was "IndexError: list index out of
    # range" for an axis alone).
    ("concat-of-nothing", const("axis", [0], dims=[]) + node("a", "ConcatV2", ["axis"]),
     "a: ConcatV2 takes the tensors to join and an axis, got 1 input(s)"),
    # Conv2DShapeImpl: "Conv2D requires the dilation attribute to contain 4 values, but
    # got: 2".
    ("conv2d-short-dilations", placeholder("x", [1, 4, 4, 1]) + placeholder("w", [2, 2, 1, 1])
     + node("a", "Conv2D", ["x", "w"], strides=ONES4, dilations=[1, 1], padding="VALID"),
     "a: Conv2D requires dilations to contain 4 values, got 2"),
    # Reading an output an op does not have: array_ops.cc ListDiff outputs out and idx;
    # nn_ops.cc FusedBatchNormGradV3 five, FusedBatchNormV3 six. Graph construction refuses
    # it ("Node 'r': Connecting to invalid output 6 of source node bn which has 6 outputs").
    # ListDiff and the gradient were an IndexError (found by fuzz_hypothesis.py), the batch
    # norm read unknown shapes for the outputs beyond its own.
    ("listdiff-third-output", const("a", [1, 2, 3]) + node("d", "ListDiff", ["a", "a"])
     + node("r", "Identity", ["d:2"]),
     "d: ListDiff produces 2 output(s) here but the graph names or reads 3"),
    ("batch-norm-grad-seventh-output", placeholder("x", [1, 4, 4, 3]) + placeholder("v", [3])
     + node("g", "FusedBatchNormGradV3", ["x", "x", "v", "v", "v"])
     + node("r", "Relu", ["g:6"]),
     "g: FusedBatchNormGradV3 produces 5 output(s) here but the graph names or reads 7"),
    ("batch-norm-seventh-output", placeholder("x", [1, 4, 4, 3]) + placeholder("v", [3])
     + node("b", "FusedBatchNormV3", ["x", "v", "v", "v", "v"]) + node("r", "Relu", ["b:6"]),
     "b: FusedBatchNormV3 produces 6 output(s) here but the graph names or reads 7"),
    # array_ops.cc UnpackShape: WithValue(Dim(s, axis), num) ("Dimension must be 4 but is
    # 3"); folding the unpacked values was an IndexError.
    ("unpack-num-beyond-the-axis", const("a", [1, 2, 3])
     + 'node { name: "u" op: "Unpack" input: "a" attr { key: "num" value { i: 4 } } }\n'
     + node("r", "Identity", ["u:3"]),
     "u: Unpack into 4 tensors needs axis 0 of size 4, got 3"),
    # array_ops.cc SplitV: one size per output ("Length of size_splits should be equal to
    # num_outputs"); an IndexError before.
    ("splitv-sizes-and-num-split-differ", placeholder("x", [2, 4]) + const("s", [1, 3])
     + const("ax", [1], dims=[])
     + 'node { name: "v" op: "SplitV" input: "x" input: "s" input: "ax" '
       'attr { key: "num_split" value { i: 1 } } }\n' + node("r", "Identity", ["v:1"]),
     "v: SplitV has num_split 1 but 2 size_splits"),
    # common_shape_fns.cc Conv2DShapeImpl / Conv3DShape, DepthwiseConv2DNativeShape:
    # WithRank(filter, 4 or 5) ("Shape must be rank 5 but is rank 2"); IndexErrors before.
    ("conv3d-filter-of-rank-2", placeholder("x", [1, 4, 4, 4, 1]) + placeholder("w", [3, 3])
     + node("c", "Conv3D", ["x", "w"], strides=ONES5, padding="VALID"),
     "c: Conv3D needs a rank-5 filter, got 3x3 (rank 2)"),
    ("depthwise-filter-of-rank-2", placeholder("x", [1, 4, 4, 1]) + placeholder("w", [3, 3])
     + node("c", "DepthwiseConv2dNative", ["x", "w"], strides=ONES4, padding="VALID"),
     "c: DepthwiseConv2dNative needs a rank-4 filter, got 3x3 (rank 2)"),
    # array_ops.cc StridedSlice: input, begin, end, strides (a ValueError unpacking them).
    ("strided-slice-of-two-inputs", placeholder("x", [4]) + const("b", [0])
     + node("s", "StridedSlice", ["x", "b"]),
     "s: StridedSlice takes 4 inputs (input, begin, end, strides), got 2"),
    # array_ops.cc ConcatOffset: concat_dim and N >= 2 shapes (attr N: int >= 2); its kernel
    # checks that every shape has as many elements as the first. IndexErrors before.
    ("concat-offset-of-one-shape", const("ax", [0], dims=[]) + const("s", [2, 3])
     + node("o", "ConcatOffset", ["ax", "s"]),
     "o: ConcatOffset takes the concat axis and two or more shapes, got 2 input(s)"),
    ("concat-offset-shapes-differ", const("ax", [1], dims=[]) + const("s", [2, 3, 4])
     + const("t", [2, 3]) + node("o", "ConcatOffset", ["ax", "s", "t"]),
     "o: ConcatOffset's shape 1 has 2 elements, shape 0 has 3"),
    # nn_ops.cc Conv2DBackpropFilter: input, filter_sizes, out_backprop. With two, the first
    # was read as the image and its tf-profiler cost (conv_grad_ops flops) raised an internal
    # IndexError on a scalar (hypothesis, metagraph reader).
    ("conv-backprop-filter-of-two-inputs", placeholder("x", [])
     + const("fs", [3, 3, 1, 1]) + node("g", "Conv2DBackpropFilter", ["x", "fs"],
                                         strides=ONES4, padding="VALID"),
     "g: Conv2DBackpropFilter takes 3 inputs (input, filter_sizes, out_backprop), got 2"),
    # The conv_grad kernels take 4-D (5-D for 3-D) tensors: "input must be 4-dimensional".
    ("conv-backprop-filter-of-a-matrix", placeholder("x", [4, 4]) + const("fs", [3, 3, 1, 1])
     + placeholder("dy", [1, 2, 2, 1])
     + node("g", "Conv2DBackpropFilter", ["x", "fs", "dy"], strides=ONES4, padding="VALID"),
     "g: Conv2DBackpropFilter needs a rank-4 input, got 4x4 (rank 2)"),
    ("conv-backprop-input-filter-of-rank-2", const("s", [1, 4, 4, 1]) + placeholder("w", [3, 3])
     + placeholder("dy", [1, 2, 2, 1])
     + node("g", "Conv2DBackpropInput", ["s", "w", "dy"], strides=ONES4, padding="VALID"),
     "g: Conv2DBackpropInput needs a rank-4 filter, got 3x3 (rank 2)"),
    ("conv-backprop-filter-sizes-of-2", placeholder("x", [1, 4, 4, 1]) + const("fs", [3, 3])
     + placeholder("dy", [1, 2, 2, 1])
     + node("g", "Conv2DBackpropFilter", ["x", "fs", "dy"], strides=ONES4, padding="VALID"),
     "g: Conv2DBackpropFilter's filter_sizes must hold 4 values, got 2"),
    # conv_grad_shape_utils.cc: the strides divide the spatial dims; a zero stride divided
    # the cost formula by zero.
    ("conv-backprop-zero-stride", placeholder("x", [1, 4, 4, 1]) + const("fs", [3, 3, 1, 1])
     + placeholder("dy", [1, 2, 2, 1])
     + node("g", "Conv2DBackpropFilter", ["x", "fs", "dy"], strides=[1, 0, 1, 1],
            padding="VALID"),
     "g: Conv2DBackpropFilter strides must be positive, got [1, 0, 1, 1]"),
    # OpDef attr kinds: data_format is a string ("AttrValue had value with type 'float' when
    # 'string' expected"); .startswith on a float was an internal AttributeError (hypothesis,
    # savedmodel reader).
    ("pool-data-format-of-a-float", placeholder("x", [1, 4, 4, 1])
     + 'node { name: "p" op: "MaxPool" input: "x" attr { key: "data_format" value { f: 1.5 } } '
       'attr { key: "ksize" value { list { i: 1 i: 2 i: 2 i: 1 } } } '
       'attr { key: "strides" value { list { i: 1 i: 2 i: 2 i: 1 } } } '
       'attr { key: "padding" value { s: "VALID" } } }\n',
     "p: MaxPool's data_format attr is 1.5, not a string"),
    # kernel_shape_util.cc GetWindowedOutputSize: "Stride must be > 0, but got 0".
    ("pool-zero-stride", placeholder("x", [1, 4, 4, 1])
     + node("p", "AvgPool", ["x"], ksize=[1, 2, 2, 1], strides=[1, 0, 1, 1], padding="VALID"),
     "p: stride must be > 0, got 0"),
    # Conv2DShape: the filter's input depth divides the input's; a depth of 0 was a modulo by
    # zero.
    ("conv-filter-depth-0", placeholder("x", [1, 4, 4, 3]) + placeholder("w", [2, 2, 0, 1])
     + node("c", "Conv2D", ["x", "w"], strides=ONES4, padding="VALID"),
     "c: the filter has an input depth of 0"),
    # nn_ops.cc SparseSoftmaxCrossEntropyWithLogits: WithRank(labels, 1).
    ("sparse-xent-labels-of-rank-2", placeholder("f", [2, 5]) + placeholder("l", [2, 1], "DT_INT32")
     + node("s", "SparseSoftmaxCrossEntropyWithLogits", ["f", "l"]),
     "s: SparseSoftmaxCrossEntropyWithLogits needs rank-1 labels, got 2x1"),
]


def _analyze(tmp_path, name, content, capsys):
    path = tmp_path / name
    path.write_text(content)
    status = run([str(path), "-o", str(tmp_path / "out.json"), "-q"])
    return path, status, capsys.readouterr().err


@pytest.mark.parametrize("name, content, expected",
                         [(f"{n}.prototxt", c, e) for n, c, e in CAFFE]
                         + [(f"{n}.pbtxt", c, e) for n, c, e in TF],
                         ids=[row[0] for row in CAFFE + TF])
def test_rule_says_what_is_wrong(tmp_path, capsys, name, content, expected):
    path, status, err = _analyze(tmp_path, name, content, capsys)
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith(f"netcost: error: {path}: "), err
    assert expected in lines[0], lines[0]
    assert not any(word in lines[0] for word in PYTHON_ERRORS), lines[0]
    assert not (tmp_path / "out.json").exists()


def test_interp_reads_a_small_reference_as_caffe_does(tmp_path, capsys):
    """Blob::LegacyShape reads an axis a blob lacks as 1: a 2-axis size reference gives a
    1x1 output, as in Caffe (it was an IndexError)."""
    content = (caffe_input(1, 2, 8, 8)
               + 'layer { name: "ref" type: "Input" top: "ref" '
                 'input_param { shape { dim: 1 dim: 2 } } }\n'
                 'layer { name: "r" type: "Interp" bottom: "data" bottom: "ref" top: "r" }\n')
    path = tmp_path / "interp.prototxt"
    path.write_text(content)
    status = run([str(path), "-f", "json", "-q"])
    out = capsys.readouterr().out
    assert status == 0
    import json

    layers = {layer["name"]: layer for layer in json.loads(out)["layers"]}
    assert layers["r"]["outputs"][0]["shape"] == [1, 2, 1, 1]


def test_empty_constants_add_up_to_an_empty_value(tmp_path, capsys):
    """Add of two empty int32 constants is a valid graph: its folded value is empty too (the
    handle check read element 0 of the empty value: an IndexError)."""
    content = const("e", [], dims=[0]) + node("s", "Add", ["e", "e"])
    path = tmp_path / "empty.pbtxt"
    path.write_text(content)
    status = run([str(path), "-f", "json", "-q"])
    out, err = capsys.readouterr()
    assert status == 0, err
    import json

    layers = {layer["name"]: layer for layer in json.loads(out)["layers"]}
    assert layers["s"]["outputs"][0]["shape"] == [0]


def test_fused_batch_norm_of_a_volume(tmp_path, capsys):
    """TF 2's FusedBatchNormV3 takes NDHWC volumes: rank 5, the channels last (it was
    checked as rank 4 with the channels at axis 3)."""
    content = (placeholder("x", [2, 3, 4, 5, 6]) + placeholder("c", [6])
               + 'node { name: "bn" op: "FusedBatchNormV3" input: "x" input: "c" input: "c" '
                 'input: "c" input: "c" attr { key: "data_format" value { s: "NDHWC" } } }\n')
    path = tmp_path / "bn3d.pbtxt"
    path.write_text(content)
    status = run([str(path), "-f", "json", "-q"])
    out, err = capsys.readouterr()
    assert status == 0, err
    import json

    layers = {layer["name"]: layer for layer in json.loads(out)["layers"]}
    assert [o["shape"] for o in layers["bn"]["outputs"][:2]] == [[2, 3, 4, 5, 6], [6]]


def test_gather_out_of_range_keeps_its_shape(tmp_path, capsys):
    """Constant indices outside the params are the kernel's error when it runs ("indices[0] =
    4 is not in [0, 3)"); TF builds the graph, so the shape stands and the value is unknown
    (folding it was an IndexError, and index -1 read the last element)."""
    content = (const("p", [4, -1, 4]) + node("g", "Gather", ["p", "p"])
               + node("r", "Reshape", ["p", "g"]))
    path = tmp_path / "gather.pbtxt"
    path.write_text(content)
    status = run([str(path), "-f", "json", "-q"])
    out, err = capsys.readouterr()
    assert status == 0, err
    import json

    layers = {layer["name"]: layer for layer in json.loads(out)["layers"]}
    assert layers["g"]["outputs"][0]["shape"] == [3]
    assert layers["r"]["outputs"][0]["shape"] == [None, None, None]


def test_conv_backprop_of_an_empty_image_counts_nothing(tmp_path, capsys):
    """A 0-channel image is a valid (empty) TF tensor: tf-profiler's conv gradient formula
    divides by the channels, netcost counts 0 instead of dividing by zero."""
    content = (placeholder("x", [1, 4, 4, 0]) + const("fs", [3, 3, 0, 1])
               + placeholder("dy", [1, 2, 2, 1])
               + node("g", "Conv2DBackpropFilter", ["x", "fs", "dy"], strides=ONES4,
                      padding="VALID"))
    path = tmp_path / "empty.pbtxt"
    path.write_text(content)
    out = tmp_path / "out.json"
    assert run([str(path), "-c", "tf-profiler", "-o", str(out), "-q"]) == 0, \
        capsys.readouterr().err
    import json

    grad = json.loads(out.read_text())["layers"][-1]
    assert grad["counts"]["flops"] == 0
