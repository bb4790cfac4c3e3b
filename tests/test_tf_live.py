"""netcost against real TensorFlow, node by node: graphs built with TensorFlow (graph mode,
tf.function + convert_variables_to_constants_v2, Keras applications frozen both ways), written
as .pb, then every node's tf.profiler flops and TF's static output shapes compared with
netcost's `tf-profiler` flops and inferred shapes.

Skipped only when TensorFlow is absent; CI installs tensorflow-cpu and tf-keras."""
import json
import os
import subprocess
import sys

import pytest

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf_oracle_util as U  # noqa: E402

v1 = tf.compat.v1
raw = tf.raw_ops
F32 = tf.float32


# ---------------------------------------------------------------- building blocks

def ph(shape, name="x", dtype=F32):
    return v1.placeholder(dtype, shape, name=name)


_SEED = np.random.RandomState(0)


def const(shape, name="w", dtype=np.float32):
    return tf.constant(_SEED.uniform(-1, 1, shape).astype(dtype), name=name)


def grad(y, x):
    """d(sum y)/dx: the gradient subgraph (Shape, BroadcastGradientArgs, *Grad ops...)."""
    return tf.gradients(y, x)[0]


CASES = {}


def case(name):
    def add(fn):
        assert name not in CASES, name
        CASES[name] = fn
        return fn

    return add


# ---------------------------------------------------------------- convolutions

for _stride in (1, 2, 3):
    for _padding in ("SAME", "VALID"):
        @case(f"conv2d-s{_stride}-{_padding}")
        def _conv(stride=_stride, padding=_padding):
            x = ph([1, 17, 13, 3])
            tf.nn.conv2d(x, const([3, 3, 3, 5]), stride, padding)


@case("conv2d-strides-2x3-kernel-4x2-SAME")
def _():
    tf.nn.conv2d(ph([2, 17, 13, 5]), const([4, 2, 5, 3]), [1, 2, 3, 1], "SAME")


@case("conv2d-explicit-padding")
def _():
    x = ph([1, 17, 13, 3])
    tf.nn.conv2d(x, const([3, 3, 3, 5]), 2, [[0, 0], [1, 2], [0, 3], [0, 0]])


@case("explicit-padding-depthwise-maxpool")
def _():
    x = ph([1, 17, 13, 3])
    raw.DepthwiseConv2dNative(input=x, filter=const([3, 3, 3, 2]), strides=[1, 2, 3, 1],
                              padding="EXPLICIT",
                              explicit_paddings=[0, 0, 2, 1, 0, 3, 0, 0], name="depthwise")
    tf.nn.max_pool2d(x, [3, 2], [2, 3], [[0, 0], [1, 1], [0, 1], [0, 0]], name="maxpool")
    tf.nn.max_pool2d(ph([1, 3, 17, 13], "xc"), 3, 2, [[0, 0], [0, 0], [1, 1], [1, 0]],
                     data_format="NCHW", name="maxpool_nchw")


@case("conv2d-dilated")
def _():
    x = ph([1, 17, 13, 3])
    tf.nn.conv2d(x, const([3, 3, 3, 4]), 1, "SAME", dilations=2, name="same")
    tf.nn.conv2d(x, const([3, 2, 3, 4]), 1, "VALID", dilations=[1, 2, 3, 1], name="valid")


@case("conv2d-grouped")
def _():
    tf.nn.conv2d(ph([1, 17, 13, 6]), const([3, 3, 3, 4]), 1, "SAME")


@case("conv2d-nchw")
def _():
    x = ph([1, 3, 17, 13])
    tf.nn.conv2d(x, const([3, 3, 3, 5]), [1, 1, 2, 2], "SAME", data_format="NCHW", name="same")
    tf.nn.conv2d(x, const([3, 3, 3, 5]), [1, 1, 3, 1], "VALID", data_format="NCHW",
                 name="valid")
    tf.nn.conv2d(x, const([3, 3, 3, 5]), 1, [[0, 0], [0, 0], [2, 1], [1, 1]],
                 data_format="NCHW", name="explicit")


@case("conv2d-unknown-batch")
def _():
    # Incomplete shapes: tf.profiler counts 0.
    x = ph([None, 17, 13, 3])
    y = tf.nn.conv2d(x, const([3, 3, 3, 5]), 2, "SAME")
    tf.nn.bias_add(y, const([5], "b"))


for _padding in ("SAME", "VALID"):
    @case(f"conv3d-{_padding}")
    def _conv3d(padding=_padding):
        x = ph([1, 7, 9, 11, 3])
        tf.nn.conv3d(x, const([3, 2, 3, 3, 4]), [1, 2, 1, 3, 1], padding)
        tf.nn.conv3d(x, const([2, 2, 2, 3, 5]), [1, 1, 1, 1, 1], padding,
                     dilations=[1, 2, 1, 2, 1], name="dilated")


