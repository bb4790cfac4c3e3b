"""A layered (Sugiyama-style) graph layout, written for netcost's HTML report.

Steps, each deterministic (no randomness, ties broken by node index):

1. Cycle removal: nodes come in topological order (the IR's order); an edge that points
   backwards in that order (a TF loop) is reversed for the layout only.
2. Layering: longest path from the sources; a source then moves down to sit just above its
   nearest consumer (inputs stay next to the layer that reads them).
3. Long edges are split by dummy nodes, one per layer crossed, so that every edge joins
   adjacent layers.
4. Crossing reduction: barycenter and median sweeps down and up the layers, each followed by
   an adjacent-swap ("transpose") pass; crossings are counted exactly after every sweep
   (Barth, Juenger, Mutzel: sort + Fenwick tree, O(E log V) per layer pair) and the best
   ordering seen is kept, so the result never has more crossings than the starting order.
5. Coordinates: Brandes & Koepf's assignment. Every node is aligned with a median
   neighbour into vertical blocks (long edges first: an edge crossing a dummy-to-dummy
   segment is never aligned), blocks are compacted left to right with the boxes' widths
   kept apart, and four such layouts (aligned up or down, compacted from the left or the
   right) are balanced: each node at the mean of its two middle candidates, then each layer
   moved to the nearest positions that keep the boxes apart (isotonic regression by
   pool-adjacent-violators, O(n) per layer). The balanced
   layout or one of the four, whichever has the least horizontal edge length plus width,
   is kept. Chains of layers and long edges come out straight, without sideways drift.

Everything is linear or n log n per sweep: 10,000 nodes lay out in seconds in pure Python.

`layout_report(report)` builds the drawing's graph from a Report (in-place layers folded
into the node of their producer, net inputs as small input nodes) and lays it out.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

# Spacing of the drawing, in SVG user units (px at zoom 1).
NODE_GAP = 28.0  # between two boxes of a layer
DUMMY_GAP = 12.0  # beside a long edge's bend point
RANK_GAP = 52.0  # between two layers (room for the tensor-shape labels)
MARGIN = 24.0
WIDTH_COST = 10.0  # choosing among coordinate layouts: a px of width = 10 px of edge slant


@dataclass
class Layout:
    """Positions of a layered drawing. Coordinates are box centres; y grows downwards."""

    x: List[float]  # per node
    y: List[float]
    rank: List[int]
    width: float  # of the whole drawing, margins included
    height: float
    routes: Dict[Tuple[int, int], List[Tuple[float, float]]]  # (u, v) -> bend points (dummies)
    order: List[List[int]]  # per rank, node ids left to right (dummies have ids >= n)
    crossings: int
    plain_crossings: int  # of the starting order, before crossing reduction
    reversed_edges: int = 0


# ---------------------------------------------------------------------------- crossings
def _layer_pair_crossings(pairs: List[Tuple[int, int]], south_size: int) -> int:
    """Crossings between two adjacent layers; pairs are (north position, south position).

    Sort by north then south position; every later edge whose south end lies left of an
    earlier one's crosses it. Counted with a Fenwick tree."""
    if len(pairs) < 2:
        return 0
    pairs.sort()
    tree = [0] * (south_size + 1)
    crossings = 0
    inserted = 0
    for _, s in pairs:
        # edges already inserted with south position <= s
        i, not_greater = s + 1, 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        crossings += inserted - not_greater
        i = s + 1
        while i <= south_size:
            tree[i] += 1
            i += i & -i
        inserted += 1
    return crossings


def count_crossings(order: Sequence[Sequence[int]], edges: Sequence[Tuple[int, int]]) -> int:
    """Edge crossings of a layered drawing.

    `order` lists each layer's node ids left to right; every edge must join two adjacent
    layers (as after dummy-node insertion), in either direction."""
    rank: Dict[int, int] = {}
    pos: Dict[int, int] = {}
    for r, layer in enumerate(order):
        for p, v in enumerate(layer):
            rank[v] = r
            pos[v] = p
    between: Dict[int, List[Tuple[int, int]]] = {}
    for a, b in edges:
        if rank[a] > rank[b]:
            a, b = b, a
        if rank[b] - rank[a] != 1:
            raise ValueError(f"edge {a}->{b} does not join adjacent layers")
        between.setdefault(rank[a], []).append((pos[a], pos[b]))
    return sum(_layer_pair_crossings(pairs, len(order[r + 1])) for r, pairs in between.items())


