"""Passage matching: by id, else by normalised text (equality or token overlap >= 0.8 with at
least 3 tokens on the shorter side), and the once-per-reference credit of relevance_gains."""

from __future__ import annotations

import pytest

from assay.data.rag_records import Passage, ReferenceContext
from assay.metrics.passage_match import (
    DEFAULT_MATCH_THRESHOLD,
    matched_references,
    normalise_passage,
    overlap_coefficient,
    passage_tokens,
    passages_match,
    relevance_gains,
    texts_match,
)


def test_normalise_nfkc_casefold_punctuation_whitespace() -> None:
    # NFKC: the ligature "ﬁ" -> "fi", full-width "Ａ" -> "A"; casefold: "ß" -> "ss";
    # punctuation (",", ".", "—", "'") -> space; whitespace runs collapse and are stripped
    assert normalise_passage("  Ｔhe ﬁle,  No. 000—22513\n\tSTRASSE Straße ") == \
        "the file no 000 22513 strasse strasse"
    assert normalise_passage("Amazon's SEC") == "amazon s sec"
    assert passage_tokens("AMAZON.COM, INC.") == ["amazon", "com", "inc"]
    assert normalise_passage("") == ""
    # symbols (category S*) are not punctuation: they stay
    assert normalise_passage("filer ☒") == "filer ☒"


def test_overlap_coefficient_is_multiset() -> None:
    # A = [a, a, b], B = [a, b, b, c]: A ∩ B = {a: 1, b: 1} -> 2 / min(3, 4) = 2/3
    assert overlap_coefficient(["a", "a", "b"], ["a", "b", "b", "c"]) == pytest.approx(2 / 3)
    assert overlap_coefficient([], ["a"]) == 0.0


def test_chunk_inside_reference_matches() -> None:
    ref = "AMAZON.COM, INC. FORM 10-K For the Fiscal Year Ended December 31, 2022"
    chunk = "For the Fiscal Year Ended December 31, 2022"
    # chunk tokens: for the fiscal year ended december 31 2022 (8), all in the reference
    # -> overlap 8/8 = 1.0 >= 0.8, and 8 >= 3 tokens
    assert texts_match(chunk, ref) and texts_match(ref, chunk)


def test_overlap_threshold_boundary() -> None:
    ref = "one two three four five"
    # 4 of 5 shared: 4/5 = 0.8 >= 0.8 -> match
    assert texts_match("one two three four six", ref)
    # 3 of 5 shared: 3/5 = 0.6 < 0.8 -> no match
    assert not texts_match("one two three seven six", ref)
    # with a lower threshold 0.6 it does
    assert texts_match("one two three seven six", ref, threshold=0.6)
    assert DEFAULT_MATCH_THRESHOLD == 0.8


def test_short_texts_need_equality() -> None:
    # "filer" (1 token) is inside the reference: overlap 1/1 = 1.0, but fewer than 3 tokens
    assert not texts_match("filer", "Large accelerated filer")
    # "accelerated filer" (2 tokens): still too short
    assert not texts_match("accelerated filer", "Large accelerated filer")
    # 3 tokens: the overlap rule applies (3/3 = 1.0)
    assert texts_match("large accelerated filer", "Large accelerated filer \u2612 Accelerated")
    # equality after normalisation always matches, however short
    assert texts_match("Filer.", "filer")
    assert not texts_match("", "")


def test_unrelated_passages_do_not_match() -> None:
    a = "Commission File No. 000-22513"
    b = "UNITED STATESSECURITIES AND EXCHANGE COMMISSION"
    # tokens: [commission, file, no, 000, 22513] vs [united, statessecurities, and, exchange,
    # commission]: 1 shared / 5 = 0.2
    assert not texts_match(a, b)


def test_id_match_wins_over_text() -> None:
    r = ReferenceContext(text="alpha beta gamma", id="doc-1")
    assert passages_match(Passage(text="something else entirely", id="doc-1"), r)
    # both have ids and they differ: no match even with identical text
    assert not passages_match(Passage(text="alpha beta gamma", id="doc-2"), r)
    # the passage has no id: text decides
    assert passages_match(Passage(text="Alpha, beta gamma."), r)
    # passage vs passage (a cited reference against a retrieved one)
    assert passages_match(Passage(text="x", id="c1"), Passage(text="y", id="c1"))


def test_gains_credit_each_reference_once() -> None:
    refs = [ReferenceContext("alpha beta gamma delta", relevance=2.0),
            ReferenceContext("one two three four", relevance=1.0)]
    passages = [Passage("unrelated words here now"),      # no match -> 0
                Passage("one two three four"),            # ref 1 -> 1.0
                Passage("Alpha beta gamma delta."),       # ref 0 -> 2.0
                Passage("alpha beta gamma delta"),        # ref 0 again, already credited -> 0
                Passage("one two three four")]            # ref 1 again -> 0
    assert matched_references(passages, refs) == [None, 1, 0, None, None]
    assert relevance_gains(passages, refs) == [0.0, 1.0, 2.0, 0.0, 0.0]


def test_gains_take_first_uncredited_reference() -> None:
    # two reference contexts with the same text: the first passage takes ref 0 (reference
    # order), the second the still-uncredited ref 1
    refs = [ReferenceContext("same text in both", relevance=3.0),
            ReferenceContext("same text in both", relevance=1.0)]
    passages = [Passage("same text in both"), Passage("same text in both")]
    assert matched_references(passages, refs) == [0, 1]
    assert relevance_gains(passages, refs) == [3.0, 1.0]
    assert relevance_gains([], refs) == []


def test_a_reference_id_naming_a_document_matches_its_chunks():
    from assay.data.rag_records import Passage, ReferenceContext
    from assay.metrics.passage_match import matched_references
    chunks = [Passage("b", id="p12#1", metadata={"doc": "p12"}),
              Passage("a", id="p7", metadata={"doc": "p7"}),
              Passage("c", id="p12#0", metadata={"doc": "p12"})]
    refs = [ReferenceContext("whole passage", id="p12")]
    # the first chunk of p12 is credited; the second is the same document, counted once
    assert matched_references(chunks, refs) == [0, None, None]
    assert matched_references(chunks, [ReferenceContext("x", id="p12#0")]) == [None, None, 0]
