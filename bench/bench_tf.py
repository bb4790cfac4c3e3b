"""netcost against tf.profiler and against bare protobuf parsing, on the same GraphDefs.

    python3 bench/bench_tf.py                       # reference graphs + 1k, 10k, 100k nodes
    python3 bench/bench_tf.py --nodes 1000 10000    # other generated sizes
    python3 bench/bench_tf.py --reps 5 --no-tf      # without TensorFlow (netcost and parse)

Every measurement is a fresh process, so start-up and imports are included, as a user meets
them; the median of --reps runs (default 3) is reported, with the peak resident set size of
that process (os.wait4's ru_maxrss):
  netcost      `python3 -m netcost FILE -c tf-profiler -f json -q` (read, shapes, tf-profiler
               counts, JSON report written to /dev/null)
  tf.profiler  import tensorflow; GraphDef.FromString; tf.import_graph_def into a fresh
               tf.Graph; tf.compat.v1.profiler.profile(graph, cmd="scope",
               options=float_operation()) -- how the shared oracles were produced
  parse        python3 with netcost's generated GraphDef class only: read the file and
               GraphDef.FromString (the floor for any Python tool that reads the file)
Also shown: the time FromString alone takes inside the parse process.

Graphs: ../shared/reference/tf/{ResNet50,MobileNetV2}.stripped.pb (Keras 3, frozen, weights
stripped) and ResNet-like GraphDefs written by bench/gen_graphs.py. Not run by the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REFERENCE = os.path.join(os.path.dirname(ROOT), "shared", "reference", "tf")

TF_PROFILER = r"""
import os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
from tensorflow.core.framework import graph_pb2
tf.get_logger().setLevel("ERROR")
with open(sys.argv[1], "rb") as f:
    graph_def = graph_pb2.GraphDef.FromString(f.read())
graph = tf.Graph()
with graph.as_default():
    tf.import_graph_def(graph_def, name="")
options = dict(tf.compat.v1.profiler.ProfileOptionBuilder.float_operation(), output="none")
root = tf.compat.v1.profiler.profile(graph, cmd="scope", options=options)
print(int(root.total_float_ops))
"""

PARSE = r"""
import sys, time
from netcost.proto import tf_graph_pb2
with open(sys.argv[1], "rb") as f:
    data = f.read()
t0 = time.perf_counter()
graph_def = tf_graph_pb2.GraphDef.FromString(data)
print(len(graph_def.node), time.perf_counter() - t0)
"""

def run(argv: List[str], stdout_path: Optional[str] = None) -> Tuple[float, int, str]:
    """(wall seconds, peak RSS in MiB, stdout) of one fresh process."""
    out = open(stdout_path, "w") if stdout_path else subprocess.PIPE
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    text = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if stdout_path:
        out.close()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv[:3])} ... failed with exit code {proc.returncode}")
    return wall, usage.ru_maxrss // 1024, text


def measure(argv: List[str], reps: int, stdout_path: Optional[str] = None):
    runs = [run(argv, stdout_path) for _ in range(reps)]
    walls = [r[0] for r in runs]
    rss = [r[1] for r in runs]
    return statistics.median(walls), int(statistics.median(rss)), runs[-1][2]


def node_count(path: str) -> int:
    sys.path.insert(0, ROOT)
    from netcost.proto import tf_graph_pb2

    with open(path, "rb") as f:
        return len(tf_graph_pb2.GraphDef.FromString(f.read()).node)


def graphs(nodes: List[int], workdir: str) -> List[Tuple[str, str]]:
    found = []
    for name in ("ResNet50", "MobileNetV2"):
        path = os.path.join(REFERENCE, f"{name}.stripped.pb")
        if os.path.exists(path):
            found.append((f"{name}.stripped", path))
        else:
            print(f"(reference graph not present: {path})", file=sys.stderr)
    if nodes:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_graphs.py"), workdir,
                        "--nodes", *map(str, nodes)], check=True, stdout=subprocess.DEVNULL)
        for n in nodes:
            found.append((f"resnet_like_{n}", os.path.join(workdir, f"resnet_like_{n}.pb")))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[1000, 10000, 100000],
                        help="sizes of the generated ResNet-like graphs")
    parser.add_argument("--reps", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--no-tf", action="store_true", help="skip tf.profiler")
    args = parser.parse_args()

    rows: List[Dict] = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, path in graphs(args.nodes, workdir):
            row: Dict = {"graph": name, "nodes": node_count(path),
                         "MB": os.path.getsize(path) / 2 ** 20}
            report = os.path.join(workdir, "report.json")
            row["netcost"] = measure([sys.executable, "-m", "netcost", path, "-c",
                                      "tf-profiler", "-f", "json", "-q"], args.reps, report)
            with open(report) as f:
                row["netcost_flops"] = json.load(f)["totals"]["flops"]["value"]
            parse_wall, parse_rss, text = measure([sys.executable, "-c", PARSE, path],
                                                  args.reps)
            row["parse"] = (parse_wall, parse_rss, text)
            row["fromstring"] = float(text.split()[1])
            if not args.no_tf:
                row["tf"] = measure([sys.executable, "-c", TF_PROFILER, path], args.reps)
                row["same_total"] = int(row["tf"][2].split()[-1]) == row["netcost_flops"]
            rows.append(row)
            print(f"measured {name}", file=sys.stderr, flush=True)

    print(f"\nmedian of {args.reps} fresh processes; wall seconds / peak RSS MiB\n")
    head = ["graph", "nodes", "netcost", "tf.profiler", "parse", "FromString",
            "netcost/tf.profiler", "netcost/parse", "same FLOPs"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        nc, parse = r["netcost"], r["parse"]
        tfp = r.get("tf")
        cells = [r["graph"], f"{r['nodes']:,}",
                 f"{nc[0]:.2f} s / {nc[1]} MiB",
                 f"{tfp[0]:.2f} s / {tfp[1]} MiB" if tfp else "-",
                 f"{parse[0]:.2f} s / {parse[1]} MiB",
                 f"{r['fromstring'] * 1000:.1f} ms",
                 f"{nc[0] / tfp[0]:.2f}x time, {nc[1] / tfp[1]:.2f}x RSS" if tfp else "-",
                 f"{nc[0] / parse[0]:.2f}x time, {nc[1] / parse[1]:.2f}x RSS",
                 {True: "yes", False: "NO"}.get(r.get("same_total"), "-")]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
