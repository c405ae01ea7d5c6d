"""Answer extraction and normalisation: golden tricky cases and the GSM8K acceptance check."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from assay.benchmarks.extract import (extract_choice_letter, extract_gsm8k_answer,
                                      extract_math_answer, is_equiv, last_boxed_only_string,
                                      normalize_number, numbers_equal, remove_boxed, strip_string)

BENCHDATA = Path(__file__).resolve().parents[3] / "shared" / "benchdata"
GSM8K_TEST = BENCHDATA / "gsm8k" / "test.jsonl"


# -- choice letters ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Let me think.\nAnswer: B", "B"),
    ("reasoning...\nANSWER: c", None),            # a bare lower-case letter is not a choice
    ("So the answer is (C).", "C"),
    ("**Answer:** D", "D"),
    ("**Answer: (A)**", "A"),
    ("The answer is: B.", "B"),
    ("answer: (a)", "A"),
    ("The correct answer is option C.", "C"),
    ("Final answer: $\\boxed{D}$", "D"),
    ("Answer: A\n...on second thought\nAnswer: C", "C"),
    ("B", "B"),
    ("(B)", "B"),
    ("B.", "B"),
    ("**B**", "B"),
    ("B) the second option", "B"),
    ("A dog barks at night.", None),
    ("Answer: Because it rains", None),
    ("Answer: E", None),                          # not among the labels
    ("", None),
])
def test_extract_choice_letter(text, expected):
    assert extract_choice_letter(text, ("A", "B", "C", "D")) == expected


def test_choice_letter_without_labels_allows_any_capital():
    assert extract_choice_letter("Answer: F", ()) == "F"


# -- GSM8K numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("She pays 3 * 4 = 12 dollars.\n#### 12", "12"),
    ("#### 1,000", "1000"),
    ("The answer is 1,234.", "1234"),
    ("The answer is $18.", "18"),
    ("The answer is: **42**", "42"),
    ("So the final answer is -3.", "-3"),
    ("It costs $5.00 in total.", "5"),
    ("He runs 0.5 miles", "0.5"),
    ("3 of 4 equal parts is 3/4", "3/4"),
    ("First 12 apples, then 7 pears, so 19 fruits in all.", "19"),
    ("The answer is 30. Check: 10 + 20 = 30, and 5 more is 35", "30"),
    ("It takes 15 minutes.", "15"),
    ("Temperature drops to -7 degrees", "-7"),
    ("Range 5-3 is 2", "2"),
    ("no numbers here", None),
    ("", None),
])
def test_extract_gsm8k_answer(text, expected):
    assert extract_gsm8k_answer(text) == expected


@pytest.mark.parametrize("raw,expected", [
    ("$1,000.00", "1000"), ("5.00", "5"), ("0.50", "0.5"), ("-3", "-3"), ("3/4", "3/4"),
    ("18.", "18"), ("12 dollars", "12"), (" 7 ", "7"), ("abc.", "abc"), (None, None),
])
def test_normalize_number(raw, expected):
    assert normalize_number(raw) == expected


def test_numbers_equal():
    assert numbers_equal("1000", "1,000.00")
    assert numbers_equal("$5", "5.0000001")
    assert numbers_equal("0.75", "3/4")
    assert not numbers_equal("5", "5.01")
    assert not numbers_equal(None, "5")
    assert numbers_equal("abc", "abc.")


# -- MATH --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("so $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}"),
    ("first \\boxed{1} then \\boxed{2}", "2"),
    ("nested \\boxed{\\left(3, \\frac{\\pi}{2}\\right)} ok", "\\left(3, \\frac{\\pi}{2}\\right)"),
    ("spaced $\\boxed 5$.", "5"),
    ("framed \\fbox{7}", "7"),
    ("unbalanced \\boxed{1", None),
    ("nothing boxed", None),
])
def test_boxed(text, expected):
    assert remove_boxed(last_boxed_only_string(text)) == expected


@pytest.mark.parametrize("a,b", [
    ("\\frac{1}{2}", "0.5"),
    ("\\frac{1}{2}", "1/2"),
    ("\\dfrac{1}{2}", "\\frac12"),
    ("\\tfrac{3}{4}", "3/4"),
    ("5\\text{ cm}", "5"),
    ("10 \\text{cm}^2", "10"),
    ("90^\\circ", "90"),
    ("90^{\\circ}", "90"),
    ("x = 5", "5"),
    ("\\sqrt2", "\\sqrt{2}"),
    ("1,000", "1000"),
    ("10{,}000", "10000"),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"),
    ("50\\%", "50"),
    ("\\$18", "18"),
    (".5", "\\frac{1}{2}"),
    ("2.50", "2.5"),
])
def test_is_equiv_true(a, b):
    assert is_equiv(a, b)


@pytest.mark.parametrize("a,b", [
    ("\\frac{1}{3}", "0.33"), ("2", "3"), ("x^2", "x^3"), ("1,2", "12"), (None, "1"),
])
def test_is_equiv_false(a, b):
    assert not is_equiv(a, b)


def test_strip_string_examples():
    assert strip_string("\\dfrac{1}{2}") == "\\frac{1}{2}"
    assert strip_string("\\frac1{72}") == "\\frac{1}{72}"
    assert strip_string("y = 2x + 1") == "2x+1"        # short left-hand side dropped
    assert strip_string("abc = 2") == "abc=2"           # a longer one kept


@pytest.mark.parametrize("text,expected", [
    ("... therefore $\\boxed{\\dfrac{1}{2}}$", "\\dfrac{1}{2}"),
    ("Final Answer: The final answer is $12$. I hope it is correct.", "12"),
    ("The final answer is \\frac{3}{28}.", "\\frac{3}{28}"),
    ("work\nAnswer: 42", "42"),
    ("**Answer:** $7$", "7"),
    ("no answer", None),
])
def test_extract_math_answer(text, expected):
    assert extract_math_answer(text) == expected


# -- acceptance on real GSM8K references -------------------------------------------------------

def _gsm8k_rows(n: int = 200) -> list[dict]:
    if not GSM8K_TEST.is_file():
        pytest.skip(f"{GSM8K_TEST} not present")
    with GSM8K_TEST.open(encoding="utf-8") as fh:
        return [json.loads(line) for line, _ in zip(fh, range(n))]


def _gold(answer: str) -> str:
    return normalize_number(answer.rpartition("####")[2])


def test_benchdata_path_resolves():
    assert BENCHDATA == Path(__file__).resolve().parents[3] / "shared" / "benchdata"
    if BENCHDATA.exists():
        assert (BENCHDATA / "gsm8k").is_dir()


def test_gsm8k_reference_answers():
    rows = _gsm8k_rows()
    assert len(rows) == 200
    for r in rows:
        assert extract_gsm8k_answer(r["answer"]) == _gold(r["answer"]), r["answer"]


def test_gsm8k_the_answer_is_form():
    for r in _gsm8k_rows():
        gold = _gold(r["answer"])
        steps = r["answer"].rpartition("####")[0]
        text = steps.rstrip() + f"\nThe answer is {r['answer'].rpartition('####')[2].strip()}."
        assert extract_gsm8k_answer(text) == gold, text


def _last_number_independent(text: str) -> str | None:
    """A deliberately simple last-number reader, independent of extract.py."""
    found = re.findall(r"\d[\d,]*(?:\.\d+)?", text)
    if not found:
        return None
    return str(float(found[-1].replace(",", "").rstrip(".")))


def test_gsm8k_last_number_fallback():
    rows = _gsm8k_rows()
    eligible = 0
    for r in rows:
        steps = r["answer"].rpartition("####")[0].rstrip()
        gold = _gold(r["answer"])
        if _last_number_independent(steps) != str(float(Fraction(gold))):
            continue
        eligible += 1
        assert numbers_equal(extract_gsm8k_answer(steps), gold), steps
    # most reference solutions end on their answer (197 of the first 200)
    assert eligible >= 150