@case("conv3d-ncdhw")
def _():
    tf.nn.conv3d(ph([1, 3, 7, 9, 11]), const([3, 3, 3, 3, 2]), [1, 1, 2, 2, 2], "SAME",
                 data_format="NCDHW")


for _stride in (1, 2):
    for _padding in ("SAME", "VALID"):
        @case(f"depthwise-s{_stride}-{_padding}")
        def _dw(stride=_stride, padding=_padding):
            x = ph([1, 17, 13, 3])
            tf.nn.depthwise_conv2d(x, const([3, 3, 3, 2]), [1, stride, stride, 1], padding)


@case("depthwise-dilated")
def _():
    x = ph([1, 17, 13, 3])
    # tf.nn.depthwise_conv2d with a rate goes through SpaceToBatchND / BatchToSpaceND.
    tf.nn.depthwise_conv2d(x, const([3, 3, 3, 2]), [1, 1, 1, 1], "SAME", dilations=[2, 2],
                           name="s2b_same")
    tf.nn.depthwise_conv2d(x, const([3, 3, 3, 1]), [1, 1, 1, 1], "VALID", dilations=[2, 3],
                           name="s2b_valid")
    v1.nn.depthwise_conv2d_native(x, const([3, 3, 3, 2]), [1, 1, 1, 1], "SAME",
                                  dilations=[1, 2, 2, 1], name="native")


@case("depthwise-nchw")
def _():
    v1.nn.depthwise_conv2d_native(ph([1, 3, 17, 13]), const([3, 3, 3, 2]), [1, 1, 2, 2],
                                  "SAME", data_format="NCHW")


for _padding in ("SAME", "VALID"):
    @case(f"dilation2d-{_padding}")
    def _dil(padding=_padding):
        x = ph([1, 17, 13, 3])
        tf.nn.dilation2d(x, const([3, 2, 3]), [1, 2, 3, 1], padding, "NHWC", [1, 1, 1, 1],
                         name="plain")
        tf.nn.dilation2d(x, const([2, 3, 3]), [1, 1, 1, 1], padding, "NHWC", [1, 2, 2, 1],
                         name="rates")


@case("conv2d-transpose")
def _():
    x = ph([1, 9, 7, 4])
    tf.nn.conv2d_transpose(x, const([3, 3, 5, 4]), [1, 17, 13, 5], 2, "SAME", name="s2_same")
    tf.nn.conv2d_transpose(ph([1, 5, 4, 4], "y"), const([3, 3, 5, 4]), [1, 17, 13, 5], 3,
                           "VALID", name="s3_valid")
    tf.nn.conv2d_transpose(x, const([2, 3, 2, 4]), [1, 9, 7, 2], 1, "SAME", name="s1")


@case("conv2d-transpose-dynamic-output-shape")
def _():
    # Keras Conv2DTranspose: the output shape is packed from tf.shape(x).
    x = ph([1, 9, 7, 4])
    s = tf.shape(x)
    out = tf.stack([s[0], s[1] * 2, s[2] * 2, 3])
    tf.nn.conv2d_transpose(x, const([3, 3, 3, 4]), out, 2, "SAME")


@case("conv2d-backprop-filter")
def _():
    x = ph([1, 17, 13, 3])
    dy = ph([1, 9, 7, 5], "dy")
    v1.nn.conv2d_backprop_filter(x, [3, 3, 3, 5], dy, [1, 2, 2, 1], "SAME", name="direct")
    w = const([3, 3, 3, 5], "w2")
    y = tf.nn.conv2d(x, w, 3, "VALID", name="conv")
    grad(y, [x, w])


@case("conv2d-gradients")
def _():
    x = ph([1, 17, 13, 3])
    w = const([3, 3, 3, 5])
    y = tf.nn.conv2d(x, w, 2, "SAME")
    tf.gradients(tf.reduce_sum(y * y), [x, w])


# ---------------------------------------------------------------- matrix products

@case("matmul")
def _():
    tf.matmul(ph([7, 5], "a"), const([5, 3], "b"), name="plain")
    tf.matmul(ph([5, 7], "at"), const([5, 3], "b2"), transpose_a=True, name="ta")
    tf.matmul(ph([7, 5], "a2"), const([3, 5], "bt"), transpose_b=True, name="tb")
    tf.matmul(ph([5, 7], "at2"), const([3, 5], "bt2"), transpose_a=True, transpose_b=True,
              name="tab")


