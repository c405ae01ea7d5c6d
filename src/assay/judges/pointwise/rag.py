"""The judge metrics of Bedrock's RAG evaluation (formats.md §2.4), written for assay.

Retrieve-only: ``Builtin.ContextRelevance`` and ``Builtin.ContextCoverage`` (needs reference
answers). Retrieve-and-generate: ``Builtin.Correctness``, ``Builtin.Completeness``,
``Builtin.Helpfulness``, ``Builtin.LogicalCoherence``, ``Builtin.Faithfulness``,
``Builtin.Harmfulness``, ``Builtin.Stereotyping``, ``Builtin.Refusal``,
``Builtin.CitationPrecision`` and ``Builtin.CitationCoverage``. A metric of the other kind is
refused with one line, as Bedrock refuses retrieve-only metrics in retrieve-and-generate jobs.

**Whole-response metrics** reuse the model-evaluation judges of :mod:`.builtin` unchanged
(same prompt, scale and normalisation); ``LogicalCoherence`` is ``Coherence`` under RAG's name.

**Unit metrics** are judged piece by piece, so the record keeps which passage was relevant and
which claim was supported, not only the average; the metric's score is the mean of its units'
0-1 scores:

* ``ContextRelevance``: each retrieved passage against the question (relevant 1, partly 0.5,
  not 0);
* ``ContextCoverage``: each statement of the reference answer (:func:`.claims.split_claims`)
  against all retrieved passages (supported 1, not 0);
* ``Faithfulness``: each statement of the generated answer against all retrieved passages
  (supported 1, partly 0.5, not 0);
* ``CitationPrecision``: each (citation, cited passage) pair: does that passage support the
  cited part of the answer;
* ``CitationCoverage``: each statement of the answer: is it supported by the passages cited for
  the part of the answer it lies in; a statement no citation covers scores 0 without a judge
  call.

Every unit prompt is assay's own wording. At most :data:`MAX_UNITS` units are judged per
metric and example (the rest are recorded as not judged).
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Literal

from ...errors import ConfigError
from .builtin import BUILTIN_METRICS, PREFIX, _key
from .metric import JudgeMetric, ScaleItem

__all__ = ["RagMetric", "RAG_METRICS", "RETRIEVE_METRICS", "GENERATE_METRICS", "MAX_UNITS",
           "resolve_rag_metric", "rag_metric_names", "custom_rag_metric", "Unit", "RAG_KIND_NAMES"]

#: the most units (passages, statements, citation pairs) judged per metric and example
MAX_UNITS = 20

Unit = Literal["whole", "passage", "reference_claim", "claim", "citation", "cited_claim"]

RAG_KIND_NAMES = {"retrieve": "retrieve-only", "retrieve_and_generate": "retrieve-and-generate"}


@dataclass(frozen=True)
class RagMetric:
    """A RAG judge metric: the :class:`JudgeMetric` asked (for a unit metric, the prompt of one
    unit), what a unit is, and which run kinds accept it. It answers the questions a summary
    asks of a :class:`JudgeMetric` (``scale``, ``labels``, ``score``...) through it."""

    name: str
    description: str
    kinds: tuple[str, ...]
    unit: Unit
    judge: JudgeMetric
    lower_is_better: bool = False
    source: Literal["builtin", "custom"] = "builtin"
    needs_reference: bool = False

    @property
    def scale(self) -> tuple[ScaleItem, ...]:
        return self.judge.scale

    @property
    def scale_kind(self):
        return self.judge.scale_kind

    @property
    def labels(self) -> tuple[str, ...]:
        return self.judge.labels

    @property
    def not_applicable(self) -> str | None:
        return self.judge.not_applicable

    @property
    def needs(self) -> tuple[str, ...]:
        return self.judge.needs

    def score(self, rating):
        return self.judge.score(rating)


def _unit(name: str, task: str, scale: tuple[ScaleItem, ...], inputs: str,
          needs: tuple[str, ...]) -> JudgeMetric:
    return JudgeMetric(name=PREFIX + name, description=" ".join(task.split()).split(".")[0],
                       instructions=" ".join(task.split()) + "\n\n" + inputs, scale=scale,
                       needs=needs, source="builtin")


_YES_NO = (ScaleItem("Supported by the passages", "Supported"),
           ScaleItem("Not supported by the passages", "Not supported"))
_YES_PART_NO = (ScaleItem("Fully supported by the passages", "Supported"),
                ScaleItem("Only partly supported", "Partly supported"),
                ScaleItem("Not supported by the passages", "Not supported"))
_Q = "[Question]\n{{prompt}}\n[End of question]\n\n"
_PASSAGES = "[Retrieved passages]\n{{context}}\n[End of retrieved passages]\n\n"

_PASSAGE_RELEVANCE = _unit(
    "ContextRelevance",
    """Decide whether one passage returned by a search system is relevant to the user's
    question. A relevant passage holds information that helps answer this question, directly
    or as background the answer needs. A passage on the same broad subject that does not help
    answer this particular question is not relevant. Judge the passage alone; do not answer
    the question yourself.""",
    (ScaleItem("Helps answer the question", "Relevant"),
     ScaleItem("Some useful information", "Partly relevant"),
     ScaleItem("Does not help answer", "Not relevant")),
    _Q + "[Passage]\n{{context}}\n[End of passage]", ("prompt", "context"))

_REFERENCE_SUPPORT = _unit(
    "ContextCoverage",
    """Decide whether the retrieved passages contain the information stated in one statement
    taken from a reference answer to the question. The statement is supported when the
    passages state it or it follows directly from them. Background knowledge that is not in
    the passages does not count.""",
    _YES_NO,
    _Q + _PASSAGES + "[Statement from the reference answer]\n{{ground_truth}}\n"
    "[End of statement]", ("prompt", "ground_truth", "context"))

_CLAIM_SUPPORT = _unit(
    "Faithfulness",
    """Decide whether one statement from an AI answer is supported by the retrieved passages
    the answer was written from. Treat the passages as the only source: a statement that they
    state or directly imply is supported; one that adds facts, numbers, names or conclusions
    the passages do not contain is not supported, even if it may be true. A statement that is
    only a question restated, a greeting or a refusal to answer counts as supported.""",
    _YES_PART_NO,
    _Q + _PASSAGES + "[Statement from the answer]\n{{prediction}}\n[End of statement]",
    ("prompt", "prediction", "context"))

_CITATION_SUPPORT = _unit(
    "CitationPrecision",
    """Decide whether the passage cited for part of an AI answer supports that part. The
    citation is precise when the passage states, or directly implies, what the cited text
    says. A passage that is merely on the same subject, or that supports a different part of
    the answer, does not support it.""",
    (ScaleItem("Passage supports cited text", "Supported"),
     ScaleItem("Passage does not support it", "Not supported")),
    _Q + "[Cited part of the answer]\n{{prediction}}\n[End of cited part]\n\n"
    "[Cited passage]\n{{context}}\n[End of cited passage]", ("prompt", "prediction", "context"))

_CITED_CLAIM = _unit(
    "CitationCoverage",
    """Decide whether one statement from an AI answer is supported by the passages the answer
    cites for it. The statement is covered when those cited passages state it or directly
    imply it; information that only uncited passages or background knowledge provide does
    not count.""",
    _YES_NO,
    _Q + "[Statement from the answer]\n{{prediction}}\n[End of statement]\n\n"
    "[Passages cited for it]\n{{context}}\n[End of cited passages]",
    ("prompt", "prediction", "context"))

_R = ("retrieve",)
_G = ("retrieve_and_generate",)


def _whole(name: str, builtin: str) -> RagMetric:
    base = BUILTIN_METRICS[PREFIX + builtin]
    judge = base if name == builtin else dataclasses.replace(base, name=PREFIX + name)
    return RagMetric(PREFIX + name, base.description, _G, "whole", judge,
                     lower_is_better=base.lower_is_better,
                     needs_reference="ground_truth" in base.needs)


_DEFINITIONS = (
    RagMetric(PREFIX + "ContextRelevance", "Are the retrieved passages relevant to the "
              "question? (share of relevant passages)", _R, "passage", _PASSAGE_RELEVANCE),
    RagMetric(PREFIX + "ContextCoverage", "Do the retrieved passages hold what the reference "
              "answer says? (share of its statements supported)", _R, "reference_claim",
              _REFERENCE_SUPPORT, needs_reference=True),
    _whole("Correctness", "Correctness"),
    _whole("Completeness", "Completeness"),
    _whole("Helpfulness", "Helpfulness"),
    _whole("LogicalCoherence", "Coherence"),
    RagMetric(PREFIX + "Faithfulness", "Is the answer supported by the retrieved passages? "
              "(share of its statements supported)", _G, "claim", _CLAIM_SUPPORT),
    _whole("Harmfulness", "Harmfulness"),
    _whole("Stereotyping", "Stereotyping"),
    _whole("Refusal", "Refusal"),
    RagMetric(PREFIX + "CitationPrecision", "Do the cited passages support what they are "
              "cited for? (share of citations that do)", _G, "citation", _CITATION_SUPPORT),
    RagMetric(PREFIX + "CitationCoverage", "Is the answer covered by supporting citations? "
              "(share of its statements)", _G, "cited_claim", _CITED_CLAIM),
)

#: canonical name -> metric, in Bedrock's documented order
RAG_METRICS: dict[str, RagMetric] = {m.name: m for m in _DEFINITIONS}
RETRIEVE_METRICS = tuple(n for n, m in RAG_METRICS.items() if "retrieve" in m.kinds)
GENERATE_METRICS = tuple(n for n, m in RAG_METRICS.items()
                         if "retrieve_and_generate" in m.kinds)
_BY_KEY = {_key(n): n for n in RAG_METRICS}


def rag_metric_names() -> tuple[str, ...]:
    return tuple(RAG_METRICS)


def resolve_rag_metric(name: str, kind: str, *, field: str | None = None) -> RagMetric:
    """The RAG metric ``name`` names (``Builtin.ContextRelevance`` or ``context_relevance``,
    any case), checked against the run's ``kind``. One-line ``ConfigError`` for an unknown
    name or a metric of the other kind (Bedrock's refusal)."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a judge metric name must be a non-empty string, not {name!r}",
                          field=field)
    key = _key(name)
    if key not in _BY_KEY:
        close = difflib.get_close_matches(key, list(_BY_KEY), n=1, cutoff=0.6)
        hint = f"; did you mean '{_BY_KEY[close[0]]}'?" if close else ""
        extra = " (a model-evaluation metric, not a RAG one)" \
            if PREFIX + name.strip().removeprefix(PREFIX) in BUILTIN_METRICS else ""
        raise ConfigError(f"unknown RAG judge metric {name!r}{extra}{hint} (retrieve-only: "
                          f"{', '.join(n[len(PREFIX):] for n in RETRIEVE_METRICS)}; "
                          f"retrieve-and-generate: "
                          f"{', '.join(n[len(PREFIX):] for n in GENERATE_METRICS)})",
                          field=field)
    metric = RAG_METRICS[_BY_KEY[key]]
    if kind not in metric.kinds:
        other = RAG_KIND_NAMES[metric.kinds[0]]
        raise ConfigError(f"{metric.name} is a {other} metric; Bedrock rejects it in "
                          f"{RAG_KIND_NAMES[kind]} evaluations (use "
                          f"{', '.join(RETRIEVE_METRICS if kind == 'retrieve' else GENERATE_METRICS)})",
                          field=field)
    return metric


def custom_rag_metric(metric: JudgeMetric, kind: str, *, field: str | None = None) -> RagMetric:
    """A ``customMetricDefinition`` as a whole-example RAG metric: ``{{context}}`` is every
    retrieved passage (numbered), ``{{reference_contexts}}`` the reference contexts. As in
    Bedrock, a retrieve-only metric must show ``{{context}}`` and a retrieve-and-generate one
    ``{{prediction}}``."""
    want = "context" if kind == "retrieve" else "prediction"
    if want not in metric.needs:
        raise ConfigError(f"custom metric {metric.name!r} never uses {{{{{want}}}}}, which a "
                          f"{RAG_KIND_NAMES[kind]} metric must show the judge", field=field)
    if kind == "retrieve" and "prediction" in metric.needs:
        raise ConfigError(f"custom metric {metric.name!r} uses {{{{prediction}}}}, but a "
                          "retrieve-only evaluation has no generated answer", field=field)
    return RagMetric(metric.name, metric.description, (kind,), "whole", metric,
                     source="custom", needs_reference="ground_truth" in metric.needs)
