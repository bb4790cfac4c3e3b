"""Shape inference: the engine and the per-framework rule registries."""
from .engine import ShapeRegistry, ShapeResult, infer_shapes, shape_issues  # noqa: F401
