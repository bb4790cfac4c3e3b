"""Malformed and inconsistent files: one line naming file (and layer), exit 2, no traceback,
no output file."""
import os

import pytest

from conftest import run_cli

GOOD_HEAD = 'name: "t"\ninput: "data"\ninput_shape { dim: 1 dim: 4 dim: 8 dim: 8 }\n'


def conv(extra, name="c", bottom="data"):
    return (f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{name}" '
            f'convolution_param {{ {extra} }} }}\n')


# (id, file content, text the message must contain)
CASES = [
    ("syntax-missing-brace", GOOD_HEAD + 'layer { name: "r" type: "ReLU" bottom: "data" top: "r"',
     "missing '}'"),
    ("syntax-stray-token", GOOD_HEAD + 'layer { name: "r" : : }', "line 4"),
    ("unexpected-character", GOOD_HEAD + 'layer { name: "r" type: "ReLU" @ }', "unexpected character"),
    ("unterminated-string", GOOD_HEAD + 'layer { name: "r type: "ReLU" }\n', "line 4"),
    ("unknown-enum", GOOD_HEAD + 'layer { name: "p" type: "Pooling" bottom: "data" top: "p" '
     'pooling_param { pool: MAXIMUM kernel_size: 2 } }', "MAXIMUM"),
    ("unknown-v1-type", 'layers { name: "x" type: FOOBAR }', "FOOBAR"),
    ("string-for-integer", GOOD_HEAD + conv('num_output: "ten" kernel_size: 3'), "integer"),
    ("integer-out-of-range", GOOD_HEAD + conv("num_output: 99999999999 kernel_size: 3"),
     "out of range"),
    ("singular-field-twice", GOOD_HEAD + 'layer { name: "a" name: "b" type: "ReLU" }',
     "more than once"),
    ("missing-bottom", GOOD_HEAD + conv("num_output: 2 kernel_size: 3", bottom="nosuch"),
     "bottom blob 'nosuch'"),
    ("duplicate-top", GOOD_HEAD + conv("num_output: 2 kernel_size: 3", name="c")
     + 'layer { name: "d" type: "ReLU" bottom: "data" top: "c" }', "already produced"),
    ("zero-stride", GOOD_HEAD + conv("num_output: 2 kernel_size: 3 stride: 0"), "stride"),
    ("kernel-larger-than-input", GOOD_HEAD + conv("num_output: 2 kernel_size: 11 pad: 1"),
     "larger than the padded input"),
    ("group-not-dividing-channels", GOOD_HEAD + conv("num_output: 6 kernel_size: 3 group: 3"),
     "does not divide"),
    ("num-output-missing", GOOD_HEAD + conv("kernel_size: 3"), "num_output"),
    ("negative-input-dim", 'input: "data"\ninput_shape { dim: 1 dim: -3 dim: 8 dim: 8 }\n'
     'layer { name: "r" type: "ReLU" bottom: "data" top: "r" }', "negative"),
    ("input-dim-not-4-per-input", 'input: "data"\ninput_dim: 1 input_dim: 3 input_dim: 8\n',
     "4 dims per input"),
    ("pool-pad-not-below-kernel", GOOD_HEAD + 'layer { name: "p" type: "Pooling" bottom: "data" '
     'top: "p" pooling_param { kernel_size: 2 pad: 2 } }', "smaller than the kernel"),
    ("concat-mismatch", GOOD_HEAD + conv("num_output: 2 kernel_size: 3")
     + 'layer { name: "cat" type: "Concat" bottom: "data" bottom: "c" top: "cat" }', "differ"),
    ("reshape-count", GOOD_HEAD + 'layer { name: "r" type: "Reshape" bottom: "data" top: "r" '
     'reshape_param { shape { dim: 1 dim: 100 } } }', "element counts"),
    ("include-and-exclude", GOOD_HEAD + 'layer { name: "r" type: "ReLU" bottom: "data" top: "r" '
     'include { phase: TEST } exclude { phase: TRAIN } }', "not both"),
    ("slice-points", GOOD_HEAD + 'layer { name: "s" type: "Slice" bottom: "data" top: "a" top: "b" '
     'slice_param { slice_point: 3 slice_point: 1 } }', "slice points"),
    ("empty-file", "", "empty"),
    ("only-comments", "# nothing here\n# at all\n", "no layers"),
    ("binary-garbage", bytes(range(256)) * 4, "not a text prototxt"),
    ("truncated-caffemodel", None, "not a text prototxt"),  # built below from a real model
    ("deep-nesting", GOOD_HEAD + "layer { name: \"x\" " + "unknown_thing { " * 300
     + "}" * 300 + " }", "nesting deeper"),
    # V0 `new_height` is an int32, ImageDataParameter's a uint32: -1 cannot be upgraded.
    ("v0-negative-into-unsigned", 'layers { layer { name: "img" type: "images" '
     'new_height: -1 } top: "data" }\n', "img: V0 field new_height = -1 does not fit"),
    ("not-utf8-text", GOOD_HEAD.encode() + b'layer { name: "caf\xe9" type: "ReLU" }\n'
     + b"# padding\n" * 500, "not a text prototxt"),
]


def _truncated_caffemodel():
    from netcost.proto import caffe_pb2 as pb

    net = pb.NetParameter(name="t")
    layer = net.layer.add(name="conv", type="Convolution", bottom=["data"], top=["conv"])
    blob = layer.blobs.add()
    blob.shape.dim.extend([64, 3, 3, 3])
    blob.data.extend([0.5] * (64 * 27))
    data = net.SerializeToString()
    return data[: len(data) // 2]


@pytest.mark.parametrize("case_id, content, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(tmp_path, case_id, content, expected):
    if content is None:
        content = _truncated_caffemodel()
    suffix = ".caffemodel" if case_id == "truncated-caffemodel" else ".prototxt"
    path = tmp_path / f"bad{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    out = tmp_path / "report.json"
    result = run_cli(str(path), "-o", str(out))
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"netcost: error: {path}"), line
    assert expected in line, line
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".netcost-")]


@pytest.mark.parametrize("case_id, layer", [
    ("zero-stride", "c"), ("missing-bottom", "c"), ("group-not-dividing-channels", "c"),
    ("pool-pad-not-below-kernel", "p"), ("concat-mismatch", "cat"), ("duplicate-top", "d"),
])
def test_errors_in_a_layer_name_the_layer(tmp_path, case_id, layer):
    content = dict((c[0], c[1]) for c in CASES)[case_id]
    path = tmp_path / "bad.prototxt"
    path.write_text(content)
    result = run_cli(str(path))
    assert f"netcost: error: {path}: {layer}: " in result.stderr


@pytest.mark.parametrize("args, expected", [
    (["/nonexistent/net.prototxt"], "no such file"),
    (["{empty}"], "no network files found"),
])
def test_bad_paths(tmp_path, args, expected):
    result = run_cli(*[a.format(empty=tmp_path) for a in args])
    assert result.returncode == 2 and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
