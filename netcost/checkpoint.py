"""TF1 checkpoints analyzed before and after freezing, side by side."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .errors import NetcostError
from .ir import Shape
from .options import Options


def checkpoint_prefix(path: str) -> Optional[str]:
    """The checkpoint prefix when `path` names a TF1 checkpoint: `model.ckpt.meta` with its
    `.index` beside it, the `.index` itself, or the bare prefix `model.ckpt`."""
    for suffix in (".meta", ".index"):
        if path.endswith(suffix):
            prefix = path[:-len(suffix)]
            if suffix == ".index" or os.path.exists(prefix + ".index"):
                return prefix
            return None
    if not os.path.exists(path) and os.path.exists(path + ".meta"):
        return path
    return None


def is_checkpoint(path: str) -> bool:
    return checkpoint_prefix(path) is not None


@dataclass(frozen=True)
class CheckpointAnalysis:
    before: object  # shaped Graph, every node of the MetaGraphDef
    after: object  # shaped Graph, as freezing would leave it
    outputs: Tuple[str, ...]
    outputs_reason: str
    removed: Dict[str, List[str]]
    prefix: str


def load_checkpoint(path: str, options: Options) -> CheckpointAnalysis:
    from .freeze import freeze
    from .frontends import tensorflow as tf_frontend
    from .frontends.tf_checkpoint import read_index
    from .shapes import infer_shapes
    from .shapes.tensorflow import TF_SHAPES

    prefix = checkpoint_prefix(path)
    meta, index = prefix + ".meta", prefix + ".index"
    if not os.path.exists(meta):
        raise NetcostError("checkpoint has no .meta graph beside it", file=meta)
    if not os.path.exists(index):
        raise NetcostError("checkpoint graph has no .index beside it (variables' shapes "
                           "are read from it)", file=index)
    header, entries = read_index(index)
    shards = glob.glob(glob.escape(prefix) + ".data-*")
    warnings = [] if shards else [f"{prefix}: no .data-* shard beside the index (not needed: "
                                  "netcost reads shapes only)"]
    before = tf_frontend.load(meta, options)
    variables = {name: (Shape(tuple(e.shape)), _dtype_of(e.dtype))
                 for name, e in entries.items()}
    frozen = freeze(before, variables, options.outputs)
    before = infer_shapes(before, TF_SHAPES, options)
    after = infer_shapes(frozen.graph, TF_SHAPES, options)
    if warnings:
        from dataclasses import replace

        before = replace(before, warnings=before.warnings + tuple(warnings))
    return CheckpointAnalysis(before, after, frozen.outputs, frozen.outputs_reason,
                              frozen.removed, prefix)


def _dtype_of(name: str) -> str:
    """'DT_FLOAT' (as the index reader names it) -> 'float32', as the TF frontend names it."""
    from .frontends.tensorflow import dtype_name
    from .proto import tf_graph_pb2

    try:
        return dtype_name(tf_graph_pb2.DataType.Value(name))
    except ValueError:  # a dtype this schema does not list: keep the index's own name
        return name.lower()


@dataclass(frozen=True)
class CheckpointReport:
    before: object  # Report
    after: object  # Report
    outputs: Tuple[str, ...]
    outputs_reason: str
    removed: Dict[str, List[str]]
    prefix: str

    @property
    def warnings(self):
        return tuple(self.before.warnings) + tuple(
            w for w in self.after.warnings if w not in self.before.warnings)

    def to_json(self) -> str:
        from .render.checkpoint_out import render_checkpoint_json

        return render_checkpoint_json(self)

    def to_table(self, columns=None) -> str:
        from .render.checkpoint_out import render_checkpoint_table

        return render_checkpoint_table(self, columns)

    def to_markdown(self) -> str:
        from .render.checkpoint_out import render_checkpoint_markdown

        return render_checkpoint_markdown(self)

    def to_csv(self) -> str:
        from .render.csv_out import render_csv

        return render_csv(self.after)


def build_checkpoint_report(analysis: CheckpointAnalysis, options: Options) -> CheckpointReport:
    from .report import build_report

    return CheckpointReport(build_report(analysis.before, options),
                            build_report(analysis.after, options), analysis.outputs,
                            analysis.outputs_reason, analysis.removed, analysis.prefix)
