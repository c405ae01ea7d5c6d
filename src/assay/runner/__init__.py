"""Runner: plans work units, runs the per-example pipeline, and finalises outputs."""

from .plan import Unit, plan_units
from .run import AVAILABLE_TASKS, RunOptions, evaluate, evaluate_async

__all__ = ["RunOptions", "evaluate", "evaluate_async", "Unit", "plan_units", "AVAILABLE_TASKS"]