@case("batch-matmul")
def _():
    tf.matmul(ph([2, 1, 7, 5], "a"), const([3, 5, 4], "b"), name="broadcast")
    tf.matmul(ph([2, 3, 5, 7], "at"), const([3, 5, 4], "b2"), adjoint_a=True, name="adj_x")
    tf.matmul(ph([3, 7, 5], "a2"), const([3, 4, 5], "bt"), adjoint_b=True, name="adj_y")
    raw.BatchMatMul(x=ph([4, 7, 5], "a3"), y=const([4, 5, 2], "b3"), adj_x=False,
                    name="v1")
    raw.BatchMatMulV3(x=ph([4, 5, 7], "a4"), y=const([5, 2], "b4"), Tout=F32, adj_x=True,
                      name="v3")


# ---------------------------------------------------------------- bias, pools

@case("bias-add")
def _():
    tf.nn.bias_add(ph([1, 17, 13, 5]), const([5]), name="nhwc")
    tf.nn.bias_add(ph([1, 5, 17, 13], "xc"), const([5], "b2"), data_format="NCHW",
                   name="nchw")
    tf.nn.bias_add(ph([7, 3], "m"), const([3], "b3"), name="rank2")
    raw.BiasAddV1(value=ph([2, 3], "v"), bias=const([3], "b4"), name="v1")


for _pool in ("max", "avg"):
    for _k, _s, _padding in ((3, 2, "SAME"), (3, 2, "VALID"), (2, 3, "SAME"), (2, 1, "VALID")):
        @case(f"{_pool}pool-k{_k}-s{_s}-{_padding}")
        def _p(pool=_pool, k=_k, s=_s, padding=_padding):
            fn = tf.nn.max_pool2d if pool == "max" else tf.nn.avg_pool2d
            fn(ph([1, 17, 13, 3]), k, s, padding)
            fn(ph([2, 17, 13, 5], "y"), [k, k + 1], [s, 1], padding, name="rect")

    @case(f"{_pool}pool-nchw")
    def _pn(pool=_pool):
        # tf.profiler counts 0 for NCHW pools ("Only NHWC format is supported").
        fn = tf.nn.max_pool2d if pool == "max" else tf.nn.avg_pool2d
        fn(ph([1, 3, 17, 13]), 3, 2, "SAME", data_format="NCHW")

    @case(f"{_pool}pool-grad")
    def _pg(pool=_pool):
        fn = tf.nn.max_pool2d if pool == "max" else tf.nn.avg_pool2d
        x = ph([1, 17, 13, 3])
        grad(fn(x, 3, 2, "SAME"), x)
        grad(fn(x, 2, 3, "VALID", name="valid"), x)


@case("pool3d")
def _():
    x = ph([1, 7, 9, 11, 3])
    tf.nn.max_pool3d(x, 2, 2, "SAME")
    tf.nn.avg_pool3d(x, [2, 3, 2], [1, 2, 3], "VALID")


# ---------------------------------------------------------------- element-wise

BINARY_OPS = ("Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Pow",
              "SquaredDifference", "Greater", "GreaterEqual", "Less", "LessEqual", "Equal",
              "NotEqual")


@case("binary-broadcasting")
def _():
    a = ph([1, 17, 13, 5], "a")
    operands = {"vec": const([5], "vec"), "col": const([13, 1], "col"),
                "scalar": const([], "scalar"), "same": ph([1, 17, 13, 5], "b"),
                "rank5": const([2, 1, 1, 1, 5], "rank5")}
    for op in BINARY_OPS:
        for key, other in operands.items():
            getattr(raw, op)(x=a, y=other, name=f"{op}_{key}")
        getattr(raw, op)(x=const([3, 1], f"{op}_l"), y=const([1, 4], f"{op}_r"),
                         name=f"{op}_outer")


@case("unary")
def _():
    x = ph([3, 17, 13])
    for op in ("Reciprocal", "Square", "Rsqrt", "Log", "Neg", "Sigmoid", "Tanh", "Exp", "Sqrt",
               "Abs"):
        getattr(raw, op)(x=x, name=op)
    for op in ("Relu", "Relu6", "Elu", "Softplus"):
        getattr(raw, op)(features=x, name=op)


@case("l2loss-softmax")
def _():
    tf.nn.l2_loss(ph([17, 13, 5]), name="l2")
    tf.nn.softmax(ph([4, 7], "logits"), name="softmax2")
    tf.nn.softmax(ph([2, 3, 7], "logits3"), name="softmax3")
    tf.nn.log_softmax(ph([4, 7], "logits4"), name="logsoftmax")


