"""assay.analysis.confidence on hand-built token lists: the first answer token, mean and min
logprob, and the label probability renormalised over the allowed labels (choices, a JSON
enum, labels sharing a prefix, other spellings of the same label)."""

from __future__ import annotations

import math

import pytest

from assay.analysis.confidence import (Confidence, allowed_labels, example_confidence,
                                       first_answer_token)


def tok(text, p, alts=()):
    """A token with probability ``p`` and top alternatives ``[(text, p), ...]``."""
    return {"token": text, "logprob": math.log(p),
            "top": [{"token": t, "logprob": math.log(q)} for t, q in alts]}


LABELS = ["Billing_Issue", "Hardware_Critical", "Software_Bug"]
SCHEMA = {"type": "json_schema",
          "schema": {"type": "object", "properties": {
              "thought": {"type": "string"}, "class": {"enum": LABELS},
              "level": {"enum": ["low", "high"]}}}}


def json_tokens():
    return [tok('{"', .9, [('{"', .9)]), tok("thought", .8), tok('":', .99),
            tok(' "', .7, [(' "', .7)]), tok("ok", .4, [("ok", .4), ("no", .3)]),
            tok('",', .9), tok(' "', .9), tok("class", .9), tok('":', .9),
            tok(' "', .6, [(' "', .6), (' "B', .2)]),
            tok("Bill", .5, [("Bill", .5), ("Hard", .3), ("Soft", .1), ("xyz", .05)]),
            tok("ing", .6, [("ing", .6), ("s", .3)]),
            tok("_Issue", .9, [("_Issue", .9), ("_Bug", .05)]),
            tok('"}', .9, [('"}', .9), ('",', .05)])]


TEXT = '{"thought": "ok", "class": "Billing_Issue"}'


def test_mean_and_min_logprob_are_over_every_generated_token():
    toks = json_tokens()
    c = example_confidence(toks, TEXT, None)
    lps = [t["logprob"] for t in toks]
    assert c.mean_logprob == pytest.approx(sum(lps) / len(lps))
    assert c.min_logprob == pytest.approx(math.log(.4))
    assert c.value("mean_token") == pytest.approx(math.exp(sum(lps) / len(lps)))


def test_first_token_of_json_is_the_first_values_first_token():
    toks = json_tokens()
    assert first_answer_token(toks) == 4          # "ok", not '{"' or the key
    assert example_confidence(toks, TEXT).first_token_prob == pytest.approx(.4)


def test_first_token_of_plain_text_skips_whitespace_and_punctuation():
    toks = [tok("\n", .5), tok(' "', .4), tok("▁Paris", .8), tok(".", .9)]
    assert first_answer_token(toks) == 2
    assert example_confidence(toks, '\n "Paris.').first_token_prob == pytest.approx(.8)


def test_label_probability_of_a_json_enum_with_the_first_enum_property():
    c = example_confidence(json_tokens(), TEXT, SCHEMA)
    assert c.label == "Billing_Issue"
    # Bill: kept Bill, Hard, Soft (xyz is no label's prefix) -> .5/.9; ing: "Bills" is no
    # label -> 1; _Issue: "Billing_Bug" is no label -> 1
    assert c.label_probability == pytest.approx(.5 / .9)
    assert c.value("label") == c.value("auto") == c.label_probability


def test_label_field_names_the_property():
    toks = [tok('{"', .9), tok("class", .9), tok('":"', .9), tok("Soft", .9), tok("ware", .9),
            tok("_Bug", .9), tok('","', .9), tok("level", .9), tok('":"', .9),
            tok("high", .7, [("high", .7), ("low", .2), ("medium", .1)]), tok('"}', .9)]
    text = '{"class":"Software_Bug","level":"high"}'
    c = example_confidence(toks, text, SCHEMA, label_field="level")
    assert c.label == "high" and c.label_probability == pytest.approx(.7 / .9)
    assert allowed_labels(SCHEMA, "thought") is None     # not an enum property


def test_the_opening_quote_inside_the_label_token_is_stripped_from_alternatives():
    toks = [tok('{"', .9), tok("class", .9), tok('":', .9),
            tok(' "Hard', .4, [(' "Hard', .4), (' "Soft', .2), (' "Bad', .2), (' "', .1),
                               ("Hard", .05)]),
            tok("ware_Critical", .9), tok('"}', .9)]
    c = example_confidence(toks, '{"class": "Hardware_Critical"}', SCHEMA)
    # kept: ' "Hard', ' "Soft', and ' "' (a prefix of the quote part: every path from it
    # still spells a label); ' "Bad' is no label, 'Hard' lacks the quote
    assert c.label_probability == pytest.approx(.4 / (.4 + .2 + .1))


def test_labels_sharing_a_prefix_and_the_closing_quote():
    fmt = {"type": "json_schema", "schema": {"properties": {
        "a": {"enum": ["Net", "Network", "Network_Critical"]}}}}
    toks = [tok('{"a": "', .9), tok("Net", .5, [("Net", .5), ("No", .3), ("Ne", .1)]),
            tok("work", .6, [("work", .6), ('"', .3), ("worm", .1)]),
            tok('"}', .7, [('"}', .7), ("_Critical", .2), ("_Crit", .05), ("s", .05)])]
    c = example_confidence(toks, '{"a": "Network"}', fmt)
    assert c.label == "Network"
    # Net: Net and Ne kept (Ne can still become all three, so it is not "the same label")
    # work: work and '"' (closes "Net") kept, worm not; '"}': the closing quote and both
    # spellings of _Critical kept ("s" makes "Networks": no label)
    expected = (.5 / .6) * (.6 / .9) * (.7 / .95)
    assert c.label_probability == pytest.approx(expected)


def test_other_spellings_of_the_same_label_count_for_it():
    toks = [tok('{"class": "', .9), tok("Soft", .6, [("Soft", .6), ("So", .2), ("Bill", .2)]),
            tok("ware_Bug", .9), tok('"}', .9)]
    c = example_confidence(toks, '{"class": "Software_Bug"}', SCHEMA)
    assert c.label_probability == pytest.approx((.6 + .2) / 1.0)


def test_choices_with_sentencepiece_tokens_and_the_chosen_token_outside_the_top_k():
    fmt = {"type": "choice", "choices": ["yes", "no", "yesterday"]}
    toks = [tok("▁yes", .2, [("▁no", .5), ("▁maybe", .3)])]
    c = example_confidence(toks, " yes", fmt)
    # yes is chosen (the grammar forced it); "no" is a label, "maybe" not; "yesterday" is
    # unreachable once the text ends
    assert c.label == "yes" and c.label_probability == pytest.approx(.2 / .7)
    assert c.first_token_prob == pytest.approx(.2)


def test_a_reply_outside_the_choices_has_no_label():
    fmt = {"type": "choice", "choices": ["yes", "no"]}
    c = example_confidence([tok("maybe", .5)], "maybe", fmt)
    assert c.label is None and c.label_probability is None
    assert c.value("auto") == pytest.approx(.5)


def test_no_logprobs_means_every_field_is_none():
    c = example_confidence(None, "text", SCHEMA)
    assert c == Confidence() and all(v is None for v in c.to_dict().values())
    assert example_confidence([], "text").to_dict() == Confidence().to_dict()
    assert Confidence.from_dict(None) == Confidence()


def test_a_token_of_probability_zero():
    toks = [tok("a", .5), {"token": "b", "logprob": None, "top": []}]
    c = example_confidence(toks, "ab")
    assert c.min_logprob == -math.inf and c.mean_logprob == -math.inf
    assert c.value("mean_token") == 0.0


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Confidence().value("median")
