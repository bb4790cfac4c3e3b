"""The HTML report as a file: self-contained, policy-locked, escaped, deterministic, small;
the CLI's html format, --open and --netron-metrics. (Browser behaviour: test_html_browser.)"""
import base64
import hashlib
import html as html_lib
import json
import os
import re
import stat
import subprocess
import sys
import zipfile

import pytest

import netcost
from conftest import REFERENCE, ROOT, SAMPLES, corpus_file, run_cli
from netcost.render.html import json_for_html, layer_kind, netron_metrics, render_html

LENET = os.path.join(SAMPLES, "lenet.prototxt")

# Layer names a hostile or careless file may hold: each must show as text and run nothing.
HOSTILE = ['<script>alert("x")</script>', 'quote"d \'and\' `back`',
           '"><img src=x onerror=alert(1)>', "</script><script>alert(2)</script>",
           "a&amp;b <!-- c", "\u2028line\u2029sep"]


def hostile_prototxt() -> str:
    lines = ['name: "<b>net</b> \\"quoted\\""', 'input: "data"',
             "input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }"]
    bottom = "data"
    for i, name in enumerate(HOSTILE):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'layer {{ name: "{escaped}" type: "Convolution" bottom: "{bottom}" '
                     f'top: "t{i}" convolution_param {{ num_output: 4 kernel_size: 1 }} }}')
        bottom = f"t{i}"
    lines.append(f'layer {{ name: "<i>relu</i>" type: "ReLU" bottom: "{bottom}" '
                 f'top: "{bottom}" }}')
    lines.append(f'layer {{ name: "odd" type: "<svg onload=alert(3)>" bottom: "{bottom}" '
                 'top: "out" }')
    return "\n".join(lines) + "\n"


def _data_block(page: str) -> str:
    m = re.search(r'<script type="application/json" id="netcost-data">(.*?)</script>', page,
                  re.S)
    assert m
    return m.group(1)


def _inline(page: str, tag: str) -> str:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.S)
    assert m
    return m.group(1)


@pytest.fixture(scope="module")
def lenet_page():
    return netcost.analyze(LENET).to_html()


# ---------------------------------------------------------------- self-contained
def test_page_is_one_offline_file(lenet_page):
    page = lenet_page
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert page.rstrip().endswith("</html>")
    # nothing to fetch: no external URL in any attribute, CSS or script
    for attr in re.findall(r'\s(?:src|href|action|xlink:href|poster|data)="([^"]*)"', page):
        assert attr.startswith("#") or attr.startswith("data:"), attr
    assert not re.search(r"url\((?!#)", page)  # CSS url() only to in-page ids
    assert "@import" not in page and "<link rel=\"stylesheet\"" not in page
    assert "<iframe" not in page and "<object" not in page and "<embed" not in page
    for pattern in (r"https?://", r"//cdn", r"fetch\(", r"XMLHttpRequest", r"WebSocket",
                    r"\.src\s*=", r"import\("):
        assert not re.search(pattern, _inline(page, "script")), pattern
    assert "<img" not in page


