"""Mutation fuzzing of every reader netcost has, seeded from the shared corpus.

    python bench/fuzz_readers.py [--inputs 100000] [--reader NAME ...] [--seed 1]

Each input is a seed file mutated (bytes flipped, deleted, duplicated, spliced, truncated,
numbers replaced by extreme values) and analyzed end to end. The contract: only NetcostError
may escape (a one-line message for the user), no input takes over 2 s, peak memory stays under
1 GB. A crash is saved under tests/regressions/ so that it becomes a regression test.
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
REGRESSIONS = os.path.join(ROOT, "tests", "regressions")

# reader -> (file suffix, seed globs)
READERS = {
    "prototxt": (".prototxt", ["corpus/caffe/*.prototxt", "reference/lenet.prototxt"]),
    "caffemodel": (".caffemodel", []),  # seeds made from the prototxt seeds (see _seeds)
    "graphdef": (".pb", ["reference/tf/lenet_frozen.pb", "corpus/tf/utensor_*.pb",
                         "corpus/tf/tf2onnx_*frozen.pb"]),
    "pbtxt": (".pbtxt", ["corpus/tf/*.pbtxt"]),
    "metagraph": (".meta", ["reference/tf/lenet.ckpt.meta", "corpus/tf/*.meta"]),
    "index": (".index", ["reference/tf/lenet.ckpt.index"]),
}
EXTREMES = [b"0", b"-1", b"4611686018427387904", b"99999999999999999999", b"1e308", b"nan",
            b"2147483648", b"-9223372036854775809"]


def _seeds(reader: str):
    suffix, patterns = READERS[reader]
    files = sorted(f for p in patterns for f in glob.glob(os.path.join(SHARED, p)))
    seeds = []
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        if len(data) <= 300_000:  # big seeds make slow inputs without new coverage
            seeds.append(data)
    if reader == "caffemodel":
        seeds = [_caffemodel_seed()]
    return seeds


def _caffemodel_seed() -> bytes:
    sys.path.insert(0, ROOT)
    from google.protobuf import text_format

    from netcost.proto import caffe_pb2

    net = caffe_pb2.NetParameter()
    with open(os.path.join(ROOT, "samples", "lenet.prototxt")) as f:
        text_format.Parse(f.read(), net)
    for layer in net.layer:
        if layer.type in ("Convolution", "InnerProduct"):
            blob = layer.blobs.add()
            blob.shape.dim.extend([4, 3])
            blob.data.extend([0.5] * 12)
    return net.SerializeToString()


def mutate(data: bytes, rng: random.Random, seeds) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            data.extend(rng.choice(seeds)[:64])
            continue
        choice = rng.random()
        i = rng.randrange(len(data))
        if choice < 0.25:
            data[i] = rng.randrange(256)
        elif choice < 0.40:
            del data[i:i + rng.randint(1, 16)]
        elif choice < 0.55:
            j = rng.randrange(len(data))
            data[i:i] = data[j:j + rng.randint(1, 64)]
        elif choice < 0.65:
            del data[i:]
        elif choice < 0.80:
            other = rng.choice(seeds)
            j = rng.randrange(max(1, len(other)))
            data[i:] = other[j:j + rng.randint(1, 4096)]
        else:
            # Replace a run of digits by an extreme number (text formats).
            start = i
            while start < len(data) and not chr(data[start]).isdigit():
                start += 1
            end = start
            while end < len(data) and chr(data[end]).isdigit():
                end += 1
            if start < len(data):
                data[start:end] = rng.choice(EXTREMES)
    return bytes(data)


def run_one(reader: str, data: bytes, workdir: str):
    """Analyze one input; returns None, or the traceback of a contract violation."""
    from netcost.errors import NetcostError

    suffix = READERS[reader][0]
    path = os.path.join(workdir, "input" + suffix)
    with open(path, "wb") as f:
        f.write(data)
    try:
        if reader == "index":
            from netcost.frontends.tf_checkpoint import read_index

            read_index(path)
        else:
            import netcost

            report = netcost.analyze(path)
            report.to_json()
            report.to_table()
    except NetcostError as e:
        try:
            text = str(e)  # what the CLI prints: it must not fail either
        except Exception:  # noqa: BLE001
            return traceback.format_exc()
        if "\n" in text:
            return f"NetcostError message spans lines: {text!r}"
        return None
    except RecursionError:
        return traceback.format_exc()
    except Exception:  # the contract: nothing else escapes
        return traceback.format_exc()
    return None


def fuzz(reader: str, inputs: int, seed: int) -> dict:
    rng = random.Random(seed)
    seeds = _seeds(reader)
    if not seeds:
        return {"reader": reader, "inputs": 0, "crashes": 0, "slow": 0, "note": "no seeds"}
    workdir = tempfile.mkdtemp(prefix=f"netcost-fuzz-{reader}-")
    crashes, slow, slowest = 0, 0, 0.0
    started = time.time()
    try:
        for n in range(inputs):
            data = mutate(rng.choice(seeds), rng, seeds)
            t0 = time.perf_counter()
            failure = run_one(reader, data, workdir)
            elapsed = time.perf_counter() - t0
            slowest = max(slowest, elapsed)
            if elapsed > 2.0:
                slow += 1
                _save(reader, data, f"slow: {elapsed:.2f} s")
            if failure:
                crashes += 1
                _save(reader, data, failure)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"reader": reader, "inputs": inputs, "crashes": crashes, "slow": slow,
            "slowest_s": round(slowest, 3), "peak_rss_mib": round(peak_mib),
            "seconds": round(time.time() - started, 1)}


def _save(reader: str, data: bytes, why: str) -> None:
    import hashlib

    os.makedirs(REGRESSIONS, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    base = os.path.join(REGRESSIONS, f"{reader}-{digest}")
    with open(base + READERS[reader][0], "wb") as f:
        f.write(data)
    with open(base + ".why.txt", "w") as f:
        f.write(why)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--reader", nargs="+", choices=sorted(READERS), default=sorted(READERS))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, ROOT)
    import gc

    gc.disable()  # as the CLI runs; collected between readers
    failed = False
    for reader in args.reader:
        result = fuzz(reader, args.inputs, args.seed)
        gc.collect()
        print(result, flush=True)
        failed |= bool(result.get("crashes") or result.get("slow"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
