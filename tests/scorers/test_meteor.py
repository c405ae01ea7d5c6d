"""``meteor`` equals nltk's ``meteor_score`` with WordNet 3.0 from the system packages."""

from __future__ import annotations

import math

import pytest

from assay.errors import MissingDependency
from assay.scorers import create_scorer
from assay.scorers.wordnet import INSTALL_HINT, WordNetMissing, find_wordnet_dir
from tests.metrics.realistic_pairs import make_pairs

pytest.importorskip("nltk")
from nltk.stem.porter import PorterStemmer  # noqa: E402
from nltk.tokenize import word_tokenize  # noqa: E402
from nltk.translate.meteor_score import meteor_score  # noqa: E402


def _wordnet_installed() -> bool:
    try:
        find_wordnet_dir()
    except WordNetMissing:
        return False
    return True


needs_wordnet = pytest.mark.skipif(
    not _wordnet_installed(), reason=f"WordNet 3.0 is not installed ({INSTALL_HINT})")

# nltk's own doctest (nltk/translate/meteor_score.py and the METEOR howto):
# round(meteor_score([reference1], hypothesis1), 4) == 0.6944 with nltk's WordNet 3.0.
HYPOTHESIS1 = ("It is a guide to action which ensures that the military always obeys the "
               "commands of the party")
REFERENCE1 = ("It is a guide to action that ensures that the military will forever heed "
              "Party commands")

GOLDEN = [
    ("nltk_doctest", HYPOTHESIS1, REFERENCE1),
    ("no_match", "non matching hypothesis", "this is a cat"),
    ("identical", "The cat sat on the mat.", "The cat sat on the mat."),
    ("synonyms", "The feline rested on the rug.", "The cat sat on the mat."),
    ("stems", "The dogs were running quickly", "The dog runs quick"),
    ("wordnet_only", "He bought a car", "He purchased an automobile"),
    ("order", "mat the on sat cat the", "the cat sat on the mat"),
    ("empty_prediction", "", "something"),
    ("empty_gold", "something", ""),
    ("punctuation", "Hello, world! It's 3.5 o'clock.", "hello world its 3.5 oclock"),
]


@pytest.fixture(scope="module")
def scorer():
    if not _wordnet_installed():
        pytest.skip(f"WordNet 3.0 is not installed ({INSTALL_HINT})")
    return create_scorer("meteor")


@needs_wordnet
def test_nltk_doctest_value(scorer) -> None:
    assert round(scorer.score_one(HYPOTHESIS1, REFERENCE1)["meteor"], 4) == 0.6944


@needs_wordnet
@pytest.mark.parametrize(("name", "pred", "gold"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_equals_nltk_meteor_score(scorer, name: str, pred: str, gold: str) -> None:
    expected = meteor_score([word_tokenize(gold, preserve_line=True)],
                            word_tokenize(pred, preserve_line=True), wordnet=scorer.wordnet)
    assert scorer.score_one(pred, gold)["meteor"] == expected


@needs_wordnet
def test_wordnet_matters(scorer) -> None:
    # "car" and "auto" match only as WordNet synonyms (car.n.01). nltk matches synonyms
    # after stemming the unmatched words, so "automobile" ("automobil") would not.
    with_wn = scorer.score_one("He drove a car", "He drove an auto")["meteor"]
    exact_only = meteor_score([["He", "drove", "an", "auto"]], ["He", "drove", "a", "car"],
                              wordnet=_EmptyWordNet())
    assert with_wn > exact_only


class _EmptyWordNet:
    def synsets(self, word):
        return []


@needs_wordnet
def test_realistic_pairs_and_parameters(scorer) -> None:
    pairs = make_pairs(60, seed=2)
    custom = create_scorer("meteor", alpha=0.8, beta=2.0, gamma=0.3, tokenizer="whitespace")
    for p, g in pairs:
        assert scorer.score_one(p, g)["meteor"] == meteor_score(
            [word_tokenize(g, preserve_line=True)], word_tokenize(p, preserve_line=True),
            wordnet=scorer.wordnet)
        assert custom.score_one(p, g)["meteor"] == meteor_score(
            [g.split()], p.split(), preprocess=str.lower, stemmer=PorterStemmer(),
            wordnet=scorer.wordnet, alpha=0.8, beta=2.0, gamma=0.3)
    out = scorer.score([p for p, _ in pairs], [g for _, g in pairs])
    vals = [scorer.score_one(p, g)["meteor"] for p, g in pairs]
    assert out["meteor"] == pytest.approx(sum(vals) / len(vals))
    assert out["meteor_stderr"] > 0 and out["n"] == 60


def test_missing_wordnet_fails_with_install_hint(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ASSAY_WORDNET_DIR", str(tmp_path))
    with pytest.raises(MissingDependency) as info:
        create_scorer("meteor")
    message = str(info.value)
    assert "apt-get install wordnet-base wordnet-sense-index" in message
    assert str(tmp_path) in message and "index.noun" in message
    with pytest.raises(WordNetMissing):
        create_scorer("meteor", wordnet_dir=str(tmp_path / "nowhere"))


def test_no_wordnet_anywhere_fails_with_install_hint(monkeypatch) -> None:
    import nltk.data

    from assay.scorers import wordnet

    monkeypatch.delenv("ASSAY_WORDNET_DIR", raising=False)
    monkeypatch.delenv("WNSEARCHDIR", raising=False)
    monkeypatch.delenv("WNHOME", raising=False)
    monkeypatch.setattr(wordnet, "SYSTEM_DIRS", ("/nonexistent/wordnet",))

    def not_found(resource, *args, **kwargs):
        raise LookupError(resource)

    monkeypatch.setattr(nltk.data, "find", not_found)
    with pytest.raises(MissingDependency, match="apt-get install wordnet-base wordnet-sense-index"):
        create_scorer("meteor")


def test_lexnames_is_the_documented_table() -> None:
    from assay.scorers.wordnet import LEXNAMES

    lines = LEXNAMES.read_text(encoding="ascii").splitlines()
    assert len(lines) == 45
    rows = [line.split("\t") for line in lines]
    assert [int(r[0]) for r in rows] == list(range(45))
    assert rows[0] == ["00", "adj.all", "3"] and rows[3] == ["03", "noun.Tops", "1"]
    assert rows[29] == ["29", "verb.body", "2"] and rows[44] == ["44", "adj.ppl", "3"]
    cat = {"noun": "1", "verb": "2", "adj": "3", "adv": "4"}
    assert all(r[2] == cat[r[1].split(".")[0]] for r in rows)


@needs_wordnet
def test_reader_is_wordnet_30(scorer) -> None:
    wn = scorer.wordnet
    assert wn.get_version() == "3.0"
    assert wn.synset("dog.n.01").lexname() == "noun.animal"
    assert wn.lemma("dog.n.01.dog").count() == 42  # from cntlist.rev (wordnet-sense-index)
    assert math.isclose(wn.path_similarity(wn.synset("dog.n.01"), wn.synset("cat.n.01")), 0.2)


def test_missing_nltk_is_a_missing_dependency(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "nltk.translate.meteor_score", None)
    with pytest.raises(MissingDependency, match=r"pip install 'assay\[nltk\]'"):
        create_scorer("meteor")
