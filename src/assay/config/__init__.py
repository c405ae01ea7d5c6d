"""Configuration: the Nova-compatible recipe, assay's additions, overrides and validation."""

from .loader import apply_overrides, load_recipe, parse_assignment, recipe_from_dict
from .recipe import (AssaySection, EvaluationSection, InferenceSection, ProcessorSection, Recipe,
                     RunSection)

__all__ = [
    "Recipe", "RunSection", "EvaluationSection", "InferenceSection", "ProcessorSection",
    "AssaySection", "load_recipe", "recipe_from_dict", "apply_overrides", "parse_assignment",
]
