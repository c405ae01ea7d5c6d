"""Pointwise judge metrics: definitions only (prompt, scale, normalisation, parsing).

No model call and no task code lives here; the pointwise judge task builds on this API.
See ``docs/judge_metrics.md``.
"""

from .builtin import (BUILTIN_METRICS, PROGRAMMATIC_REPLACEMENTS, builtin_names,
                      get_builtin_metrics, is_builtin_name, resolve_builtin)
from .custom import (CUSTOM_METRICS_MAX, MODEL_EVALUATION_VARIABLES, RAG_VARIABLES,
                     check_custom_metrics, load_custom_metric, load_custom_metrics,
                     parse_custom_metric, parse_custom_metrics, to_definition)
from .metric import (NOT_APPLICABLE, POINTWISE_MIN_NEW_TOKENS, POINTWISE_SYSTEM,
                     REASONING_MAX_CHARS, JudgeMetric, JudgeRating, ScaleItem,
                     template_variables)

__all__ = [
    "JudgeMetric", "JudgeRating", "ScaleItem", "template_variables", "NOT_APPLICABLE",
    "REASONING_MAX_CHARS", "POINTWISE_MIN_NEW_TOKENS", "POINTWISE_SYSTEM",
    "BUILTIN_METRICS", "PROGRAMMATIC_REPLACEMENTS", "builtin_names", "get_builtin_metrics",
    "is_builtin_name", "resolve_builtin",
    "CUSTOM_METRICS_MAX", "MODEL_EVALUATION_VARIABLES", "RAG_VARIABLES",
    "check_custom_metrics", "load_custom_metric", "load_custom_metrics",
    "parse_custom_metric", "parse_custom_metrics", "to_definition",
]
