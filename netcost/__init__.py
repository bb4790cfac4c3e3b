"""netcost: static cost analysis of neural network definitions.

`import netcost` stays light: frontends, protobuf and numpy load only when used, and
TensorFlow is never imported.
"""
from .version import __version__


def analyze(path: str, **options):
    """Analyze a network file and return a Report (see netcost.report.Report), or for a TF1
    checkpoint a CheckpointReport holding the Reports before and after freezing.

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
    from .checkpoint import build_checkpoint_report, is_checkpoint, load_checkpoint

    if is_checkpoint(path):
        return build_checkpoint_report(load_checkpoint(path, settings), settings)
    return build_report(load_graph(path, settings), settings)


__all__ = ["analyze", "__version__"]
