"""Exact integer arithmetic over values that may be unknown (None): unknown in, unknown out."""
from __future__ import annotations

from typing import Iterable, Optional


def product(values: Iterable[Optional[int]]) -> Optional[int]:
    result = 1
    for v in values:
        if v is None:
            return None
        result *= v
    return result


def total(values: Iterable[Optional[int]]) -> Optional[int]:
    result = 0
    for v in values:
        if v is None:
            return None
        result += v
    return result


def mul(*values: Optional[int]) -> Optional[int]:
    return product(values)


def add(*values: Optional[int]) -> Optional[int]:
    return total(values)
