"""Breakdowns of a report's totals: by layer type, and by name scope as a tree."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

SCOPE_SEPARATORS = {"caffe": re.compile(r"[/_]"), "tensorflow": re.compile(r"/")}


@dataclass
class Bucket:
    key: str  # layer type, or scope path
    depth: int  # 0 for types; scope depth from 1
    layers: int = 0
    params: int = 0
    ops: Optional[int] = 0  # the convention's main count (FLOPs or MACC ...)
    bytes_moved: Optional[int] = 0
    share: Optional[float] = None  # of total ops (of bytes when the net has no ops)

    def add(self, params: Optional[int], ops: Optional[int], moved: Optional[int]) -> None:
        self.layers += 1
        self.params += params or 0
        self.ops = None if self.ops is None or ops is None else self.ops + ops
        self.bytes_moved = None if self.bytes_moved is None or moved is None else \
            self.bytes_moved + moved


def _shares(buckets: Sequence[Bucket], total_ops: Optional[int]) -> None:
    for b in buckets:
        if total_ops and b.ops is not None:
            b.share = b.ops / total_ops


def by_type(rows, total_ops: Optional[int]) -> List[Bucket]:
    """One bucket per layer type, largest first (by the main count, then name)."""
    buckets: Dict[str, Bucket] = {}
    for r in rows:
        buckets.setdefault(r.type, Bucket(r.type, 0)).add(r.params, r.ops, r.bytes_moved)
    result = sorted(buckets.values(), key=lambda b: (-(b.ops or 0), b.key))
    _shares(result, total_ops)
    return result


def scope_path(name: str, framework: str) -> List[str]:
    """Every prefix of a layer name at a separator: 'res4a_branch2a' -> ['res4a',
    'res4a_branch2a']; 'inception_3a/1x1' -> ['inception', 'inception_3a', 'inception_3a/1x1']."""
    pattern = SCOPE_SEPARATORS.get(framework, SCOPE_SEPARATORS["tensorflow"])
    end = len(name) - 1
    return [name[:c] for c in (m.start() for m in pattern.finditer(name)) if 0 < c < end] + \
        [name]


def by_scope(rows, framework: str, total_ops: Optional[int], depth: Optional[int] = None
             ) -> List[Bucket]:
    """A tree of scopes in first-appearance order (depth-first); with `depth`, deeper levels
    fold into their ancestor at that depth."""
    buckets: Dict[str, Bucket] = {}
    children: Dict[Optional[str], List[str]] = {}
    for r in rows:
        path = scope_path(r.name, framework)
        if depth is not None:
            path = path[:depth]
        params, ops, moved = r.params, r.ops, r.bytes_moved
        parent: Optional[str] = None
        for level, key in enumerate(path, start=1):
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = Bucket(key, level)
                children.setdefault(parent, []).append(key)
            bucket.add(params, ops, moved)
            parent = key
    ordered: List[Bucket] = []

    def walk(parent: Optional[str]) -> None:
        for key in children.get(parent, []):
            ordered.append(buckets[key])
            walk(key)

    walk(None)
    _shares(ordered, total_ops)
    return ordered
