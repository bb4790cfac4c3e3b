"""JSON, CSV and Markdown outputs carry exact integers, the convention and the precision."""
import csv
import io
import json
import os

from conftest import SAMPLES, run_cli

LENET = os.path.join(SAMPLES, "lenet.prototxt")


def test_json_layers_and_totals():
    data = json.loads(run_cli(LENET, "--format", "json", "--convention", "tf-profiler").stdout)
    assert data["convention"]["name"] == "tf-profiler"
    assert data["precision"] == {"name": "fp32", "bytes_per_element": 4}
    conv1 = data["layers"][0]
    # tf.profiler: conv1/Conv2D 576,000 + conv1/BiasAdd 11,520 (REFERENCE.md).
    assert conv1["name"] == "conv1" and conv1["counts"] == {"flops": 587_520}
    assert (conv1["bytes_read"], conv1["bytes_written"]) == (5_216, 46_080)
    assert data["totals"]["counts"]["flops"] == {"value": 4_615_950, "complete": True}
    assert data["totals"]["model_bytes"]["fp16"] == 862_160
    assert data["breakdowns"]["by_type"][0]["key"] == "Convolution"


def test_csv_one_row_per_layer(tmp_path):
    out = tmp_path / "lenet.csv"
    assert run_cli(LENET, "-o", str(out), "--precision", "int8").returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["name"] for r in rows] == ["conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2"]
    ip1 = rows[4]
    # REFERENCE.md: ip1 400,500 params, 400,000 MACC, 800,500 FLOPs; int8 bytes read
    # 800 + 400,500 = 401,300.
    assert (ip1["params"], ip1["macc"], ip1["flops"]) == ("400500", "400000", "800500")
    assert (ip1["bytes_read"], ip1["bytes_written"]) == ("401300", "500")
    assert ip1["convention"] == "flops" and ip1["precision"] == "int8"


def test_markdown_table(tmp_path):
    out = tmp_path / "lenet.md"
    assert run_cli(LENET, "-o", str(out), "--convention", "macc").returncode == 0
    text = out.read_text()
    assert "convention: macc" in text
    assert "| conv2 | Convolution | 1x50x8x8 | 25,050 | 1,600,000 |" in text
    assert "MACC (macc convention): 2,293,000 multiply-accumulates" in text


def test_columns_choice_and_device_columns():
    result = run_cli(LENET, "--columns", "layer,flops,time,bound", "--device", "t4")
    assert result.returncode == 0
    header = next(line for line in result.stdout.splitlines() if line.startswith("layer"))
    assert header.split() == ["layer", "FLOPs", "time", "bound"]
    bad = run_cli(LENET, "--columns", "layer,nonsense")
    assert bad.returncode == 2 and "nonsense" in bad.stderr


def test_list_devices():
    result = run_cli("--list-devices")
    assert result.returncode == 0 and "hi3519av100" in result.stdout and "source:" in result.stdout


def test_every_table_line_fits_100_columns():
    for args in ([], ["--device", "t4"], ["-c", "tf-profiler"], ["--depth", "2"]):
        result = run_cli(os.path.join(SAMPLES, "resnet_block.prototxt"), *args)
        assert result.returncode == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_source_hash_and_special_output_paths(tmp_path):
    import hashlib

    import netcost
    from netcost import report as report_module

    with open(LENET, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert netcost.analyze(LENET).sha256 == digest
    assert netcost.analyze(LENET, sha256=False).sha256 is None
    # Over the limit the hash is computed only when asked (it would read every weight byte).
    original = report_module.HASH_LIMIT
    report_module.HASH_LIMIT = 10
    try:
        assert netcost.analyze(LENET).sha256 is None
        assert netcost.analyze(LENET, sha256=True).sha256 == digest
    finally:
        report_module.HASH_LIMIT = original
    # Writing to a character device must not replace it with a regular file.
    if os.path.exists("/dev/null"):
        result = run_cli(LENET, "-o", "/dev/null", "--format", "json")
        assert result.returncode == 0 and not os.path.isfile("/dev/null")
