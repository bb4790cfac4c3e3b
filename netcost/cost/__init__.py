"""Cost conventions and the engine that applies them (see engine.py)."""
from __future__ import annotations

from typing import Dict

from .engine import BYTES_PER_ELEMENT, Convention, NodeCost, cost_graph  # noqa: F401


def conventions() -> Dict[str, Convention]:
    """Every convention by name, in the order the documentation lists them."""
    from .flops import FLOPS_CONVENTION, MACC_CONVENTION
    from .netscope import NETSCOPE_CONVENTION
    from .tf_profiler import TF_PROFILER_CONVENTION
    from .torchstat import TORCHSTAT_CONVENTION

    found = [FLOPS_CONVENTION, MACC_CONVENTION, TF_PROFILER_CONVENTION, NETSCOPE_CONVENTION,
             TORCHSTAT_CONVENTION]
    return {c.name: c for c in found}


def get_convention(name: str) -> Convention:
    from ..errors import NetcostError

    known = conventions()
    if name not in known:
        raise NetcostError(f"unknown convention '{name}' (known: {', '.join(known)})")
    return known[name]
