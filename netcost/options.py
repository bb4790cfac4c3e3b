"""Analysis options: one dataclass passed explicitly from the CLI or API to every stage."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from .errors import NetcostError
from .ir import Shape


@dataclass(frozen=True)
class Options:
    phase: Optional[str] = None  # Caffe phase ("test"/"train"); None: TEST, or the first complete net
    stages: Tuple[str, ...] = ()  # Caffe NetState stages
    level: Optional[int] = None  # Caffe NetState level (the file's own when None)
    input_shapes: Dict[str, Shape] = field(default_factory=dict)  # --input NAME=1x3x224x224
    batch: Optional[int] = None  # --batch N: replaces the batch dim of every input
    weights: Optional[str] = None  # Caffe .caffemodel whose blobs give the parameter shapes
    convention: str = "flops"  # how operations are counted (netcost.cost.conventions())
    precision: str = "fp32"  # bytes per element for memory figures: fp32, fp16, bf16, int8
    device: Optional[str] = None  # roofline preset (netcost.roofline.DEVICES)
    peak_flops: Optional[str] = None  # custom roofline: peak, e.g. "1.7T" (FLOP/s)
    bandwidth: Optional[str] = None  # custom roofline: memory bandwidth, e.g. "25.6G" (B/s)
    scope_depth: Optional[int] = None  # fold the scope tree below this depth
    outputs: Tuple[str, ...] = ()  # TF: inference outputs for freezing (else detected)
    tag: Optional[str] = None  # SavedModel: the meta graph's tag, when it holds several
    signature: Optional[str] = None  # SavedModel: the signature to analyze
    sha256: Optional[bool] = None  # hash the source: None = only files up to 64 MiB


def parse_shape(text: str) -> Shape:
    """'1x3x224x224' (also ',' separated) -> Shape; '?' marks an unknown dim."""
    parts = [p for p in text.replace(",", "x").lower().split("x")]
    dims = []
    for part in parts:
        part = part.strip()
        if part in ("?", "-1"):
            dims.append(None)
            continue
        if not part.isdigit():
            raise NetcostError(f"bad shape '{text}': expected dims like 1x3x224x224")
        dims.append(int(part))
    return Shape(tuple(dims))


def parse_input_option(text: str) -> Tuple[str, Shape]:
    name, sep, shape = text.rpartition("=")
    if not sep or not name:
        raise NetcostError(f"bad --input '{text}': expected NAME=1x3x224x224")
    return name, parse_shape(shape)
