"""TensorFlow shape rules of graph plumbing and state: placeholders, constants and variables,
pass-through and control flow (Identity, Enter/Exit, Switch/Merge), ops without outputs, random
ops, assignments and optimizer updates, TensorLists, save/restore and strings.
"""
from __future__ import annotations

from ..errors import ShapeError
from ..ir import Shape, TensorFacts
from .tf_common import (UNKNOWN, _attr, _is_handle, _merge_shapes, _n_out, _one, _out,
                        _shape_from_value, _shape_value, _small, register)


# ---------------------------------------------------------------- sources and pass-through

@register("Placeholder", "PlaceholderV2")
def placeholder(node, ins):
    shape = _attr(node, "shape")
    if not isinstance(shape, Shape):
        shape = UNKNOWN
    return _one(shape, _attr(node, "dtype"))


@register("PlaceholderWithDefault")
def placeholder_with_default(node, ins):
    shape = _attr(node, "shape")
    default = ins[0]
    if isinstance(shape, Shape) and shape.dims is not None and default.dims is not None:
        # The declared shape may be looser than the default's; the default is what flows.
        shape = default.shape
    return _one(default.shape if not isinstance(shape, Shape) else shape, default.dtype)


@register("Const", "HostConst")
def const(node, ins):
    tensor = _attr(node, "value")
    if not isinstance(tensor, TensorFacts):
        return _one(UNKNOWN, _attr(node, "dtype"))
    return _one(tensor.shape, tensor.dtype, _small(tensor.value))


@register("VariableV2", "Variable", "TemporaryVariable")
def variable(node, ins):
    shape = _attr(node, "shape")
    return _one(shape if isinstance(shape, Shape) else UNKNOWN, _attr(node, "dtype"))


@register("VarHandleOp")
def var_handle(node, ins):
    # A resource handle is a scalar; the variable's shape rides along as its "value" so that
    # ReadVariableOp can recover it.
    shape = _attr(node, "shape")
    return _one(Shape(()), "resource", (shape,) if isinstance(shape, Shape) else None)


@register("ReadVariableOp")
def read_variable(node, ins):
    handle = ins[0].value
    shape = handle[0] if handle and isinstance(handle[0], Shape) else UNKNOWN
    return _one(shape, _attr(node, "dtype"))


PASSTHROUGH = (
    "Identity", "StopGradient", "Snapshot", "PreventGradient", "CheckNumerics",
    "Exit", "RefExit", "NextIteration", "RefNextIteration", "RefIdentity", "DebugIdentity",
    "Print",
)


@register(*PASSTHROUGH)
def passthrough(node, ins):
    x = ins[0]
    return _out([x.shape] * _n_out(node), [x.dtype] * _n_out(node), [x.value] * _n_out(node))


@register("Enter", "RefEnter")
def enter(node, ins):
    # TF: a loop's Enter has an unknown shape unless it enters a loop constant; handle data
    # passes either way.
    x = ins[0]
    constant = bool(_attr(node, "is_constant", False))
    value = x.value if constant or _is_handle(x.value) else None
    return _one(x.shape if constant else UNKNOWN, x.dtype, value)


@register("LoopCond")
def loop_cond(node, ins):
    return _one(Shape(()), "bool")


@register("EnsureShape")
def ensure_shape(node, ins):
    x = ins[0]
    stated = _attr(node, "shape")
    return _one(_merge_shapes(x.shape, stated if isinstance(stated, Shape) else UNKNOWN),
                x.dtype, x.value)


@register("IdentityN")
def identity_n(node, ins):
    return _out([x.shape for x in ins], [x.dtype for x in ins], [x.value for x in ins])


@register("Switch", "RefSwitch")
def switch(node, ins):
    x = ins[0]
    # A handle keeps what it holds through the switch (TF's handle data).
    value = x.value if _is_handle(x.value) else None
    return _out([x.shape, x.shape][:_n_out(node)], [x.dtype] * _n_out(node),
                [value] * _n_out(node))


@register("Merge", "RefMerge")
def merge(node, ins):
    first = ins[0]
    shape = first.shape
    for other in ins[1:]:
        if other.dims != shape.dims:
            shape = UNKNOWN if other.rank != shape.rank else Shape(tuple(
                a if a == b else None for a, b in zip(shape.dims, other.dims)))
    return _out([shape, Shape(())][:_n_out(node)], [first.dtype, "int32"][:_n_out(node)])


NO_OUTPUT = ("NoOp", "SaveV2", "Save", "SaveSlices", "AssignVariableOp", "Assert",
             "MergeV2Checkpoints", "ControlTrigger", "DestroyResourceOp",
             "AssignAddVariableOp", "AssignSubVariableOp")


@register(*NO_OUTPUT)
def no_output(node, ins):
    # Ops that only act; a MergeV2Checkpoints etc. named as an input yields unknowns.
    return _out([UNKNOWN] * _n_out(node))


# ---------------------------------------------------------------- random, state, I/O

@register("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
          "StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal",
          "StatelessRandomUniformV2", "StatelessRandomNormalV2", partial=True)
