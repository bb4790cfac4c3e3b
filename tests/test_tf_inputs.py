"""TF Placeholders with unknown dims take --input; nodes left without shapes are listed."""
import json

from conftest import run_cli

GRAPH = '''
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape { dim { size: -1 } dim { size: 4 } } } } }
node { name: "w" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "value" value { tensor { dtype: DT_FLOAT
              tensor_shape { dim { size: 4 } dim { size: 3 } } } } } }
node { name: "y" op: "MatMul" input: "x" input: "w" attr { key: "T" value { type: DT_FLOAT } } }
'''


def test_unknown_batch_counts_zero_like_tf_profiler_and_is_listed(write):
    result = run_cli(write("g.pbtxt", GRAPH), "-c", "tf-profiler", "--format", "json")
    report = json.loads(result.stdout)
    y = next(layer for layer in report["layers"] if layer["name"] == "y")
    assert y["outputs"][0]["shape"] == [None, 3]
    assert y["counts"]["flops"] == 0  # tf.profiler: incomplete shape, no flops
    assert "y" in {issue["layer"] for issue in report["shape_issues"]}


def test_input_option_fixes_the_batch(write):
    path = write("g.pbtxt", GRAPH)
    for name in ("x", "x:0"):
        report = json.loads(run_cli(path, "--input", f"{name}=2x4", "-c", "tf-profiler",
                                    "--format", "json").stdout)
        y = next(layer for layer in report["layers"] if layer["name"] == "y")
        # MatMul: 2 * k(4) * out(2x3) = 48.
        assert y["outputs"][0]["shape"] == [2, 3] and y["counts"]["flops"] == 48
    assert json.loads(run_cli(path, "--batch", "5", "-c", "tf-profiler", "--format",
                              "json").stdout)["totals"]["flops"]["value"] == 2 * 4 * 15