@case("rsqrt-grad")
def _():
    x = ph([5, 3])
    grad(tf.math.rsqrt(x), x)


@case("reductions")
def _():
    x = ph([2, 17, 13, 5])
    for fn in (tf.reduce_mean, tf.reduce_sum, tf.reduce_max):
        name = fn.__name__
        fn(x, axis=[1, -2], name=f"{name}_hw")
        fn(x, axis=[1, -2], keepdims=True, name=f"{name}_hw_keep")
        fn(x, axis=-1, name=f"{name}_neg")
        fn(x, axis=-3, keepdims=True, name=f"{name}_neg_keep")
        fn(x, name=f"{name}_all")
    for fn in (tf.argmax, tf.argmin):
        fn(x, axis=-1, name=f"{fn.__name__}_last")
        fn(x, axis=-3, name=f"{fn.__name__}_neg3")
        fn(x, axis=0, output_type=tf.int32, name=f"{fn.__name__}_0")


@case("bias-add-grad")
def _():
    x = ph([1, 17, 13, 5])
    b = const([5])
    grad(tf.nn.bias_add(x, b), b)
    raw.BiasAddGrad(out_backprop=ph([1, 5, 3, 4], "dy"), data_format="NCHW", name="nchw")


@case("add-n")
def _():
    a, b, c = ph([3, 5], "a"), ph([3, 5], "b"), ph([3, 5], "c")
    tf.add_n([a, b, c], name="three")
    first = tf.identity(a, name="first")
    second = tf.identity(b, name="second")
    with tf.control_dependencies([first, second]):
        # AddN counts its control inputs too (tf.profiler counts the node's inputs).
        tf.add_n([a, b], name="with_controls")


@case("assign-add-sub")
def _():
    var = v1.Variable(tf.zeros([3, 5]), use_resource=False, name="var")
    v1.assign_add(var, const([3, 5], "delta"), name="add")
    v1.assign_sub(var, const([3, 5], "delta2"), name="sub")


# ---------------------------------------------------------------- shape arithmetic

