"""A short run of the hypothesis fuzzer against every reader finds nothing.

The long run (100,000 examples per reader) is its own command:
python3 bench/fuzz_hypothesis.py --examples 100000. Without the shared corpus only the
structured inputs run (the seed mutations need the corpus)."""
import os
import sys

import pytest

from conftest import ROOT

pytest.importorskip("hypothesis")

EXAMPLES = 60  # per reader: the whole file stays well under 20 s


@pytest.fixture(scope="module")
def fuzzer():
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import fuzz_hypothesis

    return fuzz_hypothesis


@pytest.mark.parametrize("reader", ["prototxt", "caffemodel", "graphdef", "pbtxt", "metagraph",
                                    "savedmodel", "index"])
def test_hypothesis_fuzz_smoke(fuzzer, reader, tmp_path, monkeypatch):
    monkeypatch.setattr(fuzzer, "REGRESSIONS", str(tmp_path))  # keep the tree clean
    # Crashes already reported and awaiting a fix elsewhere are replayed by test_fuzz.py from
    # tests/regressions/; here their triggers are left out so that the smoke test checks the rest.
    result = fuzzer.run_reader(reader, EXAMPLES, seed_value=11, avoid=fuzzer.KNOWN_BUGS)
    assert result["examples"] == EXAMPLES
    assert result["crashes"] == 0 and result["slow"] == 0, (result, os.listdir(tmp_path))


def test_every_reader_is_smoke_tested(fuzzer):
    # A reader added to the harness without a smoke test here would go unchecked.
    assert set(fuzzer.READERS) == {"prototxt", "caffemodel", "graphdef", "pbtxt", "metagraph",
                                   "savedmodel", "index"}
