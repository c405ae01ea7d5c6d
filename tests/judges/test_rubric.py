import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from assay.backends.types import Message
from assay.judges.rubric import (RUBRIC_SYSTEM, RUBRIC_TEMPLATE, Criterion, RubricJudgment,
                                 parse_rubric, rubric_messages, swap_positions)
from assay.judges.rubric_scores import weighted_scores

VALID = textwrap.dedent("""\
    criteria:
      accuracy:
        description: The facts are correct.
        type: scale
        weight: 0.5
        score_A: 2
        score_B: 4
        justification_A: Wrong year.
        justification_B: Mostly right.
      completeness:
        description: Covers all parts.
        type: scale
        weight: 0.3
        score_A: 1
        score_B: 5
        justification_A: Misses the second part.
        justification_B: Covers everything.
      clarity:
        description: Easy to follow.
        type: scale
        weight: 0.2
        score_A: 2
        score_B: 5
        justification_A: Rambling.
        justification_B: Clear.
    overall_justification: B is more accurate and complete.
    label: "[[B>A]]"
    """)


def ok(text):
    j, problem = parse_rubric(text)
    assert problem is None, problem
    assert isinstance(j, RubricJudgment)
    return j


def bad(text, fragment):
    j, problem = parse_rubric(text)
    assert j is None and fragment in problem, problem


def test_messages_and_prompt():
    msgs = rubric_messages("What is 2+2?", "four", "{five}")
    assert msgs[0] == Message("system", RUBRIC_SYSTEM)
    assert msgs[1].role == "user" and "[Response A]\nfour" in msgs[1].content
    assert "[Response B]\n{five}" in msgs[1].content
    for token in ("[[A>B]]", "[[B>A]]", "[[A=B]]", "[[A=B (bothbad)]]", "2 to 6", "sum to 1"):
        assert token in RUBRIC_TEMPLATE
    # the example inside the prompt is itself a valid judgment
    example = RUBRIC_TEMPLATE.split("```yaml\n")[1].split("```")[0]
    j = ok(example)
    assert j.label == "B>A" and [c.type for c in j.criteria] == ["scale", "binary"]
    assert not j.renormalized


def test_valid_golden_notre_dame():
    j = ok(VALID)
    assert j.label == "B>A" and not j.renormalized and j.notes == ()
    assert [c.name for c in j.criteria] == ["accuracy", "completeness", "clarity"]
    assert j.criteria[0] == Criterion("accuracy", "The facts are correct.", 0.5, "scale",
                                      2.0, 4.0, "Wrong year.", "Mostly right.")
    assert j.overall_justification == "B is more accurate and complete."
    a, b = weighted_scores(j.criteria)
    assert abs(a - 0.175) < 1e-12 and abs(b - 0.875) < 1e-12


@pytest.mark.parametrize("fence", ["```yaml", "```", "```YAML", "``` yml"])
def test_fenced_with_prose(fence):
    text = f"Here is my evaluation.\n\n{fence}\n{VALID}```\n\nI hope this helps! Thanks."
    assert ok(text).label == "B>A"


def test_unclosed_fence_and_trailing_junk():
    assert ok("```yaml\n" + VALID).label == "B>A"
    assert ok(VALID + "\nThat is my final answer, I think it is fair\n!!!\n").label == "B>A"
    assert ok("Sure! Let me judge.\n" + VALID + "- trailing: [junk\n").label == "B>A"


def test_label_outside_yaml_and_bare_in_yaml():
    text = VALID.replace('label: "[[B>A]]"\n', "") + "\nFinal verdict: [[B>A]]"
    assert ok(text).label == "B>A"
    assert ok(VALID.replace('"[[B>A]]"', "[[B>A]]")).label == "B>A"   # unquoted: a nested list
    assert ok(VALID.replace('"[[B>A]]"', "B>A")).label == "B>A"
    assert ok(VALID.replace('"[[B>A]]"', '"[[a >> b]]"')).label == "A>B"


def test_tabs():
    tabbed = VALID.replace("    ", "\t\t").replace("  ", "\t")
    assert "\t" in tabbed
    j = ok(tabbed)
    assert len(j.criteria) == 3 and j.label == "B>A"


