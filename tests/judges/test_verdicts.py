import pytest
from hypothesis import given, strategies as st

from assay.judges import map_backward, parse_verdict, reconcile


@pytest.mark.parametrize("text,outcome", [
    ("A is clearly better.\n[[A>B]]", "A"),
    ("[[B>A]]", "B"),
    ("tie: [[A=B]]", "tie"),
    ("[[A>>B]] strongly", "A"),
    ("[[ b > a ]]", "B"),
    ("first [[A>B]] and again [[A>B]]", "A"),
])
def test_parse(text, outcome):
    assert parse_verdict(text) == (outcome, None)


@pytest.mark.parametrize("text,problem", [
    ("", "empty"), ("A is better", "no verdict"), ("[[A>B]] no wait [[B>A]]", "conflicting"),
    ("[A>B]", "no verdict"),
])
def test_parse_errors(text, problem):
    outcome, why = parse_verdict(text)
    assert outcome == "error" and problem in why


def test_reconcile_rule():
    assert reconcile("A", "A") == "A" and reconcile("B", "B") == "B"
    assert reconcile("A", "B") == "tie" and reconcile("A", "tie") == "tie"
    assert reconcile("error", "A") == "error" and reconcile("B", "error") == "error"
    assert map_backward("A") == "B" and map_backward("tie") == "tie"


@given(st.text())
def test_parser_never_raises(text):
    assert parse_verdict(text)[0] in {"A", "B", "tie", "error"}
