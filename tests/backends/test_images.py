"""Images reach backends that take them and are refused, before any model call, by those that
cannot: the OpenAI wire (``image_url`` content parts, text-only requests unchanged), gen_qa end
to end through the CLI against a fake OpenAI-compatible server on 127.0.0.1, and the refusal of
the text-only embedded model."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from assay.backends.base import ModelSpec, create_backend
from assay.backends.cache import cache_key
from assay.backends.images import accepts_images, require_image_support, text_messages
from assay.backends.openai_wire import image_url, wire_message, wire_messages
from assay.backends.types import GenerationSettings, InferenceRequest, Message
from assay.cli.app import main
from assay.errors import BackendUnavailable
from tests.conftest import write_jsonl, write_recipe

from .conftest import Reply, chat_payload

pytestmark = pytest.mark.timeout(60)

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n-one-").decode()
GIF = "data:image/gif;base64," + base64.b64encode(b"GIF89a-two-").decode()
#: as Nova's docs write it: ``Base64`` capitalised (servers compare ``base64`` exactly)
JPEG_DOC = "data:image/jpeg;Base64," + base64.b64encode(b"\xff\xd8\xff-three-").decode()
JPEG_SENT = JPEG_DOC.replace(";Base64,", ";base64,")


def _parts(text: str, *urls: str) -> list[dict]:
    return [{"type": "text", "text": text}] + [
        {"type": "image_url", "image_url": {"url": u}} for u in urls]


# -- the wire format -------------------------------------------------------------------------
def test_text_only_messages_are_unchanged_on_the_wire_and_in_cache_keys():
    msgs = (Message("system", "Be brief."), Message("user", "Hi?"))
    assert wire_messages(msgs) == [{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": "Hi?"}]
    assert wire_messages(msgs) == [m.to_dict() for m in msgs]   # what was sent before
    s = GenerationSettings()
    with_img = InferenceRequest((Message("user", "Hi?", (PNG,)),), s)
    assert cache_key({"m": 1}, InferenceRequest((Message("user", "Hi?"),), s)) != \
        cache_key({"m": 1}, with_img)   # an image is part of what was asked


def test_images_become_image_url_parts_after_the_text():
    m = Message("user", "What is shown?", (PNG, JPEG_DOC))
    assert wire_message(m) == {"role": "user", "content": _parts("What is shown?", PNG, JPEG_SENT)}
    assert wire_message(Message("user", "", (GIF,)))["content"] == [
        {"type": "image_url", "image_url": {"url": GIF}}]
    # only the header is normalised: the payload is byte-identical
    assert image_url("data:IMAGE/PNG;BASE64,AbC=") == "data:image/png;base64,AbC="


def test_openai_backend_posts_image_parts(scripted_server):
    srv = scripted_server.script(Reply(200, chat_payload("a cat")))
    b = create_backend(ModelSpec.parse("openai/vis", {"base_url": srv.base_url, "timeout": 5}))
    assert accepts_images(b)
    req = InferenceRequest((Message("system", "Look."), Message("user", "What?", (PNG, GIF))),
                           GenerationSettings(max_new_tokens=5))

    async def go():
        try:
            return await b.generate(req)
        finally:
            await b.aclose()
    assert asyncio.run(go()).text == "a cat"
    sent = srv.posts()[0]["json"]
    assert sent["messages"] == [{"role": "system", "content": "Look."},
                                {"role": "user", "content": _parts("What?", PNG, GIF)}]


# -- capability and refusal ------------------------------------------------------------------
class _TextOnly:
    name = "text/only"


def test_capability_flags_and_refusal_message():
    assert accepts_images(create_backend(ModelSpec.parse("mock/echo")))
    assert accepts_images(create_backend(ModelSpec.parse("byoi")))
    assert not accepts_images(_TextOnly())
    require_image_support(_TextOnly(), "d.jsonl", 0)          # no images: nothing to refuse
    require_image_support(create_backend(ModelSpec.parse("mock/echo")), "d.jsonl", 3)
    with pytest.raises(BackendUnavailable) as ei:
        require_image_support(_TextOnly(), "d.jsonl", 3)
    msg = str(ei.value)
    assert "\n" not in msg and ei.value.exit_code == 2
    assert "text/only cannot take images (dataset d.jsonl has 'images' on 3 rows)" in msg
    assert "openai/" in msg and "bedrock/" in msg
    # the text-only serialiser (local/) never drops an image silently
    assert text_messages([Message("user", "x")], "local/m") == [{"role": "user", "content": "x"}]
    with pytest.raises(BackendUnavailable, match="local/m cannot take images"):
        text_messages([Message("user", "x", (PNG,))], "local/m")


# -- gen_qa end to end -----------------------------------------------------------------------
def _image_rows(tmp_path):
    return write_jsonl(tmp_path / "gen_qa.jsonl", [
        {"system": "Describe.", "query": "What animal?", "response": "a cat",
         "images": [{"data": PNG}, {"data": JPEG_DOC}]},
        {"query": "2+2?", "response": "4"},
        {"query": "Colour?", "response": "red", "images": [{"data": GIF}]},
    ])


def test_gen_qa_sends_images_to_an_openai_compatible_server(tmp_path, scripted_server, capsys):
    srv = scripted_server.script(Reply(200, chat_payload("a cat")))
    out = tmp_path / "out"
    rc = main(["run", str(write_recipe(tmp_path / "r.yaml")), "--data", str(_image_rows(tmp_path)),
               "-m", "openai/vis", "-M", f"base_url={srv.base_url}", "-M", "concurrency=1",
               "--output-dir", str(out), "--quiet", "--no-cache"])
    assert rc == 0, capsys.readouterr().err
    by_query = {}
    for p in srv.posts():
        user = p["json"]["messages"][-1]
        text = user["content"] if isinstance(user["content"], str) else user["content"][0]["text"]
        by_query[text] = p["json"]["messages"]
    assert len(by_query) == 3
    assert by_query["What animal?"] == [
        {"role": "system", "content": "Describe."},
        {"role": "user", "content": _parts("What animal?", PNG, JPEG_SENT)}]
    assert by_query["2+2?"] == [{"role": "user", "content": "2+2?"}]   # plain string, as before
    assert by_query["Colour?"] == [{"role": "user", "content": _parts("Colour?", GIF)}]
    run = out / "t"
    recs = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    assert [r["images"] for r in recs] == [2, 0, 1]
    assert recs[0]["messages"] == [{"role": "system", "content": "Describe."},
                                   {"role": "user", "content": "What animal?"}]
    # no image payload is copied into any output: records, Nova files, report
    payload = PNG.split(",", 1)[1].encode()
    for f in run.rglob("*"):
        if f.is_file():
            assert payload not in f.read_bytes(), f
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "[2 images]" in html and "[1 image]" in html


def test_local_model_refuses_an_image_dataset_before_any_call(tmp_path, smollm2_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(write_recipe(tmp_path / "r.yaml")), "--data", str(_image_rows(tmp_path)),
               "-m", "local/smollm2", "--output-dir", str(out), "--quiet"])
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert rc == 2
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert "local/smollm2 cannot take images (dataset " in err[0]
    assert "gen_qa.jsonl has 'images' on 2 rows); use an image-capable backend: openai/" in err[0]
    assert not (out / "t" / "units").exists() and not list(out.rglob("*.jsonl"))  # no call made


def test_generate_carries_the_images_into_the_judge_file(tmp_path, capsys):
    """``assay generate`` over an image dataset writes an mm_llm_judge-ready file."""
    out = tmp_path / "pairs.jsonl"
    rc = main(["generate", "--data", str(_image_rows(tmp_path)), "-m", "mock/echo", "-m",
               "mock/oracle", "--out", str(out), "--output-dir", str(tmp_path / "runs"),
               "--progress", "none", "--max-new-tokens", "8"])
    assert rc == 0, capsys.readouterr().err
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r.get("images") for r in rows] == [[{"data": PNG}, {"data": JPEG_DOC}], None,
                                               [{"data": GIF}]]
    assert rows[1] == {"prompt": "2+2?", "response_A": "2+2?", "response_B": "4"}