def test_content_security_policy_forbids_requests_and_pins_the_inline_code(lenet_page):
    page = lenet_page
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert m
    policy = dict(part.strip().split(" ", 1) for part in html_lib.unescape(m.group(1)).split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["img-src"] == "data:"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    for directive, tag in (("style-src", "style"), ("script-src", "script")):
        body = _inline(page, tag)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert policy[directive] == f"'sha256-{digest}'"
        assert "unsafe" not in policy[directive]
    # the policy comes before anything that could load
    assert page.index("Content-Security-Policy") < page.index("<style>")
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    assert " style=" not in page  # inline style attributes would need 'unsafe-inline'


def test_the_data_block_is_json_without_markup_characters(lenet_page):
    block = _data_block(lenet_page)
    assert not set("<>&") & set(block)
    data = json.loads(block)
    assert data["node"] and len(data["node"]) == 7
    assert data["values"]["flops"] == [587520, 11520, 3203200, 3200, 800500, 0, 10010]
    assert data["ops"][2] == 3203200


def test_json_for_html_escapes_what_could_end_the_element():
    text = json_for_html({"a": "</script><!--&\u2028", "b": [1, None, 2.5]})
    assert text == ('{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028",'
                    '"b":[1,null,2.5]}')
    assert json.loads(text) == {"a": "</script><!--&\u2028", "b": [1, None, 2.5]}


# ---------------------------------------------------------------- what the page shows
def test_lenet_page_shows_header_totals_graph_table_and_breakdowns(lenet_page):
    page = lenet_page
    for text in ("<h1>LeNet</h1>", "lenet.prototxt", netcost.analyze(LENET).sha256,
                 "431.08K", "431,080 learnable elements", "4,615,950 floating-point operations",
                 "2,293,000 multiply-accumulates", "1.64 MiB", "fp16 841.95 KiB",
                 "int8 420.98 KiB", "1,882,696 B at fp32", "56.25 KiB", "2.45",
                 "<b>flops</b>: FLOPs (2 x MACC + bias adds)", "Source: REFERENCE.md",
                 "<code>1x1x28x28</code>", "netcost " + netcost.__version__,
                 "By layer type", "By name scope", "Per-layer FLOPs and bytes moved",
                 "Give a device"):
        assert text in page, text
    # one box per layer, ReLU folded into ip1; edges labelled without the batch dim
    assert page.count('<g class="node ') == 6
    assert '<text class="t2" y="11">InnerProduct + ReLU</text>' in page
    for label in (">1x28x28</text>", ">20x24x24</text>", ">500</text>", ">50x4x4</text>"):
        assert label in page
    assert page.count("<tr data-i=") == 7
    assert '<tr data-i="5" data-n="5" class="k-act ip">' in page


def test_roofline_parts_appear_with_a_device():
    report = netcost.analyze(LENET, device="t4")
    page = report.to_html()
    assert 'id="roofline"' in page
    assert page.count('<circle class="pt ') == 6  # every layer with FLOPs (ReLU has none)
    for text in ("roofline time", "5.89 us", "93.3% in memory-bound layers",
                 "NVIDIA Tesla T4", "ridge 25.31 FLOP/B", 'data-key="bound"',
                 'data-key="time"', "whole net: 2.45 FLOP/B"):
        assert text in page, text


@pytest.mark.parametrize("convention", ["flops", "macc", "tf-profiler", "netscope",
                                        "torchstat"])
def test_every_convention_renders_its_columns(convention):
    report = netcost.analyze(LENET, convention=convention)
    page = report.to_html()
    data = json.loads(_data_block(page))
    keys = [c["key"] for c in data["columns"]]
    for m in report.convention.metrics:
        assert m.key in keys or f"{convention}_{m.key}" in keys
    assert "flops" in keys  # the FLOP count the roofline uses is always a column
    assert len(keys) == len(set(keys))


def test_kinds_colour_caffe_and_tensorflow_ops():
    assert layer_kind("Convolution") == layer_kind("Conv2D") == "conv"
    assert layer_kind("InnerProduct") == layer_kind("MatMul") == "fc"
    assert layer_kind("ReLU") == layer_kind("Relu6") == "act"
    assert layer_kind("Eltwise") == layer_kind("ConcatV2") == "merge"
    assert layer_kind("Foo") == "other" and layer_kind("Foo", known=False) == "unknown"


def test_unknown_layers_and_missing_shapes_are_flagged(write):
    path = write("odd.prototxt", 'input: "data"\ninput_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
                 'layer { name: "mystery" type: "FancyOp" bottom: "data" top: "m" }\n'
                 'layer { name: "after" type: "ReLU" bottom: "m" top: "r" }\n')
    page = netcost.analyze(path).to_html()
    assert '<span class="flag" title="' in page and ">unknown type</span>" in page
    assert ">no shape</span>" in page
    assert "node k-unknown unk noshape" in page
    assert "unknown layer type FancyOp" in page
    assert 'class="goto" data-i="0">mystery</button>' in page


def test_hostile_layer_names_appear_as_text(write):
    report = netcost.analyze(write("hostile.prototxt", hostile_prototxt()))
    page = report.to_html()
    body = page.split("<body>", 1)[1].split('<script type="application/json"', 1)[0]
    # no markup from the file survives: every < of a name is &lt;
    assert "<script" not in body and "<img" not in body and "<i>" not in body
    assert "<b>net</b>" not in page and "<svg onload" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in body
    assert "a&amp;amp;b &lt;!-- c" in body
    # the only elements are the page's own: exactly one script to run and one data block
    assert page.count("<script") == 2 and page.count("</script>") == 2
    data = json.loads(_data_block(page))
    assert data["columns"][0]["key"] == "name"


# ---------------------------------------------------------------- deterministic and small
def test_two_runs_give_byte_identical_pages(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        path = tmp_path / f"r{seed}.html"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "netcost", os.path.join(SAMPLES, "vgg16.prototxt"),
                        "--device", "t4", "-o", str(path)], check=True, env=env,
                       capture_output=True)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    report = netcost.analyze(os.path.join(SAMPLES, "resnet_block.prototxt"))
    assert render_html(report) == render_html(report)


