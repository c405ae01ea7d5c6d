"""mm_llm_judge: the pairwise judge also sees each row's images (every pass, as ``image_url``
parts to an OpenAI-compatible judge on 127.0.0.1); a text-only judge is refused before any
call; llm_judge on the same file leaves the images out and says so."""

from __future__ import annotations

import base64
import json

import pytest

from assay.backends import Completion, register_backend
from assay.cli.app import main
from tests.conftest import write_jsonl

from ..backends.conftest import Reply, ScriptedServer, chat_payload

pytestmark = pytest.mark.timeout(60)

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n-judge-").decode()
JPEG_DOC = "data:image/jpeg;Base64," + base64.b64encode(b"\xff\xd8\xff-judge-").decode()
JPEG_SENT = JPEG_DOC.replace(";Base64,", ";base64,")

CALLS: list = []


class _TextJudge:
    """A text-only judge (no ``supports_images``) that answers a tie and records its calls."""

    cacheable = False
    max_concurrency = 4

    def __init__(self, model: str) -> None:
        self.name = f"textjudge/{model}"

    def identity(self):
        return {"textjudge": 1}

    async def generate(self, request):
        CALLS.append(request)
        return Completion(text="[[A=B]]")

    async def aclose(self):
        return None


register_backend("textjudge")(lambda spec: _TextJudge(spec.model))


def _data(tmp_path):
    return write_jsonl(tmp_path / "mm_llm_judge.jsonl", [
        {"prompt": "Describe the picture.", "response_A": "a dog", "response_B": "a cat",
         "images": [{"data": PNG}, {"data": JPEG_DOC}]},
        {"prompt": "2+2?", "response_A": "4", "response_B": "5"},
        {"prompt": "Colour?", "response_A": "red", "response_B": "blue",
         "images": [{"data": JPEG_DOC}]},
    ])


def _recipe(tmp_path, task: str):
    r = tmp_path / "r.yaml"
    r.write_text(f"run:\n  name: j\nevaluation:\n  task: {task}\n  strategy: judge\n"
                 "  metric: all\ninference:\n  max_new_tokens: 16\n", encoding="utf-8")
    return r


def _parts(text: str, *urls: str) -> list[dict]:
    return [{"type": "text", "text": text}] + [
        {"type": "image_url", "image_url": {"url": u}} for u in urls]


def test_mm_llm_judge_shows_the_images_to_an_openai_judge(tmp_path, capsys):
    srv = ScriptedServer().start()
    try:
        srv.script(Reply(200, chat_payload("Both are equally good. [[A=B]]")))
        out = tmp_path / "out"
        rc = main(["run", str(_recipe(tmp_path, "mm_llm_judge")), "--data", str(_data(tmp_path)),
                   "--judge", "openai/vis", "-J", f"base_url={srv.base_url}",
                   "--output-dir", str(out), "--quiet", "--no-cache"])
        assert rc == 0, capsys.readouterr().err
        posts = [p["json"] for p in srv.posts()]
    finally:
        srv.stop()
    assert len(posts) == 6   # three pairs, forward and backward
    seen: dict[str, list] = {}
    for body in posts:
        system, user = body["messages"]
        assert isinstance(system["content"], str)   # the judge's instructions stay text
        text = user["content"] if isinstance(user["content"], str) else user["content"][0]["text"]
        prompt = text.split("[User prompt]\n", 1)[1].split("\n", 1)[0]
        seen.setdefault(prompt, []).append(user["content"])
    assert sorted(seen) == ["2+2?", "Colour?", "Describe the picture."]
    for content in seen["Describe the picture."]:          # both passes carry both images
        assert content[1:] == _parts("", PNG, JPEG_SENT)[1:] and content[0]["type"] == "text"
    for content in seen["Colour?"]:
        assert content[1:] == [{"type": "image_url", "image_url": {"url": JPEG_SENT}}]
    assert all(isinstance(c, str) for c in seen["2+2?"])     # text-only row: plain string

    run = out / "j"
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    assert [r.get("images") for r in recs] == [2, None, 1]
    assert [r["outcome"] for r in recs] == ["tie", "tie", "tie"]
    (results,) = (run / "eval_results").glob("results_*.json")
    doc = json.loads(results.read_text())
    res = doc["results"]["custom|mm_llm_judge_judge|0"]
    assert (res["ties"], res["a_scores"], res["b_scores"]) == (3.0, 0.0, 0.0)
    assert json.loads((run / "metrics.json").read_text())["task"] == "mm_llm_judge"
    payload = PNG.split(",", 1)[1].encode()
    for f in run.rglob("*"):
        if f.is_file():
            assert payload not in f.read_bytes(), f
    assert "[2 images]" in (run / "report.html").read_text(encoding="utf-8")


def test_a_text_only_judge_is_refused_before_any_call(tmp_path, capsys):
    CALLS.clear()
    rc = main(["run", str(_recipe(tmp_path, "mm_llm_judge")), "--data", str(_data(tmp_path)),
               "--judge", "textjudge/x", "--output-dir", str(tmp_path / "out"), "--quiet"])
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: "), err
    assert "textjudge/x cannot take images (dataset " in err[0]
    assert "mm_llm_judge.jsonl has 'images' on 2 rows); use an image-capable backend" in err[0]
    assert CALLS == []


def test_llm_judge_leaves_images_out_and_says_so(tmp_path, capsys):
    CALLS.clear()
    rc = main(["run", str(_recipe(tmp_path, "llm_judge")), "--data", str(_data(tmp_path)),
               "--judge", "textjudge/x", "--output-dir", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "llm_judge judges text only: the images on 2 row(s)" in err
    assert "mm_llm_judge shows them" in err
    assert len(CALLS) == 6 and all(not m.images for r in CALLS for m in r.messages)


def test_tournament_pairs_keep_the_row_images(tmp_path):
    from assay.tasks.pairwise_judge.tournament import expand_pairs

    data = write_jsonl(tmp_path / "t.jsonl", [
        {"prompt": "p", "responses": {"x": "1", "y": "2", "z": "3"}, "images": [{"data": PNG}]},
        {"prompt": "q", "responses": {"x": "1", "y": "2", "z": "3"}}])
    expand_pairs(data, tmp_path / "pairs.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert [r.get("images") for r in rows] == [[{"data": PNG}]] * 3 + [None] * 3


def test_mm_llm_judge_without_images_judges_text_and_says_so(tmp_path, capsys):
    CALLS.clear()
    data = write_jsonl(tmp_path / "t.jsonl", [{"prompt": "2+2?", "response_A": "4",
                                               "response_B": "5"}])
    rc = main(["run", str(_recipe(tmp_path, "mm_llm_judge")), "--data", str(data),
               "--judge", "textjudge/x", "--output-dir", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "has images: mm_llm_judge judges the pairs on their text" in err
    assert len(CALLS) == 2
