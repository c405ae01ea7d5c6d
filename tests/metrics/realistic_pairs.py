"""Seeded generator of realistic and adversarial (prediction, gold) pairs for the metric tests.

Golds are QA-style answers (short facts, numbers, sentences, paragraphs); predictions
are edits of the gold (dropped, inserted, swapped or re-cased words, changed
punctuation, verbose wrappers) or unrelated text, so every metric sees partial overlaps.
A share of pairs mixes in the characters that tokenisers treat specially.
"""

from __future__ import annotations

import random

__all__ = ["make_pairs"]

_WORDS = (
    "the a an of to in is was for on that with as by at from it this be are were which "
    "answer capital city river mountain population country president year century war "
    "treaty paris london berlin tokyo einstein newton darwin curie shakespeare water "
    "energy light speed protein cell dna gene market price company revenue model data "
    "first second largest smallest oldest north south east west approximately about "
    "because however therefore also not only but"
).split()
_NUMBERS = ("1", "2", "3", "10", "42", "1,000", "3.14", "2024", "1.5", "0.5", "100%", "$20", "7-8",
            "1e5", "12th", "1990s", "-4", "+3", "1/2", "inf", "nan")
_PUNCT = (".", ",", "!", "?", ";", ":", "'s", "(", ")", "\"", "-", "--", "...", "/", "&", "'")
_ODD = ("Σ", "ΟΔΟΣ", "naïve", "café", "İstanbul", "straße", "日本", "東京", "١٢", "Ⅻ", "K", "ﬁ",
        "\u00a0", "\u2003", "\t", "\n", "-\n", "<skipped>", "&amp;", "&quot;", "&lt;", "&gt;",
        "😀", "\u200b", "a.b", "U.S.", "e.g.,", "co-operate", "well-known", "3-4", "x,y", "1.000,5",
        "don't", "THE", "An", "A", "_", "~", "`", "@", "#", "[x]", "{y}", "<z>", "\\", "|", "^")
_WRAPPERS = ("The answer is {}.", "{}", "I think it is {}", "Answer: {}", "{} (approximately)",
             "It's {}!", "  {}  ", "{}\n", "Well, {}, of course.")


def _word(rng: random.Random, odd: float) -> str:
    r = rng.random()
    if r < odd:
        return rng.choice(_ODD)
    if r < odd + 0.1:
        return rng.choice(_NUMBERS)
    w = rng.choice(_WORDS)
    c = rng.random()
    if c < 0.1:
        return w.capitalize()
    if c < 0.12:
        return w.upper()
    return w


def _sentence(rng: random.Random, n: int, odd: float) -> str:
    parts = []
    for _ in range(n):
        parts.append(_word(rng, odd))
        if rng.random() < 0.12:
            parts[-1] += rng.choice(_PUNCT)
    text = " ".join(parts)
    if rng.random() < 0.6:
        text += rng.choice((".", "!", "?", ""))
    return text


def _gold(rng: random.Random, odd: float) -> str:
    kind = rng.random()
    if kind < 0.25:
        return _sentence(rng, rng.randint(1, 3), odd)
    if kind < 0.35:
        return rng.choice(_NUMBERS)
    if kind < 0.85:
        return _sentence(rng, rng.randint(4, 30), odd)
    return " ".join(_sentence(rng, rng.randint(8, 25), odd) for _ in range(rng.randint(2, 8)))


def _edit(rng: random.Random, gold: str, odd: float) -> str:
    kind = rng.random()
    if kind < 0.08:
        return gold
    if kind < 0.14:
        return _gold(rng, odd)
    if kind < 0.2:
        return rng.choice(_WRAPPERS).format(gold)
    if kind < 0.24:
        return gold.lower() if rng.random() < 0.5 else gold.upper()
    if kind < 0.26:
        return rng.choice(("", " ", "\n", "."))
    words = gold.split(" ")
    for _ in range(rng.randint(1, max(1, len(words) // 3))):
        op = rng.random()
        i = rng.randrange(len(words) + 1)
        if op < 0.3 and words:
            del words[min(i, len(words) - 1)]
        elif op < 0.6:
            words.insert(i, _word(rng, odd))
        elif op < 0.8 and len(words) > 1:
            j = rng.randrange(len(words))
            k = min(i, len(words) - 1)
            words[j], words[k] = words[k], words[j]
        elif words:
            k = min(i, len(words) - 1)
            words[k] = words[k] + rng.choice(_PUNCT)
    out = " ".join(words)
    if rng.random() < 0.2:
        out = rng.choice(_WRAPPERS).format(out)
    return out


def make_pairs(n: int, seed: int = 0, *, odd: float = 0.05) -> list[tuple[str, str]]:
    """``n`` (prediction, gold) pairs; ``odd`` is the share of special-character words."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        gold = _gold(rng, odd)
        pairs.append((_edit(rng, gold, odd), gold))
    return pairs