@case("shape-stridedslice-stack-reshape")
def _():
    x = ph([2, 6, 5, 3])
    s = tf.shape(x)
    tf.reshape(x, tf.stack([s[0], s[1] * s[2], -1]), name="merged")
    tf.reshape(x, [s[0], -1], name="flat")
    tf.reshape(x, tf.stack([-1, s[-1]]), name="rows")
    tf.reshape(x, tf.concat([s[:2], [-1]], 0), name="concat_shape")
    tf.reshape(x, tf.concat([[5], s[2:]], axis=0) * [2, 3, 2] // [1, 5, 1], name="arith")


@case("shape-unknown-batch")
def _():
    x = ph([None, 6, 5, 3])
    s = tf.shape(x)
    tf.reshape(x, [s[0], -1], name="flat")
    tf.reshape(x, tf.stack([s[0], s[1] * s[2], 3]), name="merged")
    tf.reshape(x, [-1, 15, 3], name="minus_one")
    tf.reduce_mean(x, axis=[1, 2], name="gap")
    tf.squeeze(tf.reduce_mean(x, axis=[1, 2], keepdims=True), [1, 2], name="squeezed")


@case("pad-computed")
def _():
    x = ph([1, 17, 13, 3])
    s = tf.shape(x)
    ph_h = (4 - s[1] % 4) % 4
    ph_w = (4 - s[2] % 4) % 4
    paddings = tf.stack([[0, 0], tf.stack([ph_h // 2, ph_h - ph_h // 2]),
                         tf.stack([ph_w // 2, ph_w - ph_w // 2]), [0, 0]])
    tf.pad(x, paddings, name="pad")
    tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 1]], mode="REFLECT", name="mirror")
    tf.pad(x, [[0, 0], [2, 2], [1, 1], [0, 0]], constant_values=1.0, name="padv2")


@case("layout-ops")
def _():
    x = ph([2, 1, 6, 5], "x")
    tf.squeeze(x, name="squeeze_all")
    tf.squeeze(x, [-3], name="squeeze_neg")
    tf.expand_dims(x, -1, name="expand_last")
    tf.expand_dims(x, 1, name="expand_1")
    tf.transpose(x, [0, 3, 1, 2], name="transpose")
    tf.transpose(x, name="transpose_default")
    tf.tile(x, [1, 3, 1, 2], name="tile")
    tf.split(x, 3, axis=2, name="split")
    tf.split(x, [1, -1, 2], axis=-2, name="splitv")
    tf.unstack(x, axis=-1, name="unstack")
    tf.stack([x, x], axis=-1, name="stack")
    tf.concat([x, x, x], -1, name="concat")
    tf.slice(x, [0, 0, 1, 2], [-1, 1, 3, -1], name="slice")
    x[:, 0, ::2, 1:4]
    x[..., tf.newaxis, 3]
    x[1:, :, -3:, ::-2]


@case("gather-onehot-range-fill")
def _():
    params = ph([7, 5], "params")
    tf.gather(params, tf.constant([[1, 2], [3, 0], [6, 6], [0, 0]], name="idx"), name="gather")
    tf.gather(params, tf.constant([0, 3, 1], name="idx2"), axis=-1, name="gather_axis")
    tf.one_hot(tf.constant([1, 0, 3], name="labels"), 5, name="one_hot")
    tf.one_hot(tf.constant([[1, 0], [3, 2]], name="labels2"), 4, axis=0, name="one_hot_0")
    n = tf.shape(params)[0]
    r = tf.range(n, name="range")
    tf.range(1, 11, 3, name="range3")
    tf.fill(tf.stack([n, 3]), 2.0, name="fill")
    tf.zeros([4, 1000], name="zeros_big")
    tf.ones_like(params, name="ones_like")
    tf.cast(r, F32, name="cast")


@case("resize")
def _():
    x = ph([1, 17, 13, 3])
    tf.image.resize(x, [34, 26], method="bilinear", name="bilinear")
    tf.image.resize(x, [9, 7], method="nearest", name="nearest")
    v1.image.resize_bilinear(x, tf.shape(x)[1:3] * 2, name="v1_bilinear")


@case("partial-shapes")
def _():
    # Unknown batch: TF knows shape tensors in part (ConstantPartialShape) and picks known
    # dims out of them as constants; netcost must know exactly as much.
    x = ph([None, 6, 5, 3])
    s = tf.shape(x)
    tf.reshape(x, [-1, s[-1]], name="rows")
    tf.reshape(x, tf.concat([s[:1], [-1]], 0), name="flatten")
    tf.reshape(x, tf.concat([s[:-1], [3, 1]], 0), name="concat_partial")
    n, h, w, c = tf.unstack(s)
    tf.reshape(x, tf.stack([n, h * w, c]), name="unstacked")
    tf.reshape(x, tf.stack([n * 2, -1]), name="unknown_times_two")
    tf.zeros(s, name="zeros_dynamic")
    tf.fill(tf.stack([n, 4]), 1.0, name="fill_partial")
    tf.broadcast_to(const([3], "row"), s, name="broadcast_to")
    tf.image.resize(x, s[1:3] * 2, name="resize_dynamic")
    tf.cast(tf.cast(s, tf.int64), tf.int32, name="casts")
    tf.reshape(x, tf.cast(s, tf.int64), name="reshape_int64")
    tf.random.uniform(s, name="random")
    tf.nn.conv2d_transpose(x, const([3, 3, 2, 3]), tf.stack([n, h * 2, w * 2, 2]), 2, "SAME",
                           name="deconv")
    tf.nn.conv2d_transpose(x, const([3, 3, 2, 3], "w2"), [4, 12, 10, 2], 2, "SAME",
                           name="deconv_static_batch")


@case("unknown-rank")
def _():
    x = ph(None)
    y = tf.nn.relu(x)
    tf.shape(y, name="shape")
    tf.reduce_mean(y, axis=1, name="mean")
    tf.reduce_sum(y, axis=[0, 1], keepdims=True, name="sum_keep")
    tf.reshape(y, [-1], name="flat")
    tf.add(y, const([3], "b"), name="add")
    tf.expand_dims(y, 0, name="expand")
    tf.concat([y, y], 0, name="concat")
    tf.rank(y, name="rank")
    tf.size(y, name="size")
    tf.matmul(ph([None, 4], "m"), const([4, 2]), name="matmul_batch")


@case("conv-unknown-channels")
def _():
    # Output fully known, input not: tf.profiler's convolutions still count 0.
    x = ph([1, 17, 13, None])
    tf.nn.conv2d(x, const([3, 3, 3, 5]), 1, "SAME", name="conv")
    v1.nn.depthwise_conv2d_native(x, const([3, 3, 3, 2], "dw"), [1, 1, 1, 1], "SAME",
                                  name="depthwise")
    tf.nn.dilation2d(x, const([3, 3, 3], "dil"), [1, 1, 1, 1], "SAME", "NHWC", [1, 1, 1, 1],
                     name="dilation")
    tf.nn.conv3d(ph([1, 7, 9, 11, None], "v"), const([3, 3, 3, 3, 2], "w3"), [1] * 5, "SAME",
                 name="conv3d")
    tf.nn.bias_add(x, const([3], "b"), name="bias")
    tf.matmul(ph([4, None], "a"), const([3, 2], "m"), name="matmul")


@case("gradients-nchw")
def _():
    # Built, never run: tf.profiler gives 0 for every NCHW convolution gradient and pool.
    x = ph([1, 3, 17, 13])
    w = const([3, 3, 3, 5])
    y = tf.nn.conv2d(x, w, [1, 1, 2, 2], "SAME", data_format="NCHW")
    y = tf.nn.max_pool2d(y, 3, 2, "SAME", data_format="NCHW")
    y = tf.nn.avg_pool2d(y, 2, 1, "VALID", data_format="NCHW")
    y = tf.nn.bias_add(y, const([5], "b"), data_format="NCHW")
    tf.gradients(tf.reduce_sum(y), [x, w])
    tf.nn.conv2d_transpose(ph([1, 4, 9, 7], "dy"), const([3, 3, 3, 4], "wt"), [1, 3, 17, 13],
                           2, "SAME", data_format="NCHW", name="deconv")


@case("gradients-mlp")
def _():
    x = ph([8, 20])
    w1, w2 = const([20, 16], "w1"), const([16, 3], "w2")
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), const([16], "b1")))
    logits = tf.matmul(h, w2)
    labels = ph([8, 3], "labels")
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    loss = loss + 1e-4 * (tf.nn.l2_loss(w1) + tf.nn.l2_loss(w2))
    tf.gradients(loss, [x, w1, w2])


@case("select-where-einsum-misc")
def _():
    a, b = ph([4, 5], "a"), ph([4, 5], "b")
    tf.where(a > b, a, b, name="where3")
    raw.Select(condition=ph([4], "c", tf.bool), x=a, y=b, name="select_v1")
    tf.einsum("ij,jk->ik", a, const([5, 3]), name="einsum")
    tf.clip_by_value(a, 0.0, 1.0, name="clip")
    tf.math.top_k(a, 2, name="topk")
    tf.nn.leaky_relu(a, name="leaky")
    tf.nn.lrn(ph([1, 5, 5, 8], "img"), name="lrn")
    tf.math.reduce_prod(a, axis=-1, name="prod")
    tf.math.reduce_any(a > 0, axis=0, name="any")
    tf.nn.space_to_depth(ph([1, 8, 6, 3], "sd"), 2, name="s2d")
    tf.nn.depth_to_space(ph([1, 4, 3, 12], "ds"), 2, name="d2s")


@case("gradients-partial-shapes")
def _():
    # Unknown batch: tf.gradients emits BroadcastGradientArgs / Sum / Reshape on shape tensors.
    x = ph([None, 1, 5])
    y = ph([4, 1], "y")
    z = x * y + const([5], "b") - tf.reduce_mean(x, axis=-1, keepdims=True)
    z = tf.maximum(z / (1.0 + tf.square(y)), 0.0)
    tf.gradients(tf.reduce_sum(z), [x, y])
    e = tf.einsum("...ij,jk->...ik", ph([2, None, 3, 4], "e"), const([4, 6], "m"),
                  name="einsum_ellipsis")
    tf.einsum("bij,bjk->bik", ph([3, 2, 4], "p"), ph([3, 4, 5], "q"), name="einsum_batch")
    tf.reduce_sum(e, axis=[-1, -2], name="einsum_sum")


def _training_graph(resource):
    # A TF1 graph before freezing: variables, initializers, gradients, optimizer updates,
    # save/restore; tf.profiler counts all of it.
    x = ph([4, 12, 10, 3])
    labels = ph([4], "labels", tf.int32)
    with v1.variable_scope("net", use_resource=resource):
        w = v1.get_variable("conv", [3, 3, 3, 6])
        b = v1.get_variable("bias", [6], initializer=v1.zeros_initializer())
        d = v1.get_variable("dense", [6, 5])
        step = v1.train.get_or_create_global_step()
    y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, 2, "SAME"), b))
    logits = tf.matmul(tf.reduce_mean(y, axis=[1, 2]), d)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                        logits=logits))
    v1.train.AdamOptimizer(1e-3).minimize(loss, global_step=step, name="adam")
    v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss, name="momentum")
    v1.train.GradientDescentOptimizer(0.1).minimize(loss, name="sgd")
    v1.global_variables_initializer()
    v1.train.Saver()


