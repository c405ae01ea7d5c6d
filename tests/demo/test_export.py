"""`assay demo --export DIR`: the demo's one copy, copied out to run as a user's own recipe."""

from __future__ import annotations

import json

from assay.cli.app import main
from assay.demo import DEMO_DIR, DEMO_FILES


def test_export_copies_the_packaged_files_byte_for_byte(tmp_path, capsys):
    dest = tmp_path / "mine"
    assert main(["demo", "--export", str(dest)]) == 0
    for name in DEMO_FILES:
        assert (dest / name).read_bytes() == (DEMO_DIR / name).read_bytes()
    assert f"assay run {dest / 'recipe.yaml'}" in capsys.readouterr().out


def test_export_refuses_a_folder_with_anything_in_it(tmp_path, capsys):
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    assert main(["demo", "--export", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "nothing was written" in err
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    assert (dest / "notes.txt").read_text() == "keep me"


def test_exported_recipe_runs_as_a_users_own(tmp_path):
    dest = tmp_path / "mine"
    main(["demo", "--export", str(dest)])
    code = main(["run", str(dest / "recipe.yaml"), "-m", "mock/oracle", "--limit", "6",
                 "--output-dir", str(tmp_path / "runs"), "--progress", "none"])
    assert code == 0
    metrics = json.loads((tmp_path / "runs" / "support-ticket-demo" / "metrics.json").read_text())
    assert metrics["n_examples"] == 6 and metrics["n_errors"] == 0
    assert metrics["flat"]["class_accuracy"] == 1.0     # the oracle answers the gold JSON


def test_no_second_copy_of_the_demo_data_in_the_repository():
    # a copy is a demo file's content under examples/ (other examples may reuse its names,
    # e.g. examples/rag/recipe.yaml)
    repo = DEMO_DIR.parents[2]
    demo = {(DEMO_DIR / name).read_bytes() for name in DEMO_FILES}
    copies = [p for p in repo.glob("examples/**/*")
              if p.is_file() and p.name in DEMO_FILES and p.read_bytes() in demo]
    assert copies == []
