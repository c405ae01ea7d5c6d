"""Real runs made by the CLI with mock models, for ``assay compare`` and the gates."""

from __future__ import annotations

import json
from pathlib import Path

from assay.cli.app import main
from tests.conftest import write_jsonl, write_recipe

N_ROWS = 30


def gen_qa_data(tmp: Path, n: int = N_ROWS) -> Path:
    """Rows ``r0..`` with a query that half-matches the reference (so ``mock/echo`` gets a
    continuous f1) and the reference ``answer <i> <word>``."""
    words = ["red", "green", "blue"]
    return write_jsonl(tmp / "data.jsonl", [
        {"id": f"r{i}", "query": f"what is answer {i} {'in short' if i % 2 else ''}".strip(),
         "response": f"answer {i} {words[i % 3]}"} for i in range(n)])


def answers(tmp: Path, name: str, wrong: set[int], n: int = N_ROWS, text: str = "wrong") -> Path:
    """A mock/script file answering row i correctly unless i is in ``wrong``."""
    words = ["red", "green", "blue"]
    return write_jsonl(tmp / f"{name}.jsonl", [
        {"id": f"r{i}", "text": text if i in wrong else f"answer {i} {words[i % 3]}"}
        for i in range(n)])


def gen_qa_run(tmp: Path, name: str, model: str, *extra: str, data: Path | None = None) -> Path:
    recipe = tmp / "recipe.yaml"
    if not recipe.exists():
        write_recipe(recipe)
    data = data or tmp / "data.jsonl"
    if not data.exists():
        gen_qa_data(tmp)
    code = main(["run", str(recipe), "--data", str(data), "-m", model, "--name", name,
                 "--output-dir", str(tmp / "runs"), "--quiet", *extra])
    assert code == 0, code
    return tmp / "runs" / name


def judge_data(tmp: Path, n: int = 16) -> Path:
    return write_jsonl(tmp / "pairs.jsonl", [
        {"id": f"p{i}", "prompt": f"prompt {i}", "response_A": f"a{i}", "response_B": f"b{i}"}
        for i in range(n)])


def judge_script(tmp: Path, name: str, winners: list[str]) -> Path:
    """A scripted judge: per prompt i the reconciled outcome ``winners[i]`` (A, B or tie),
    consistent in both passes (a tie is a position-biased pair)."""
    rows = []
    for i, w in enumerate(winners):
        fwd = {"A": "[[A>B]]", "B": "[[B>A]]", "tie": "[[A>B]]"}[w]
        bwd = {"A": "[[B>A]]", "B": "[[A>B]]", "tie": "[[A>B]]"}[w]
        rows += [{"id": f"p{i}:forward", "text": fwd}, {"id": f"p{i}:backward", "text": bwd}]
    return write_jsonl(tmp / f"{name}.jsonl", rows)


def judge_run(tmp: Path, name: str, script: Path, task: str = "llm_judge") -> Path:
    recipe = tmp / f"{task}.yaml"
    recipe.write_text(f"run:\n  name: j\nevaluation:\n  task: {task}\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    data = tmp / "pairs.jsonl"
    if not data.exists():
        judge_data(tmp)
    code = main(["run", str(recipe), "--data", str(data), "--judge", "mock/script",
                 "-J", f"file={script}", "--name", name, "--output-dir", str(tmp / "runs"),
                 "--quiet", "--allow-failures"])
    assert code == 0, code
    return tmp / "runs" / name


def read_records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "examples.jsonl").read_text().splitlines()]
