"""The HTML report in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; `playwright install` is never needed): it loads from a file:// URL with no console
error and no request but the file itself, draws one box per layer (in-place layers folded),
shows a layer's figures on hover, selects its table row on click, sorts by FLOPs, and runs
nothing a layer name holds. Screenshots go to $NETCOST_ARTIFACTS, or a pytest temp folder.
"""
import os
import shutil
import tempfile

import pytest

import netcost
from conftest import REFERENCE, SAMPLES, corpus_file

CHROMIUM = os.environ.get("NETCOST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(sync_playwright is None,
                       reason="browser tests need Playwright for Python (pip install "
                              "playwright; it drives the system chromium, no browser "
                              "download)"),
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install "
                              "chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1440, "height": 900})
        yield context
        context.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    folder = os.environ.get("NETCOST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        return folder
    return str(tmp_path_factory.mktemp("artifacts"))


class Page:
    """A report opened from a file, with every request, console message and error kept."""

    def __init__(self, browser, report, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(report.to_html())
        self.url = "file://" + os.path.abspath(path)
        self.requests, self.console, self.errors, self.dialogs = [], [], [], []
        self.page = browser.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_selector("body.ready", timeout=30_000)

    def check_clean(self):
        assert self.errors == []
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.requests == [self.url]  # the file itself, nothing else
        assert self.dialogs == []


CONSTANTS = ("Const", "VariableV2", "Variable", "VarHandleOp")


def _reference(*parts):
    path = os.path.join(REFERENCE, *parts)
    if not os.path.exists(path):
        pytest.skip(f"shared reference not present: {path}")
    return path


def _expected_boxes(report):
    """Every layer but those drawn inside another's box: in-place layers, and constants
    (TF Const, no inputs) that exactly one layer reads."""
    readers = {}
    for i, r in enumerate(report.layers):
        for t, _ in r.inputs:
            readers.setdefault(t, set()).add(i)
    folded = 0
    for r in report.layers:
        users = set().union(*(readers.get(t, set()) for t, _ in r.outputs))
        constant = r.type in CONSTANTS and not r.inputs and len(users) == 1
        folded += r.in_place or constant
    return len(report.layers) - folded


def _largest(report):
    return max(range(len(report.layers)), key=lambda i: (report.layers[i].ops or 0, -i))


NETS = [
    ("lenet", lambda: os.path.join(SAMPLES, "lenet.prototxt"), {}),
    ("resnet50", lambda: corpus_file("caffe", "resnet50_deploy.prototxt"), {"device": "t4"}),
    # the largest Caffe net of the corpus (987 layers)
    ("inception_resnet_v2", lambda: corpus_file(
        "caffe", "soeaver_inception_resnet_v2_deploy.prototxt"), {"convention": "macc"}),
    # the largest TensorFlow graph of the corpus
    ("tf_mobilenet_v2", lambda: corpus_file("tf", "tfpose_mobilenet_v2_small_graph_opt.pb"),
     {"device": "jetson-nano"}),
    # the largest TF oracle graph (TF2 Keras ResNet50, 1,831 nodes): opens on name scopes
    ("tf_oracle_resnet50", lambda: _reference("tf", "ResNet50.stripped.pb"), {}),
]


@pytest.mark.parametrize("name, source, options", NETS, ids=[n[0] for n in NETS])
def test_report_page_in_chromium(browser, artifacts, tmp_path, name, source, options):
    report = netcost.analyze(source(), **options)
    view = Page(browser, report, tmp_path / f"{name}.html")
    page = view.page
    try:
        # one element per box: every layer that is not folded into its producer
        boxes = page.locator("#gsvg g.node")
        assert boxes.count() == _expected_boxes(report)
        assert page.locator("#layer-table tbody tr").count() == len(report.layers)

        # a table row finds its box in the graph (and centres it)
        target = _largest(report)
        page.locator(f'#layer-table tbody tr[data-i="{target}"]').click()
        k = page.locator(f'#layer-table tbody tr[data-i="{target}"]').get_attribute("data-n")
        box = page.locator(f"#gsvg g.node#n{k}")
        assert "sel" in box.get_attribute("class")

        # hovering a box shows its figures
        page.keyboard.press("Escape")
        box.hover()
        tip = page.locator("#tip")
        tip.wait_for(state="visible")
        row = report.layers[int(box.get_attribute("data-i"))]
        text = tip.inner_text()
        assert row.name in text
        flops_cell = page.locator(f'#layer-table tbody tr[data-i="{target}"] td').nth(
            _column(page, "flops")).inner_text()
        assert flops_cell in text and "FLOPs" in text
        page.screenshot(path=os.path.join(artifacts, f"{name}-hover.png"))

        # clicking another box (a neighbour, on screen) selects its layer's row
        other = _neighbour(page, k)
        other.click()
        selected = page.locator("#layer-table tbody tr.sel").evaluate_all(
            "trs => trs.map(tr => tr.getAttribute('data-i'))")
        assert other.get_attribute("data-i") in selected
        assert str(target) not in selected  # the previous selection is cleared
        assert "sel" in other.get_attribute("class")
        assert page.locator("#details h4").inner_text() == \
            report.layers[int(other.get_attribute("data-i"))].name

        # sorting the table by FLOPs puts the largest layer first
        page.locator('#layer-table th[data-key="flops"] button').click()
        first = page.locator("#layer-table tbody tr").first
        assert int(first.get_attribute("data-i")) == target
        assert page.locator('#layer-table th[data-key="flops"]').get_attribute(
            "aria-sort") == "descending"
        page.locator('#layer-table th[data-key="flops"] button').click()
        assert page.locator('#layer-table th[data-key="flops"]').get_attribute(
            "aria-sort") == "ascending"

        # heat map of FLOPs, then back to kinds
        page.select_option("#colour", "ops")
        assert page.locator("#legend-heat").is_visible()
        fill = box.locator("rect").evaluate("r => r.style.fill")
        assert fill.startswith("rgb(")
        page.evaluate("document.getElementById('graph').scrollIntoView()")
        page.screenshot(path=os.path.join(artifacts, f"{name}-heat.png"))
        page.select_option("#colour", "kind")
        assert box.locator("rect").evaluate("r => r.style.fill") == ""

        # filter by text and by type
        page.fill("#filter", "conv")
        shown = page.locator("#layer-table tbody tr:visible").count()
        expected = sum(1 for r in report.layers
                       if "conv" in r.name.lower() or "conv" in r.type.lower())
        assert shown == expected
        page.fill("#filter", "")
        assert page.locator("#layer-table tbody tr:visible").count() == len(report.layers)

        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.path.join(artifacts, f"{name}.png"), full_page=True)
        view.check_clean()
    finally:
        page.close()


def _neighbour(page, k):
    """A layer box joined to box k by an edge."""
    ends = page.locator("#gsvg .edges path").evaluate_all(
        "ps => ps.map(p => [p.getAttribute('data-s'), p.getAttribute('data-t')])")
    for s, t in ends:
        for a, b in ((s, t), (t, s)):
            if a == k and page.locator(f"#gsvg g.node#n{b}").count():
                return page.locator(f"#gsvg g.node#n{b}")
    raise AssertionError(f"box {k} has no neighbour")


def _column(page, key):
    keys = page.locator("#layer-table thead th").evaluate_all(
        "ths => ths.map(th => th.getAttribute('data-key'))")
    return keys.index(key)


def test_hostile_names_run_nothing_in_chromium(browser, artifacts, tmp_path, write):
    from test_html import HOSTILE, hostile_prototxt

    report = netcost.analyze(write("hostile.prototxt", hostile_prototxt()))
    view = Page(browser, report, tmp_path / "hostile.html")
    page = view.page
    try:
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("document.scripts.length") == 2
        assert page.evaluate("document.querySelectorAll('svg [onload], [onerror]').length") == 0
        names = page.locator("#layer-table tbody td:first-child").all_inner_texts()
        assert [n.strip() for n in names[:len(HOSTILE)]] == [h.strip() for h in HOSTILE]
        assert page.locator("h1").inner_text() == '<b>net</b> "quoted"'
        # tooltips and the details panel build from text only
        boxes = page.locator("#gsvg g.node")
        for i in range(boxes.count()):
            boxes.nth(i).hover()
            boxes.nth(i).click()
        assert page.locator("#details h4").inner_text() == "odd"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.path.join(artifacts, "hostile.png"), full_page=True)
        view.check_clean()
    finally:
        page.close()


