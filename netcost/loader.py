"""From a path to a shaped IR graph: pick the frontend, load, infer shapes."""
from __future__ import annotations

import os

from .errors import NetcostError
from .ir import Graph
from .options import Options


def load_graph(path: str, options: Options = Options()) -> Graph:
    """Read a network file with the frontend that matches it and infer every shape."""
    if not os.path.exists(path):
        raise NetcostError("no such file", file=path)
    if os.path.isdir(path):
        raise NetcostError("is a directory, not a network file", file=path)
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise NetcostError(f"cannot read: {e.strerror}", file=path) from None

    frontend = _pick_frontend(path, head)
    graph = frontend.load(path, options)
    from .shapes import infer_shapes

    if graph.framework == "tensorflow":
        from .shapes.tensorflow import TF_SHAPES as registry
    else:
        from .shapes.caffe import CAFFE_SHAPES as registry
    return infer_shapes(graph, registry, options)


def _pick_frontend(path: str, head: bytes):
    """By extension first (.prototxt/.caffemodel: Caffe; .pb/.pbtxt/.meta: TensorFlow), then
    by content."""
    from .frontends import caffe, tensorflow

    lowered = path.lower()
    if lowered.endswith(caffe.CAFFE_SUFFIXES):
        return caffe
    if lowered.endswith(tensorflow.TF_SUFFIXES):
        return tensorflow
    for frontend in (tensorflow, caffe):
        if frontend.match(path, head):
            return frontend
    raise NetcostError("unrecognized file format (expected a Caffe .prototxt/.caffemodel or a "
                       "TensorFlow .pb/.pbtxt/.meta)", file=path)
