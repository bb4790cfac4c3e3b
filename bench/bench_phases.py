"""Where one analysis spends its time, phase by phase, beside the floors no Python tool
reading the same file can go under.

    python3 bench/bench_phases.py FILE [--convention tf-profiler] [--reps 3]

In this process, with the cyclic garbage collector off as the CLI runs, best of --reps:
  frontend     read the file and build the IR graph (netcost.loader's frontend.load)
  shapes       shape inference over the registry of the file's framework
  report       cost engine, per-layer rows, totals, peak memory and breakdowns (build_report)
  json dict    the JSON report as Python objects (render.json_out.report_to_dict)
  json encode  json.dumps of those objects (the C encoder; no netcost code runs)
Floors, for TensorFlow GraphDefs (.pb):
  parse        GraphDef.FromString with protobuf's C (upb) backend
  walk         parse, then read every node's name, op, inputs and attr keys: the least
               any per-node analysis reads
Not run by the tests. The phases add up to what `python3 -m netcost FILE -f json` takes
beyond start-up (about 0.1 s) and writing the file.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _best(reps, run):
    """(best seconds, last result) of `run` over reps runs."""
    best, result = float("inf"), None
    for _ in range(reps):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _graphdef_floors(path: str, reps: int):
    from netcost.proto import tf_graph_pb2

    with open(path, "rb") as f:
        data = f.read()

    def walk():
        graph = tf_graph_pb2.GraphDef.FromString(data)
        for node in graph.node:
            node.name, node.op, list(node.input), list(node.attr)
        return graph

    parse, _ = _best(reps, lambda: tf_graph_pb2.GraphDef.FromString(data))
    walked, _ = _best(reps, walk)
    return [("parse (floor)", parse), ("parse + walk (floor)", walked)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--convention", default="tf-profiler")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    gc.disable()

    from netcost.loader import _pick_frontend
    from netcost.options import Options
    from netcost.render.json_out import report_to_dict
    from netcost.report import build_report
    from netcost.shapes import infer_shapes

    options = Options(convention=args.convention)
    with open(args.file, "rb") as f:
        frontend = _pick_frontend(args.file, f.read(4096))
    t_frontend, graph = _best(args.reps, lambda: frontend.load(args.file, options))
    if graph.framework == "tensorflow":
        from netcost.shapes.tensorflow import TF_SHAPES as registry
    else:
        from netcost.shapes.caffe import CAFFE_SHAPES as registry
    t_shapes, shaped = _best(args.reps, lambda: infer_shapes(graph, registry, options))
    t_report, report = _best(args.reps, lambda: build_report(shaped, options))
    t_dict, data = _best(args.reps, lambda: report_to_dict(report))
    t_encode, text = _best(args.reps, lambda: json.dumps(data, check_circular=False))

    rows = [("frontend", t_frontend), ("shapes", t_shapes), ("report", t_report),
            ("json dict", t_dict), ("json encode", t_encode)]
    total = sum(seconds for _, seconds in rows)
    rows.append(("sum of the phases", total))
    if args.file.endswith(".pb"):
        rows += _graphdef_floors(args.file, args.reps)
    print(f"{os.path.basename(args.file)}: {len(graph.nodes):,} layers, JSON "
          f"{len(text) / 1e6:.1f} MB; best of {args.reps}, seconds")
    for name, seconds in rows:
        print(f"  {name:22} {seconds:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
