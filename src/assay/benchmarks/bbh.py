"""BIG-Bench Hard: 27 hard BIG-Bench tasks, prompted with three chain-of-thought exemplars.

Layouts: the original ``suzgunmirac/BIG-Bench-Hard`` folder (``bbh/<task>.json``:
``{"examples": [{"input", "target"}]}`` and ``cot-prompts/<task>.txt``), ``root`` being that
folder or the folder of the ``.json`` files, or the Hugging Face ``lukaemon/bbh`` export
(``<task>/test-*.parquet``) next to a ``cot-prompts`` folder (the exemplars are not on the hub).

The prompt is lm-evaluation-harness's ``bbh_cot_fewshot``: the task's CoT prompt file (its
canary lines dropped: task description, then three ``Q: …\\nA: Let's think step by step.
… So the answer is X.`` exemplars), then ``\\n\\nQ: {input}\\nA: Let's think step by step.``
The answer is the text after the last ``the answer is``, compared with the target.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BenchmarkDataMissing, DataError
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .registry import register_benchmark

__all__ = ["BBH", "TASKS", "extract_bbh_answer", "bbh_match", "parse_cot_prompt"]

TASKS = ("boolean_expressions", "causal_judgement", "date_understanding", "disambiguation_qa",
         "dyck_languages", "formal_fallacies", "geometric_shapes", "hyperbaton",
         "logical_deduction_five_objects", "logical_deduction_seven_objects",
         "logical_deduction_three_objects", "movie_recommendation", "multistep_arithmetic_two",
         "navigate", "object_counting", "penguins_in_a_table", "reasoning_about_colored_objects",
         "ruin_names", "salient_translation_error_detection", "snarks", "sports_understanding",
         "temporal_sequences", "tracking_shuffled_objects_five_objects",
         "tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects",
         "web_of_lies", "word_sorting")

COT_TRIGGER = "A: Let's think step by step."
_ANSWER_IS = re.compile(r"(?i)the answer is\s*")
_LETTER_TARGET = re.compile(r"\(([A-Z])\)")
_LETTER_PRED = re.compile(r"\(?([A-Z])\)?(?:$|[\s.:,)])")


def parse_cot_prompt(text: str) -> tuple[str, list[str]]:
    """(task description, exemplars) of a ``cot-prompts`` file: lines up to the first
    ``-----`` line (the canary) are dropped; exemplars start with ``Q: ``."""
    lines = text.split("\n")
    cut = next((i for i, line in enumerate(lines) if line.startswith("-----")), -1)
    body = "\n".join(lines[cut + 1:]).strip("\n")
    head, *shots = body.split("\n\nQ: ")
    return head, ["Q: " + s for s in shots]


def extract_bbh_answer(text: str | None) -> str | None:
    """The text after the last ``the answer is`` (to the end of its line, without a trailing
    period or bold markers); None when the phrase is absent."""
    if not text:
        return None
    hits = list(_ANSWER_IS.finditer(text))
    if not hits:
        return None
    rest = text[hits[-1].end():].split("\n", 1)[0]
    rest = rest.strip().strip("*").strip()
    return rest[:-1].strip() if rest.endswith(".") else rest


def _norm(s: str) -> str:
    return " ".join(s.replace("**", "").strip().strip(".").split()).casefold()


def bbh_match(pred: str | None, target: str) -> bool:
    """Whether an extracted answer matches a target: ``(A)`` targets accept ``A``, ``(A)``
    or ``(A) option text``; other targets compare case-insensitively, spaces collapsed."""
    if pred is None:
        return False
    t = _LETTER_TARGET.fullmatch(target.strip())
    if t:
        m = _LETTER_PRED.match(pred.strip().replace("**", ""))
        return bool(m) and m.group(1) == t.group(1)
    return _norm(pred) == _norm(target)


@register_benchmark
class BBH(Benchmark):
    name = "bbh"
    description = ("23 challenging BIG-Bench tasks (27 subtasks) on which earlier models fell "
                   "below the average human rater, asked with 3-shot chain-of-thought prompts.")
    citation = ("Suzgun et al., 2022. Challenging BIG-Bench Tasks and Whether Chain-of-Thought "
                "Can Solve Them. arXiv:2210.09261")
    subtasks = TASKS
    metrics = ("exact_match",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "fs_cot"
    stop = ("\n\nQ:",)   # few-shot prompts: never run on into a new exemplar
    default_fewshot = 3
    eval_split = "test"
    fewshot_split = None
    num_samples = {t: 250 for t in TASKS} | {"causal_judgement": 187,
                                             "penguins_in_a_table": 146, "snarks": 178}
    dataset_info = {"hf_id": "lukaemon/bbh", "hf_config": {t: t for t in TASKS},
                    "revision": None, "split": "test", "license": "MIT",
                    "layouts": ["original: bbh/<task>.json and cot-prompts/<task>.txt",
                                "huggingface: <task>/test-*.parquet (plus cot-prompts/<task>.txt)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, [f"bbh/{subtask}.json", f"{subtask}.json",
                  f"{subtask}/{split}-*.parquet", f"{subtask}/{split}.jsonl"],
            f"benchmark bbh: no {subtask} data under {root}; put bbh/{subtask}.json and "
            f"cot-prompts/{subtask}.txt (suzgunmirac/BIG-Bench-Hard layout) or "
            f"{subtask}/test-00000-of-00001.parquet (Hugging Face lukaemon/bbh) there "
            "(see docs/benchmarks.md)")
        out = []
        for n, r in enumerate(read_rows(path), 1):
            if not isinstance(r, dict) or not isinstance(r.get("input"), str):
                raise DataError("expected an object with 'input'", file=path, line=n,
                                field="input")
            if not isinstance(r.get("target"), (str, int, bool)):
                raise DataError("expected a 'target'", file=path, line=n, field="target")
            out.append({"id": str(n - 1), "input": r["input"], "target": str(r["target"])})
        return out

    def cot_prompt_file(self, root: Path, subtask: str) -> Path:
        """The task's ``cot-prompts/<task>.txt`` (next to ``bbh/`` or one folder up)."""
        for folder in (root / "cot-prompts", root.parent / "cot-prompts"):
            if (folder / f"{subtask}.txt").is_file():
                return folder / f"{subtask}.txt"
        raise BenchmarkDataMissing(
            f"benchmark bbh: no cot-prompts/{subtask}.txt under {root} (the 3-shot CoT prompts "
            "of suzgunmirac/BIG-Bench-Hard; see docs/benchmarks.md)")

    def fewshot_docs(self, root: Path, subtask: str, k: int) -> list[dict[str, Any]]:
        """The task description and the first ``k`` (at most 3) exemplars of its CoT prompt;
        with ``k`` = 0 only the description (as lm-eval's ``bbh_cot_zeroshot``)."""
        path = self.cot_prompt_file(root, subtask)
        try:
            head, shots = parse_cot_prompt(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read ({exc})", file=path) from None
        if not shots:
            raise DataError("expected 'Q: ' exemplars after the task description", file=path)
        return [{"description": head, "shot": None}] + [
            {"description": head, "shot": s} for s in shots[:max(k, 0)]]

    def items(self, root: Path, subtasks: Sequence[str], *, num_fewshot: int, method: str,
              cot: bool, limit: int | None = None) -> list[BenchItem]:
        """As :meth:`Benchmark.items`; ``fewshot`` counts exemplars, not the description."""
        from dataclasses import replace
        got = super().items(root, subtasks, num_fewshot=num_fewshot, method=method, cot=cot,
                            limit=limit)
        return [replace(it, fewshot=it.metadata["shots"]) for it in got]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        head = shots[0]["description"] if shots else ""
        solved = [s["shot"] for s in shots if s.get("shot")]
        if not cot:                                  # answer-only exemplars (bbh_fewshot)
            solved = [s.split("\nA: ", 1)[0] + f"\nA: {extract_bbh_answer(s)}" for s in solved]
        parts = ([head] if head else []) + solved
        query = f"Q: {doc['input']}\n" + (COT_TRIGGER if cot else "A:")
        prompt = "\n\n".join(parts + [query])
        return BenchItem(id=f"bbh/{subtask}/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["input"], prompt=prompt, answer=doc["target"],
                         metadata={"shots": len(solved), "cot": cot})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``exact_match``: the text after ``the answer is`` (without CoT, else the first
        line) matches the target."""
        got = extract_bbh_answer(text)
        if got is None and not item.metadata.get("cot", True) and text and text.strip():
            got = text.strip().split("\n", 1)[0].strip().rstrip(".")   # a direct answer
        return {"extracted": got, "metrics": {"exact_match": float(bbh_match(got, item.answer))}}