def test_percent_weights_and_string_scores():
    text = (VALID.replace("weight: 0.5", 'weight: "50%"').replace("weight: 0.3", "weight: 30%")
            .replace("weight: 0.2", "weight: 20 %")
            .replace("score_A: 2\n", 'score_A: "2"\n', 1).replace("score_B: 4", 'score_B: "4/5"')
            .replace("score_B: 5\n", "score_B: 5 out of 5\n", 1))
    j = ok(text)
    assert [c.weight for c in j.criteria] == pytest.approx([0.5, 0.3, 0.2], abs=1e-12)
    assert not j.renormalized and any("percent" in n for n in j.notes)
    assert j.criteria[0].score_a == 2.0 and j.criteria[0].score_b == 4.0
    assert j.criteria[1].score_b == 5.0


def test_plain_percent_numbers():
    text = VALID.replace("0.5", "50").replace("0.3", "30").replace("0.2", "20")
    j = ok(text)
    assert [c.weight for c in j.criteria] == pytest.approx([0.5, 0.3, 0.2], abs=1e-12)
    assert not j.renormalized


def test_weights_renormalised():
    j = ok(VALID.replace("weight: 0.2", "weight: 0.7"))  # sums to 1.5
    assert j.renormalized and any("renormalised" in n for n in j.notes)
    assert [c.weight for c in j.criteria] == pytest.approx([0.5 / 1.5, 0.3 / 1.5, 0.7 / 1.5])


def test_binary_strings_and_key_case():
    text = textwrap.dedent("""\
        Criteria:
          Cites_Source:
            Description: Names a source.
            TYPE: Binary
            Weight: 1
            Score_a: "true"
            SCORE_B: no
            Justification_A: Cites NASA.
            justification_b: None given.
        Overall_Justification: A cites a source.
        Label: "[[A>B]]"
        """)
    j = ok(text)
    c = j.criteria[0]
    assert (c.name, c.type, c.score_a, c.score_b, c.weight) == ("Cites_Source", "binary",
                                                                True, False, 1.0)
    assert c.justification_a == "Cites NASA." and j.overall_justification == "A cites a source."


def test_list_of_criteria_and_nested_scores():
    text = textwrap.dedent("""\
        criteria:
          - name: accuracy
            type: scale
            weight: 0.6
            scores: {A: 3, B: 4}
          - relevance:
              type: binary
              weight: 0.4
              score_A: true
              score_B: true
        label: "[[A=B]]"
        """)
    j = ok(text)
    assert [c.name for c in j.criteria] == ["accuracy", "relevance"]
    assert j.criteria[0].score_a == 3.0 and j.criteria[1].score_b is True
    assert any("overall_justification" in n for n in j.notes)


def test_bothbad_label():
    j = ok(VALID.replace("[[B>A]]", "[[A=B (bothbad)]]"))
    assert j.label == "A=B (bothbad)"
    assert ok(VALID.replace("[[B>A]]", "[[A=B]]")).label == "A=B"


@pytest.mark.parametrize("text,fragment", [
    (VALID.replace('label: "[[B>A]]"\n', ""), "no preference label"),
    (VALID + "\nActually [[A>B]].", "conflicting"),
    (VALID.replace("score_B: 4", "score_B: 7"), "outside 1-5"),
    (VALID.replace("score_A: 1", "score_A: 0"), "outside 1-5"),
    (VALID.replace("type: scale", "type: likert", 1), "unknown type"),
    (VALID.replace("    score_A: 2\n", "", 1), "lacks a score for A"),
    (VALID.replace("score_B: 5\n", "", 1), "lacks a score for B"),
    ("criteria: {}\nlabel: '[[A>B]]'", "no criteria"),
    ("criteria: []\nlabel: '[[A>B]]'", "no criteria"),
    ("criteria: hello\nlabel: '[[A>B]]'", "not a mapping"),
    ("I think B is better. [[B>A]]", "no YAML rubric"),
    ("", "empty"),
    (None, "empty"),
    (VALID.replace("score_B: 4", "score_B: excellent"), "not a number"),
    (VALID.replace("score_A: 2", "score_A: true", 1), "not 1-5"),
    (VALID.replace("weight: 0.5", "weight: -0.5"), "out of range"),
    (VALID.replace("    weight: 0.5\n", ""), "without a weight"),
])
def test_errors(text, fragment):
    bad(text, fragment)