@case("training-graph-ref-variables")
def _():
    _training_graph(resource=False)


@case("training-graph-resource-variables")
def _():
    _training_graph(resource=True)


@case("gradients-of-many-ops")
def _():
    # A training graph's backward pass: the *Grad ops, ConcatOffset, InvertPermutation,
    # UnsortedSegmentSum, StridedSliceGrad, ... each with its own shape function.
    x = ph([2, 9, 7, 4])
    v = ph([1, 5, 6, 7, 2], "v")
    w3 = const([2, 3, 2, 2, 3], "w3")
    y = tf.nn.depthwise_conv2d(x, const([3, 3, 4, 2], "dw"), [1, 2, 2, 1], "SAME")
    y = tf.nn.relu6(y) + tf.nn.elu(y) + tf.nn.selu(y) + tf.nn.softplus(y)
    y = tf.concat([y, tf.transpose(tf.transpose(y, [0, 2, 1, 3]), [0, 2, 1, 3])], axis=-1)
    y = tf.image.resize(y, [7, 6], method="bilinear")
    y = tf.nn.lrn(y, 2)
    y = tf.pad(y, [[0, 0], [1, 1], [2, 0], [0, 0]])[:, 1::2, ::3, :]
    y = tf.tile(y, [1, 2, 1, 1]) * tf.sigmoid(y[:, :1]) - tf.tanh(tf.concat([y, y], 1))
    mean, var = tf.nn.moments(y, axes=[0, 1, 2])
    y = tf.nn.batch_normalization(y, mean, var, None, None, 1e-3)
    fused, _, _ = v1.nn.fused_batch_norm(y, const([16], "g"), const([16], "beta"),
                                        is_training=True)
    z = tf.nn.conv3d(v, w3, [1, 2, 1, 2, 1], "SAME")
    z = tf.nn.max_pool3d(z, 2, 1, "SAME") + tf.nn.avg_pool3d(z, [1, 2, 2], 1, "SAME")
    e = tf.gather(const([10, 3], "table"), tf.constant([[1, 2], [9, 0]], name="ids"))
    loss = (tf.reduce_sum(tf.math.cumsum(fused, axis=1)) + tf.reduce_prod(z[:, 0, 0, 0, :]) +
            tf.reduce_max(e) + tf.reduce_sum(tf.where(fused > 0, fused, 0.1 * fused)) +
            tf.reduce_sum(tf.nn.log_softmax(tf.reshape(fused, [2, -1]))))
    tf.gradients(loss, [x, v, w3])


