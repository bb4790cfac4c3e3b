"""Number formatting shared by all renderers."""
from __future__ import annotations

from typing import Optional


def human_count(n: Optional[int]) -> str:
    """4615950 -> '4.62M' (decimal SI prefixes: K=1e3, M=1e6, G=1e9, T=1e12)."""
    if n is None:
        return "?"
    for factor, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= factor:
            return f"{n / factor:.2f}{suffix}"
    return str(n)


def grouped(n: Optional[int]) -> str:
    """Exact integer with thousands separators: 431080 -> '431,080'."""
    return "?" if n is None else f"{n:,}"
