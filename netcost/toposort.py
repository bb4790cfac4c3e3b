"""Kahn's algorithm, stable: among the nodes ready, the lowest index goes first."""
from __future__ import annotations

import heapq
from typing import List, Sequence, Tuple


def stable_order(count: int, successors: Sequence[Sequence[int]]) -> Tuple[List[int], List[int]]:
    """(order of the nodes that could be placed, nodes left waiting: those on or after a
    cycle)."""
    waiting = [0] * count
    for targets in successors:
        for t in targets:
            waiting[t] += 1
    ready = [i for i in range(count) if waiting[i] == 0]
    heapq.heapify(ready)
    order: List[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for t in successors[i]:
            waiting[t] -= 1
            if waiting[t] == 0:
                heapq.heappush(ready, t)
    stuck = [i for i in range(count) if waiting[i] > 0] if len(order) < count else []
    return order, stuck