# ---------------------------------------------------------------------------- layering
def _ranks(n: int, succ: List[List[int]], pred: List[List[int]]) -> List[int]:
    """Longest path from the sources (ids are a topological order), then every source sinks
    to just above its highest consumer."""
    rank = [0] * n
    for v in range(n):
        for u in pred[v]:
            if rank[u] + 1 > rank[v]:
                rank[v] = rank[u] + 1
    for v in range(n):
        if not pred[v] and succ[v]:
            rank[v] = min(rank[w] for w in succ[v]) - 1
    return rank


# ---------------------------------------------------------------------------- ordering
class _Proper:
    """The layered graph with dummy nodes: every edge joins rank r and r + 1."""

    def __init__(self, n: int, rank: List[int], edges: List[Tuple[int, int]]):
        self.n = n
        self.rank = list(rank)
        self.up: List[List[int]] = [[] for _ in range(n)]
        self.down: List[List[int]] = [[] for _ in range(n)]
        self.chains: Dict[Tuple[int, int], List[int]] = {}
        self.source_of: List[int] = list(range(n))  # a dummy's edge source, for ordering
        self.target_of: List[int] = list(range(n))
        for u, v in edges:
            chain = []
            prev = u
            for r in range(rank[u] + 1, rank[v]):
                d = len(self.rank)
                self.rank.append(r)
                self.up.append([prev])
                self.down.append([])
                self.source_of.append(u)
                self.target_of.append(v)
                self.down[prev].append(d)
                chain.append(d)
                prev = d
            self.down[prev].append(v)
            self.up[v].append(prev)
            self.chains[(u, v)] = chain
        self.size = len(self.rank)
        self.layers = max(self.rank) + 1 if self.rank else 0

    def is_dummy(self, v: int) -> bool:
        return v >= self.n

    def edges(self) -> List[Tuple[int, int]]:
        return [(u, w) for u in range(self.size) for w in self.down[u]]

    def plain_order(self) -> List[List[int]]:
        """What layering alone gives: each layer's real nodes in index order, then the
        dummies in the order their edges were split (the baseline crossings are measured on)."""
        order: List[List[int]] = [[] for _ in range(self.layers)]
        for v in range(self.size):
            order[self.rank[v]].append(v)
        return order

    def input_order(self) -> List[List[int]]:
        """Each layer in the input's order, a dummy beside its edge's source: the start of
        the sweeps (often good already, since files list branches in a consistent order)."""
        order = self.plain_order()
        for layer in order:
            layer.sort(key=lambda v: (self.source_of[v], 0 if v < self.n else 1,
                                      self.target_of[v], v))
        return order


def _crossings(g: _Proper, order: List[List[int]], pos: List[int]) -> int:
    total = 0
    for r in range(len(order) - 1):
        pairs = [(pos[u], pos[w]) for u in order[r] for w in g.down[u]]
        total += _layer_pair_crossings(pairs, len(order[r + 1]))
    return total


