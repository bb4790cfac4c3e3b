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

    from .frontends import caffe  # the only frontend so far

    if not caffe.match(path, head):
        raise NetcostError("unrecognized file format (expected a Caffe .prototxt or "
                           ".caffemodel)", file=path)
    graph = caffe.load(path, options)
    from .shapes import infer_shapes
    from .shapes.caffe import CAFFE_SHAPES

    return infer_shapes(graph, CAFFE_SHAPES, options)
