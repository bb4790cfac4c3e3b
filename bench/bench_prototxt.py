"""Time reading a Caffe prototxt: the text reader alone and the whole Caffe frontend.

    python3 bench/bench_prototxt.py FILE.prototxt [--reps 3] [--profile 25]

Measured in this process with the cyclic garbage collector off, as the CLI runs:
  parse     netcost.textproto.parse of the decoded text into a fresh NetParameter
  frontend  netcost.frontends.caffe.load(FILE, Options()): read, parse, select the layers
            and build the IR graph (shape inference not included)
The best of --reps runs is reported. With --profile N, one more frontend run is made under
cProfile and its N top functions by own time are printed. Inputs come from
bench/gen_graphs.py (e.g. resnet_like_100000.prototxt). Not run by the tests.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _parse_once(text: str, path: str) -> float:
    from netcost.proto import caffe_pb2
    from netcost.textproto import parse

    net = caffe_pb2.NetParameter()
    start = time.perf_counter()
    parse(text, net, path=path, order_of=("layer", "layers"))
    elapsed = time.perf_counter() - start
    del net
    return elapsed


def _load_once(path: str) -> float:
    from netcost.frontends import caffe
    from netcost.options import Options

    start = time.perf_counter()
    graph = caffe.load(path, Options())
    elapsed = time.perf_counter() - start
    del graph  # freed outside the timing, as the CLI keeps it to the end
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="print the N top functions of a cProfile run (by own time)")
    args = ap.parse_args()
    gc.disable()  # as netcost.cli.main does
    with open(args.path, encoding="utf-8") as f:
        text = f.read()
    _load_once(args.path)  # warm-up: imports and generated classes
    parse_times = [_parse_once(text, args.path) for _ in range(args.reps)]
    load_times = [_load_once(args.path) for _ in range(args.reps)]
    print(f"{os.path.basename(args.path)}: parse {min(parse_times):.3f} s, "
          f"frontend {min(load_times):.3f} s (best of {args.reps})")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(_load_once, args.path)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