def _median(values: List[int]) -> float:
    values.sort()
    m = len(values)
    if m % 2:
        return float(values[m // 2])
    if m == 2:
        return (values[0] + values[1]) / 2.0
    # weighted median (Gansner et al.): lean towards the side whose neighbours are packed
    left = values[m // 2 - 1] - values[0]
    right = values[-1] - values[m // 2]
    if left + right == 0:
        return (values[m // 2 - 1] + values[m // 2]) / 2.0
    return (values[m // 2 - 1] * right + values[m // 2] * left) / (left + right)


def _sweep(g: _Proper, order: List[List[int]], pos: List[int], downward: bool,
           use_median: bool) -> None:
    ranks = range(1, len(order)) if downward else range(len(order) - 2, -1, -1)
    neighbours = g.up if downward else g.down
    for r in ranks:
        layer = order[r]
        keys = []
        for v in layer:
            ns = neighbours[v]
            if not ns:
                key = float(pos[v])  # keeps its place
            elif use_median:
                key = _median([pos[u] for u in ns])
            else:
                key = sum(pos[u] for u in ns) / len(ns)
            keys.append((key, pos[v], v))
        keys.sort()
        order[r] = [v for _, _, v in keys]
        for p, v in enumerate(order[r]):
            pos[v] = p


def _pair_crossings(a: List[int], b: List[int]) -> int:
    """Crossings between the edges of a node left of another node at the same layer, to the
    same neighbour layer: pairs (x in a, y in b) with x > y. a and b sorted."""
    if not a or not b:
        return 0
    if len(a) * len(b) <= 16:
        return sum(1 for x in a for y in b if x > y)
    return sum(bisect_left(b, x) for x in a)


def _transpose(g: _Proper, order: List[List[int]], pos: List[int], max_passes: int = 4) -> None:
    """Swap neighbours in a layer while that removes crossings with both adjacent layers."""
    for _ in range(max_passes):
        improved = False
        for layer in order:
            if len(layer) < 2:
                continue
            ups = [sorted(pos[u] for u in g.up[v]) for v in layer]
            downs = [sorted(pos[w] for w in g.down[v]) for v in layer]
            for i in range(len(layer) - 1):
                j = i + 1
                now = _pair_crossings(ups[i], ups[j]) + _pair_crossings(downs[i], downs[j])
                if not now:
                    continue
                swapped = _pair_crossings(ups[j], ups[i]) + _pair_crossings(downs[j], downs[i])
                if swapped < now:
                    layer[i], layer[j] = layer[j], layer[i]
                    ups[i], ups[j] = ups[j], ups[i]
                    downs[i], downs[j] = downs[j], downs[i]
                    pos[layer[i]] = i
                    pos[layer[j]] = j
                    improved = True
        if not improved:
            break


def _positions(g: _Proper, order: List[List[int]]) -> List[int]:
    pos = [0] * g.size
    for layer in order:
        for p, v in enumerate(layer):
            pos[v] = p
    return pos


def _order(g: _Proper, reduce: bool, iterations: int) -> Tuple[List[List[int]], int, int]:
    """(best order, its crossings, crossings of the plain layering)."""
    order = g.plain_order()
    plain = _crossings(g, order, _positions(g, order))
    if not reduce or plain == 0:
        return order, plain, plain
    best, best_crossings = [list(layer) for layer in order], plain
    order = g.input_order()
    pos = _positions(g, order)
    c = _crossings(g, order, pos)
    if c < best_crossings:
        best, best_crossings = [list(layer) for layer in order], c
    stale = 0
    for it in range(iterations):
        if best_crossings == 0:
            break
        use_median = it % 2 == 1
        improved = False
        for downward in (True, False):
            _sweep(g, order, pos, downward, use_median)
            _transpose(g, order, pos)
            c = _crossings(g, order, pos)
            if c < best_crossings:
                best, best_crossings = [list(layer) for layer in order], c
                improved = True
        stale = 0 if improved else stale + 1
        if stale >= 3:
            break
    return best, best_crossings, plain


# ---------------------------------------------------------------------------- coordinates
def _type1_conflicts(g: _Proper, order: List[List[int]], pos: List[int]) -> set:
    """Edges that cross an inner segment (dummy to dummy): they must not be aligned, so
    long edges can stay straight (Brandes & Koepf, alg. 1)."""
    conflicts = set()
    for r in range(1, len(order)):
        upper, layer = order[r - 1], order[r]
        k0, scan = 0, 0
        last = len(layer) - 1
        for i, v in enumerate(layer):
            inner = None
            if g.is_dummy(v):
                inner = next((u for u in g.up[v] if g.is_dummy(u)), None)
            k1 = pos[inner] if inner is not None else len(upper) - 1
            if inner is not None or i == last:
                for s in layer[scan:i + 1]:
                    for u in g.up[s]:
                        if (pos[u] < k0 or pos[u] > k1) and not (g.is_dummy(u)
                                                                 and g.is_dummy(s)):
                            conflicts.add((u, s))
                scan = i + 1
                k0 = k1
    return conflicts


def _align(g: _Proper, layers: List[List[int]], neighbours: List[List[int]],
           conflicts: set, upward: bool) -> Tuple[List[int], List[int]]:
    """Vertical alignment: every node joins the block of a median neighbour in the layer
    before it (in processing order), keeping blocks from crossing."""
    root = list(range(g.size))
    align = list(range(g.size))
    pos = [0] * g.size
    for layer in layers:
        for p, v in enumerate(layer):
            pos[v] = p
    for layer in layers:
        prev = -1
        for v in layer:
            ws = neighbours[v]
            if not ws:
                continue
            ws = sorted(ws, key=pos.__getitem__)
            m = len(ws) - 1
            for i in sorted({m // 2, (m + 1) // 2}):
                w = ws[i]
                edge = (v, w) if upward else (w, v)
                if align[v] == v and prev < pos[w] and (edge[1], edge[0]) not in conflicts \
                        and edge not in conflicts:
                    align[w] = v
                    root[v] = root[w]
                    align[v] = root[v]
                    prev = pos[w]
    return root, align


def _compact(g: _Proper, layers: List[List[int]], root: List[int],
             sep: Callable[[int, int], float]) -> List[float]:
    """Horizontal compaction: blocks placed left to right, each as far left as its left
    neighbours allow, then pulled right towards its right neighbours where that is free."""
    preds: Dict[int, Dict[int, float]] = {}
    succs: Dict[int, Dict[int, float]] = {}
    for layer in layers:
        for u, v in zip(layer, layer[1:]):
            ru, rv = root[u], root[v]
            d = sep(u, v)
            if d > preds.setdefault(rv, {}).get(ru, float("-inf")):
                preds[rv][ru] = d
                succs.setdefault(ru, {})[rv] = d
    roots = sorted({root[v] for v in range(g.size)})
    indegree = {b: len(preds.get(b, ())) for b in roots}
    ready = [b for b in roots if not indegree[b]]
    topo: List[int] = []
    while ready:
        b = ready.pop()
        topo.append(b)
        for c in succs.get(b, ()):
            indegree[c] -= 1
            if not indegree[c]:
                ready.append(c)
    xs: Dict[int, float] = {}
    for b in topo:
        xs[b] = max((xs[a] + d for a, d in preds.get(b, {}).items()), default=0.0)
    for b in reversed(topo):
        out = succs.get(b)
        if out:
            limit = min(xs[c] - d for c, d in out.items())
            if limit > xs[b]:
                xs[b] = limit
    return [xs[root[v]] for v in range(g.size)]


def _isotonic(targets: List[float], weights: List[float]) -> List[float]:
    """Nondecreasing y minimising sum w (y - t)^2: pool adjacent violators, O(n)."""
    sums: List[float] = []  # per block: sum of w * t
    ws: List[float] = []  # per block: sum of w
    counts: List[int] = []
    for t, w in zip(targets, weights):
        sums.append(w * t)
        ws.append(w)
        counts.append(1)
        while len(ws) > 1 and sums[-2] * ws[-1] >= sums[-1] * ws[-2]:
            s, wt, c = sums.pop(), ws.pop(), counts.pop()
            sums[-1] += s
            ws[-1] += wt
            counts[-1] += c
    y: List[float] = []
    for s, wt, c in zip(sums, ws, counts):
        y.extend([s / wt] * c)
    return y


def _coordinates(g: _Proper, order: List[List[int]], widths: List[float]) -> List[float]:
    """Brandes & Koepf (2001), "Fast and Simple Horizontal Coordinate Assignment": four
    alignments (towards upper or lower neighbours, from the left or the right), each
    compacted, aligned to the narrowest, and every node at the mean of its two middle
    candidates. Boxes of different widths keep (w_a + w_b) / 2 + gap apart."""
    def sep(a: int, b: int) -> float:
        gap = DUMMY_GAP if (g.is_dummy(a) or g.is_dummy(b)) else NODE_GAP
        return (widths[a] + widths[b]) / 2.0 + gap

    pos = [0] * g.size
    for layer in order:
        for p, v in enumerate(layer):
            pos[v] = p
    conflicts = _type1_conflicts(g, order, pos)
    candidates: List[Tuple[str, List[float]]] = []
    for vertical in ("up", "down"):
        layers = order if vertical == "up" else order[::-1]
        neighbours = g.up if vertical == "up" else g.down
        for horizontal in ("left", "right"):
            directed = layers if horizontal == "left" else [layer[::-1] for layer in layers]
            root, _ = _align(g, directed, neighbours, conflicts, vertical == "up")
            xs = _compact(g, directed, root, sep)
            if horizontal == "right":
                xs = [-x for x in xs]
            candidates.append((horizontal, xs))

    def extent(xs: List[float]) -> Tuple[float, float]:
        return (min(x - widths[v] / 2.0 for v, x in enumerate(xs)),
                max(x + widths[v] / 2.0 for v, x in enumerate(xs)))

    extents = [extent(xs) for _, xs in candidates]
    narrowest = min(range(len(candidates)), key=lambda k: extents[k][1] - extents[k][0])
    lo, hi = extents[narrowest]
    shifted = []
    for (horizontal, xs), (a, b) in zip(candidates, extents):
        delta = lo - a if horizontal == "left" else hi - b
        shifted.append([x + delta for x in xs])
    balanced = []
    for v in range(g.size):
        four = sorted(xs[v] for xs in shifted)
        balanced.append((four[1] + four[2]) / 2.0)
    # Mixing candidates node by node can bring two neighbours closer than their boxes
    # allow: move each layer to the nearest positions (least squares) that keep them apart.
    for layer in order:
        offsets = [0.0]
        for a, b in zip(layer, layer[1:]):
            offsets.append(offsets[-1] + sep(a, b))
        ys = _isotonic([balanced[v] - o for v, o in zip(layer, offsets)], [1.0] * len(layer))
        for v, o, y in zip(layer, offsets, ys):
            balanced[v] = y + o
    # The balanced layout is usually best, but where a block breaks at a median (an
    # Inception-ResNet module's concat) alignments drift sideways module after module and
    # drag the balance along. Keep the layout with the least total horizontal edge length
    # plus width, a pixel of width counting as much as ten of edge length.
    edges = g.edges()

    def score(xs: List[float]) -> float:
        a, b = extent(xs)
        return sum(abs(xs[u] - xs[w]) for u, w in edges) + WIDTH_COST * (b - a)

    return min([balanced] + shifted, key=score)


# ---------------------------------------------------------------------------- entry point
def layered_layout(sizes: Sequence[Tuple[float, float]], edges: Sequence[Tuple[int, int]],
                   reduce_crossings: bool = True, iterations: int = 8) -> Layout:
    """Lay out nodes 0..n-1 (sizes: (width, height) each) joined by directed edges.

    Node ids should be a topological order; an edge against it is drawn reversed.
    Duplicate edges share one route; self-loops are ignored."""
    n = len(sizes)
    unique: Dict[Tuple[int, int], None] = {}
    reversed_count = 0
    for u, v in edges:
        if u == v:
            continue
        if u > v:
            u, v = v, u
            reversed_count += 1
        unique.setdefault((u, v), None)
    pairs = sorted(unique)
    succ: List[List[int]] = [[] for _ in range(n)]
    pred: List[List[int]] = [[] for _ in range(n)]
    for u, v in pairs:
        succ[u].append(v)
        pred[v].append(u)
    rank = _ranks(n, succ, pred)
    # ranks may start below 0 after sources sink; normalise
    low = min(rank) if rank else 0
    rank = [r - low for r in rank]
    g = _Proper(n, rank, pairs)
    order, crossings, plain = _order(g, reduce_crossings, iterations)
    widths = [w for w, _ in sizes] + [0.0] * (g.size - n)
    x = _coordinates(g, order, widths)

    # layer bands: each as tall as its tallest box
    heights = [0.0] * g.layers
    for v in range(n):
        heights[rank[v]] = max(heights[rank[v]], sizes[v][1])
    centres, top = [], MARGIN
    for h in heights:
        centres.append(top + h / 2.0)
        top += h + RANK_GAP
    height = top - RANK_GAP + MARGIN if heights else 2 * MARGIN
    left = min((x[v] - widths[v] / 2.0 for v in range(g.size)), default=0.0)
    right = max((x[v] + widths[v] / 2.0 for v in range(g.size)), default=0.0)
    shift = MARGIN - left
    xs = [x[v] + shift for v in range(g.size)]
    ys = [centres[g.rank[v]] for v in range(g.size)]
    routes = {edge: [(xs[d], ys[d]) for d in chain] for edge, chain in g.chains.items()}
    return Layout(x=xs[:n], y=ys[:n], rank=rank, width=right - left + 2 * MARGIN,
                  height=height, routes=routes, order=order, crossings=crossings,
                  plain_crossings=plain, reversed_edges=reversed_count)


# ---------------------------------------------------------------------------- report graph
# Ops that hold a constant or a variable and read nothing: one feeding a single layer is
# drawn inside that layer's box (as Netron shows weights), not as a box of its own.
CONSTANT_OPS = frozenset({"Const", "VariableV2", "Variable", "VarHandleOp"})


@dataclass
class DrawNode:
    """One box of the drawing: a layer with the in-place layers and the constants folded
    into it, or a net input (rows empty)."""

    rows: Tuple[int, ...]  # report row indices; rows[0] is the box's own layer, then the
    # in-place layers folded into it, then the constants only it reads
    tensor: Optional[str] = None  # for a net input: its tensor name
    width: float = 0.0
    height: float = 0.0
    x: float = 0.0  # centre
    y: float = 0.0


@dataclass
class DrawEdge:
    src: int  # DrawNode index
    dst: int
    tensors: List[str] = field(default_factory=list)  # tensor names carried (>= 1)
    points: List[Tuple[float, float]] = field(default_factory=list)  # start, bends, end


@dataclass
class Drawing:
    nodes: List[DrawNode]
    edges: List[DrawEdge]
    node_of_row: List[int]
    width: float
    height: float
    crossings: int
    plain_crossings: int
    order: List[int] = field(default_factory=list)  # node indices, a topological order


def report_graph(report) -> Tuple[List[DrawNode], List[DrawEdge], List[int]]:
    """The boxes and edges to draw for a Report.

    An in-place layer (Report row `in_place`) joins the box of the layer that produced its
    input; a constant (CONSTANT_OPS, no inputs) that a single layer reads joins that
    layer's box; a tensor no layer produces (a net input) gets an input box. Edges carry
    tensor names; the tensor a folded chain finally writes leaves from the chain's box."""
    rows = report.layers
    producer: Dict[str, int] = {}  # tensor -> node index
    nodes: List[DrawNode] = []
    node_of_row: List[int] = [0] * len(rows)
    edges: Dict[Tuple[int, int], DrawEdge] = {}
    folded: Dict[int, List[int]] = {}
    readers: Dict[str, set] = {}
    for i, row in enumerate(rows):
        for t, _ in row.inputs:
            readers.setdefault(t, set()).add(i)
    constant_of: Dict[str, int] = {}  # tensor of a foldable constant -> its only reader
    constants: Dict[int, int] = {}  # row of a foldable constant -> its only reader
    for i, row in enumerate(rows):
        if row.type in CONSTANT_OPS and not row.inputs and row.outputs:
            users = set().union(*(readers.get(t, set()) for t, _ in row.outputs))
            if len(users) == 1:
                constants[i] = users.pop()
                for t, _ in row.outputs:
                    constant_of[t] = constants[i]

    def input_node(tensor: str) -> int:
        nodes.append(DrawNode(rows=(), tensor=tensor))
        producer[tensor] = len(nodes) - 1
        return len(nodes) - 1

    for i, row in enumerate(rows):
        if i in constants:
            continue
        sources = [t for t, _ in row.inputs if t not in constant_of]
        if row.in_place and sources and sources[0] in producer and \
                nodes[producer[sources[0]]].rows:
            k = producer[sources[0]]
            folded.setdefault(k, []).append(i)
            node_of_row[i] = k
            for t, _ in row.outputs:
                producer[t] = k
            for t in sources[1:]:
                _connect(edges, producer, t, k, input_node)
            continue
        nodes.append(DrawNode(rows=(i,)))
        k = len(nodes) - 1
        node_of_row[i] = k
        for t in sources:
            _connect(edges, producer, t, k, input_node)
        for t, _ in row.outputs:
            producer[t] = k
    for i, reader in constants.items():
        k = node_of_row[reader]
        node_of_row[i] = k
        folded.setdefault(k, []).append(i)
    for k, extra in folded.items():
        nodes[k].rows = nodes[k].rows + tuple(extra)
    return nodes, list(edges.values()), node_of_row


def _connect(edges, producer, tensor, dst, input_node) -> None:
    src = producer[tensor] if tensor in producer else input_node(tensor)
    if src == dst:
        return
    edge = edges.setdefault((src, dst), DrawEdge(src, dst))
    if tensor not in edge.tensors:
        edge.tensors.append(tensor)


def layout_report(report, size_of: Callable[[DrawNode], Tuple[float, float]],
                  reduce_crossings: bool = True) -> Drawing:
    """Boxes and edges of a Report, laid out. `size_of(node)` gives a box's (width, height)."""
    nodes, edges, node_of_row = report_graph(report)
    # Input boxes are created on first use, after earlier layers: put every node in an order
    # where sources come first as they are met, which is still topological.
    order = _topological(len(nodes), [(e.src, e.dst) for e in edges])
    index = {v: i for i, v in enumerate(order)}
    sizes = []
    for v in order:
        w, h = size_of(nodes[v])
        nodes[v].width, nodes[v].height = w, h
        sizes.append((w, h))
    lay = layered_layout(sizes, [(index[e.src], index[e.dst]) for e in edges],
                         reduce_crossings=reduce_crossings)
    for v in range(len(nodes)):
        nodes[v].x, nodes[v].y = lay.x[index[v]], lay.y[index[v]]
    _route(nodes, edges, lay, index)
    return Drawing(nodes, edges, node_of_row, lay.width, lay.height, lay.crossings,
                   lay.plain_crossings, order)


def _topological(n: int, edges: List[Tuple[int, int]]) -> List[int]:
    """Smallest index first among the ready nodes: the identity order when ids are already
    topological except for input boxes appended late; a cycle's nodes go last, in id order."""
    from .toposort import stable_order

    successors: List[List[int]] = [[] for _ in range(n)]
    for u, v in edges:
        successors[u].append(v)
    order, stuck = stable_order(n, successors)
    placed = set(order)
    return order + [v for v in range(n) if v not in placed]


def _route(nodes: List[DrawNode], edges: List[DrawEdge], lay: Layout,
           index: Dict[int, int]) -> None:
    """Edge polylines: from a port on the source box's bottom through the bend points to a
    port on the target box's top; ports spread in the order of the far ends' x."""
    def bends(e: DrawEdge) -> List[Tuple[float, float]]:
        u, v = index[e.src], index[e.dst]
        if u < v:
            return list(lay.routes.get((u, v), []))
        return list(reversed(lay.routes.get((v, u), [])))

    paths = {id(e): bends(e) for e in edges}
    outgoing: Dict[int, List[DrawEdge]] = {}
    incoming: Dict[int, List[DrawEdge]] = {}
    for e in edges:
        outgoing.setdefault(e.src, []).append(e)
        incoming.setdefault(e.dst, []).append(e)

    def ports(node: DrawNode, group: List[DrawEdge], far) -> Dict[int, float]:
        group = sorted(group, key=lambda e: (far(e), e.src, e.dst))
        m = len(group)
        step = min(14.0, node.width / (m + 1)) if m > 1 else 0.0
        return {id(e): node.x + (k - (m - 1) / 2.0) * step for k, e in enumerate(group)}

    start_x: Dict[int, float] = {}
    end_x: Dict[int, float] = {}
    for k, group in outgoing.items():
        start_x.update(ports(nodes[k], group, lambda e: (paths[id(e)] or [(nodes[e.dst].x,
                                                                          0)])[0][0]))
    for k, group in incoming.items():
        end_x.update(ports(nodes[k], group, lambda e: (paths[id(e)] or [(nodes[e.src].x,
                                                                          0)])[-1][0]))
    for e in edges:
        s, t = nodes[e.src], nodes[e.dst]
        start = (start_x[id(e)], s.y + s.height / 2.0)
        end = (end_x[id(e)], t.y - t.height / 2.0)
        if s.y > t.y:  # drawn against the flow (a loop): leave from the top, enter below
            start = (start_x[id(e)], s.y - s.height / 2.0)
            end = (end_x[id(e)], t.y + t.height / 2.0)
        e.points = [start] + paths[id(e)] + [end]


__all__ = ["Layout", "layered_layout", "count_crossings", "report_graph", "layout_report",
           "Drawing", "DrawNode", "DrawEdge"]
