"""The `netcost` command: parse arguments, run the analysis, write one output atomically.

Only this module turns NetcostError into `netcost: error: ...` and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import List, Optional

from .version import __version__

EXAMPLES = """\
examples:
  netcost samples/lenet.prototxt                      per-layer table on the terminal
  netcost samples/lenet.prototxt -o lenet.json        the same as JSON (format from extension)
  netcost net.prototxt --convention macc -o net.md    MACC only, as a Markdown table
  netcost net.prototxt --precision int8 --device hi3519av100   bytes and roofline on an NPU
  netcost net.prototxt --peak-flops 1.7T --bandwidth 25.6G     roofline on your own figures
  netcost deploy.prototxt --input data=1x3x224x224    set or override an input shape
  netcost train_val.prototxt --phase train --batch 1  the TRAIN net, batch size 1
  netcost net.prototxt -o net.html --open             the HTML report, opened in a browser
  netcost net.prototxt --netron-metrics net.json      per-layer figures for Netron to show
"""

FORMATS = {".json": "json", ".txt": "table", ".csv": "csv", ".md": "md", ".html": "html",
           ".htm": "html"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="netcost",
        description="Static analysis of a neural network definition: every layer's input and "
                    "output shapes and parameter counts, without running any framework.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?",
                   help="network file: Caffe .prototxt (V0, V1, V2) or .caffemodel; TensorFlow "
                        ".pb/.pbtxt GraphDef, saved_model.pb, or a TF1 checkpoint "
                        "(model.ckpt.meta or the model.ckpt prefix)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="write the report to PATH ('-' for stdout); format from its extension")
    p.add_argument("-f", "--format", choices=("table", "json", "csv", "md", "html"),
                   help="output format (default: table, or from -o's extension)")
    p.add_argument("--open", action="store_true",
                   help="open the HTML report in the default web browser (without -o it is "
                        "written to a file in the temporary folder)")
    p.add_argument("--netron-metrics", metavar="FILE",
                   help="also write FILE: Netron's metrics attachment (JSON) with every "
                        "layer's figures, to open beside the model in Netron")
    p.add_argument("--input", action="append", default=[], metavar="NAME=SHAPE",
                   help="shape of a net input or data layer top, e.g. data=1x3x224x224 "
                        "(repeatable)")
    p.add_argument("--weights", metavar="CAFFEMODEL",
                   help="Caffe weights: parameter shapes from its blobs, matched by layer name")
    p.add_argument("--batch", type=int, metavar="N", help="batch size for every input")
    p.add_argument("--tag", help="SavedModel: the meta graph tag (when there are several)")
    p.add_argument("--signature", help="SavedModel: the signature (default serving_default)")
    p.add_argument("--outputs", metavar="NODE,...",
                   help="TF: the inference outputs to freeze a checkpoint for (default: "
                        "detected and reported)")
    p.add_argument("--phase", choices=("test", "train"),
                   help="Caffe phase whose include/exclude rules apply (default: test; a "
                        "train_val file whose TEST net is incomplete falls back to the first "
                        "complete state, with a warning)")
    p.add_argument("--stage", action="append", default=[], metavar="NAME",
                   help="Caffe net state stage (repeatable)")
    p.add_argument("--level", type=int, help="Caffe net state level")
    p.add_argument("-c", "--convention", default="flops",
                   choices=("flops", "macc", "tf-profiler", "netscope", "torchstat"),
                   help="how operations are counted (default: flops; see README)")
    p.add_argument("-p", "--precision", default="fp32", choices=("fp32", "fp16", "bf16", "int8"),
                   help="bytes per element for bytes moved and memory (default: fp32)")
    p.add_argument("--device", metavar="NAME",
                   help="roofline estimate on a device preset (--list-devices)")
    p.add_argument("--peak-flops", metavar="RATE", help="roofline: peak FLOP/s, e.g. 1.7T")
    p.add_argument("--bandwidth", metavar="RATE", help="roofline: memory byte/s, e.g. 25.6G")
    p.add_argument("--depth", type=int, metavar="N",
                   help="show the name-scope tree folded at depth N")
    p.add_argument("--columns", metavar="A,B,...",
                   help="table/Markdown columns (layer,type,input,output,params,<metrics>,"
                        "bytes,intensity,time,bound)")
    p.add_argument("--list-devices", action="store_true", help="list roofline device presets")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print warnings")
    p.add_argument("--version", action="version", version=f"netcost {__version__}")
    return p


def _format_of(args) -> str:
    if args.format:
        return args.format
    if args.open and not args.output:
        return "html"
    if args.output and args.output != "-":
        ext = os.path.splitext(args.output)[1].lower()
        if ext in FORMATS:
            return FORMATS[ext]
        from .errors import NetcostError

        raise NetcostError(f"cannot tell the output format from '{ext or args.output}'; "
                           f"use --format ({', '.join(sorted(set(FORMATS.values())))})")
    return "table"


def write_atomically(path: str, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: never a partial output."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".netcost-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _temporary_page(source: str) -> str:
    """Where `--open` without `-o` writes the page: one file per network name."""
    stem = os.path.splitext(os.path.basename(source.rstrip("/\\")))[0] or "report"
    return os.path.join(tempfile.gettempdir(), f"netcost-{stem}.html")


def _open_in_browser(path: str) -> None:
    import pathlib
    import webbrowser

    url = pathlib.Path(os.path.abspath(path)).as_uri()
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        print(f"netcost: no web browser to open; the report is {path}", file=sys.stderr)


def run(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    from .errors import NetcostError
    from .loader import load_graph
    from .options import Options, parse_input_option
    from .report import build_report

    if args.list_devices:
        from .roofline import DEVICES
        from .render.units import human_rate

        for d in DEVICES.values():
            peaks = ", ".join(f"{p} {human_rate(v, 'FLOP/s')}" for p, v in d.peak.items())
            print(f"{d.name:22} {d.title}: {peaks}; {human_rate(d.bandwidth, 'B/s')}\n"
                  f"{'':22} source: {d.source}")
        return 0
    if not args.file:
        _parser().error("the following arguments are required: file")
    try:
        if args.batch is not None and args.batch <= 0:
            raise NetcostError(f"--batch must be positive, got {args.batch}")
        fmt = _format_of(args)
        if args.open and (fmt != "html" or args.output == "-"):
            raise NetcostError("--open shows the HTML report written to a file: use "
                               "-o report.html (or no -o at all)")
        inputs = dict(parse_input_option(text) for text in args.input)
        if args.depth is not None and args.depth <= 0:
            raise NetcostError(f"--depth must be positive, got {args.depth}")
        options = Options(phase=args.phase, stages=tuple(args.stage), level=args.level,
                          input_shapes=inputs, batch=args.batch, weights=args.weights,
                          convention=args.convention, precision=args.precision,
                          device=args.device, peak_flops=args.peak_flops,
                          bandwidth=args.bandwidth, scope_depth=args.depth,
                          outputs=tuple(o.strip() for o in args.outputs.split(","))
                          if args.outputs else (), tag=args.tag, signature=args.signature)
        columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
        from .checkpoint import build_checkpoint_report, is_checkpoint, load_checkpoint

        if is_checkpoint(args.file):
            report = build_checkpoint_report(load_checkpoint(args.file, options), options)
        else:
            report = build_report(load_graph(args.file, options), options)
        if fmt == "json":
            text = report.to_json()
        elif fmt == "csv":
            text = report.to_csv()
        elif fmt == "md":
            text = report.to_markdown()
        elif fmt == "html":
            from .render.html import render_html

            text = render_html(report)  # a Report, or a checkpoint's before/after pair
        else:
            text = report.to_table(columns)
        if not args.quiet:
            for warning in report.warnings:
                print(f"netcost: warning: {warning}", file=sys.stderr)
        if args.netron_metrics:
            from .render.html import render_netron_metrics

            write_atomically(args.netron_metrics, render_netron_metrics(report))
        output = args.output
        if args.open and not output:
            output = _temporary_page(args.file)
        if output and output != "-":
            write_atomically(output, text)
        else:
            sys.stdout.write(text)
        if args.open:
            _open_in_browser(output)
        return 0
    except NetcostError as e:
        print(f"netcost: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"netcost: error: {e.filename or args.file}: {e.strerror}", file=sys.stderr)
        return 2
    except RecursionError:
        print(f"netcost: error: {args.file}: structure nested too deeply", file=sys.stderr)
        return 2
    except Exception as e:  # a bug in netcost: still one line, never a traceback
        print(f"netcost: internal error: {args.file}: {type(e).__name__}: {e} "
              "(please report this)", file=sys.stderr)
        return 3


def main() -> None:
    # One analysis allocates millions of small objects and frees them all at exit: the cyclic
    # collector would rescan them again and again (3x the run time on 100k-node graphs).
    import gc

    gc.disable()
    sys.exit(run())
