import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
CORPUS = os.path.join(SHARED, "corpus")
REFERENCE = os.path.join(SHARED, "reference")
SAMPLES = os.path.join(ROOT, "samples")


def corpus_file(*parts):
    path = os.path.join(CORPUS, *parts)
    if not os.path.exists(path):
        pytest.skip(f"shared corpus not present: {path}")
    return path


def run_cli(*args, cwd=None):
    """Run the installed command in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "netcost", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.fixture
def write(tmp_path):
    """write("name.prototxt", text) -> path of a file holding text (bytes allowed)."""

    def _write(name, content):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return str(path)

    return _write
