"""AIME 2024: the 30 problems of the 2024 AIME I and II; every answer is an integer 0–999.

Layouts: ``aime_2024.jsonl`` (``id``, ``problem``, ``solution``, ``answer``, ``url``,
``year``), or the Hugging Face ``HuggingFaceH4/aime_2024`` export (``train-*.parquet``,
``data/train-*.parquet`` or ``train.jsonl``; the same fields). Answers are stored as AoPS
writes them, zero-padded (``"025"``), and are compared as integers.

A response's answer is its last ``\\boxed{}`` (else ``The final answer is N``, ``Answer: N``
or ``The answer is N``); it counts when it is an integer (``025``, ``25``, ``25.0``,
``$25$``, ``1,000`` all read as such) equal to the gold one. Zero-shot only: the prompt asks
to reason step by step (``zs_cot``) and box the final integer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .extract import extract_math_answer, strip_string
from .files import read_rows
from .item import BenchItem
from .registry import register_benchmark

__all__ = ["AIME2024", "parse_aime_integer", "extract_aime_answer"]

INSTRUCTION = ("Solve the following AIME problem. Think step by step, then put your final "
               "answer, an integer from 0 to 999, within \\boxed{}.")
INSTRUCTION_DIRECT = ("Solve the following AIME problem. Put your final answer, an integer "
                      "from 0 to 999, within \\boxed{}.")
_THE_ANSWER = re.compile(r"(?i)the\s+answer\s+is[\s:*$]*(-?[\d,]+(?:\.0+)?)")
_INTEGER = re.compile(r"-?\d{1,3}(?:,\d{3})+|-?\d+")


def parse_aime_integer(s: str | None) -> int | None:
    """``s`` as an integer (``"025"`` → 25, ``"25.0"``, ``"$25$"``, ``"1,000"``); None when
    it is not one."""
    if s is None:
        return None
    t = strip_string(str(s)).replace("\\text{}", "").strip()
    t = re.sub(r"\.0+$", "", t)
    if not _INTEGER.fullmatch(t):
        return None
    return int(t.replace(",", ""))


def extract_aime_answer(text: str | None) -> str | None:
    """The last ``\\boxed{}`` (or Minerva's / ``Answer:`` final line), else the last
    ``The answer is N``."""
    got = extract_math_answer(text)
    if got is not None:
        return got
    hits = _THE_ANSWER.findall(text or "")
    return hits[-1] if hits else None


@register_benchmark
class AIME2024(Benchmark):
    name = "aime_2024"
    description = ("The 30 problems of the 2024 American Invitational Mathematics Examination "
                   "(AIME I and II); each answer is an integer from 0 to 999.")
    citation = ("Mathematical Association of America, 2024 AIME I and II; data: "
                "HuggingFaceH4/aime_2024 (problems and AoPS solutions)")
    subtasks = ()
    metrics = ("exact_match",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "zs_cot"
    default_fewshot = 0
    eval_split = "train"     # the Hugging Face export's only split
    fewshot_split = None
    num_samples = {"": 30}
    dataset_info = {"hf_id": "HuggingFaceH4/aime_2024", "hf_config": "default",
                    "revision": None, "split": "train", "license": "problems (c) MAA",
                    "layouts": ["jsonl: aime_2024.jsonl (id, problem, solution, answer, url, "
                                "year)",
                                "huggingface: train-00000-of-00001.parquet (or data/, "
                                "train.jsonl)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, ["aime_2024.jsonl", "aime24.jsonl", f"{split}-*.parquet",
                  f"data/{split}-*.parquet", f"{split}.jsonl"],
            f"benchmark aime_2024: no data under {root}; put aime_2024.jsonl or "
            f"{split}-00000-of-00001.parquet (Hugging Face HuggingFaceH4/aime_2024) there "
            "(see docs/benchmarks.md)")
        docs = []
        for n, r in enumerate(read_rows(path), 1):
            if not isinstance(r, dict) or not isinstance(r.get("problem"), str):
                raise DataError("expected an object with a 'problem'", file=path, line=n,
                                field="problem")
            gold = parse_aime_integer(str(r.get("answer", "")))
            if gold is None or not 0 <= gold <= 999:
                raise DataError(f"answer must be an integer 0-999, got {r.get('answer')!r}",
                                file=path, line=n, field="answer")
            docs.append({"id": str(r.get("id", n - 1)), "problem": r["problem"],
                         "answer": str(gold), "raw_answer": str(r["answer"]),
                         "url": r.get("url")})
        return docs

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        prompt = f"{INSTRUCTION if cot else INSTRUCTION_DIRECT}\n\n{doc['problem']}"
        return BenchItem(id=f"aime_2024/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["problem"], prompt=prompt, answer=doc["answer"],
                         metadata={"url": doc.get("url"), "raw_answer": doc["raw_answer"]})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``exact_match``: the extracted answer is the gold integer."""
        got = extract_aime_answer(text)
        value = parse_aime_integer(got)
        ok = value is not None and value == int(item.answer)
        return {"extracted": got, "metrics": {"exact_match": float(ok)}}
