"""A structured judge end to end with a scripted backend that writes the JSON verdict and its
token log-probabilities: the request carries the schema, records carry the verdict
probabilities, metrics.json the weighted win rate and the calibration; old records load."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.backends import Completion, TokenLogprob, register_backend
from assay.tasks.pairwise_judge.mode import resolve_mode
from tests.conftest import write_jsonl

SEEN: list = []


class _JsonJudge:
    """Prefers the response holding GOOD with probability 0.7 (0.2 the other, 0.1 tie)."""

    cacheable = False
    max_concurrency = 4

    def __init__(self, mode):
        self.name = f"jsonjudge/{mode}"

    def identity(self):
        return {"jsonjudge": 1}

    async def generate(self, request):
        SEEN.append(request.settings)
        user = request.messages[-1].content
        a = re.search(r"\[Response A\]\n(.*?)\n\[End of response A\]", user, re.S).group(1)
        win, lose = ("A", "B") if "GOOD" in a else ("B", "A")
        head = '{"rationale": "looks right", "verdict": "'
        top = ((win, math.log(0.7)), (lose, math.log(0.2)), ("tie", math.log(0.1)),
               ("The", math.log(0.05)))
        lps = (TokenLogprob(head, -0.1), TokenLogprob(win, math.log(0.7), top),
               TokenLogprob('"}', -0.01))
        return Completion(text=head + win + '"}', logprobs=lps)

    async def aclose(self):
        return None


register_backend("jsonjudge")(lambda spec: _JsonJudge(spec.model))


def _run(tmp_path: Path, judge: str = "jsonjudge/x", structured: str = "on", n: int = 10):
    rows = [{"prompt": f"q{i}", "response_A": f"a{i} " + ("BAD" if i < 7 else "GOOD"),
             "response_B": f"b{i} " + ("GOOD" if i < 7 else "BAD"),
             "label": "B>A" if i % 5 else "A>B"} for i in range(n)]
    data = write_jsonl(tmp_path / "pairs.jsonl", rows)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 32\n"
                      f"judge:\n  structured: {structured}\n")
    return assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                   overwrite=True),
                          assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                          judge__model=judge)


def test_structured_judge_end_to_end(tmp_path):
    SEEN.clear()
    res = _run(tmp_path)
    s = SEEN[0]
    assert s.response_format["type"] == "json_schema"
    assert s.response_format["schema"]["properties"]["verdict"]["enum"] == ["A", "B", "tie"]
    assert s.top_logprobs == 5 and s.max_new_tokens >= 400
    recs = [json.loads(x) for x in (res.run_dir / "examples.jsonl").read_text().splitlines()]
    assert res.summary["counts"] == {"A": 3, "B": 7, "tie": 0, "error": 0}
    p_good = 0.7 / 1.0
    for r in recs:
        win = r["outcome"]
        assert r["forward_probs"][win] == pytest.approx(p_good)
        assert r["backward_probs"][win] == pytest.approx(p_good)   # mapped back
        assert r["verdict_probs"] == pytest.approx(
            {"A": 0.7 if win == "A" else 0.2, "B": 0.7 if win == "B" else 0.2, "tie": 0.1})
    w = res.summary["weighted_winrate"]
    direct = sum(r["verdict_probs"]["B"] + 0.5 * r["verdict_probs"]["tie"] for r in recs) / 10
    assert w["n"] == 10 and w["value"] == pytest.approx(direct)
    assert w["lower"] <= w["value"] <= w["upper"]
    cal = res.summary["judge_calibration"]
    assert cal["n"] == 10 and cal["mean_confidence"] == pytest.approx(0.7)
    metrics = json.loads((res.run_dir / "metrics.json").read_text())
    assert metrics["weighted_winrate"]["value"] == pytest.approx(direct)
    assert "judge_calibration" in metrics and "embedded_judge" not in metrics
    table = pq.read_table(res.run_dir / "examples.parquet")
    assert table.column("verdict_probs").to_pylist()[0]["tie"] == pytest.approx(0.1)
    html = (res.run_dir / "report.html").read_text()
    assert "weighted win rate of B" in html and "verdict probabilities" in html


def test_off_keeps_the_free_text_prompt(tmp_path):
    SEEN.clear()
    res = _run(tmp_path, structured="off", n=3)
    assert SEEN[0].response_format is None and SEEN[0].top_logprobs == 0
    assert res.summary["counts"]["error"] == 3   # JSON is not read by the free-text parser
    assert res.summary["weighted_winrate"]["value"] is None


def test_old_records_still_load(tmp_path):
    from assay.tasks.pairwise_judge.report import write_judge_report
    from assay.tasks.pairwise_judge.writers import JudgeWriter

    res = _run(tmp_path, n=3)
    path = res.run_dir / "examples.jsonl"
    old = []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        for k in ("forward_probs", "backward_probs", "verdict_probs"):
            r.pop(k)
        old.append(r)
    path.write_text("".join(json.dumps(r) + "\n" for r in old))
    assert write_judge_report(res.run_dir).is_file()
    out = tmp_path / "old"
    out.mkdir()
    writer = JudgeWriter(out, model="m", date_id="d", key="k")
    for r in old:
        writer.add(r, json.dumps(r) + "\n")
    writer.close()
    assert pq.read_table(out / "examples.parquet").column("verdict_probs").to_pylist() == [None] * 3


@pytest.mark.parametrize("model,args,setting,expected", [
    ("local/smollm2", {}, "auto", True), ("mock/script", {}, "auto", True),
    ("openai/x", {}, "auto", False), ("openai/x", {"dialect": "llama_cpp"}, "auto", True),
    ("openai/x", {"dialect": "openai"}, "auto", False), ("openai/x", {}, "on", True),
    ("local/smollm2", {}, "off", False), ("byoi/x", {}, "auto", False),
])
def test_structured_auto(model, args, setting, expected):
    from assay.config.recipe import InferenceSection, JudgeSection

    mode = resolve_mode(JudgeSection(model=model, model_args=args, structured=setting),
                        InferenceSection())
    assert mode.structured is expected
    assert mode.top_logprobs == (5 if expected else 0)
    assert resolve_mode(JudgeSection(model=model, top_logprobs=2),
                        InferenceSection(top_logprobs=7)).top_logprobs == 2
