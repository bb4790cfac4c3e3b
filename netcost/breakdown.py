"""Breakdowns of a report's totals: by layer type, and by name scope as a tree."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

# Characters that end a scope, per framework; the first one is the canonical separator
# that the others are mapped to before cutting.
SCOPE_SEPARATORS = {"caffe": "/_", "tensorflow": "/"}
_TO_CANONICAL = {framework: str.maketrans({c: chars[0] for c in chars[1:]})
                 for framework, chars in SCOPE_SEPARATORS.items()}


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
        bucket = buckets.get(r.type)
        if bucket is None:
            bucket = buckets[r.type] = Bucket(r.type, 0)
        bucket.add(r.params, r.ops, r.bytes_moved)
    result = sorted(buckets.values(), key=lambda b: (-(b.ops or 0), b.key))
    _shares(result, total_ops)
    return result


def scope_path(name: str, framework: str) -> List[str]:
    """Every prefix of a layer name at a separator: 'res4a_branch2a' -> ['res4a',
    'res4a_branch2a']; 'inception_3a/1x1' -> ['inception', 'inception_3a', 'inception_3a/1x1']."""
    separators = SCOPE_SEPARATORS.get(framework, "/")
    marked = name.translate(_TO_CANONICAL[framework]) if len(separators) > 1 else name
    end = len(name) - 1
    path = []
    cut = marked.find(separators[0], 1)  # a separator first or last cuts nothing
    while 0 < cut < end:
        path.append(name[:cut])
        cut = marked.find(separators[0], cut + 1)
    path.append(name)
    return path


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
