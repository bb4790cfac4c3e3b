"""Number formatting shared by all renderers (also handed to jinja2 as filters)."""
from __future__ import annotations

import functools
import sys
from decimal import Decimal
from typing import Optional


def exact_digits(render):
    """Decorates a renderer so that it can print counts of any length.

    A rank-254 tensor's count can have thousands of digits, more than Python converts to
    text by default (a guard against slow parsing of untrusted text; netcost only prints
    numbers it computed). The limit is lifted while the renderer runs and restored after,
    so a program that uses netcost as a library keeps its own setting."""
    if not hasattr(sys, "set_int_max_str_digits"):  # Python before 3.11: no limit
        return render

    @functools.wraps(render)
    def render_exactly(*args, **kwargs):
        limit = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)
        try:
            return render(*args, **kwargs)
        finally:
            sys.set_int_max_str_digits(limit)

    return render_exactly


def _scaled(n: int, factor: int) -> str:
    """n / factor with two decimals; beyond the float range (a count of thousands of digits
    from a rank-254 tensor) in exact decimal scientific notation instead of an overflow."""
    try:
        return f"{n / factor:.2f}"
    except OverflowError:
        return f"{Decimal(n) / Decimal(factor):.2E}"


def human_count(n: Optional[int]) -> str:
    """4615950 -> '4.62M' (decimal SI prefixes: K=1e3, M=1e6, G=1e9, T=1e12)."""
    if n is None:
        return "?"
    for factor, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= factor:
            return f"{_scaled(n, factor)}{suffix}"
    return str(n)


def human_bytes(n: Optional[int]) -> str:
    """1724320 -> '1.64 MiB' (binary prefixes, named as such)."""
    if n is None:
        return "?"
    for factor, suffix in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if abs(n) >= factor:
            return f"{_scaled(n, factor)} {suffix}"
    return f"{n} B"


def human_rate(x: Optional[float], unit: str) -> str:
    """1.7e12 -> '1.70 T' + unit (decimal prefixes, as datasheets give rates)."""
    if x is None:
        return "?"
    for factor, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= factor:
            return f"{x / factor:.2f} {suffix}{unit}"
    return f"{x:.2f} {unit}"


def human_seconds(s: Optional[float]) -> str:
    if s is None:
        return "?"
    for factor, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if s >= factor:
            return f"{s / factor:.3g} {suffix}"
    return f"{s / 1e-9:.3g} ns"


def grouped(n: Optional[int]) -> str:
    """Exact integer with thousands separators: 431080 -> '431,080'."""
    return "?" if n is None else f"{n:,}"


def percent(x: Optional[float]) -> str:
    return "?" if x is None else f"{100 * x:.1f}%"


def ratio(x: Optional[float]) -> str:
    return "?" if x is None else f"{x:.2f}"