@case("misc-ops")
def _():
    x = ph([2, 6, 5, 3])
    tf.range(0.0, 5.0, 0.5, name="float_range")
    tf.linspace(0.0, 1.0, 7, name="linspace")
    tf.reverse(x, [1], name="reverse")
    tf.math.argmax(x, axis=tf.constant(-1, tf.int64), name="argmax_int64_axis")
    tf.reduce_sum(x, axis=tf.constant([1], tf.int64), name="sum_int64_axes")
    tf.image.resize(x, [4, 4], method="bicubic", name="bicubic")
    tf.image.resize(x, [4, 4], method="area", name="area")
    tf.nn.space_to_batch(x, [2, 2], [[1, 1], [0, 1]], name="space_to_batch")
    tf.split(x, [2, -1], axis=1, name="splitv_rest")
    tf.gather_nd(x, tf.constant([[0, 1], [1, 2]]), name="gather_nd")
    tf.scatter_nd(tf.constant([[1], [3]]), tf.ones([2, 4]), [5, 4], name="scatter_nd")
    tf.math.segment_sum(tf.ones([4, 3]), tf.constant([0, 0, 1, 2]), name="segment_sum")
    tf.math.unsorted_segment_sum(tf.ones([4, 3]), tf.constant([0, 0, 1, 2]), 5,
                                 name="unsorted_segment_sum")
    tf.nn.top_k(x, k=2, name="top_k")
    tf.sort(x, axis=-1, name="sort")
    tf.math.l2_normalize(x, axis=-1, name="l2_normalize")
    tf.identity_n([x, x], name="identity_n")
    tf.meshgrid(tf.range(3), tf.range(4), name="meshgrid")
    tf.eye(3, name="eye")
    tf.math.floordiv(tf.shape(x), 2, name="floordiv")
    tf.broadcast_to(const([1, 3], "row"), [4, 5, 3], name="broadcast_to")
    tf.ensure_shape(ph([None, 3], "loose"), [4, 3], name="ensure_shape")
    tf.expand_dims(tf.shape(x)[0], 0, name="expand_dims_of_shape")
    tf.nn.conv1d(ph([2, 11, 3], "seq"), const([3, 3, 4], "k1"), 2, "SAME", name="conv1d")
    tf.nn.atrous_conv2d(x, const([3, 3, 3, 2], "atrous_w"), 2, "SAME", name="atrous")
    tf.nn.separable_conv2d(x, const([3, 3, 3, 2], "dk"), const([1, 1, 6, 4], "pk"),
                           [1, 1, 1, 1], "SAME", name="separable")
    tf.nn.pool(x, [2, 2], "MAX", strides=[2, 2], padding="SAME", name="pool")
    tf.squeeze(tf.shape(x)[1:2], name="squeeze_of_shape")


