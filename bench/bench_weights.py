"""Benchmark: frozen graphs with real weights, analyzed without reading them.

    python bench/bench_weights.py [FILE.pb ...] [--runs 3] [--no-tf] [--dir /tmp/netcost-vgg]

Without files it uses (and first writes, with bench/gen_vgg.py) VGG-16-like frozen GraphDefs
of about 100 MB and 553 MB in --dir. For each file, the median over --runs fresh processes of
  - protobuf parse: GraphDef.FromString of the whole file in a process (the time of the parse
    call itself, and the process's wall time and peak RSS);
  - netcost end to end: `python3 -m netcost FILE -c tf-profiler --format json -o -`;
  - netcost without the report's source hash: the same run with report._file_sha256 stubbed
    out, to show what the hash of the whole file (the one remaining read of the weights)
    costs;
  - tf.profiler end to end, when TensorFlow is importable: import TF, import the GraphDef,
    profile float_operation.
Each command runs once unmeasured first. Children run with bytecode caching on (as in an
installed package) into a cache outside the repository: PYTHONDONTWRITEBYTECODE is dropped and
PYTHONPYCACHEPREFIX points under the temporary directory, unless --as-is.
Wall time and peak RSS come from `/usr/bin/time -f "%e %M"` when it exists, else from
resource.getrusage(RUSAGE_CHILDREN) (peak RSS then being the largest child so far).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable

PARSE = """
import sys, time
from netcost.proto import tf_graph_pb2 as pb
with open(sys.argv[1], "rb") as f:
    data = f.read()
t = time.perf_counter()
g = pb.GraphDef.FromString(data)
print(json.dumps({"parse": time.perf_counter() - t, "nodes": len(g.node)}))
""".replace("import sys, time", "import json, sys, time")

NETCOST_NO_HASH = """
import sys
import netcost.report as report
report._file_sha256 = lambda path, wanted=None: None
from netcost.cli import main
sys.argv = ["netcost"] + sys.argv[1:]
sys.exit(main())
"""

TF_PROFILE = """
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
graph_def = tf.compat.v1.GraphDef()
with open(sys.argv[1], "rb") as f:
    graph_def.ParseFromString(f.read())
with tf.Graph().as_default() as graph:
    tf.import_graph_def(graph_def, name="")