def test_googlenet_page_is_identical_across_hash_seeds(tmp_path):
    source = corpus_file("caffe", "bvlc_googlenet_deploy.prototxt")
    pages = []
    for seed in ("3", "4"):
        path = tmp_path / f"g{seed}.html"
        subprocess.run([sys.executable, "-m", "netcost", source, "-o", str(path)], check=True,
                       env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True)
        pages.append(path.read_bytes())
    assert pages[0] == pages[1]


def test_five_thousand_layers_stay_under_five_megabytes(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from bench_html import generate_prototxt

    path = tmp_path / "big.prototxt"
    path.write_text(generate_prototxt(5000))
    report = netcost.analyze(str(path))
    assert len(report.layers) >= 5000
    size = len(report.to_html().encode("utf-8"))
    assert size < 5_000_000, size


# ---------------------------------------------------------------- TensorFlow through the same Report
def test_tensorflow_graph_renders():
    path = corpus_file("tf", "tfpose_mobilenet_v2_small_graph_opt.pb")
    report = netcost.analyze(path)
    page = report.to_html()
    assert "tensorflow network" in page
    boxes = page.count('<g class="node ')
    consts = sum(1 for r in report.layers if r.type == "Const")
    # weights are drawn inside the layer that reads them: far fewer boxes than nodes
    assert len(report.layers) - consts <= boxes < len(report.layers) / 2
    assert "constants into their only reader" in page


def test_checkpoint_page_shows_before_and_after_freezing():
    path = os.path.join(REFERENCE, "tf", "lenet.ckpt.meta")
    if not os.path.exists(path):
        pytest.skip("shared reference not present")
    page = render_html(netcost.analyze(path))
    assert "Before and after freezing" in page
    assert "431,864" in page and "-431,864" in page  # trainable params removed by freezing
    assert "Removed by freezing" in page


# ---------------------------------------------------------------- CLI
def test_cli_writes_html_from_the_extension(tmp_path):
    out = tmp_path / "lenet.html"
    r = run_cli(LENET, "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8") == netcost.analyze(LENET).to_html()


def test_cli_html_to_stdout_and_format_option(tmp_path):
    r = run_cli(LENET, "--format", "html", "-o", "-")
    assert r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>")
    out = tmp_path / "report.htm"
    assert run_cli(LENET, "-o", str(out)).returncode == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    r = run_cli(LENET, "-f", "html")
    assert r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>")


def _fake_browser(tmp_path, exit_code=0):
    log = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, BROWSER=str(script))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env, log


