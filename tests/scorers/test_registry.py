"""Registry: names and parameters recorded, did-you-mean errors, entry points."""

from __future__ import annotations

import pickle
from importlib import metadata

import pytest

from assay.errors import ConfigError
from assay.scorers import (
    BaseScorer,
    ExampleScorer,
    ExampleScores,
    Scorer,
    ScorerSpec,
    create_scorer,
    describe_scorer,
    list_scorers,
    register_scorer,
    registry,
    scorer_from_spec,
)

PRESETS = ["accuracy", "bertscore", "bleu", "f1", "json_schema", "meteor", "precision", "recall",
           "rouge"]


@pytest.fixture
def clean_registry(monkeypatch):
    """Registrations made by a test do not leak into the others."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry._load_builtins()
    monkeypatch.setattr(registry, "_ENTRY_POINTS", None)
    yield
    registry._refresh_entry_points()


def test_builtin_presets_listed() -> None:
    assert set(PRESETS) <= set(list_scorers())


def test_spec_records_name_and_all_params_with_defaults() -> None:
    s = create_scorer("f1", average="weighted", labels=("cat", "dog"))
    assert s.spec.name == "f1"
    assert s.spec.params["average"] == "weighted"
    assert s.spec.params["casefold"] is False  # a default, recorded too
    assert s.spec.to_dict() == {"name": "f1", "params": {
        "average": "weighted", "pos_label": None, "labels": ["cat", "dog"], "label_field": None,
        "casefold": False, "label_match": "first", "per_class": True, "n_resamples": 1000,
        "seed": 0}}
    again = scorer_from_spec(s.spec.to_dict())
    assert again.spec == s.spec
    assert scorer_from_spec(s.spec).spec == s.spec


def test_direct_construction_records_spec_too() -> None:
    from assay.scorers.bleu import bleu

    s = bleu(max_order=2)
    assert s.spec == ScorerSpec("bleu", {"max_order": 2, "smooth": "exp", "smooth_value": None,
                                         "lowercase": False, "tokenize": "13a",
                                         "effective_order": False, "n_resamples": 1000,
                                         "seed": 0})


@pytest.mark.parametrize(("name", "params", "message"), [
    ("f2", {}, "unknown scorer 'f2'; did you mean 'f1'?"),
    ("Rouge", {}, "did you mean 'rouge'?"),
    ("f1", {"averge": "macro"}, "scorer 'f1' has no parameter 'averge'; did you mean 'average'?"),
    ("bleu", {"max_ordr": 2}, "did you mean 'max_order'?"),
    ("f1", {"average": "mean"}, "average must be one of micro, macro, weighted, binary"),
    ("f1", {"average": "binary"}, "needs pos_label"),
    ("json_schema", {}, "missing a required argument: 'schema'"),
    ("rouge", {"rouge_types": ["rougeX"]}, "unknown rouge type 'rougeX'"),
    ("bleu", {"smooth": "add_k"}, "smooth must be one of none, floor, add-k, exp"),
    ("bleu", {"max_order": 0}, "max_order must be an integer from 1 to 10"),
    ("accuracy", {"average": "macro"}, "has no parameter 'average'"),
    ("accuracy", {"label_match": "last"}, "label_match must be one of first, only"),
])
def test_config_errors(name: str, params: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        create_scorer(name, **params)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_error_field_names_scorer_and_parameter() -> None:
    with pytest.raises(ConfigError) as info:
        create_scorer("f1", average="mean")
    assert info.value.field == "f1.average"


def test_register_class_and_function(clean_registry) -> None:
    @register_scorer("length_diff")
    class LengthDiff(BaseScorer):
        metric = "length_diff"

        def __init__(self, scale: float = 1.0) -> None:
            self.scale = scale

        def score_one(self, prediction, ground_truth, metadata=None):
            return ExampleScores({"length_diff": self.scale * (len(prediction) - len(ground_truth))})

    s = create_scorer("length_diff", scale=2.0)
    assert s.spec == ScorerSpec("length_diff", {"scale": 2.0})
    assert LengthDiff().spec == ScorerSpec("length_diff", {"scale": 1.0})
    assert isinstance(s, Scorer) and isinstance(s, ExampleScorer)
    out = s.score(["abc", "a"], ["a", "a"])
    assert out["length_diff"] == 2.0 and out["n"] == 2.0
    assert out["length_diff_stderr"] == pytest.approx(2.0)  # std([4, 0], ddof=1) / sqrt(2)

    @register_scorer("constant")
    def constant(*, value: float = 1.0):
        class Constant:
            def score_one(self, prediction, ground_truth, metadata=None):
                return {"constant": value}
        return Constant()

    c = create_scorer("constant", value=3.0)
    assert c.spec == ScorerSpec("constant", {"value": 3.0})
    assert describe_scorer("constant")["params"] == {"value": 1.0}
    with pytest.raises(ValueError, match="already registered"):
        register_scorer("constant")(lambda: None)


def test_subclass_of_registered_class_gets_its_own_spec(clean_registry) -> None:
    @register_scorer("base_one")
    class One(BaseScorer):
        def __init__(self, k: int = 1) -> None:
            self.k = k

        def score_one(self, prediction, ground_truth, metadata=None):
            return ExampleScores({"one": float(self.k)})

    @register_scorer("derived_one")
    class Two(One):
        def __init__(self, k: int = 2, extra: str = "x") -> None:
            super().__init__(k)
            self.extra = extra

    assert Two().spec == ScorerSpec("derived_one", {"k": 2, "extra": "x"})
    assert One().spec == ScorerSpec("base_one", {"k": 1})


def test_entry_points(clean_registry, monkeypatch) -> None:
    eps = [
        metadata.EntryPoint(name="shouty", value="tests.scorers.plugin_example:Shouty",
                            group=registry.ENTRY_POINT_GROUP),
        metadata.EntryPoint(name="length_ratio", value="tests.scorers.plugin_example:length_ratio",
                            group=registry.ENTRY_POINT_GROUP),
        metadata.EntryPoint(name="broken", value="tests.scorers.no_such_module:x",
                            group=registry.ENTRY_POINT_GROUP),
        metadata.EntryPoint(name="bleu", value="tests.scorers.plugin_example:Shouty",
                            group=registry.ENTRY_POINT_GROUP),
    ]

    def fake_entry_points(*, group):
        return [ep for ep in eps if ep.group == group]

    monkeypatch.setattr(registry.metadata, "entry_points", fake_entry_points)
    registry._refresh_entry_points()
    assert {"shouty", "length_ratio", "broken"} <= set(list_scorers())
    s = create_scorer("shouty", threshold=0.2)
    assert s.spec == ScorerSpec("shouty", {"threshold": 0.2})
    assert s.score_one("HELLO there", "")["shouty"] == 1.0
    r = create_scorer("length_ratio")
    assert r.spec == ScorerSpec("length_ratio", {"cap": 2.0})
    assert r.score(["abcd"], ["ab"]) == {"length_ratio": 2.0}
    with pytest.raises(ConfigError, match="has no parameter 'capp'; did you mean 'cap'"):
        create_scorer("length_ratio", capp=1)
    with pytest.raises(ConfigError, match="'broken' .* failed to load"):
        create_scorer("broken")
    # A built-in name wins over an entry point of the same name.
    assert type(create_scorer("bleu")).__name__ == "BleuScorer"


def test_scorers_pickle_with_their_spec() -> None:
    for s in (create_scorer("accuracy"), create_scorer("bleu", smooth="floor"),
              create_scorer("rouge", rouge_types=["rouge1"]),
              create_scorer("json_schema", schema={"type": "object"})):
        back = pickle.loads(pickle.dumps(s))
        assert back.spec == s.spec
        assert back.score(["a b"], ["a b"]) == s.score(["a b"], ["a b"])


def test_example_scores_is_a_dict_with_details() -> None:
    e = ExampleScores({"x": 1.0}, details={"label": "cat"})
    assert e == {"x": 1.0} and isinstance(e, dict)
    back = pickle.loads(pickle.dumps(e))
    assert back == e and back.details == {"label": "cat"}


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        create_scorer("rouge").score(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="metadata"):
        create_scorer("rouge").score(["a"], ["a"], [None, None])


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, assay.scorers as s; s.list_scorers(); s.create_scorer('f1');"
            "s.create_scorer('bleu'); s.create_scorer('rouge');"
            "heavy = [m for m in ('torch', 'transformers', 'nltk', 'jsonschema', 'sklearn')"
            " if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
