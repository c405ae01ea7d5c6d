"""``meteor``: nltk's METEOR with WordNet 3.0 from the machine (never downloaded).

Per example: ``nltk.translate.meteor_score.meteor_score([reference_tokens],
hypothesis_tokens, preprocess=str.lower, stemmer=PorterStemmer(), wordnet=<WordNet 3.0>,
alpha, beta, gamma)``: exact, Porter-stem and WordNet-synonym alignment, then
``Fmean = P R / (alpha P + (1 - alpha) R)`` times ``1 - gamma (chunks / matches)^beta``;
0 when nothing matches. The corpus value is the mean, with ``std(ddof=1)/sqrt(n)``.

Tokens (nltk's ``meteor_score`` takes token lists):

* ``tokenizer="nltk"`` (default): nltk's ``NLTKWordTokenizer`` (improved Treebank
  rules) over the whole text, i.e. ``nltk.word_tokenize(text, preserve_line=True)``.
  Hugging Face ``evaluate``'s ``meteor`` uses ``word_tokenize`` *with* Punkt sentence
  splitting first, which needs the downloadable ``punkt_tab`` model; the two differ only
  in a period that ends a sentence inside the text (``"cat. The"``), which Punkt splits
  off and this keeps on the word. With one-sentence texts they are the same.
* ``tokenizer="whitespace"``: ``str.split()``.

WordNet: see :mod:`assay.scorers.wordnet` (``apt-get install wordnet-base
wordnet-sense-index``; ``wordnet_dir`` or ``$ASSAY_WORDNET_DIR`` to point elsewhere).
nltk itself is needed (``pip install 'assay[nltk]'``); both are checked when the
scorer is made, WordNet is loaded (about 3 s, once per process) at the first score.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from assay.errors import ConfigError, MissingDependency
from assay.scorers.base import BaseScorer, ExampleScores
from assay.scorers.registry import register_scorer
from assay.scorers.wordnet import find_wordnet_dir, load_wordnet

__all__ = ["TOKENIZERS", "MeteorScorer", "meteor"]

TOKENIZERS = ("nltk", "whitespace")


def _nltk_tokenizer() -> Callable[[str], list[str]]:
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer().tokenize


class MeteorScorer(BaseScorer):
    """METEOR per example (nltk), averaged over examples."""

    metric = "meteor"

    def __init__(self, *, alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5,
                 tokenizer: str = "nltk", wordnet_dir: str | os.PathLike[str] | None = None) -> None:
        if tokenizer not in TOKENIZERS:
            raise ConfigError(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {tokenizer!r}",
                              field="tokenizer")
        for key, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{key} must be a number >= 0, got {value!r}", field=key)
        if not 0 <= alpha <= 1:
            raise ConfigError(f"alpha must be in [0, 1], got {alpha!r}", field="alpha")
        try:
            from nltk.stem.porter import PorterStemmer
            from nltk.translate.meteor_score import meteor_score
        except ImportError:
            raise MissingDependency("nltk", "nltk", "the meteor scorer") from None
        find_wordnet_dir(wordnet_dir)  # fail now, with the install hint, not at the first example
        self.alpha, self.beta, self.gamma = float(alpha), float(beta), float(gamma)
        self.tokenizer = tokenizer
        self.wordnet_dir = wordnet_dir
        self._meteor = meteor_score
        self._stemmer = PorterStemmer()
        self._tokenize: Callable[[str], list[str]] = (
            _nltk_tokenizer() if tokenizer == "nltk" else str.split)
        self._wordnet: Any = None
        self._lock = threading.Lock()

    @property
    def wordnet(self) -> Any:
        """The WordNet reader (loaded at first use)."""
        if self._wordnet is None:
            with self._lock:
                if self._wordnet is None:
                    self._wordnet = load_wordnet(self.wordnet_dir)
        return self._wordnet

    def tokens(self, text: str) -> list[str]:
        """The tokens METEOR aligns (before its lowercasing)."""
        return self._tokenize(text)

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> ExampleScores:
        value = self._meteor([self._tokenize(ground_truth)], self._tokenize(prediction),
                             preprocess=str.lower, stemmer=self._stemmer, wordnet=self.wordnet,
                             alpha=self.alpha, beta=self.beta, gamma=self.gamma)
        return ExampleScores({"meteor": float(value)})

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_meteor", "_stemmer", "_tokenize", "_wordnet", "_lock"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        from nltk.stem.porter import PorterStemmer
        from nltk.translate.meteor_score import meteor_score

        self._meteor = meteor_score
        self._stemmer = PorterStemmer()
        self._tokenize = _nltk_tokenizer() if self.tokenizer == "nltk" else str.split
        self._wordnet = None
        self._lock = threading.Lock()


@register_scorer("meteor")
def meteor(*, alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5, tokenizer: str = "nltk",
           wordnet_dir: str | None = None) -> MeteorScorer:
    """METEOR (nltk ``meteor_score``, WordNet 3.0 from the system); mean over examples."""
    return MeteorScorer(alpha=alpha, beta=beta, gamma=gamma, tokenizer=tokenizer,
                        wordnet_dir=wordnet_dir)
