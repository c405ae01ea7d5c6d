"""GSM8K: grade-school math word problems answered with a final number.

Layouts: the original OpenAI JSONL (``test.jsonl``/``train.jsonl``: ``question``, ``answer``
with a worked solution ending ``#### N``) or the Hugging Face ``openai/gsm8k`` ``main``
export (``test-*.parquet`` or ``main/test-*.parquet``, same fields). The gold answer is the
normalised ``#### N`` value; a response is scored by :func:`extract_gsm8k_answer` (``The answer
is N``, else the last number) and numeric equality.

Few-shot exemplars are the first rows of the train split, their worked solutions without the
``<<…>>`` calculator annotations and ending ``The answer is N.``; the prompt is lm-evaluation-
harness's ``Question: …\\nAnswer:`` layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .extract import extract_gsm8k_answer, normalize_number, numbers_equal
from .files import read_rows
from .item import BenchItem
from .prompting import fewshot_context
from .registry import register_benchmark

__all__ = ["GSM8K", "solution_text"]

_CALC = re.compile(r"<<[^>]*>>")

ZERO_SHOT_COT = ("Solve the following math problem step by step. Show your reasoning, then end "
                 "your response with 'The answer is N.' where N is the final number.\n\n")
ZERO_SHOT = ("Solve the following math problem. End your response with 'The answer is N.' "
             "where N is the final number.\n\n")


def solution_text(answer: str) -> str:
    """A reference solution as a few-shot answer: the worked steps without calculator
    annotations, then ``The answer is N.``"""
    steps, _, final = answer.partition("####")
    return f"{_CALC.sub('', steps).strip()} The answer is {normalize_number(final)}."


def _normalise(row: dict[str, Any], path: Path, n: int) -> dict[str, Any]:
    q, a = row.get("question"), row.get("answer")
    if not isinstance(q, str) or not q.strip():
        raise DataError("expected a question", file=path, line=n, field="question")
    if not isinstance(a, str) or "####" not in a:
        raise DataError("expected an answer ending '#### N'", file=path, line=n, field="answer")
    return {"id": str(row.get("id", n - 1)), "question": q, "answer": a,
            "target": normalize_number(a.rpartition("####")[2])}


@register_benchmark
class GSM8K(Benchmark):
    name = "gsm8k"
    description = ("8.5K grade-school math word problems needing 2–8 steps of arithmetic; the "
                   "model's final number is compared with the reference answer.")
    citation = ("Cobbe et al., 2021. Training Verifiers to Solve Math Word Problems. "
                "arXiv:2110.14168")
    subtasks = ()
    metrics = ("exact_match",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "zs_cot"
    stop = ("\n\nQuestion:",)   # few-shot prompts: never run on into a new exemplar
    default_fewshot = 8
    eval_split = "test"
    fewshot_split = "train"
    num_samples = {"": 1319}
    dataset_info = {"hf_id": "openai/gsm8k", "hf_config": "main", "revision": None,
                    "split": "test", "license": "MIT",
                    "layouts": ["original: test.jsonl, train.jsonl (question, answer '#### N')",
                                "huggingface: test-*.parquet or main/test-*.parquet "
                                "(and train-*.parquet for few-shot)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, [f"{split}.jsonl", f"main/{split}.jsonl",
                  f"{split}-*.parquet", f"main/{split}-*.parquet",
                  f"data/{split}-*.parquet"],
            f"benchmark gsm8k: no {split} data under {root}; put {split}.jsonl (OpenAI "
            f"grade-school-math layout) or main/{split}-00000-of-00001.parquet (Hugging "
            "Face openai/gsm8k) there (see docs/benchmarks.md)")
        return [_normalise(r, path, n) for n, r in enumerate(read_rows(path), 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        query = f"Question: {doc['question']}\nAnswer:"
        if shots:
            prompt = fewshot_context(
                [f"Question: {s['question']}\nAnswer: {solution_text(s['answer'])}"
                 for s in shots], query)
        else:
            prompt = (ZERO_SHOT_COT if cot else ZERO_SHOT) + query
        return BenchItem(id=f"gsm8k/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], prompt=prompt, answer=doc["target"],
                         metadata={"reference": doc["answer"]})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``exact_match``: the extracted number equals the gold number (tolerance 1e-6)."""
        got = extract_gsm8k_answer(text)
        ok = got is not None and numbers_equal(got, item.answer)
        return {"extracted": got, "metrics": {"exact_match": float(ok)}}
