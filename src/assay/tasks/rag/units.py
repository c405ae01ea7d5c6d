"""The pieces a unit metric is judged on (:mod:`assay.judges.pointwise.rag`), and how their
ratings combine into the metric's rating.

A unit is one passage (ContextRelevance), one statement of the reference answer
(ContextCoverage) or of the generated answer (Faithfulness, CitationCoverage), or one
(citation, cited passage) pair (CitationPrecision). Each is judged on its own; the metric's
score is the mean of the units' 0-1 scores, and every unit's rating stays in the record.
"""

from __future__ import annotations

from typing import Any

from ...data.rag_records import Citation, Passage, RagItem
from ...judges.pointwise.claims import split_claims
from ...metrics.citations import check_citation
from ...judges.pointwise.rag import MAX_UNITS, RagMetric

__all__ = ["passages_block", "metric_units", "combine_units", "judge_values", "locate"]

_NOUNS = {"passage": ("passages", "relevant"), "reference_claim":
          ("reference statements", "supported by the passages"),
          "claim": ("statements", "supported by the passages"),
          "citation": ("cited passages", "supporting what they are cited for"),
          "cited_claim": ("statements", "covered by supporting citations")}


def passages_block(passages: tuple[Passage, ...] | list[Passage]) -> str:
    """The passages as the judge and the generator see them: ``[1] text`` blocks."""
    return "\n\n".join(f"[{i}] {p.text.strip()}" for i, p in enumerate(passages, 1)) \
        or "(no passages were retrieved)"


def judge_values(item: RagItem) -> dict[str, str | None]:
    """The template variables of a whole-example metric: ``{{prompt}}`` (with the chat
    history), ``{{prediction}}``, ``{{ground_truth}}``, ``{{context}}`` (every retrieved
    passage, numbered) and ``{{reference_contexts}}``."""
    refs = "\n\n".join(f"[{i}] {c.text.strip()}" for i, c in
                       enumerate(item.reference_contexts, 1)) or None
    return {"prompt": item.judge_prompt, "prediction": item.response,
            "ground_truth": item.reference, "context": passages_block(item.passages),
            "reference_contexts": refs}


def locate(citation: Citation, text: str) -> tuple[int, int] | None:
    """Where a citation lies in the output, as the model-free citation check places it
    (:func:`assay.metrics.citations.check_citation`: its text where the output holds it,
    Bedrock's spans not always being exact, else its span when that lies inside)."""
    return check_citation(text, citation, ()).located


def _unit(kind: str, index: int, shown: str, values: dict[str, Any] | None,
          **extra: Any) -> dict[str, Any]:
    return {"unit": kind, "index": index, "text": shown, "values": values, **extra}


