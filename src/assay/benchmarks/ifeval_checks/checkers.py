"""The 25 IFEval instruction checkers, each the ``check_following`` of Google's
``instruction_following_eval/instructions.py`` (the version lm-evaluation-harness vendors in
``tasks/ifeval``), written as a function of the response and the instruction's kwargs.

Each :class:`Checker` names the kwargs it needs; :func:`prepare` normalises them as the
reference's ``build_description`` does (strip, lower case, sorted keyword lists), so the
check itself is the reference's. Regular expressions built from keywords are used unescaped,
as the reference does. One deliberate difference: where ``letter_frequency``'s letter is not
an ASCII letter (two prompts: ``#``, ``!``) the reference draws a random letter instead; assay
counts the named character, so the result is reproducible.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .text import LanguageUndetected, count_sentences, count_words, detect_language, \
    word_tokenize

__all__ = ["Checker", "CHECKERS", "prepare", "RELATIONS", "CONSTRAINED_RESPONSE_OPTIONS"]

RELATIONS = ("less than", "at least")
CONSTRAINED_RESPONSE_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@dataclass(frozen=True)
class Checker:
    """One instruction type: the kwargs it needs and its check ``(response, **kwargs)``."""

    id: str
    kwargs: tuple[str, ...]
    check: Callable[..., bool]


def _compare(count: int, relation: str, threshold: int) -> bool:
    return count < threshold if relation == RELATIONS[0] else count >= threshold


def _language(value: str, *, language: str) -> bool:
    try:
        return detect_language(value) == language
    except LanguageUndetected:
        return True   # the reference counts an undetectable language as followed


def _number_sentences(value: str, *, num_sentences: int, relation: str) -> bool:
    return _compare(count_sentences(value), relation, num_sentences)


def _placeholders(value: str, *, num_placeholders: int) -> bool:
    return len(re.findall(r"\[.*?\]", value)) >= num_placeholders


def _bullets(value: str, *, num_bullets: int) -> bool:
    stars = re.findall(r"^\s*\*[^\*].*$", value, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", value, flags=re.MULTILINE)
    return len(stars) + len(dashes) == num_bullets


def _constrained(value: str) -> bool:
    value = value.strip()
    return any(option in value for option in CONSTRAINED_RESPONSE_OPTIONS)


def _highlights(value: str, *, num_highlights: int) -> bool:
    n = sum(1 for h in re.findall(r"\*[^\n\*]*\*", value) if h.strip("*").strip())
    n += sum(1 for h in re.findall(r"\*\*[^\n\*]*\*\*", value)
             if h.removeprefix("**").removesuffix("**").strip())
    return n >= num_highlights


def _sections(value: str, *, section_spliter: str, num_sections: int) -> bool:
    sections = re.split(r"\s?" + section_spliter + r"\s?\d+\s?", value)
    return len(sections) - 1 >= num_sections


def _paragraphs(value: str, *, num_paragraphs: int) -> bool:
    paragraphs = re.split(r"\s?\*\*\*\s?", value)
    n = len(paragraphs)
    for i, p in enumerate(paragraphs):
        if not p.strip():
            if i == 0 or i == len(paragraphs) - 1:
                n -= 1
            else:
                return False
    return n == num_paragraphs


def _postscript(value: str, *, postscript_marker: str) -> bool:
    value = value.lower()
    if postscript_marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif postscript_marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + postscript_marker.lower() + r".*$"
    return bool(re.findall(pattern, value, flags=re.MULTILINE))


def _keywords(value: str, *, keywords: list[str]) -> bool:
    return all(re.search(k, value, flags=re.IGNORECASE) for k in keywords)


def _frequency(value: str, *, keyword: str, frequency: int, relation: str) -> bool:
    return _compare(len(re.findall(keyword, value, flags=re.IGNORECASE)), relation, frequency)


def _number_words(value: str, *, num_words: int, relation: str) -> bool:
    return _compare(count_words(value), relation, num_words)


def _json(value: str) -> bool:
    value = (value.strip().removeprefix("```json").removeprefix("```Json")
             .removeprefix("```JSON").removeprefix("```").removesuffix("```").strip())
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _first_word(value: str, *, num_paragraphs: int, nth_paragraph: int,
                first_word: str) -> bool:
    paragraphs = re.split(r"\n\n", value)
    n = len(paragraphs) - sum(1 for p in paragraphs if not p.strip())
    if nth_paragraph > n:
        return False
    paragraph = paragraphs[nth_paragraph - 1].strip()   # indexes the raw split, as the reference
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    got = ""
    for letter in word:
        if letter in {".", ",", "?", "!", "'", '"'}:
            break
        got += letter.lower()
    return n == num_paragraphs and got == first_word


def _forbidden(value: str, *, forbidden_words: list[str]) -> bool:
    return not any(re.search(r"\b" + w + r"\b", value, flags=re.IGNORECASE)
                   for w in forbidden_words)


def _two_responses(value: str) -> bool:
    valid = []
    parts = value.split("******")
    for i, part in enumerate(parts):
        if not part.strip():
            if i != 0 and i != len(parts) - 1:
                return False
        else:
            valid.append(part)
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


def _repeat_prompt(value: str, *, prompt_to_repeat: str) -> bool:
    return value.strip().lower().startswith(prompt_to_repeat.strip().lower())


def _end(value: str, *, end_phrase: str) -> bool:
    return value.strip().strip('"').lower().endswith(end_phrase.strip().lower())


def _title(value: str) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", value))


def _letter_frequency(value: str, *, letter: str, let_frequency: int,
                      let_relation: str) -> bool:
    return _compare(Counter(value.lower())[letter], let_relation, let_frequency)


def _english(value: str, case: Callable[[str], bool]) -> bool:
    try:
        return case(value) and detect_language(value) == "en"
    except LanguageUndetected:
        return True


def _capital(value: str) -> bool:
    return _english(value, str.isupper)


def _lowercase(value: str) -> bool:
    return _english(value, str.islower)


def _no_comma(value: str) -> bool:
    return not re.search(r"\,", value)


def _capital_words(value: str, *, capital_frequency: int, capital_relation: str) -> bool:
    n = sum(1 for w in word_tokenize(value) if w.isupper())
    return _compare(n, capital_relation, capital_frequency)


def _quotation(value: str) -> bool:
    value = value.strip()
    return len(value) > 1 and value[0] == '"' and value[-1] == '"'


_ALL = (
    Checker("keywords:existence", ("keywords",), _keywords),
    Checker("keywords:frequency", ("keyword", "frequency", "relation"), _frequency),
    Checker("keywords:forbidden_words", ("forbidden_words",), _forbidden),
    Checker("keywords:letter_frequency", ("letter", "let_frequency", "let_relation"),
            _letter_frequency),
    Checker("language:response_language", ("language",), _language),
    Checker("length_constraints:number_sentences", ("num_sentences", "relation"),
            _number_sentences),
    Checker("length_constraints:number_paragraphs", ("num_paragraphs",), _paragraphs),
    Checker("length_constraints:number_words", ("num_words", "relation"), _number_words),
    Checker("length_constraints:nth_paragraph_first_word",
            ("num_paragraphs", "nth_paragraph", "first_word"), _first_word),
    Checker("detectable_content:number_placeholders", ("num_placeholders",), _placeholders),
    Checker("detectable_content:postscript", ("postscript_marker",), _postscript),
    Checker("detectable_format:number_bullet_lists", ("num_bullets",), _bullets),
    Checker("detectable_format:constrained_response", (), _constrained),
    Checker("detectable_format:number_highlighted_sections", ("num_highlights",), _highlights),
    Checker("detectable_format:multiple_sections", ("section_spliter", "num_sections"),
            _sections),
    Checker("detectable_format:json_format", (), _json),
    Checker("detectable_format:title", (), _title),
    Checker("combination:two_responses", (), _two_responses),
    Checker("combination:repeat_prompt", ("prompt_to_repeat",), _repeat_prompt),
    Checker("startend:end_checker", ("end_phrase",), _end),
    Checker("change_case:capital_word_frequency", ("capital_frequency", "capital_relation"),
            _capital_words),
    Checker("change_case:english_capital", (), _capital),
    Checker("change_case:english_lowercase", (), _lowercase),
    Checker("punctuation:no_comma", (), _no_comma),
    Checker("startend:quotation", (), _quotation),
)

#: instruction id → checker (the reference registry's 25 types)
CHECKERS: dict[str, Checker] = {c.id: c for c in _ALL}

_INTS = {"frequency", "let_frequency", "num_sentences", "num_paragraphs", "num_words",
         "nth_paragraph", "num_placeholders", "num_bullets", "num_highlights", "num_sections",
         "capital_frequency"}
_RELATION_KEYS = {"relation", "let_relation", "capital_relation"}


def prepare(instruction_id: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The checker's kwargs from one row's kwargs, normalised as the reference's
    ``build_description``; ``ValueError`` (one line) for an unknown instruction, a missing,
    unexpected or malformed kwarg. Null and empty values count as absent, as in lm-eval's loader."""
    checker = CHECKERS.get(instruction_id)
    if checker is None:
        raise ValueError(f"unknown IFEval instruction '{instruction_id}'")
    given = {k: v for k, v in kwargs.items() if v}
    unexpected = sorted(set(given) - set(checker.kwargs))
    if unexpected:   # the reference's build_description would raise a TypeError
        raise ValueError(f"instruction {instruction_id} takes no kwarg '{unexpected[0]}'")
    out: dict[str, Any] = {}
    for key in checker.kwargs:
        if key not in given:
            raise ValueError(f"instruction {instruction_id} needs kwarg '{key}'")
        v = given[key]
        if key in _INTS:
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{instruction_id}: '{key}' must be a non-negative integer")
        elif key in ("keywords", "forbidden_words"):
            if not isinstance(v, list) or not all(isinstance(w, str) for w in v):
                raise ValueError(f"{instruction_id}: '{key}' must be a list of strings")
            v = sorted(set(v)) if key == "forbidden_words" else sorted(v)
        elif not isinstance(v, str):
            raise ValueError(f"{instruction_id}: '{key}' must be a string")
        elif key in _RELATION_KEYS and v not in RELATIONS:
            raise ValueError(f"{instruction_id}: '{key}' must be one of {RELATIONS}")
        elif key == "letter":
            # the reference draws a random letter when this is not one ASCII letter (prompts
            # 1122 '#' and 1129 '!'); assay counts the character the prompt names
            if len(v) != 1:
                raise ValueError(f"{instruction_id}: 'letter' must be one character")
            v = v.lower()
        elif key == "first_word":
            v = v.lower()
        elif key in ("keyword", "section_spliter", "postscript_marker", "end_phrase"):
            v = v.strip()
        out[key] = v
    if "nth_paragraph" in out and not 1 <= out["nth_paragraph"] <= out["num_paragraphs"]:
        raise ValueError(f"{instruction_id}: 'nth_paragraph' must be 1..num_paragraphs")
    return out
