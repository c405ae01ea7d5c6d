"""Citation checks on the Bedrock sample rows (sloppy spans) and hand-made cases: they report,
never raise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.data.rag_records import Citation, Passage
from assay.metrics.citations import (
    CitationReport,
    check_citation,
    check_citations,
    summarise_citations,
)

SAMPLE = Path("/work/shared/samples/bedrock_rag_eval_byoi_dataset_EXCERPT_first3.jsonl")


def _passage(item: dict) -> Passage:
    return Passage(text=item["content"]["text"], name=item.get("name"))


def _rows() -> list[tuple[str, list[Citation], list[Passage]]]:
    out = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        o = json.loads(line)["conversationTurns"][0]["output"]
        passages = [_passage(p) for p in o["retrievedPassages"]["retrievalResults"]]
        cites = []
        for c in o["citations"]:
            part = c["generatedResponsePart"]["textResponsePart"]
            span = part.get("span") or {}
            cites.append(Citation(start=span.get("start"), end=span.get("end"),
                                  text=part.get("text"),
                                  references=tuple(_passage(r) for r in c["retrievedReferences"])))
        out.append((o["text"], cites, passages))
    return out


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, list[Citation], list[Passage]]]:
    if not SAMPLE.exists():
        pytest.skip(f"sample file {SAMPLE} not present")
    return _rows()


def _flags(rep: CitationReport) -> list[tuple[bool, bool, bool, tuple[bool, ...]]]:
    return [(c.span_in_bounds, c.text_found, c.span_aligned, c.references_retrieved)
            for c in rep.citations]


def test_sample_row_1(rows) -> None:
    text, cites, passages = rows[0]
    assert text == "Amazon's SEC file number is 000-22513."     # 38 characters
    rep = check_citations(text, cites, passages)
    assert _flags(rep) == [
        # 0..11 "Amazon's SEC": text[0:12] with the end inclusive -> aligned; the cited
        # "UNITED STATESSECURITIES AND EXCHANGE COMMISSION" was not retrieved
        (True, True, True, (False,)),
        # 12..22 "file number" really sits at 13..23 (12 is the space before it):
        # text[12:22] = " file numb", text[12:23] = " file numbe" -> not aligned
        (True, True, False, (True,)),
        # 23..33 "is 000-22513" really sits at 25..36: text[23:34] = "r is 000-22" -> not aligned
        (True, True, False, (True,)),
    ]
    assert rep.citations[1].located == (13, 24) and rep.citations[2].located == (25, 37)
    # 38 characters, 5 spaces -> 33 non-whitespace; the three located parts cover all of them
    # but the final "." -> 32 / 33
    assert (rep.covered_chars, rep.text_chars) == (32, 33)
    assert rep.coverage == pytest.approx(32 / 33)
    d = rep.to_dict()
    assert d["aligned"] == pytest.approx(1 / 3) and d["in_bounds"] == 1.0
    assert d["references_retrieved"] == pytest.approx(2 / 3) and d["text_found"] == 1.0


def test_sample_row_2(rows) -> None:
    text, cites, passages = rows[1]
    rep = check_citations(text, cites, passages)
    # span 0..31 for the whole 44-character output: in bounds, text found, not aligned;
    # the cited passage equals the retrieved one
    assert len(text) == 44
    assert _flags(rep) == [(True, True, False, (True,))]
    assert rep.citations[0].located == (0, 44) and rep.coverage == 1.0


def test_sample_row_3(rows) -> None:
    text, cites, passages = rows[2]
    rep = check_citations(text, cites, passages)
    assert _flags(rep) == [
        # 0..44 with a 44-character text: text[0:44] (exclusive end) -> aligned
        (True, True, True, (True,)),
        # 45..70 for a 32-character text at 45: neither text[45:70] nor text[45:71] -> not
        # aligned; the cited "For the Fiscal Year Ended December 31, 2022" is inside the
        # retrieved "AMAZON.COM, INC. FORM 10-K For the ..." (overlap 8/8) -> retrieved
        (True, True, False, (True,)),
    ]
    # everything but the final "." is covered: (non-whitespace - 1) / non-whitespace
    ws = sum(not ch.isspace() for ch in text)
    assert rep.coverage == pytest.approx((ws - 1) / ws)


def test_sample_run_summary(rows) -> None:
    reps = [check_citations(t, c, p) for t, c, p in rows]
    s = summarise_citations(reps)
    # 6 citations: 6 in bounds, 6 texts found, aligned 1 + 0 + 1 = 2; references 6, retrieved 5
    assert (s["n_citations"], s["n_in_bounds"], s["n_text_found"], s["n_aligned"]) == (6, 6, 6, 2)
    assert (s["n_references"], s["n_references_retrieved"]) == (6, 5)
    assert s["aligned"] == pytest.approx(1 / 3) and s["references_retrieved"] == pytest.approx(5 / 6)
    covs = [r.coverage for r in reps]
    assert s["coverage"]["value"] == pytest.approx(sum(covs) / 3)
    assert s["coverage"]["n"] == 3
    assert s["coverage"]["ci_low"] <= s["coverage"]["value"] <= s["coverage"]["ci_high"] <= 1.0


@pytest.mark.parametrize("start,end,in_bounds", [
    (0, 5, True),       # end == len: exclusive end at the last character
    (0, 4, True),       # end == len - 1: inclusive end at the last character
    (0, 6, False),      # past the end
    (-1, 3, False),     # negative start
    (3, 2, False),      # start after end
    (None, 3, False),   # no span
    (0, None, False),
    (True, 3, False),   # a bool is not an index
])
def test_span_bounds(start, end, in_bounds) -> None:
    c = check_citation("hello", Citation(start=start, end=end, text="hello"), [])
    assert c.span_in_bounds is in_bounds
    assert c.text_found
    assert c.span_aligned is (in_bounds and start == 0 and end in (4, 5))


def test_text_not_found_located_by_span() -> None:
    out = "abc def ghi"
    # the text is not in the output: located by the span 4..6 (inclusive) -> "def"
    c = check_citation(out, Citation(start=4, end=6, text="xyz"), [])
    assert (c.span_in_bounds, c.text_found, c.span_aligned) == (True, False, False)
    assert c.located == (4, 7)
    rep = check_citations(out, [Citation(start=4, end=6, text="xyz")], [])
    # "def" = 3 of the 9 non-whitespace characters
    assert rep.coverage == pytest.approx(3 / 9)
    # neither text nor span: not located, nothing covered
    rep2 = check_citations(out, [Citation(start=50, end=60, text=None)], [])
    assert rep2.citations[0].located is None and rep2.coverage == 0.0
    assert rep2.rates()["text_found"] == 0.0


def test_nearest_occurrence_and_overlaps() -> None:
    out = "yes. yes. yes."
    c = check_citation(out, Citation(start=10, end=13, text="yes."), [])
    # occurrences at 0, 5, 10: the one nearest start 10
    assert c.located == (10, 14) and c.span_aligned
    # overlapping citations count each character once: "yes. yes." = 8 of 12 non-whitespace
    rep = check_citations(out, [Citation(0, 8, "yes. yes."), Citation(5, 8, "yes.")], [])
    assert (rep.covered_chars, rep.text_chars) == (8, 12)


def test_cited_references_by_id_and_text() -> None:
    retrieved = [Passage("alpha beta gamma delta", id="chunk-1"), Passage("one two three")]
    cite = Citation(0, 2, "abc", references=(
        Passage("totally different text", id="chunk-1"),   # same id -> retrieved
        Passage("alpha beta gamma delta", id="chunk-9"),   # ids differ, id rule -> not
        Passage("One, two, three!"),                      # no id -> text equal -> retrieved
        Passage("four five six seven"),                   # no match
    ))
    c = check_citation("abc", cite, retrieved)
    assert c.references_retrieved == (True, False, True, False)
    assert c.to_dict()["references_retrieved"] == [True, False, True, False]


def test_empty_output_and_no_citations_report() -> None:
    rep = check_citations("", [Citation(0, 0, "x")], [])
    assert rep.coverage is None and rep.citations[0].span_in_bounds
    assert not rep.citations[0].text_found
    rep0 = check_citations("some answer", [], [])
    assert rep0.rates() == {"in_bounds": None, "aligned": None, "text_found": None,
                            "references_retrieved": None, "coverage": 0.0}
    assert rep0.to_dict()["n_citations"] == 0
    s = summarise_citations([])
    assert s["n_citations"] == 0 and s["aligned"] is None and s["coverage"]["value"] is None
    with pytest.raises(AttributeError):
        rep0.covered_chars = 3  # type: ignore[misc]  (frozen)
