"""Every TensorFlow file of the shared corpus loads without a traceback; ops netcost has no rule
for are listed by name, and everything downstream of them is reported without a shape."""
import glob
import json
import os

import pytest

from conftest import CORPUS, run_cli

TF_FILES = sorted(glob.glob(os.path.join(CORPUS, "tf", "*")))


def test_tf_corpus_is_present():
    if not os.path.isdir(CORPUS):
        pytest.skip("shared corpus not present")
    assert len(TF_FILES) == 17


@pytest.mark.parametrize("path", TF_FILES, ids=os.path.basename)
def test_tf_corpus_file_loads(path):
    result = run_cli(path, "--format", "json", "-q")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["network"]["framework"] == "tensorflow"
    layers = {layer["name"]: layer for layer in report["layers"]}
    for issue in report["shape_issues"]:
        assert issue["reason"], issue
    for op in report["unknown_types"]:
        unknown = [name for name, layer in layers.items() if layer["type"] == op]
        assert unknown
        for name in unknown:
            layer = layers[name]
            # No rule: unknown outputs, unless the graph states them (_output_shapes).
            stated = all(o["shape"] is not None for o in layer["outputs"])
            assert stated or "no shape rule" in layer["shape_note"], layer
            assert layer["uncounted"] and all(v is None for v in layer["counts"].values())
