"""The command as a user types it."""
import json
import os

from conftest import SAMPLES, run_cli
from netcost.version import __version__

LENET = os.path.join(SAMPLES, "lenet.prototxt")


def test_table_on_the_terminal():
    result = run_cli(LENET)
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines)
    conv1 = next(line for line in lines if line.startswith("conv1 "))
    # REFERENCE.md LeNet: conv1 20x24x24, 520 params, 288,000 MACC, 587,520 FLOPs;
    # (784 + 520 + 11,520) x 4 = 51,296 B = 50.09 KiB.
    assert conv1.split() == ["conv1", "Convolution", "1x20x24x24", "520", "288.00K", "587.52K",
                             "50.09", "KiB"]
    assert "params (learnable): 431,080" in result.stdout
    assert "FLOPs (flops convention): 4,615,950 floating-point operations" in result.stdout
    assert "convention: flops" in result.stdout and "precision: fp32" in result.stdout
    relu = next(line for line in lines if line.startswith("relu1 "))
    assert "ReLU*" in relu  # in-place layers stay visible, marked


def test_json_to_a_file_from_the_extension(tmp_path):
    out = tmp_path / "lenet.json"
    result = run_cli(LENET, "-o", str(out))
    assert result.returncode == 0 and result.stdout == ""
    report = json.loads(out.read_text())
    assert report["schema_version"] == 1 and report["netcost_version"] == __version__
    assert [layer["name"] for layer in report["layers"]] == [
        "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2"]
    ip1 = report["layers"][4]
    # REFERENCE.md: ip1 800 -> 500 has 400,500 params.
    assert ip1["params"] == 400_500 and ip1["outputs"][0]["shape"] == [1, 500]
    assert report["totals"]["params"] == 431_080
    assert report["inputs"] == [{"name": "data", "shape": [1, 1, 28, 28]}]


def test_json_to_stdout_and_byte_identical_runs():
    first = run_cli(LENET, "--format", "json", "-o", "-")
    second = run_cli(LENET, "--format", "json")
    assert first.returncode == 0 and first.stdout == second.stdout
    json.loads(first.stdout)


def test_unknown_output_extension_is_an_error(tmp_path):
    result = run_cli(LENET, "-o", str(tmp_path / "report.xyz"))
    assert result.returncode == 2 and "--format" in result.stderr
    assert not (tmp_path / "report.xyz").exists()


def test_input_override_and_batch_from_the_command_line():
    result = run_cli(LENET, "--input", "data=2x1x32x32", "--format", "json")
    layers = json.loads(result.stdout)["layers"]
    assert layers[0]["outputs"][0]["shape"] == [2, 20, 28, 28]  # 32 - 5 + 1 = 28
    result = run_cli(LENET, "--batch", "4", "--format", "json")
    assert json.loads(result.stdout)["outputs"][0]["shape"] == [4, 10]
    bad = run_cli(LENET, "--input", "data=1xAx3")
    assert bad.returncode == 2 and "bad shape" in bad.stderr


def test_batch_on_a_net_that_fixes_its_batch_says_why_it_fails(tmp_path):
    # A recurrent net whose dimension 0 is time x streams (LRCN: 160 frames reshaped to
    # 16 steps x 10 streams) cannot take --batch: the error names the layer and the option.
    net = tmp_path / "recurrent.prototxt"
    net.write_text('input: "data" input_shape { dim: 160 dim: 4096 }\n'
                   'layer { name: "steps" type: "Reshape" bottom: "data" top: "steps"\n'
                   '  reshape_param { shape { dim: 16 dim: 10 dim: 4096 } } }\n')
    assert run_cli(str(net)).returncode == 0
    result = run_cli(str(net), "--batch", "2")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "steps:" in result.stderr and "--batch 2" in result.stderr


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"netcost {__version__}"
    result = run_cli("--help")
    assert result.returncode == 0 and "examples:" in result.stdout and "--input" in result.stdout


def test_warnings_go_to_stderr_and_q_silences_them(tmp_path):
    text = open(LENET).read().replace('type: "Pooling"', 'type: "Pooling"\n  fork_only: 3', 1)
    path = tmp_path / "w.prototxt"
    path.write_text(text)
    result = run_cli(str(path))
    assert result.returncode == 0
    assert "netcost: warning:" in result.stderr and "fork_only" in result.stderr
    assert run_cli(str(path), "-q").stderr == ""


def test_unknown_layer_type_is_reported_not_fatal(tmp_path):
    text = open(LENET).read().replace('type: "ReLU"', 'type: "FancyAct"')
    path = tmp_path / "u.prototxt"
    path.write_text(text)
    result = run_cli(str(path), "--format", "json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    issues = {i["layer"]: i["reason"] for i in report["shape_issues"]}
    assert "FancyAct" in issues["relu1"]
    assert "relu1" in issues["ip2"]  # its unknown input is traced to the unknown layer
    assert report["layers"][6]["outputs"][0]["shape"] is None
    assert report["unknown_types"] == ["FancyAct"]
    assert report["layers"][5]["params"] is None  # unknown, not silently zero
    assert "relu1" in report["layers_with_unknown_params"]
    table = run_cli(str(path)).stdout.replace("\n    ", " ")
    assert "unknown layer types (no shape or cost rule, counted as unknown): FancyAct" in table
