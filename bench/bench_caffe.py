"""netcost end to end on Caffe prototxts, against protobuf's own text parser on the same files.

    python3 bench/bench_caffe.py                        # corpus + generated 1k, 10k, 100k layers
    python3 bench/bench_caffe.py --layers 10000 --reps 5 --no-corpus

Every measurement is a fresh process (start-up and imports included), median of --reps runs,
with its peak RSS:
  netcost     `python3 -m netcost FILE -f json -q` (read, net state, shapes, flops, the JSON
              report written to a file)
  text_format the reference: python3 with netcost's generated NetParameter class only, the
              file read and google.protobuf.text_format.Merge into a NetParameter (what a
              tool that parses prototxts with protobuf pays before any analysis)
Inputs: ResNet-like prototxts written by bench/gen_graphs.py and, unless --no-corpus, every
.prototxt of ../shared/corpus/caffe (netcost only: the slowest files are listed). Not run by
the tests.
"""
from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
from typing import List, Tuple

from bench_tf import HERE, ROOT, measure

CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "caffe")

TEXT_FORMAT = r"""
import sys, time
from google.protobuf import text_format
from netcost.proto import caffe_pb2
with open(sys.argv[1]) as f:
    text = f.read()
t0 = time.perf_counter()
net = caffe_pb2.NetParameter()
text_format.Merge(text, net)
print(len(net.layer) + len(net.layers), time.perf_counter() - t0)
"""


def _netcost(path: str, reps: int, workdir: str) -> Tuple[float, int]:
    report = os.path.join(workdir, "report.json")
    wall, rss, _ = measure([sys.executable, "-m", "netcost", path, "-f", "json", "-q"], reps,
                           report)
    return wall, rss


def generated(layers: List[int], reps: int, workdir: str) -> None:
    subprocess.run([sys.executable, os.path.join(HERE, "gen_graphs.py"), workdir, "--nodes",
                    *map(str, layers)], check=True, stdout=subprocess.DEVNULL)
    print(f"\nmedian of {reps} fresh processes; wall seconds / peak RSS MiB\n")
    head = ["prototxt", "MB", "netcost", "text_format process", "text_format.Merge",
            "text_format / netcost"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n in layers:
        path = os.path.join(workdir, f"resnet_like_{n}.prototxt")
        wall, rss = _netcost(path, reps, workdir)
        ref_wall, ref_rss, text = measure([sys.executable, "-c", TEXT_FORMAT, path], reps)
        merge = float(text.split()[1])
        cells = [f"resnet_like_{n} ({n:,} layers)", f"{os.path.getsize(path) / 2 ** 20:.1f}",
                 f"{wall:.2f} s / {rss} MiB", f"{ref_wall:.2f} s / {ref_rss} MiB",
                 f"{merge:.2f} s", f"{ref_wall / wall:.2f}x"]
        print("| " + " | ".join(cells) + " |", flush=True)


def corpus(reps: int, workdir: str, slowest: int = 5) -> None:
    files = sorted(glob.glob(os.path.join(CORPUS, "*.prototxt")))
    if not files:
        print(f"(no corpus at {CORPUS})")
        return
    timings = []
    for path in files:
        try:
            timings.append((_netcost(path, reps, workdir), os.path.basename(path)))
        except RuntimeError:  # a corpus net netcost rejects (exit 2): timed like the others
            timings.append(((float("nan"), 0), os.path.basename(path) + " (error)"))
    timings.sort(key=lambda t: -t[0][0] if t[0][0] == t[0][0] else 0)
    print(f"\ncorpus: {len(files)} prototxts, median of {reps} fresh processes each; "
          f"slowest {slowest}:")
    for (wall, rss), name in timings[:slowest]:
        print(f"  {wall:.2f} s / {rss} MiB  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-corpus", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        if args.layers:
            generated(args.layers, args.reps, workdir)
        if not args.no_corpus:
            corpus(args.reps, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
