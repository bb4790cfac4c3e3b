"""The `netcost` command: parse arguments, run the analysis, write one output atomically.

Only this module turns NetcostError into `netcost: error: ...` and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import List, Optional, Tuple

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
    p.add_argument("file", nargs="*",
                   help="network file: Caffe .prototxt (V0, V1, V2) or .caffemodel; TensorFlow "
                        ".pb/.pbtxt GraphDef, saved_model.pb, or a TF1 checkpoint "
                        "(model.ckpt.meta or the model.ckpt prefix). Several files or "
                        "folders: each is analyzed (with -o DIR, one report per file)")
    p.add_argument("--sha256", action="store_true", default=None,
                   help="hash the source file even when it is over 64 MiB (reads every byte)")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="analyze several files in N processes")
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
    """Write to a temporary file beside `path`, then rename: never a partial output. A path
    that exists and is not a regular file (/dev/null, a pipe) is written to directly."""
    import stat

    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".netcost-", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
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


NETWORK_SUFFIXES = (".prototxt", ".caffemodel", ".pb", ".pbtxt", ".meta")


def _list_networks(paths: List[str]) -> List[str]:
    """The files to analyze: files as given, directories searched for network files (sorted;
    a checkpoint's .index/.data files are reached through its .meta)."""
    found: List[str] = []
    for path in paths:
        if not os.path.isdir(path):
            found.append(path)
            continue
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.lower().endswith(NETWORK_SUFFIXES):
                    found.append(os.path.join(folder, name))
    return found


def _options(args):
    from .errors import NetcostError
    from .options import Options, parse_input_option

    if args.batch is not None and args.batch <= 0:
        raise NetcostError(f"--batch must be positive, got {args.batch}")
    if args.depth is not None and args.depth <= 0:
        raise NetcostError(f"--depth must be positive, got {args.depth}")
    inputs = dict(parse_input_option(text) for text in args.input)
    return Options(phase=args.phase, stages=tuple(args.stage), level=args.level,
                   input_shapes=inputs, batch=args.batch, weights=args.weights,
                   convention=args.convention, precision=args.precision,
                   device=args.device, peak_flops=args.peak_flops,
                   bandwidth=args.bandwidth, scope_depth=args.depth,
                   outputs=tuple(o.strip() for o in args.outputs.split(","))
                   if args.outputs else (), tag=args.tag, signature=args.signature,
                   sha256=args.sha256)


def analyze_file(path: str, options, fmt: str, columns=None):
    """Analyze one file and render it: (report, text). Raises NetcostError on bad input."""
    from .checkpoint import build_checkpoint_report, is_checkpoint, load_checkpoint
    from .loader import load_graph
    from .report import build_report

    if is_checkpoint(path):
        report = build_checkpoint_report(load_checkpoint(path, options), options)
    else:
        report = build_report(load_graph(path, options), options)
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
    return report, text


def _failure(error: BaseException, path: str) -> Tuple[str, int]:
    """The one line to print for an exception, and the exit status it means."""
    from .errors import NetcostError

    if isinstance(error, NetcostError):
        return f"netcost: error: {error}", 2
    if isinstance(error, OSError):
        return f"netcost: error: {error.filename or path}: {error.strerror}", 2
    if isinstance(error, RecursionError):
        return f"netcost: error: {path}: structure nested too deeply", 2
    # A bug in netcost: still one line, never a traceback.
    return (f"netcost: internal error: {path}: {type(error).__name__}: {error} "
            "(please report this)", 1)


def run(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
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
    if args.jobs is not None and args.jobs <= 0:
        _parser().error("--jobs must be positive")
    if len(args.file) > 1 or os.path.isdir(args.file[0]):
        return _run_many(args)
    path = args.file[0]
    try:
        from .errors import NetcostError

        fmt = _format_of(args)
        if args.open and (fmt != "html" or args.output == "-"):
            raise NetcostError("--open shows the HTML report written to a file: use "
                               "-o report.html (or no -o at all)")
        options = _options(args)
        if fmt == "html" and options.sha256 is None:
            from dataclasses import replace

            options = replace(options, sha256=True)  # the page documents exactly which file
        columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
        report, text = analyze_file(path, options, fmt, columns)
        if not args.quiet:
            for warning in report.warnings:
                print(f"netcost: warning: {warning}", file=sys.stderr)
        if args.netron_metrics:
            from .render.html import render_netron_metrics

            write_atomically(args.netron_metrics, render_netron_metrics(report))
        output = args.output
        if args.open and not output:
            output = _temporary_page(path)
        if output and output != "-":
            write_atomically(output, text)
        else:
            sys.stdout.write(text)
        if args.open:
            _open_in_browser(output)
        return 0
    except Exception as e:  # noqa: BLE001 - every failure becomes one line and a status
        message, status = _failure(e, path)
        print(message, file=sys.stderr)
        return status


def _batch_job(job):
    """One file of a batch, in a worker process: (path, text, warnings, failure, status)."""
    path, options, fmt, columns = job
    try:
        report, text = analyze_file(path, options, fmt, columns)
        return path, text, tuple(report.warnings), None, 0
    except Exception as e:  # noqa: BLE001
        message, status = _failure(e, path)
        return path, None, (), message, status


_EXTENSIONS = {"json": ".json", "csv": ".csv", "md": ".md", "html": ".html", "table": ".txt"}


def _run_many(args) -> int:
    """Several files or folders: each analyzed, a failure does not stop the rest; with -o DIR
    each report is written there; a summary line; exit status 0, 2 (bad input) or 1."""
    try:
        options = _options(args)
        fmt = args.format or "table"
        if args.open or args.netron_metrics:
            raise ValueError("--open and --netron-metrics take a single file")
    except Exception as e:  # noqa: BLE001
        print(_failure(e, args.file[0])[0], file=sys.stderr)
        return 2
    paths = _list_networks(args.file)
    if not paths:
        print(f"netcost: error: {', '.join(args.file)}: no network files found (looked for "
              f"{', '.join(NETWORK_SUFFIXES)})", file=sys.stderr)
        return 2
    out_dir = args.output if args.output and args.output != "-" else None
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    jobs = [(path, options, fmt, columns) for path in paths]
    if args.jobs and args.jobs > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=args.jobs)
        results = pool.map(_batch_job, jobs)
    else:
        pool = None
        results = map(_batch_job, jobs)
    progress = sys.stderr.isatty()
    failed = internal = 0
    names_used = set()
    for done, (path, text, warnings, failure, status) in enumerate(results, start=1):
        if progress:
            sys.stderr.write(f"\r\033[K[{done}/{len(jobs)}] {path}")
            sys.stderr.flush()
        if failure:
            failed += 1
            internal += status == 1
            print(("\r\033[K" if progress else "") + failure, file=sys.stderr)
            continue
        if not args.quiet:
            for warning in warnings:
                print(f"netcost: warning: {warning}", file=sys.stderr)
        if out_dir:
            write_atomically(_report_path(out_dir, path, fmt, names_used), text)
        else:
            if fmt == "table":
                sys.stdout.write(f"== {path}\n")
            sys.stdout.write(text)
    if pool is not None:
        pool.shutdown()
    if progress:
        sys.stderr.write("\r\033[K")
    print(f"netcost: {len(jobs)} file(s): {len(jobs) - failed} analyzed, {failed} failed",
          file=sys.stderr)
    if internal:
        return 1
    return 2 if failed else 0


def _report_path(out_dir: str, source: str, fmt: str, used: set) -> str:
    stem = os.path.basename(source.rstrip("/\\"))
    name = stem + _EXTENSIONS[fmt]
    count = 1
    while name in used:  # two folders may hold files of the same name
        count += 1
        name = f"{stem}.{count}{_EXTENSIONS[fmt]}"
    used.add(name)
    return os.path.join(out_dir, name)


def main() -> None:
    # One analysis allocates millions of small objects and frees them all at exit: the cyclic
    # collector would rescan them again and again (3x the run time on 100k-node graphs).
    import gc

    gc.disable()
    sys.exit(run())