def random_op(node, ins):
    dtype = _attr(node, "dtype", ins[1].dtype if node.op == "RandomUniformInt" else "float32")
    return _one(_shape_from_value(ins[0]), dtype)


@register("Assign", "AssignAdd", "AssignSub")
def assign(node, ins):
    ref, value = ins[0], ins[1]
    return _one(ref.shape if ref.dims is not None else value.shape, ref.dtype)


OPTIMIZERS = ("GradientDescent", "ProximalGradientDescent", "Adadelta", "Adagrad", "AdagradV2",
              "ProximalAdagrad", "AdagradDA", "Ftrl", "FtrlV2", "Momentum", "KerasMomentum",
              "Adam", "AdamWithAmsgrad", "AdaMax", "RMSProp", "CenteredRMSProp", "AddSign",
              "PowerSign")
RESOURCE_UPDATES = tuple(f"Resource{kind}Apply{name}" for kind in ("", "Sparse")
                         for name in OPTIMIZERS)


@register(*(f"{kind}Apply{name}" for kind in ("", "Sparse") for name in OPTIMIZERS))
def apply_update(node, ins):
    # Ref-variable optimizer updates output the updated variable.
    var = ins[0]
    return _one(var.shape, var.dtype)


@register(*RESOURCE_UPDATES)
def resource_update(node, ins):
    return _out([UNKNOWN] * _n_out(node))  # no outputs; they act on the variable


def _list_element_shape(facts: TensorFacts) -> Shape:
    """element_shape input of the TensorList ops: a (partial) shape, a scalar -1 unknown
    (MakeShapeFromShapeTensorTreatScalarAsUnknownShape)."""
    if facts.dims is not None and len(facts.dims) == 0:
        return UNKNOWN
    return _shape_from_value(facts)


def _list_handle(shape: Shape):
    return (shape,)


def _held(facts: TensorFacts) -> Shape:
    return facts.value[0] if _is_handle(facts.value) else UNKNOWN


@register("TensorListReserve", "EmptyTensorList", partial=True)
def tensor_list_reserve(node, ins):
    return _one(Shape(()), "variant", _list_handle(_list_element_shape(ins[0])))


@register("TensorListFromTensor", partial=True)
def tensor_list_from_tensor(node, ins):
    x, element = ins[0], _list_element_shape(ins[1])
    held = UNKNOWN if x.dims is None else Shape(x.dims[1:])
    return _one(Shape(()), "variant", _list_handle(_merge_shapes(held, element)))


@register("TensorListSetItem", "TensorListPushBack")
def tensor_list_set_item(node, ins):
    item = ins[-1]
    held = _held(ins[0])
    merged = held if item.dims is None else _merge_shapes(held, item.shape) \
        if held.dims is None or len(held.dims) == len(item.dims) else held
    return _one(Shape(()), "variant", _list_handle(merged))


@register("TensorListGetItem", partial=True)
def tensor_list_get_item(node, ins):
    shape = _merge_shapes(_held(ins[0]), _list_element_shape(ins[2]))
    return _one(shape, _attr(node, "element_dtype", "float32"))


@register("TensorListStack", partial=True)
def tensor_list_stack(node, ins):
    element = _merge_shapes(_held(ins[0]), _list_element_shape(ins[1]))
    count = _attr(node, "num_elements", -1)
    if element.dims is None:
        return _one(UNKNOWN, _attr(node, "element_dtype", "float32"))
    return _one(Shape((None if count < 0 else count,) + element.dims),
                _attr(node, "element_dtype", "float32"))


@register("TensorListPopBack", partial=True)
def tensor_list_pop_back(node, ins):
    element = _merge_shapes(_held(ins[0]), _list_element_shape(ins[1]))
    return _out([Shape(()), element][:_n_out(node)],
                ["variant", _attr(node, "element_dtype", "float32")][:_n_out(node)],
                [ins[0].value, None][:_n_out(node)])


@register("TensorListLength")
def tensor_list_length(node, ins):
    return _one(Shape(()), "int32")


@register("TensorListElementShape")
def tensor_list_element_shape(node, ins):
    held = _held(ins[0])
    return _one(Shape((None if held.dims is None else len(held.dims),)),
                _attr(node, "shape_type", "int32"), _shape_value(held) if held.dims else None)


@register("VarIsInitializedOp", "IsVariableInitialized")
def is_initialized(node, ins):
    return _one(Shape(()), "bool")


@register("RestoreV2")
def restore_v2(node, ins):
    dtypes = _attr(node, "dtypes", [])
    if not isinstance(dtypes, list) or not all(isinstance(d, str) for d in dtypes):
        # io_ops.cc RestoreV2: dtypes is list(type), one per tensor restored
        raise ShapeError(f"RestoreV2's dtypes attr is {dtypes!r}, not a list of types")
    n = _n_out(node)
    return _out([UNKNOWN] * n, (dtypes + [None] * n)[:n])


@register("StringJoin", "ShardedFilename", "ShardedFilespec")
def string_op(node, ins):
    return _one(Shape(()), "string")