options = dict(tf.compat.v1.profiler.ProfileOptionBuilder.float_operation(), output="none")
root = tf.compat.v1.profiler.profile(graph, cmd="scope", options=options)
print(json.dumps({"flops": root.total_float_ops}))
"""


ENV = None  # the children's environment (None: this one)


def _child_env(as_is: bool):
    if as_is:
        return None
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX",
                   os.path.join(tempfile.gettempdir(), "netcost-bench-pycache"))
    return env


def _measure(argv, env=None):
    """(wall seconds, peak RSS in MiB, stdout) of one fresh process."""
    time_bin = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time")
                                        else None)
    if time_bin:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
            result = subprocess.run([time_bin, "-f", "%e %M", "-o", report.name, *argv],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            fields = report.read().split()
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.decode()[-2000:]}")
        wall, rss_kib = float(fields[-2]), int(fields[-1])
        return wall, rss_kib / 1024, result.stdout.decode()
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.decode()[-2000:]}")
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, rss_kib / 1024, result.stdout.decode()


def _median_runs(argv, runs):
    _measure(argv, ENV)  # warm-up: bytecode cache, page cache
    samples = [_measure(argv, ENV) for _ in range(runs)]
    wall = statistics.median(s[0] for s in samples)
    rss = statistics.median(s[1] for s in samples)
    return wall, rss, [s[2] for s in samples]


def _tf_available() -> bool:
    probe = subprocess.run([PY, "-c", "import importlib.util, sys; "
                            "sys.exit(importlib.util.find_spec('tensorflow') is None)"])
    return probe.returncode == 0


def bench_file(path: str, runs: int, with_tf: bool) -> dict:
    row = {"file": os.path.basename(path), "mb": os.path.getsize(path) / 1e6}
    wall, rss, outs = _median_runs([PY, "-c", PARSE, path], runs)
    row["parse"] = statistics.median(json.loads(o)["parse"] for o in outs)
    row["parse_process"] = (wall, rss)
    wall, rss, outs = _median_runs([PY, "-m", "netcost", path, "-c", "tf-profiler",
                                    "--format", "json", "-o", "-"], runs)
    row["netcost"] = (wall, rss)
    row["netcost_flops"] = json.loads(outs[0])["totals"]["flops"]["value"]
    wall, rss, _ = _median_runs([PY, "-c", NETCOST_NO_HASH, path, "-c", "tf-profiler",
                                 "--format", "json", "-o", "-"], runs)
    row["netcost_no_hash"] = (wall, rss)
    if with_tf:
        wall, rss, outs = _median_runs([PY, "-c", TF_PROFILE, path], runs)
        row["tf"] = (wall, rss)
        row["tf_flops"] = json.loads(outs[0].strip().splitlines()[-1])["flops"]
    return row


def _fmt_run(pair):
    return f"{pair[0]:.2f} s, {pair[1]:,.0f} MiB"


def print_table(rows, runs: int) -> None:
    print(f"\nmedians of {runs} fresh processes each\n")
    header = ["input", "protobuf parse", "parse-only process", "netcost end to end",
              "netcost, no source hash", "tf.profiler end to end", "tf / netcost",
              "parse process / netcost"]
    lines = [header]
    for r in rows:
        tf = r.get("tf")
        lines.append([
            f"{r['file']} ({r['mb']:.0f} MB)",
            f"{r['parse'] * 1000:.0f} ms",
            _fmt_run(r["parse_process"]),
            _fmt_run(r["netcost"]),
            _fmt_run(r["netcost_no_hash"]),
            _fmt_run(tf) if tf else "-",
            f"{tf[0] / r['netcost'][0]:.1f}x time, {tf[1] / r['netcost'][1]:.0f}x RSS"
            if tf else "-",
            f"{r['parse_process'][0] / r['netcost'][0]:.2f}x time, "
            f"{r['parse_process'][1] / r['netcost'][1]:.1f}x RSS",
        ])
    print("| " + " | ".join(lines[0]) + " |")
    print("|" + "---|" * len(header))
    for line in lines[1:]:
        print("| " + " | ".join(line) + " |")
    for r in rows:
        agree = ""
        if "tf_flops" in r:
            agree = (" (tf.profiler: same)" if r["tf_flops"] == r["netcost_flops"]
                     else f" (tf.profiler: {r['tf_flops']:,})")
        print(f"{r['file']}: netcost tf-profiler FLOPs {r['netcost_flops']:,}{agree}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-tf", action="store_true", help="skip the tf.profiler runs")
    parser.add_argument("--as-is", action="store_true",
                        help="children inherit this environment unchanged")
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "netcost-vgg"),
                        help="where the default VGG-like graphs are written")
    args = parser.parse_args()
    files = args.files
    if not files:
        sys.path.insert(0, HERE)
        from gen_vgg import fc_width_for, write_vgg

        os.makedirs(args.dir, exist_ok=True)
        for size in (100, 553):
            path = os.path.join(args.dir, f"vgg16_like_{size}mb.pb")
            if not os.path.exists(path):
                print(f"writing {path} ...", file=sys.stderr)
                write_vgg(path, fc_width_for(size))
            files.append(path)
    global ENV
    ENV = _child_env(args.as_is)
    with_tf = not args.no_tf and _tf_available()
    rows = []
    for path in files:
        print(f"benchmarking {path} ...", file=sys.stderr)
        rows.append(bench_file(path, args.runs, with_tf))
    print_table(rows, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