def test_charts_and_warnings_link_to_layers(browser, tmp_path, write):
    path = write("odd.prototxt", 'input: "data"\ninput_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
                 'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
                 "convolution_param { num_output: 4 kernel_size: 3 } }\n"
                 'layer { name: "mystery" type: "FancyOp" bottom: "c" top: "m" }\n')
    report = netcost.analyze(path, device="t4")
    view = Page(browser, report, tmp_path / "odd.html")
    page = view.page
    try:
        page.locator('button.goto[data-i="1"]').first.click()
        assert page.locator("#layer-table tbody tr.sel").get_attribute("data-i") == "1"
        page.select_option("#type-filter", "FancyOp")  # a flagged row still matches its type
        assert page.locator("#layer-table tbody tr:visible").count() == 1
        page.select_option("#type-filter", "")
        page.locator("#roofline circle.pt").first.click()
        assert page.locator("#layer-table tbody tr.sel").get_attribute("data-i") == "0"
        page.locator("#profile").hover()
        assert page.locator("#tip").is_visible()
        view.check_clean()
    finally:
        page.close()


def test_name_scope_overview_opens_a_scope(browser, artifacts, tmp_path):
    import sys

    from conftest import ROOT

    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from bench_html import generate_prototxt

    source = tmp_path / "big.prototxt"
    source.write_text(generate_prototxt(2000))
    report = netcost.analyze(str(source))
    view = Page(browser, report, tmp_path / "big.html")
    page = view.page
    try:
        # more than 400 boxes: the page opens on the name scopes, one box per block
        assert page.locator("#osvg").is_visible() and not page.locator("#gsvg").is_visible()
        assert page.locator("#view").input_value() == "overview"
        groups = page.locator("#osvg g.group")
        assert groups.count() == len({r.name.split("_")[0] for r in report.layers
                                      if not r.in_place})
        assert page.locator("#gsvg g.node").count() == _expected_boxes(report)
        group = groups.nth(2)
        group.hover()
        tip = page.locator("#tip")
        tip.wait_for(state="visible")
        assert "layers" in tip.inner_text() and "FLOPs" in tip.inner_text()
        page.screenshot(path=os.path.join(artifacts, "overview.png"))
        group.click()  # opens the scope: every layer, zoomed to its boxes
        assert page.locator("#gsvg").is_visible() and not page.locator("#osvg").is_visible()
        name = group.locator("text.t1").text_content()
        flashing = page.locator("#gsvg g.node.flash")
        titles = flashing.locator("text.t1").all_text_contents()
        assert titles and all(t.startswith(name + "_") for t in titles)
        page.screenshot(path=os.path.join(artifacts, "overview-opened.png"))
        # heat map colours the scopes too, and selecting a row comes back to the layers
        page.select_option("#view", "overview")
        page.select_option("#colour", "bytes")
        assert group.locator("rect").evaluate("r => r.style.fill").startswith("rgb(")
        page.locator('#layer-table tbody tr[data-i="5"]').click()
        assert page.locator("#gsvg").is_visible()
        view.check_clean()
    finally:
        page.close()