def test_open_writes_the_page_and_hands_it_to_the_browser(tmp_path):
    env, log = _fake_browser(tmp_path)
    out = tmp_path / "net.html"
    r = subprocess.run([sys.executable, "-m", "netcost", LENET, "-o", str(out), "--open"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert log.read_text().strip() == out.resolve().as_uri()
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_open_without_output_uses_a_temporary_page(tmp_path):
    env, log = _fake_browser(tmp_path)
    env["TMPDIR"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-m", "netcost", LENET, "--open"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    page = tmp_path / "netcost-lenet.html"
    assert page.exists() and log.read_text().strip() == page.as_uri()
    assert r.stdout == ""


def test_open_without_a_browser_says_where_the_page_is(tmp_path):
    env, _ = _fake_browser(tmp_path, exit_code=1)
    out = tmp_path / "net.html"
    r = subprocess.run([sys.executable, "-m", "netcost", LENET, "-o", str(out), "--open"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0
    assert "no web browser" in r.stderr and str(out) in r.stderr
    assert out.exists()


def test_open_needs_an_html_file(tmp_path):
    for args in (("-o", str(tmp_path / "x.json")), ("-o", "-", "-f", "html"), ("-f", "csv")):
        r = run_cli(LENET, "--open", *args)
        assert r.returncode == 2 and "--open" in r.stderr, args
    assert not (tmp_path / "x.json").exists()


def test_netron_metrics_attachment(tmp_path):
    out = tmp_path / "lenet.metrics.json"
    r = run_cli(LENET, "--device", "t4", "--netron-metrics", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("LeNet")  # the usual table still goes to stdout
    data = json.loads(out.read_text())
    assert data["signature"] == "netron:attachment"
    entries = data["metrics"]
    assert all(set(e) == {"kind", "target", "name", "value"} for e in entries)
    conv1 = {e["name"]: e["value"] for e in entries if e["kind"] == "node"
             and e["target"] == "conv1"}
    assert conv1["netcost params"] == 520
    assert conv1["netcost flops FLOPs"] == 587520
    assert conv1["netcost flops MACC"] == 288000
    assert conv1["netcost bytes read (fp32)"] == 5216
    assert conv1["netcost bound"] == "memory"
    model = {e["name"]: e["value"] for e in entries if e["kind"] == "model"}
    assert model["netcost params"] == 431080 and model["netcost flops FLOPs"] == 4615950
    assert {e["target"] for e in entries if e["kind"] == "model"} == {""}
    targets = {e["target"] for e in entries if e["kind"] == "node"}
    assert targets == {r.name for r in netcost.analyze(LENET).layers}


def test_netron_metrics_leave_unknown_values_out(write):
    path = write("odd.prototxt", 'input: "data"\ninput_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
                 'layer { name: "mystery" type: "FancyOp" bottom: "data" top: "m" }\n')
    entries = netron_metrics(netcost.analyze(path))["metrics"]
    assert all(e["value"] is not None for e in entries)
    assert not [e for e in entries if e["target"] == "mystery" and "FLOPs" in e["name"]]


def test_the_wheel_ships_the_templates(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), ROOT], check=True)
    wheel = next(f for f in os.listdir(tmp_path) if f.endswith(".whl"))
    names = zipfile.ZipFile(tmp_path / wheel).namelist()
    for name in ("report.html.j2", "report.css.j2", "report.js.j2"):
        assert f"netcost/templates/{name}" in names
    assert "netcost/layout.py" in names and "netcost/render/html.py" in names


# ---------------------------------------------------------------- name scopes collapsed
def test_large_graphs_offer_a_name_scope_overview(tmp_path):
    small = netcost.analyze(LENET).to_html()
    assert 'id="osvg"' not in small and 'id="view"' not in small
    report = netcost.analyze(corpus_file("caffe", "soeaver_inception_resnet_v2_deploy.prototxt"))
    page = report.to_html()
    data = json.loads(_data_block(page))
    groups = data["groups"]
    # one group per Inception-ResNet module (and stem layer), every box in exactly one
    assert page.count('<g class="group ') == 73
    assert ">73 name scopes</option>" in page
    drawn = page.count('<g class="node ') + page.count('<g class="gin" id="n')
    assert sorted(k for m in groups["members"] for k in m) == list(range(drawn))
    assert "inception_resnet_v2_a1" in groups["titles"]
    # 336 boxes: the full drawing comes first, the overview is one click away
    assert '<svg id="osvg"' in page and 'aria-label="name scopes of' in page
    assert page.index('id="gsvg"') < page.index('id="osvg"')
    assert re.search(r'<svg id="osvg"[^>]* hidden>', page)
    assert not re.search(r'<svg id="gsvg"[^>]* hidden>', page)


def test_very_large_graphs_open_on_the_overview(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from bench_html import generate_prototxt

    path = tmp_path / "big.prototxt"
    path.write_text(generate_prototxt(1500))
    page = netcost.analyze(str(path)).to_html()
    assert re.search(r'<svg id="gsvg"[^>]* hidden>', page)
    assert not re.search(r'<svg id="osvg"[^>]* hidden>', page)
    assert '<text class="t1" y="-3">b1</text><text class="t2" y="12">16 layers' in page
