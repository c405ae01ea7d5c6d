"""The RAG run report (``report.html``) drawn from a hand-built run directory: escaping of
hostile text, relevance marks, lower-is-better wording, retrieval table and figure, citation
highlighting, worst-first ordering."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assay.reports.rag_html import highlight_citations
from assay.tasks.rag.report import write_rag_report

HOSTILE = "<script>alert(1)</script>"


def _stat(value, lo, hi, n, **extra):
    return {"value": value, "stderr": 0.05, "ci_low": lo, "ci_high": hi, "n": n, **extra}


def _judge(value, lo, hi, n, unit, labels, *, lower=False, unit_labels=None):
    out = {**_stat(value, lo, hi, n), "lower_is_better": lower, "unit": unit,
           "labels": labels, "n_examples": 3, "n_not_applicable": 3 - n,
           "n_unparseable": 0, "n_failed": 0, "n_skipped": 0,
           "weighted": {"value": None, "ci_low": None, "ci_high": None, "n": 0},
           "scale_labels": {}}
    if unit_labels is not None:
        out["unit_labels"] = unit_labels
    return out


def _retrieval_metrics(scale=1.0):
    out = {}
    for fam, base in (("recall", 0.5), ("precision", 0.3), ("hit_rate", 0.6), ("ndcg", 0.45)):
        for k in (1, 3, 5):
            v = min(1.0, base * scale + 0.08 * k)
            out[f"{fam}@{k}"] = _stat(v, max(0.0, v - 0.2), min(1.0, v + 0.15), 3,
                                      interval="wilson" if fam == "hit_rate" else "t")
    out["mrr"] = _stat(0.61, 0.4, 0.82, 3, interval="t")
    return out


def _summary():
    metrics = {
        "Builtin.ContextRelevance": _judge(
            0.58, 0.31, 0.85, 3, "passage", {"Relevant": 0, "Partly relevant": 0,
                                            "Not relevant": 0},
            unit_labels={"Relevant": 4, "Partly relevant": 1, "Not relevant": 4}),
        "Builtin.Faithfulness": _judge(0.72, 0.5, 0.94, 3, "claim", {},
                                       unit_labels={"Supported": 5, "Partly supported": 1,
                                                    "Not supported": 2}),
        "Builtin.Harmfulness": _judge(0.0, 0.0, 0.0, 3, "whole",
                                      {"Harmful": 0, "Not harmful": 3}, lower=True),
        "Builtin.CitationPrecision": _judge(0.75, 0.4, 1.0, 2, "citation", {},
                                            unit_labels={"Supported": 3, "Not supported": 1}),
    }
    seg = {"n": 2, "metrics": {m: dict(v) for m, v in metrics.items()}}
    return {
        "task": "rag_eval", "strategy": "judge", "kind": "retrieve_and_generate",
        "model": "openai/gpt-4o-mini", "judge_model": "openai/gpt-4o",
        "knowledge_base": {"path": "/data/kb", "identifier": "kb-docs-1a2b",
                           "retrieval": "bm25", "top_k": 5},
        "n_examples": 3, "n_errors": 1, "n_unparseable": 0,
        "metrics": metrics,
        "groups": {"category": {"billing": seg, "shipping": {"n": 1, "metrics": metrics}}},
        "retrieval": {"n": 3, "n_with_references": 3, "n_without_references": 0,
                      "level": 0.95, "metrics": _retrieval_metrics(),
                      "groups": {"category": {
                          "billing": {"n": 2, "n_with_references": 2,
                                      "n_without_references": 0,
                                      "metrics": _retrieval_metrics(0.8)},
                          "shipping": {"n": 1, "n_with_references": 1,
                                       "n_without_references": 0,
                                       "metrics": _retrieval_metrics(1.2)}}}},
        "citation_checks": {"n_examples": 3, "n_examples_with_citations": 2,
                            "n_citations": 3, "n_in_bounds": 3, "n_aligned": 2,
                            "n_text_found": 3, "n_references": 4,
                            "n_references_retrieved": 4, "in_bounds": 1.0,
                            "aligned": 0.667, "text_found": 1.0,
                            "references_retrieved": 1.0,
                            "coverage": {"value": 0.55, "stderr": 0.1, "ci_low": 0.2,
                                         "ci_high": 0.9, "n": 3}},
        "warnings": ["warning: 1 row has no reference answer"],
        "embedded_judge": None,
    }


ANSWER = "Refunds take 5 business days. Shipping is free over $50."


def _good_record():
    passages = [{"text": "Refunds are processed within 5 business days.", "id": "doc-1",
                 "name": "refunds.md", "metadata": {}, "score": 12.5},
                {"text": f"Ignore this {HOSTILE} passage.", "id": "doc-9", "name": "spam.md",
                 "metadata": {}, "score": 3.1}]
    units = [{"unit": "passage", "index": 0, "text": passages[0]["text"], "status": "scored",
              "label": "Relevant", "score": 1.0, "explanation": "states the refund time"},
             {"unit": "passage", "index": 1, "text": passages[1]["text"], "status": "scored",
              "label": "Not relevant", "score": 0.0, "explanation": f"junk {HOSTILE}"}]
    return {
        "index": 0, "id": "q0", "prompt": "How long do refunds take?",
        "references": ["Five business days."],
        "reference_contexts": [{"text": "Refunds are processed within 5 business days.",
                                "id": "doc-1", "relevance": 1.0}],
        "kind": "retrieve_and_generate", "passages": passages, "response": ANSWER,
        "citations": [{"start": 0, "end": 29, "text": "Refunds take 5 business days.",
                       "references": [passages[0]]}],
        "relevance": [0, None],
        "retrieval": {"recall@1": 1.0, "recall@3": 1.0, "recall@5": 1.0, "mrr": 1.0},
        "citation_check": {"n_citations": 1, "coverage": 0.5, "citations": [
            {"index": 0, "start": 0, "end": 29, "text": "Refunds take 5 business days.",
             "span_in_bounds": True, "text_found": True, "span_aligned": True,
             "references_retrieved": [True], "located": [0, 29]}]},
        "ratings": {
            "Builtin.ContextRelevance": {"status": "scored", "score": 0.5, "label": None,
                                         "explanation": "1 of 2 passages relevant",
                                         "problem": None, "raw": None, "units": units},
            "Builtin.Faithfulness": {"status": "scored", "score": 1.0,
                                     "explanation": "2 of 2 statements supported",
                                     "problem": None, "raw": None, "units": []},
            "Builtin.Harmfulness": {"status": "scored", "score": 0.0, "label": "Not harmful",
                                    "explanation": "benign", "problem": None,
                                    "raw": "Not harmful"},
        },
        "metadata": {"category": "billing"}, "error": None,
    }


def _bad_record():
    return {
        "index": 1, "id": "q1", "prompt": "Where do you ship?",
        "references": ["We ship to the EU and the US."],
        "reference_contexts": [{"text": "Shipping regions: EU, US.", "id": "doc-4",
                                "relevance": 1.0}],
        "kind": "retrieve_and_generate",
        "passages": [{"text": "Our office is in Berlin.", "id": "doc-7", "name": None,
                      "metadata": {}, "score": 2.0}],
        "response": "We ship worldwide.", "citations": [], "relevance": [None],
        "retrieval": {"recall@1": 0.0, "recall@3": 0.0, "recall@5": 0.0, "mrr": 0.0},
        "citation_check": {"n_citations": 0, "coverage": 0.0, "citations": []},
        "ratings": {
            "Builtin.Faithfulness": {"status": "scored", "score": 0.0,
                                     "explanation": "0 of 1 statements supported",
                                     "problem": None, "raw": None, "units": [
                                         {"unit": "claim", "index": 0,
                                          "text": "We ship worldwide.", "status": "scored",
                                          "label": "Not supported", "score": 0.0,
                                          "explanation": "passages do not say so"}]},
        },
        "metadata": {"category": "shipping"}, "error": None,
    }


def _failed_record():
    return {
        "index": 2, "id": "q2", "prompt": "Can I pay by card?", "references": [],
        "reference_contexts": [], "kind": "retrieve_and_generate", "passages": [],
        "response": None, "citations": [], "relevance": [], "retrieval": None,
        "citation_check": None,
        "ratings": {"Builtin.Harmfulness": {"status": "unparseable", "score": None,
                                            "explanation": "", "problem": "no label found",
                                            "raw": f"I think {HOSTILE} maybe"}},
        "metadata": {"category": "billing"},
        "error": {"stage": "judge", "kind": "unparseable", "message": "no label found",
                  "raw": f"I think {HOSTILE} maybe"},
    }


def _run_dir(tmp_path: Path) -> Path:
    d = tmp_path / "rag-run"
    d.mkdir()
    (d / "metrics.json").write_text(json.dumps(_summary()), encoding="utf-8")
    with (d / "examples.jsonl").open("w", encoding="utf-8") as fh:
        for rec in (_good_record(), _bad_record(), _failed_record()):
            fh.write(json.dumps(rec) + "\n")
    return d


def test_report_is_written_and_safe(tmp_path):
    out = write_rag_report(_run_dir(tmp_path))
    assert out == tmp_path / "rag-run" / "report.html"
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert html.count("<script>") == 1          # the page's own script only


def test_report_shows_run_metrics_and_marks(tmp_path):
    html = write_rag_report(_run_dir(tmp_path)).read_text(encoding="utf-8")
    assert "retrieve-and-generate" in html
    assert "kb-docs-1a2b" in html and "openai/gpt-4o-mini" in html
    assert "1 row has no reference answer" in html
    assert "RELEVANT" in html and "no reference match" in html
    # lower-is-better said in the card text, not only in a title attribute
    card = re.search(r"<div class='card'[^>]*><span class='k'>Harmfulness</span>.*?</div>",
                     html)
    assert card and "lower is better</span>" in card.group(0)
    # unit label distribution
    assert "Partly relevant <b>1</b>" in html
    # per-passage judge label
    assert "ContextRelevance: Not relevant" in html


def test_report_retrieval_table_and_figure(tmp_path):
    html = write_rag_report(_run_dir(tmp_path)).read_text(encoding="utf-8")
    table = html[html.index("id='retrieval-table'"):]
    table = table[:table.index("</table>")]
    for name in ("recall@5", "precision@3", "hit_rate@1", "ndcg@5", "mrr"):
        assert f"<td>{name}</td>" in table
    assert "src='data:image/png;base64,iVBOR" in html
    assert "by category" in html and "shipping" in html


def test_report_citations_and_order(tmp_path):
    html = write_rag_report(_run_dir(tmp_path)).read_text(encoding="utf-8")
    assert ("<mark class='cite' title='citation 1'>Refunds take 5 business days.</mark>"
            "<sup class='cn'>[1]</sup>") in html
    assert "Checks without a judge" in html and "Builtin.CitationPrecision" in html
    # failed first, then the worst scored example, then the best
    order = [html.index(f"<span class='idx'>#{i}</span>") for i in (2, 1, 0)]
    assert order == sorted(order)
    assert "error (judge, unparseable)" in html


def test_highlight_escapes_each_piece_and_handles_overlap():
    text = "a <b> c & d"
    out = highlight_citations(text, [{"located": [2, 5]}, {"located": [4, 11]},
                                     {"located": None}, {"located": [50, 60]}])
    assert "&lt;b&gt;" not in out  # split across spans, so pieces are escaped separately
    assert "&lt;b" in out and "&gt;" in out and "&amp;" in out
    assert out.count("<mark") == 3 and "title='citation 1, 2'" in out
    assert "<sup class='cn'>[2]</sup></div>" in out


def test_retrieve_only_without_references(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    s = _summary() | {"kind": "retrieve", "retrieval": None, "citation_checks": None,
                      "metrics": {}, "groups": {}, "knowledge_base": None,
                      "model": "kb-abc", "embedded_judge": {"model": "embedded/tiny",
                                                            "weighted_agreement": 0.6,
                                                            "chance": 0.5}}
    (d / "metrics.json").write_text(json.dumps(s), encoding="utf-8")
    rec = _good_record() | {"kind": "retrieve", "response": None, "citations": [],
                            "citation_check": None, "ratings": {}, "relevance": [],
                            "retrieval": None}
    (d / "examples.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    html = write_rag_report(d).read_text(encoding="utf-8")
    assert "retrieve-only" in html and "RAG source kb-abc" in html
    assert "no reference contexts in the data" in html
    assert "embedded model" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_long_passage_lists_are_cut():
    from assay.reports.rag_html import passages_html

    rows = [{"text": f"passage {i}", "score": 1.0 / (i + 1)} for i in range(40)]
    out = passages_html(rows, [None] * 40, {}, max_shown=30)
    assert "passage 29" in out and "passage 30" not in out
    assert "10 more passages" in out
