"""The four tasks give byte-identical ``metrics.json`` and Nova results to the recorded goldens
(made before the task-interface move, issue 11). Run-specific text (the temporary folder,
timestamps, the date id) is replaced by placeholders before comparing; everything else is
compared byte for byte.

``ASSAY_WRITE_GOLDEN=1 pytest tests/tasks/test_golden_outputs.py`` rewrites the goldens, which
is only right when a change of the outputs is intended (say so in the commit).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from assay.cli.app import main
from tests.conftest import write_jsonl, write_recipe

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = Path(__file__).resolve().parents[1] / "benchmarks" / "fixtures"
pytestmark = pytest.mark.timeout(300)


def _rubric_yaml(i: int) -> str:
    a, b = 1 + i % 5, 1 + (i * 3) % 5
    label = "[[A>B]]" if a > b else ("[[B>A]]" if b > a else "[[A=B]]")
    return "\n".join([
        "```yaml", "criteria:",
        "  accuracy:", "    description: is it right", "    type: scale", "    weight: 0.6",
        f"    score_A: {a}", f"    score_B: {b}", "    justification_A: a", "    justification_B: b",
        "  concise:", "    description: is it short", "    type: binary", "    weight: 0.4",
        f"    score_A: {'true' if i % 2 else 'false'}", "    score_B: true",
        "    justification_A: a", "    justification_B: b",
        "overall_justification: because", f'label: "{label}"', "```"])


def _normalise(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "<TMP>").replace(str(FIXTURES.parents[2]), "<REPO>")
    text = re.sub(r'"(start_time|end_time|total_evaluation_time_secondes|date_id|'
                  r'created|finished)": ("[^"]*"|[0-9.eE+-]+)', r'"\1": "<T>"', text)
    return re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}[-:]\d{2}[-:]\d{2}(\.\d+)?", "<DATE>", text)


def _outputs(run: Path, tmp: Path) -> dict[str, str]:
    out = {"metrics.json": _normalise((run / "metrics.json").read_text(), tmp)}
    for p in sorted((run / "eval_results").glob("results_*.json")):
        out["results.json"] = _normalise(p.read_text(), tmp)
    return out


def _gen_qa(tmp: Path) -> Path:
    rows = [{"query": f"question {i} " + "w " * (i % 4), "response": f"question {i}" if i % 3
             else "other", "metadata": json.dumps({"level": "abc"[i % 3], "lang": "xy"[i % 2]})}
            for i in range(40)]
    data = write_jsonl(tmp / "d.jsonl", rows)
    recipe = write_recipe(tmp / "r.yaml", "assay:\n  seed: 7\n  scorers:\n"
                          "    - {name: accuracy}\n    - {name: bleu, label: corpus_bleu}\n")
    assert main(["run", str(recipe), "--data", str(data), "--output-dir", str(tmp / "out"),
                 "-m", "mock/echo", "--top-logprobs", "3", "--group-by", "level,lang",
                 "--quiet"]) == 0
    return tmp / "out" / "t"


def _pairs(tmp: Path, n: int = 24) -> Path:
    return write_jsonl(tmp / "p.jsonl", [
        {"prompt": f"p{i}", "response_A": f"a{i}", "response_B": f"b{i}",
         "label": ["A>B", "B>A", "A=B"][i % 3], "metadata": json.dumps({"d": "xy"[i % 2]})}
        for i in range(n)])


def _judge(tmp: Path) -> Path:
    texts = ["A is better. [[A>B]]", "B. [[B>A]]", "same [[A=B]]", "no verdict here"]
    script = write_jsonl(tmp / "s.jsonl", [{"index": i, "text": texts[(i * 7) % 4]}
                                           for i in range(24)])
    recipe = tmp / "j.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 32\nassay:\n  seed: 3\n")
    main(["run", str(recipe), "--data", str(_pairs(tmp)), "--judge", "mock/script",
          "-J", f"file={script}", "--output-dir", str(tmp / "out"), "--group-by", "d",
          "--quiet", "--allow-failures"])
    return tmp / "out" / "j"


def _rubric(tmp: Path) -> Path:
    script = write_jsonl(tmp / "s.jsonl", [{"index": i, "text": _rubric_yaml(i)}
                                           for i in range(24)])
    recipe = tmp / "r.yaml"
    recipe.write_text("run:\n  name: r\nevaluation:\n  task: rubric_llm_judge\n"
                      "  strategy: judge\n  metric: all\ninference:\n  max_new_tokens: 32\n"
                      "assay:\n  seed: 5\n")
    assert main(["run", str(recipe), "--data", str(_pairs(tmp)), "--judge", "mock/script",
                 "-J", f"file={script}", "--output-dir", str(tmp / "out"), "--quiet",
                 "--allow-failures"]) == 0
    return tmp / "out" / "r"


def _benchmark(tmp: Path) -> Path:
    recipe = tmp / "b.yaml"
    recipe.write_text("run:\n  name: b\nevaluation:\n  task: arc_easy\ninference:\n"
                      "  max_new_tokens: 8\nassay:\n  seed: 11\n")
    assert main(["run", str(recipe), "--data", str(FIXTURES / "arc"), "-m", "mock/echo",
                 "--base-model", "mock/constant", "-B", "text=A",
                 "--output-dir", str(tmp / "out"), "--quiet", "--allow-failures"]) == 0
    return tmp / "out" / "b"


@pytest.mark.parametrize("task", ["gen_qa", "llm_judge", "rubric_llm_judge", "benchmark"])
def test_outputs_equal_the_goldens(tmp_path, task, capsys):
    make = {"gen_qa": _gen_qa, "llm_judge": _judge, "rubric_llm_judge": _rubric,
            "benchmark": _benchmark}[task]
    run = make(tmp_path)
    capsys.readouterr()
    got = _outputs(run, tmp_path)
    folder = GOLDEN / task
    if os.environ.get("ASSAY_WRITE_GOLDEN") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in got.items():
            (folder / name).write_text(text, encoding="utf-8")
        pytest.skip("goldens written")
    for name, text in got.items():
        assert text == (folder / name).read_text(encoding="utf-8"), f"{task}: {name} differs"
    assert set(got) == {p.name for p in folder.iterdir()}
