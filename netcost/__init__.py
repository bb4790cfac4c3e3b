"""netcost: static cost analysis of neural network definitions.

`import netcost` stays light: frontends, protobuf and numpy load only when used, and
TensorFlow is never imported.
"""
from .version import __version__


def analyze(path: str, **options):
    """Analyze a network file and return a Report (see netcost.report.Report).

    Keyword options are those of netcost.options.Options: phase, stages, level,
    input_shapes ({name: "1x3x224x224" or Shape}), batch, weights, convention, precision,
    device, peak_flops, bandwidth, scope_depth.
    """
    from .loader import load_graph
    from .options import Options, parse_shape
    from .report import build_report

    shapes = options.pop("input_shapes", None) or {}
    shapes = {k: parse_shape(v) if isinstance(v, str) else v for k, v in shapes.items()}
    settings = Options(input_shapes=shapes, **options)
    return build_report(load_graph(path, settings), settings)


__all__ = ["analyze", "__version__"]
