"""Layout and HTML render time for generated Caffe nets of about 1k, 10k and 100k nodes.

    python3 bench/bench_html.py              # 1k, 10k, 100k layers
    python3 bench/bench_html.py 1000 5000    # other sizes
    python3 bench/bench_html.py --tf         # also TF GraphDefs from bench/gen_graphs.py
    python3 bench/bench_html.py --chromium   # also page-load time of the largest corpus net

Each Caffe net is a stack of ResNet bottleneck blocks (in-place BatchNorm/Scale/ReLU, a
shortcut and an Eltwise) with an Inception-style four-branch module every fourth block, so
the layout meets branches, long edges and folded chains; it is written as a prototxt in a
temporary folder. With --tf, the ResNet-like GraphDefs of bench/gen_graphs.py (Const weights
folded into their layer's box) are measured too. Prints one row per net: layers, boxes drawn,
crossings before and after reduction, load+shapes+costs, layout, HTML render (layout
included), and HTML size. Not run by the tests (tests/test_html.py and tests/test_layout.py
reuse `generate_prototxt` for their size and speed checks).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import List


def generate_prototxt(layers: int, name: str = "generated") -> str:
    """A valid prototxt with at least `layers` layers (input 1x16x32x32)."""
    out: List[str] = [f'name: "{name}"',
                      'input: "data"',
                      "input_shape { dim: 1 dim: 16 dim: 32 dim: 32 }"]
    count = 0

    def layer(name: str, kind: str, bottoms, top: str, body: str = "") -> None:
        nonlocal count
        count += 1
        b = "".join(f' bottom: "{x}"' for x in bottoms)
        out.append(f'layer {{ name: "{name}" type: "{kind}"{b} top: "{top}" {body}}}')

    def conv(name: str, bottom: str, channels: int, kernel: int) -> str:
        layer(name, "Convolution", [bottom], name,
              f"convolution_param {{ num_output: {channels} kernel_size: {kernel} "
              f"pad: {kernel // 2} }} ")
        return name

    def bn_relu(prefix: str, blob: str, relu: bool = True) -> None:
        layer(f"bn_{prefix}", "BatchNorm", [blob], blob)
        layer(f"scale_{prefix}", "Scale", [blob], blob, "scale_param { bias_term: true } ")
        if relu:
            layer(f"{prefix}_relu", "ReLU", [blob], blob)

    blob = "data"
    block = 0
    while count < layers:
        block += 1
        p = f"b{block}"
        if block % 4 == 0:
            branches = [conv(f"{p}_1x1", blob, 8, 1)]
            r = conv(f"{p}_3x3_reduce", blob, 8, 1)
            branches.append(conv(f"{p}_3x3", r, 8, 3))
            r = conv(f"{p}_5x5_reduce", blob, 4, 1)
            r = conv(f"{p}_5x5a", r, 4, 3)
            branches.append(conv(f"{p}_5x5b", r, 8, 3))
            layer(f"{p}_pool", "Pooling", [blob], f"{p}_pool",
                  "pooling_param { pool: MAX kernel_size: 3 stride: 1 pad: 1 } ")
            branches.append(conv(f"{p}_pool_proj", f"{p}_pool", 8, 1))
            layer(f"{p}_concat", "Concat", branches, f"{p}_concat")
            blob = f"{p}_concat"
            continue
        a = conv(f"{p}_branch2a", blob, 8, 1)
        bn_relu(f"{p}_branch2a", a)
        b = conv(f"{p}_branch2b", a, 8, 3)
        bn_relu(f"{p}_branch2b", b)
        c = conv(f"{p}_branch2c", b, 32, 1)
        bn_relu(f"{p}_branch2c", c, relu=False)
        shortcut = blob
        if block % 4 == 1:
            shortcut = conv(f"{p}_branch1", blob, 32, 1)
            bn_relu(f"{p}_branch1", shortcut, relu=False)
        layer(f"{p}_sum", "Eltwise", [shortcut, c], f"{p}_sum")
        layer(f"{p}_relu", "ReLU", [f"{p}_sum"], f"{p}_sum")
        blob = f"{p}_sum"
    return "\n".join(out) + "\n"


def _write_net(layers: int, folder: str, tf: bool) -> str:
    if tf:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from gen_graphs import _tf_graph  # the TF benchmark graphs of the frontend's bench

        path = os.path.join(folder, f"gen{layers}.pb")
        with open(path, "wb") as f:
            f.write(_tf_graph(layers).SerializeToString())
        return path
    path = os.path.join(folder, f"gen{layers}.prototxt")
    with open(path, "w") as f:
        f.write(generate_prototxt(layers))
    return path


def _measure(layers: int, folder: str, tf: bool = False) -> dict:
    import netcost
    from netcost.render.html import drawing_of, render_html

    path = _write_net(layers, folder, tf)
    t0 = time.perf_counter()
    report = netcost.analyze(path)
    t1 = time.perf_counter()
    drawing = drawing_of(report)
    t2 = time.perf_counter()
    html = render_html(report)
    t3 = time.perf_counter()
    return {"net": "tf" if tf else "caffe", "layers": len(report.layers),
            "boxes": len(drawing.nodes),
            "crossings": f"{drawing.plain_crossings}->{drawing.crossings}",
            "analyze_s": t1 - t0, "layout_s": t2 - t1, "render_s": t3 - t2,
            "html_mb": len(html.encode()) / 1e6}


def _page_load(path: str) -> float:
    """Seconds from navigation to the load event in headless Chromium (Debian's binary)."""
    import netcost
    from playwright.sync_api import sync_playwright

    html = netcost.analyze(path).to_html()
    with tempfile.TemporaryDirectory() as folder:
        page_path = os.path.join(folder, "report.html")
        with open(page_path, "w", encoding="utf-8") as f:
            f.write(html)
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                os.path.join(folder, "profile"), executable_path="/usr/bin/chromium",
                headless=True, args=["--headless", "--no-sandbox", "--disable-gpu",
                                     "--disable-quic", "--no-first-run",
                                     "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync"])
            page = context.new_page()
            start = time.perf_counter()
            page.goto("file://" + page_path, wait_until="load")
            page.wait_for_selector("body.ready")
            seconds = time.perf_counter() - start
            context.close()
    return seconds


def main(argv: List[str]) -> None:
    chromium = "--chromium" in argv
    sizes = [int(a) for a in argv if a.isdigit()] or [1000, 10000, 100000]
    kinds = [False, True] if "--tf" in argv else [False]
    print(f"{'net':>5} {'layers':>8} {'boxes':>7} {'crossings':>13} {'analyze s':>10} "
          f"{'layout s':>9} {'render s':>9} {'HTML MB':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for tf in kinds:
            for n in sizes:
                m = _measure(n, folder, tf)
                print(f"{m['net']:>5} {m['layers']:>8} {m['boxes']:>7} {m['crossings']:>13} "
                      f"{m['analyze_s']:>10.2f} {m['layout_s']:>9.2f} {m['render_s']:>9.2f} "
                      f"{m['html_mb']:>8.2f}", flush=True)
    if chromium:
        corpus = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "..", "shared", "corpus", "caffe",
                              "soeaver_inception_resnet_v2_deploy.prototxt")
        print(f"page load in Chromium, {os.path.basename(corpus)}: "
              f"{_page_load(corpus):.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
