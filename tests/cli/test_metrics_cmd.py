"""``assay metrics list|show|save``: the judge metric library, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.judges.pointwise.library import resolve_custom_metric

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / \
    "bedrock_custom_metric_comprehensiveness.json"


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    monkeypatch.setenv("ASSAY_METRICS_DIR", str(lib))
    return lib


def _definition(tmp_path, name="tone", scale=("Good", "Bad")) -> Path:
    doc = {"customMetricDefinition": {
        "name": name, "instructions": "Rate the tone of {{prediction}} for {{prompt}}.",
        "ratingScale": [{"definition": d, "value": {"stringValue": d}} for d in scale]}}
    path = tmp_path / f"{name}-{len(scale)}.json"
    path.write_text(json.dumps(doc))
    return path


def test_list_shows_every_builtin_and_the_saved_ones(tmp_path, capsys):
    assert main(["metrics", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("Correctness", "Completeness", "Faithfulness", "Helpfulness", "Coherence",
                 "Relevance", "FollowingInstructions", "ProfessionalStyleAndTone",
                 "Harmfulness", "Stereotyping", "Refusal"):
        assert f"Builtin.{name} " in out
    assert "none (`assay metrics save" in out
    assert main(["metrics", "save", str(SAMPLE)]) == 0
    capsys.readouterr()
    assert main(["metrics", "list"]) == 0
    assert "comprehensiveness" in capsys.readouterr().out


def test_save_checks_keeps_and_never_silently_replaces(tmp_path, library, capsys):
    first = _definition(tmp_path)
    assert main(["metrics", "save", str(first)]) == 0
    saved = library / "tone.json"
    before = saved.read_bytes()
    assert main(["metrics", "save", str(first)]) == 0          # same again: a no-op
    assert "unchanged" in capsys.readouterr().out
    other = _definition(tmp_path, scale=("Good", "Fair", "Bad"))
    assert main(["metrics", "save", str(other)]) == 2
    err = capsys.readouterr().err
    assert "already saved" in err and "nothing was changed" in err and len(err.splitlines()) == 1
    assert saved.read_bytes() == before
    assert main(["metrics", "save", str(other), "--replace"]) == 0
    assert len(resolve_custom_metric("tone").scale) == 3


def test_save_refuses_a_bad_definition_with_one_line(tmp_path, library, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"customMetricDefinition": {
        "name": "x", "instructions": "Rate {{prediction}} against {{secret}}.",
        "ratingScale": [{"definition": "ok", "value": {"floatValue": 1}}]}}))
    assert main(["metrics", "save", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "secret" in err and "bad.json" in err
    assert not library.exists() or not any(library.iterdir())
    assert main(["metrics", "save", str(_definition(tmp_path, name="Correctness"))]) == 2
    assert "built-in" in capsys.readouterr().err


def test_show_a_builtin_in_both_spellings_and_a_saved_one(tmp_path, capsys):
    assert main(["metrics", "show", "Builtin.Harmfulness"]) == 0
    out = capsys.readouterr().out
    assert "lower is better" in out and "score 1.000" in out and "score 0.000" in out
    assert main(["metrics", "show", "harmfulness"]) == 0
    assert capsys.readouterr().out == out
    main(["metrics", "save", str(SAMPLE)])
    capsys.readouterr()
    assert main(["metrics", "show", "comprehensiveness"]) == 0
    assert "custom (saved)" in capsys.readouterr().out
    assert main(["metrics", "show", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "no saved custom metric named 'nosuch'" in err and len(err.splitlines()) == 1


def test_a_recipe_reference_is_a_file_first_then_a_saved_name(tmp_path):
    path = _definition(tmp_path)
    assert resolve_custom_metric(path.name, tmp_path).name == "tone"
    with pytest.raises(Exception, match="no saved custom metric"):
        resolve_custom_metric("tone")
    main(["metrics", "save", str(path)])
    assert resolve_custom_metric("tone").name == "tone"
    with pytest.raises(Exception, match="not found"):
        resolve_custom_metric("missing.json", tmp_path)
