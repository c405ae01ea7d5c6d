"""Issue 17 acceptance: a gen_qa recipe run end to end through the command line on
``bedrock/<model id>``, against a fake Converse endpoint on 127.0.0.1 with fake AWS
credentials. One dataset row carries an image: the fake must receive it as a Converse image
block (format and decoded bytes), and it answers that row right only when it did. Every file
of the run directory, the response cache and the captured output are searched for the
credentials."""

from __future__ import annotations

import base64
import glob
import json
import subprocess
from pathlib import Path

import pytest

from tests.backends.fake_converse import FakeConverse, FakeError, Seen
from tests.conftest import ASSAY, env_for_subprocess

pytest.importorskip("boto3")
pytestmark = pytest.mark.timeout(90)

MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0"
ACCESS_KEY = "AKIAACCEPTANCE0FAKE9"
SECRET_KEY = "aCcEpTaNcE/fake+SECRET0123456789abcdefXY"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")   # a 1x1 red PNG

RECIPE = """\
run:
  name: bedrock-gen-qa
evaluation:
  task: gen_qa
  strategy: gen_qa
  metric: all
inference:
  max_new_tokens: 32
  temperature: 0
assay:
  max_failure_share: 0.5
"""

ROWS = [
    {"system": "Answer with one word.", "query": "Capital of France?", "response": "Paris"},
    {"query": "What colour is this image?", "response": "red",
     "images": [{"data": "data:image/png;Base64," + base64.b64encode(PNG).decode()}]},
    {"query": "What is 2+2?", "response": "4"},
    {"query": "Forbidden question", "response": "x"},
]


def fake_answer(seen: Seen) -> str | FakeError:
    q = seen.last_user_text()
    if "France" in q:
        return "Paris"
    if "colour" in q:   # right only when the image arrived as one png block with its bytes
        return "red" if seen.images == [("png", PNG)] else f"saw {len(seen.images)} images"
    if "2+2" in q:
        return "5"
    # an AWS error whose text echoes the credentials: the record must not keep them
    return FakeError("AccessDeniedException", 403,
                     f"key {ACCESS_KEY} secret {SECRET_KEY} is not authorized")


def _env(tmp: Path) -> dict:
    env = env_for_subprocess()
    for var in list(env):
        if var.startswith("AWS_"):
            del env[var]
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_REGION="us-west-2", AWS_CONFIG_FILE=str(tmp / "no-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
               AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1,localhost",
               ASSAY_CACHE_DIR=str(tmp / "cache"))
    return env


def test_gen_qa_on_bedrock_through_fake_converse(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE)
    data = tmp_path / "gen_qa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    out = tmp_path / "runs"
    with FakeConverse(fake_answer) as fake:
        proc = subprocess.run(
            [*ASSAY, "run", str(recipe), "--data", str(data), "-m", f"bedrock/{MODEL}",
             "-M", f"endpoint_url={fake.url}", "-M", "retry_base_delay=0", "-M", "timeout=10",
             "--output-dir", str(out), "--progress", "none", "--allow-failures"],
            env=_env(tmp_path), capture_output=True, text=True, timeout=80)
        requests = list(fake.requests)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert fake.rejected == []

    # what the fake Converse endpoint received
    assert len(requests) == 4 and {s.model for s in requests} == {MODEL}
    assert {s.region for s in requests} == {"us-west-2"}
    assert {s.access_key_id for s in requests} == {ACCESS_KEY}
    by_query = {s.last_user_text(): s for s in requests}
    image_req = by_query["What colour is this image?"]
    assert image_req.images == [("png", PNG)]
    content = image_req.body["messages"][0]["content"]
    assert [list(b) for b in content] == [["text"], ["image"]]   # the image after the text
    assert by_query["Capital of France?"].body["system"] == [{"text": "Answer with one word."}]
    assert by_query["Capital of France?"].body["inferenceConfig"] == {"maxTokens": 32,
                                                                      "temperature": 0.0}

    # the run's outputs: 3 scored rows (2 right), the forbidden one an error on its example
    run = out / "bedrock-gen-qa"
    records = {r["query"]: r for r in
               map(json.loads, (run / "examples.jsonl").read_text().splitlines())}
    assert records["What colour is this image?"]["prediction"] == "red"
    assert records["What colour is this image?"]["images"] == 1
    assert records["What is 2+2?"]["prediction"] == "5"
    err = records["Forbidden question"]["error"]
    assert err["kind"] == "bad_request" and "is not authorized" in err["message"]
    assert records["Capital of France?"]["input_tokens"] == 3   # the fake counts words
    assert records["Capital of France?"]["finish_reason"] == "stop"
    (results_file,) = glob.glob(str(run / "eval_results" / "results_*.json"))
    results = json.loads(Path(results_file).read_text())["results"]["all"]
    assert results["em"] == pytest.approx(2 / 3)
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["n_examples"], metrics["n_errors"]) == (4, 1)
    assert metrics["errors_by_kind"] == {"inference:bad_request": 1}
    # em over the 3 scored rows [1, 1, 0]: mean 2/3, stderr = sqrt(s^2 / n) with the sample
    # variance s^2 = ((1/3)^2 * 2 + (2/3)^2) / 2 = 1/3, so sqrt(1/9) = 1/3
    em = metrics["metrics"]["em"]
    assert (em["n"], em["value"], em["stderr"]) == (3, pytest.approx(2 / 3), pytest.approx(1 / 3))

    # the credentials are nowhere: run directory, response cache, captured output
    searched = 0
    for path in [*run.rglob("*"), *(tmp_path / "cache").rglob("*")]:
        if path.is_file():
            blob = path.read_bytes()
            searched += 1
            assert ACCESS_KEY.encode() not in blob, path
            assert SECRET_KEY.encode() not in blob, path
    assert (tmp_path / "cache" / "responses.sqlite").is_file()   # searched too
    assert searched >= 6
    for text in (proc.stdout, proc.stderr):
        assert ACCESS_KEY not in text and SECRET_KEY not in text
