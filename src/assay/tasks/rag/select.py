"""Which judge metrics a RAG run scores, resolved once when the task opens: ``judge.metrics``
(Bedrock's RAG names, ``Builtin.ContextRelevance`` or ``context_relevance``) and
``judge.custom_metrics`` (``customMetricDefinition`` files with the RAG variables
``{{context}}`` and ``{{reference_contexts}}``, or saved definitions). A metric of the other
kind is refused in one line, as Bedrock refuses retrieve-only metrics in retrieve-and-generate
jobs. Without either, the defaults of the run's kind (:func:`default_metrics`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ...judges.pointwise import RAG_VARIABLES, check_custom_metrics
from ...judges.pointwise.rag import RagMetric, custom_rag_metric, resolve_rag_metric
from ..pointwise_judge.select import custom_metrics_entry

__all__ = ["select_rag_metrics", "default_metrics", "DEFAULT_RETRIEVE", "DEFAULT_GENERATE"]

#: retrieve-only defaults (ContextCoverage only when the rows have reference answers)
DEFAULT_RETRIEVE = ("Builtin.ContextRelevance", "Builtin.ContextCoverage")
#: retrieve-and-generate defaults: is it right, is it grounded in the passages, does it help,
#: do its citations hold
DEFAULT_GENERATE = ("Builtin.Correctness", "Builtin.Faithfulness", "Builtin.Helpfulness",
                    "Builtin.CitationPrecision")


def default_metrics(kind: str, with_references: bool) -> tuple[str, ...]:
    names = DEFAULT_RETRIEVE if kind == "retrieve" else DEFAULT_GENERATE
    if not with_references:   # a metric that needs reference answers would skip every row
        names = tuple(n for n in names if n not in ("Builtin.ContextCoverage",
                                                    "Builtin.Correctness"))
    return names


def select_rag_metrics(judge: Any, base: Path | None, kind: str,
                       with_references: bool) -> tuple[RagMetric, ...]:
    """The metrics of ``judge.metrics`` then ``judge.custom_metrics`` for a run of ``kind``
    (``retrieve`` or ``retrieve_and_generate``); an empty judge.metrics with no custom metric
    means no judge metric at all (the model-free retrieval metrics and citation checks still
    run)."""
    names = judge.metrics
    refs = judge.custom_metrics or []
    if names is None and not refs:
        names = list(default_metrics(kind, with_references))
    out = [resolve_rag_metric(n, kind, field=f"judge.metrics[{i}]")
           for i, n in enumerate(names or [])]
    custom = []
    for i, ref in enumerate(refs):
        custom.extend(custom_metrics_entry(ref, base, f"judge.custom_metrics[{i}]",
                                           RAG_VARIABLES))
    check_custom_metrics(custom, field="judge.custom_metrics")
    out += [custom_rag_metric(m, kind, field="judge.custom_metrics") for m in custom]
    seen: set[str] = set()
    for m in out:
        if m.name in seen:
            raise ConfigError(f"judge metric {m.name!r} is named twice", field="judge.metrics")
        seen.add(m.name)
    return tuple(out)