# ---------------------------------------------------------------- tf.function, frozen

def _frozen_mlp():
    w1 = tf.Variable(_SEED.uniform(size=[20, 16]).astype(np.float32))
    b1 = tf.Variable(np.zeros([16], np.float32))
    w2 = tf.Variable(_SEED.uniform(size=[16, 3]).astype(np.float32))

    def fn(x):
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        return tf.nn.softmax(tf.matmul(h, w2))

    return U.freeze_function(fn, tf.TensorSpec([4, 20], F32))


# ---------------------------------------------------------------- running the cases

def _graph_def_of(builder):
    graph = tf.Graph()
    with graph.as_default():
        result = builder()
    return result if result is not None else graph.as_graph_def()


def _check(graph_def, tmp_path, name):
    result = U.compare(graph_def, str(tmp_path / f"{name}.pb"))
    assert result["flops_wrong"] == [], result["flops_wrong"]
    assert result["shapes_wrong"] == [], result["shapes_wrong"]
    return result


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_graph_matches_tensorflow(name, tmp_path):
    _check(_graph_def_of(CASES[name]), tmp_path, name)


def test_frozen_tf_function(tmp_path):
    result = _check(_frozen_mlp(), tmp_path, "mlp")
    assert result["total"] > 0


# ---------------------------------------------------------------- Keras applications

def _keras3():
    return pytest.importorskip("keras")


KERAS3_MODELS = {
    # name: builder(keras) -> (model, input shape[, input dtype])
    "mobilenet-a025-96": lambda k: (k.applications.MobileNet(
        weights=None, alpha=0.25, input_shape=(96, 96, 3)), [1, 96, 96, 3]),
    "efficientnetb0-64": lambda k: (k.applications.EfficientNetB0(
        weights=None, input_shape=(64, 64, 3)), [1, 64, 64, 3]),
    "densenet121-64": lambda k: (k.applications.DenseNet121(
        weights=None, input_shape=(64, 64, 3)), [1, 64, 64, 3]),
    "nasnetmobile-64": lambda k: (k.applications.NASNetMobile(
        weights=None, input_shape=(64, 64, 3)), [1, 64, 64, 3]),
    "inceptionv3-75": lambda k: (k.applications.InceptionV3(
        weights=None, input_shape=(75, 75, 3)), [1, 75, 75, 3]),
    "mini-net": lambda k: (U.mini_net(k), [1, 33, 29, 3]),
    "mini-net-unknown-batch": lambda k: (U.mini_net(k, batch=None), [None, 33, 29, 3]),
    "sequence-net": lambda k: (U.sequence_net(k), [2, 7], tf.int32),
}


@pytest.mark.parametrize("name", sorted(KERAS3_MODELS))
def test_keras3_model_matches_tensorflow(name, tmp_path):
    keras = _keras3()
    keras.utils.set_random_seed(0)
    built = KERAS3_MODELS[name](keras)
    model, shape = built[0], built[1]
    graph_def = U.freeze_keras(model, shape, built[2] if len(built) > 2 else None)
    keras.backend.clear_session()
    result = _check(graph_def, tmp_path, name)
    if None not in shape:
        assert result["total"] > 0


@pytest.fixture(scope="module")
def tf1_keras_graphs(tmp_path_factory):
    """tf_keras models in a TF1 session, built in a fresh process: TF_USE_LEGACY_KERAS must be
    set before TensorFlow is first imported."""
    import importlib.util

    if importlib.util.find_spec("tf_keras") is None:
        pytest.skip("tf_keras is not installed")
    out = tmp_path_factory.mktemp("tf1_keras")
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_oracle_util.py")
    done = subprocess.run([sys.executable, script, str(out)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


TF1_GRAPHS = ["tf1-mobilenet-a025-96-unfrozen", "tf1-mobilenet-a025-96-frozen",
              "tf1-mini-net-unfrozen", "tf1-mini-net-frozen"]


@pytest.mark.parametrize("name", TF1_GRAPHS)
def test_tf1_keras_graph_matches_tensorflow(name, tf1_keras_graphs, tmp_path):
    from tensorflow.core.framework import graph_pb2

    with open(tf1_keras_graphs[name], "rb") as f:
        graph_def = graph_pb2.GraphDef.FromString(f.read())
    result = _check(graph_def, tmp_path, name)
    assert result["total"] > 0