def metric_units(metric: RagMetric, item: RagItem) -> tuple[list[dict[str, Any]], str | None]:
    """``(units, reason none apply)``. A unit with ``values`` ``None`` is decided without the
    judge (``rating`` set: a statement no citation covers). At most :data:`MAX_UNITS`."""
    prompt, response = item.judge_prompt, item.response or ""
    block = passages_block(item.passages)
    units: list[dict[str, Any]] = []
    kind = metric.unit
    if kind == "passage":
        if not item.passages:
            return [], "no retrieved passages"
        for i, p in enumerate(item.passages):
            units.append(_unit(kind, i, p.text, {"prompt": prompt, "context": p.text}))
    elif kind == "reference_claim":
        if not item.reference:
            return [], "no reference answer in the row"
        for i, s in enumerate(split_claims(item.reference)):
            units.append(_unit(kind, i, s.text, {"prompt": prompt, "ground_truth": s.text,
                                                 "context": block}))
    elif kind == "claim":
        statements = split_claims(response)
        if not statements:
            return [], "no generated answer"
        for i, s in enumerate(statements):
            units.append(_unit(kind, i, s.text, {"prompt": prompt, "prediction": s.text,
                                                 "context": block}))
    elif kind == "citation":
        if not item.citations:
            return [], "no citations in the output"
        for ci, c in enumerate(item.citations):
            where = locate(c, response)
            cited = c.text or (response[where[0]:where[1]] if where else "")
            for ri, ref in enumerate(c.references):
                units.append(_unit(kind, len(units), cited,
                                   {"prompt": prompt, "prediction": cited,
                                    "context": ref.text},
                                   citation=ci, reference=ri, passage=ref.text))
        if not units:
            return [], "the citations cite no passage"
    elif kind == "cited_claim":
        statements = split_claims(response)
        if not statements:
            return [], "no generated answer"
        spans = [(locate(c, response), c) for c in item.citations]
        for i, s in enumerate(statements):
            refs: dict[str, Passage] = {}
            for where, c in spans:
                if where is not None and where[0] < s.end and s.start < where[1]:
                    for ref in c.references:
                        refs.setdefault(ref.text, ref)
            if not refs:
                units.append(_unit(kind, i, s.text, None, rating={
                    "status": "scored", "label": "Uncited", "score": 0.0,
                    "explanation": "no citation covers this statement"}))
                continue
            units.append(_unit(kind, i, s.text, {"prompt": prompt, "prediction": s.text,
                                                 "context": passages_block(list(refs.values()))},
                               cited=len(refs)))
    else:   # "whole" metrics are not judged in units
        raise ValueError(f"{metric.name} is not a unit metric")
    if len(units) > MAX_UNITS:
        for u in units[MAX_UNITS:]:
            u["values"] = None
            u["rating"] = {"status": "not_judged", "score": None,
                           "explanation": f"past the first {MAX_UNITS} units"}
    return units, None


def _unit_record(u: dict[str, Any]) -> dict[str, Any]:
    r = u["rating"]
    out = {k: v for k, v in u.items() if k not in ("values", "rating")}
    out.update(status=r.get("status"), label=r.get("label"), score=r.get("score"),
               explanation=r.get("explanation", ""), raw=r.get("raw"),
               problem=r.get("problem"), weighted_score=r.get("weighted_score"))
    return out


def combine_units(metric: RagMetric, units: list[dict[str, Any]]) -> dict[str, Any]:
    """The metric's rating from its judged units (each with ``rating`` set): the mean unit
    score over the scored units; ``failed`` when a request failed (retried on resume),
    ``unparseable`` when no unit could be read, ``not_applicable`` when none was scored."""
    recs = [_unit_record(u) for u in units]
    scored = [r for r in recs if r["status"] == "scored" and r["score"] is not None]
    failed = [r for r in recs if r["status"] == "failed"]
    unparseable = [r for r in recs if r["status"] == "unparseable"]
    noun, verb = _NOUNS[metric.unit]
    base: dict[str, Any] = {"label": None, "value": None, "raw": None, "label_probs": None,
                            "units": recs, "n_units": len(recs),
                            "n_unparseable_units": len(unparseable)}
    if failed:
        return {**base, "status": "failed", "score": None, "weighted_score": None,
                "explanation": "", "problem": failed[0]["problem"]}
    if not scored:
        status = "unparseable" if unparseable else "not_applicable"
        return {**base, "status": status, "score": None, "weighted_score": None,
                "explanation": "", "problem": unparseable[0]["problem"] if unparseable else None}
    score = sum(r["score"] for r in scored) / len(scored)
    weights = [r["weighted_score"] for r in scored if r["weighted_score"] is not None]
    full = sum(r["score"] == 1.0 for r in scored)
    text = f"{full} of {len(scored)} {noun} {verb}"
    if any(0.0 < r["score"] < 1.0 for r in scored):
        text += f" ({sum(0.0 < r['score'] < 1.0 for r in scored)} partly)"
    if unparseable:
        text += f"; {len(unparseable)} unreadable judge answer(s) left out"
    return {**base, "status": "scored", "score": round(score, 12),
            "weighted_score": round(sum(weights) / len(weights), 12)
            if len(weights) == len(scored) else None,
            "explanation": text, "problem": None}
