"""Fuzzing: saved crash inputs stay fixed, and a short run of the fuzzer finds nothing.

The long run (100,000 inputs per reader) is its own command: python bench/fuzz_readers.py."""
import glob
import os
import resource
import subprocess
import sys

import pytest

from conftest import ROOT

REGRESSIONS = sorted(f for f in glob.glob(os.path.join(ROOT, "tests", "regressions", "*"))
                     if not f.endswith(".why.txt"))


# The contract allows 1 GB; a saved input that makes netcost allocate without bound fails
# against this cap in seconds instead of driving the machine out of memory.
MEMORY_CAP = 2 << 30


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _replay(path):
    """The CLI on a saved input in a fresh process (as conftest.run_cli), memory capped."""
    return subprocess.run([sys.executable, "-m", "netcost", path, "--format", "json"],
                          capture_output=True, text=True, preexec_fn=_cap_memory, timeout=300)


@pytest.mark.parametrize("path", REGRESSIONS, ids=os.path.basename)
def test_saved_crash_inputs_give_a_clear_result(path):
    result = _replay(path)
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def fuzzer():
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import fuzz_readers

    return fuzz_readers


@pytest.mark.parametrize("reader", ["prototxt", "caffemodel", "graphdef", "pbtxt", "metagraph",
                                    "index"])
def test_fuzz_smoke(fuzzer, reader, tmp_path, monkeypatch):
    if not os.path.isdir(fuzzer.SHARED):
        pytest.skip("shared corpus not present: no seeds")
    monkeypatch.setattr(fuzzer, "REGRESSIONS", str(tmp_path))  # keep the tree clean
    result = fuzzer.fuzz(reader, 150, seed=7)
    assert result["crashes"] == 0 and result["slow"] == 0, (result, os.listdir(tmp_path))
