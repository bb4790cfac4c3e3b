"""Adversarial sizes: exact integers far beyond int64 products, very wide and very deep
inputs, nothing allocated in proportion to tensor sizes, no RecursionError."""
import json
import sys

from conftest import run_cli

HUGE = 2 ** 62


def test_dims_up_to_2_62_stay_exact(write):
    text = (f'input: "data"\ninput_shape {{ dim: 1 dim: 3 dim: {HUGE} dim: {HUGE} }}\n'
            'layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" '
            'convolution_param { num_output: 8 kernel_size: 1 } }\n'
            'layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }\n')
    result = run_cli(write("huge.prototxt", text), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    conv = report["layers"][0]
    # 1x1 conv, 3 -> 8 channels over 2^62 x 2^62 positions: MACC = 3 * 8 * 2^124 (exact).
    assert conv["counts"]["macc"] == 3 * 8 * HUGE * HUGE
    assert conv["counts"]["flops"] == 2 * 3 * 8 * HUGE * HUGE + 8 * HUGE * HUGE
    assert conv["outputs"][0]["shape"] == [1, 8, HUGE, HUGE]
    assert report["totals"]["peak_activation_elements"] == (3 + 8) * HUGE * HUGE


def test_counts_of_thousands_of_digits_print_in_every_format(write, tmp_path):
    # TF's largest rank, every dim 2^62: (2^62)^254 = 2^15748 elements, 4,741 decimal digits,
    # more than Python prints by default. Exact in JSON; the table scales it (E notation).
    dims = " ".join(f"dim {{ size: {HUGE} }}" for _ in range(254))
    text = ('node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }'
            f' attr {{ key: "shape" value {{ shape {{ {dims} }} }} }} }}\n'
            'node { name: "y" op: "Relu" input: "x" }\n')
    path = write("huge.pbtxt", text)
    result = run_cli(path, "--format", "json")
    assert result.returncode == 0, result.stderr
    limit = sys.get_int_max_str_digits()  # json.loads here reads the count back
    sys.set_int_max_str_digits(0)
    try:
        relu = json.loads(result.stdout)["layers"][1]
    finally:
        sys.set_int_max_str_digits(limit)
    assert relu["bytes_written"] == 4 * 2 ** (62 * 254)
    for fmt in ("table", "csv", "md", "html"):
        out = tmp_path / f"report.{fmt}"
        result = run_cli(path, "--format", fmt, "-o", str(out))
        assert result.returncode == 0 and out.stat().st_size, (fmt, result.stderr)
    assert "E+4729 TiB" in run_cli(path).stdout  # 4 * 2^15748 bytes = 1.52E+4729 TiB


def test_hundred_thousand_way_concat(write):
    n = 100_000
    bottoms = " ".join('bottom: "data"' for _ in range(n))
    text = ('input: "data"\ninput_shape { dim: 1 dim: 2 dim: 3 dim: 3 }\n'
            f'layer {{ name: "cat" type: "Concat" {bottoms} top: "cat" }}\n')
    result = run_cli(write("wide.prototxt", text), "--format", "json")
    assert result.returncode == 0, result.stderr
    cat = json.loads(result.stdout)["layers"][0]
    assert cat["outputs"][0]["shape"] == [1, 2 * n, 3, 3]
    # n inputs of 2x3x3 = 18 elements read, one output of 18 n elements written, 4 bytes each.
    assert cat["bytes_read"] == 18 * n * 4 and cat["bytes_written"] == 18 * n * 4


def test_deep_nesting_is_an_error_not_a_crash(write):
    depth = 50_000
    text = "layer { name: \"x\" " + "deep { " * depth + "}" * depth + " }\n"
    result = run_cli(write("deep.prototxt", text))
    assert result.returncode == 2 and "nesting deeper" in result.stderr
    assert "Traceback" not in result.stderr and "Recursion" not in result.stderr


def test_long_chain(write):
    n = 20_000
    lines = ['input: "data"', "input_shape { dim: 1 dim: 1 dim: 2 dim: 2 }"]
    previous = "data"
    for i in range(n):
        lines.append(f'layer {{ name: "s{i}" type: "Sigmoid" bottom: "{previous}" top: "s{i}" }}')
        previous = f"s{i}"
    result = run_cli(write("chain.prototxt", "\n".join(lines)), "--format", "json", "-o", "-")
    assert result.returncode == 0, result.stderr
    # Sigmoid: 3 FLOPs per element (README), 4 elements, n layers.
    assert json.loads(result.stdout)["totals"]["flops"]["value"] == 3 * 4 * n


def test_library_renders_huge_counts_and_keeps_the_callers_digit_limit(write):
    # The same 4,741-digit count through the Python API: every renderer prints it, and the
    # caller's int-to-text limit (Python's default, 4,300 digits) is back afterwards. A
    # fresh process, because the CLI tests run in this one.
    import subprocess

    dims = " ".join(f"dim {{ size: {HUGE} }}" for _ in range(254))
    path = write("huge.pbtxt", 'node { name: "x" op: "Placeholder" attr { key: "dtype" value '
                 f'{{ type: DT_FLOAT }} }} attr {{ key: "shape" value {{ shape {{ {dims} }} }} }} }}\n'
                 'node { name: "y" op: "Relu" input: "x" }\n')
    script = ("import sys, netcost\n"
              f"r = netcost.analyze({str(path)!r})\n"
              "texts = [r.to_json(), r.to_table(), r.to_csv(), r.to_markdown(), r.to_html()]\n"
              "limit = sys.get_int_max_str_digits()\n"
              "sys.set_int_max_str_digits(0)  # to write the expected count here\n"
              "print(str(4 * 2 ** (62 * 254)) in texts[0], limit)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "4300"]


def test_range_of_2_62_elements_is_counted_not_built(write):
    # Range(0, 2^62, 1): its length in closed form; building its values ran out of memory.
    def const(name, value):
        return (f'node {{ name: "{name}" op: "Const" attr {{ key: "dtype" value {{ type: '
                f'DT_INT64 }} }} attr {{ key: "value" value {{ tensor {{ dtype: DT_INT64 '
                f'tensor_shape {{ }} int64_val: {value} }} }} }} }}\n')

    text = (const("start", 0) + const("limit", HUGE) + const("delta", 3)
            + 'node { name: "r" op: "Range" input: "start" input: "limit" input: "delta" '
              'attr { key: "Tidx" value { type: DT_INT64 } } }\n')
    result = run_cli(write("range.pbtxt", text), "--format", "json")
    assert result.returncode == 0, result.stderr
    rng = json.loads(result.stdout)["layers"][-1]
    assert rng["outputs"][0]["shape"] == [-(-HUGE // 3)]  # ceil(2^62 / 3) elements