def test_binary_score_out_of_range():
    text = VALID.replace("type: scale", "type: binary", 1)   # accuracy scores 2 / 4
    bad(text, "not true/false")


def test_swap_positions():
    j = ok(VALID)
    s = swap_positions(j)
    assert s.label == "A>B"
    assert s.criteria[0].score_a == 4.0 and s.criteria[0].score_b == 2.0
    assert s.criteria[0].justification_a == "Mostly right."
    assert s.criteria[0].justification_b == "Wrong year."
    assert swap_positions(s) == j
    for lab in ("A=B", "A=B (bothbad)"):
        j2 = ok(VALID.replace("[[B>A]]", f"[[{lab}]]"))
        assert swap_positions(j2).label == lab
    a, b = weighted_scores(s.criteria)
    assert abs(a - 0.875) < 1e-12 and abs(b - 0.175) < 1e-12


def test_yaml_bombs_and_size():
    bomb = ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
            "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n")
    text = ("criteria:\n  accuracy:\n    description: *g\n    type: scale\n    weight: 1\n"
            "    score_A: 3\n    score_B: 4\n    justification_A: *g\n    justification_B: x\n"
            "label: '[[B>A]]'\n")
    j = ok(bomb + text)
    assert len(j.criteria[0].description) < 1000
    deep = "criteria: " + "[" * 5000 + "]" * 5000 + "\nlabel: '[[A>B]]'"
    assert parse_rubric(deep)[0] is None
    recursive = "criteria: &r\n  x: *r\nlabel: '[[A>B]]'\n"
    assert parse_rubric(recursive)[0] is None
    huge = VALID + "# " + "x" * 500_000
    assert parse_rubric(huge)[0] is not None


# ---------------------------------------------------------------- never raises (hypothesis)

def _check(text):
    j, problem = parse_rubric(text)
    assert (j is None) != (problem is None)
    if j is not None:
        assert j.label in ("A>B", "B>A", "A=B", "A=B (bothbad)")
        assert len(j.criteria) >= 1
        assert abs(sum(c.weight for c in j.criteria) - 1.0) < 1e-6
        for c in j.criteria:
            if c.type == "scale":
                assert 1.0 <= c.score_a <= 5.0 and 1.0 <= c.score_b <= 5.0
            else:
                assert c.type == "binary" and isinstance(c.score_a, bool)
        weighted_scores(j.criteria)
        swap_positions(j)


@given(st.text(max_size=2000))
def test_never_raises_on_text(text):
    _check(text)


_edits = st.lists(st.tuples(st.sampled_from(["del", "ins", "trunc", "dup"]),
                            st.integers(0, len(VALID)), st.integers(0, 40),
                            st.text(alphabet=" \t\n:-[]{}\"'#&*!|>%/0123456789abAB", max_size=8)),
                  max_size=6)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(_edits, st.sampled_from(["", "```yaml\n", "Prose first.\n```\n"]))
def test_never_raises_on_mangled_output(edits, prefix):
    text = VALID
    for op, pos, n, ins in edits:
        pos = min(pos, len(text))
        if op == "del":
            text = text[:pos] + text[pos + n:]
        elif op == "ins":
            text = text[:pos] + ins + text[pos:]
        elif op == "trunc":
            text = text[:pos]
        else:
            text = text[:pos] + text[pos:pos + n] * 3 + text[pos + n:]
    _check(prefix + text)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 200),
                     st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from(["scale", "binary", "likert", "4/5", "50%", "true", "no",
                                      "[[A>B]]", "[[A=B (bothbad)]]", "", "x"]),
                     st.text(max_size=10))
_keys = st.sampled_from(["criteria", "Criteria", "label", "type", "weight", "score_A", "score_B",
                         "scores", "A", "B", "description", "justification_A", "name",
                         "overall_justification", "accuracy", "clarity"])
_trees = st.recursive(_scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(_keys, kids, max_size=5)), max_leaves=25)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(st.dictionaries(_keys, _trees, max_size=6), st.booleans())
def test_never_raises_on_yaml_structures(tree, fenced):
    try:
        text = yaml.safe_dump(tree, allow_unicode=True)
    except Exception:
        text = str(tree)
    if fenced:
        text = "Here you go:\n```yaml\n" + text + "```\nDone."
    _check(text)
