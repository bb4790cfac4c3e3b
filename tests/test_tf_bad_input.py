"""Bad TensorFlow input: one line naming the file (and node), exit 2, no output file."""
import os

import pytest

from conftest import REFERENCE, run_cli

GOOD = 'node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }\n'


def _frozen_bytes():
    path = os.path.join(REFERENCE, "tf", "lenet_frozen.pb")
    if not os.path.exists(path):
        pytest.skip("shared reference not present")
    with open(path, "rb") as f:
        return f.read()


CASES = [
    ("cycle.pbtxt", GOOD + 'node { name: "a" op: "Relu" input: "b" }\n'
     'node { name: "b" op: "Relu" input: "a" }\n', "cycle"),
    ("missing-input.pbtxt", GOOD + 'node { name: "a" op: "Relu" input: "nosuch" }\n',
     "'nosuch' names no node"),
    ("bad-port.pbtxt", GOOD + 'node { name: "a" op: "Relu" input: "x:3" }\n',
     "produces 1 output(s) here but the graph names or reads 4"),
    # A port or an output-count attr far beyond any op's outputs: refused (65,536), not one
    # tensor name allocated per claimed output.
    ("huge-port.pbtxt", GOOD + 'node { name: "a" op: "Relu" input: "x:2147483648" }\n',
     "an input reads output 2147483648 of this Placeholder node"),
    ("huge-split.pbtxt", GOOD + 'node { name: "s" op: "Split" input: "x" input: "x" '
     'attr { key: "num_split" value { i: 4294967296 } } }\n',
     "Split node would have 4294967296 outputs"),
    ("string-split-count.pbtxt", GOOD + 'node { name: "s" op: "Split" input: "x" input: "x" '
     'attr { key: "num_split" value { s: "two" } } }\n',
     "s: Split node's output count attr holds 'two', not an integer"),
    # "²" is a Unicode digit that int() refuses: the input names a node called "x:²".
    ("unicode-port.pbtxt", GOOD + 'node { name: "a" op: "Relu" input: "x:\u00b2" }\n',
     "names no node"),
    # Inside a function body an input is "node:output_arg:index"; "0x1" is no index.
    ("function-port.pbtxt", GOOD + 'node { name: "call" op: "f" input: "x" }\n'
     'library { function { signature { name: "f" input_arg { name: "a" type: DT_FLOAT }\n'
     '  output_arg { name: "y" type: DT_FLOAT } }\n'
     '  node_def { name: "r" op: "Relu" input: "a" }\n'
     '  node_def { name: "s" op: "Relu" input: "r:activations:0x1" }\n'
     '  ret { key: "y" value: "s:activations:0" } } }\n',
     "call: input 'r:activations:0x1' of function f has no port number"),
    # TF's BatchMatMulV2Shape: rank >= 2 on both sides, inner dims equal.
    ("batch-matmul-rank.pbtxt", GOOD.replace("}\n", 'attr { key: "shape" value { shape { '
                                             'dim { size: 3 } } } } }\n')
     + 'node { name: "m" op: "BatchMatMulV2" input: "x" input: "x" '
       'attr { key: "adj_x" value { b: true } } }\n',
     "m: BatchMatMulV2 needs inputs of rank >= 2, got 3"),
    ("batch-matmul-inner.pbtxt", GOOD.replace("}\n", 'attr { key: "shape" value { shape { '
                                              'dim { size: 2 } dim { size: 3 } } } } }\n')
     + 'node { name: "m" op: "BatchMatMulV2" input: "x" input: "x" }\n',
     "m: BatchMatMulV2 inner dimensions differ: 3 vs 2"),
    # A float tensor where a shape goes (here input_sizes): shapes are integers.
    ("float-shape.pbtxt", GOOD + 'node { name: "sizes" op: "Const" attr { key: "value" value '
     '{ tensor { dtype: DT_FLOAT tensor_shape { } float_val: 1.5 } } } }\n'
     'node { name: "b" op: "Conv2DBackpropInput" input: "sizes" input: "x" input: "x" '
     'attr { key: "padding" value { s: "SAME" } } }\n',
     "b: a float32 tensor is used as a shape"),
    # A rule reading an input the node lacks says which, not "IndexError".
    ("too-few-inputs.pbtxt", GOOD + 'node { name: "b" op: "BiasAdd" input: "x" }\n',
     "b: BiasAdd reads input 1 but the layer has 1 input(s)"),
    ("duplicate.pbtxt", GOOD + GOOD, "used twice"),
    ("syntax.pbtxt", 'node { name: "x" op: ', "end of file"),
    ("empty.pb", b"", "empty"),
    ("garbage.pb", bytes(range(256)) * 8, "not a valid TensorFlow protobuf"),
    ("image.pb", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "TensorFlow"),
]


@pytest.mark.parametrize("name, content, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_tf_input(tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    out = tmp_path / "out.json"
    result = run_cli(str(path), "-o", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"netcost: error: {path}"), result.stderr
    assert expected in lines[0]
    assert not out.exists()


def test_truncated_graph_def(tmp_path):
    data = _frozen_bytes()
    path = tmp_path / "cut.pb"
    path.write_bytes(data[: len(data) // 3])
    result = run_cli(str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"netcost: error: {path}")
