"""ARC (AI2 Reasoning Challenge), Easy and Challenge sets.

Layouts: the original AI2 JSONL (``ARC-Easy-Test.jsonl``: ``question.stem``,
``question.choices[{text, label}]``, ``answerKey``) or the Hugging Face ``allenai/ai2_arc``
export (``ARC-Easy/test-*.parquet`` or ``.jsonl``: ``question``, ``choices{text[], label[]}``,
``answerKey``). Prompt as lm-evaluation-harness's ``arc_easy``: ``Question: …\\nAnswer:`` with
each choice's text as the continuation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .prompting import LETTERS, fewshot_context, mc_generation_prompt
from .registry import register_benchmark

__all__ = ["ARC"]

_SETS = {"easy": "ARC-Easy", "challenge": "ARC-Challenge"}
_SPLITS = {"test": ("Test", "test"), "dev": ("Dev", "validation"), "train": ("Train", "train")}


def _normalise(row: dict[str, Any], path: Path, n: int) -> dict[str, Any]:
    q = row.get("question")
    if isinstance(q, dict):                               # original AI2 layout
        stem, choices = q.get("stem"), q.get("choices") or []
        texts = [c.get("text") for c in choices]
        labels = [str(c.get("label")) for c in choices]
    else:                                                 # Hugging Face layout
        stem, ch = q, row.get("choices") or {}
        texts, labels = list(ch.get("text") or []), [str(x) for x in ch.get("label") or []]
    key = str(row.get("answerKey", "")).strip()
    if not isinstance(stem, str) or not texts or key not in labels:
        raise DataError("expected question, choices and an answerKey among the choice labels",
                        file=path, line=n, field="answerKey")
    return {"id": row.get("id", str(n)), "question": stem, "choices": texts,
            "gold": labels.index(key)}


@register_benchmark
class ARC(Benchmark):
    name = "arc"
    description = ("Grade-school science questions with 3–5 answer choices; the Challenge set "
                   "holds those that retrieval and co-occurrence baselines got wrong.")
    citation = ("Clark et al., 2018. Think you have Solved Question Answering? Try ARC, the AI2 "
                "Reasoning Challenge. arXiv:1803.05457")
    subtasks = ("easy", "challenge")
    metrics = ("acc", "acc_norm")
    strategy = "zs"
    default_fewshot = 25
    eval_split = "test"
    fewshot_split = "train"
    num_samples = {"easy": 2376, "challenge": 1172}
    dataset_info = {"hf_id": "allenai/ai2_arc", "hf_config": {"easy": "ARC-Easy",
                    "challenge": "ARC-Challenge"}, "revision": None,
                    "split": "test", "license": "CC BY-SA 4.0",
                    "layouts": ["original: ARC-Easy-Test.jsonl, ARC-Challenge-Test.jsonl",
                                "huggingface: ARC-Easy/test-*.parquet (or .jsonl)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        folder = _SETS[subtask]
        orig, hf = _SPLITS[split]
        path = self.require_file(
            root, [f"{folder}-{orig}.jsonl", f"{folder}/{folder}-{orig}.jsonl",
                  f"ARC-{subtask[0]}/{folder}-{orig}.jsonl",
                  f"{folder}/{hf}-*.parquet", f"{folder}/{hf}.jsonl",
                  f"{folder}/{hf}.parquet"],
            f"benchmark arc: no {subtask} {split} data under {root}; put {folder}-{orig}.jsonl "
            f"(AI2 layout) or {folder}/{hf}-00000-of-00001.parquet (Hugging Face "
            "allenai/ai2_arc) there (see docs/benchmarks.md)")
        return [_normalise(r, path, n) for n, r in enumerate(read_rows(path), 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        labels = LETTERS[: len(doc["choices"])]
        context = fewshot_context(
            [f"Question: {s['question']}\nAnswer: {s['choices'][s['gold']]}" for s in shots],
            f"Question: {doc['question']}\nAnswer:")
        prompt = mc_generation_prompt(doc["question"], doc["choices"], cot=cot, labels=labels)
        return BenchItem(id=f"arc/{subtask}/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], context=context, choices=tuple(doc["choices"]),
                         gold_index=doc["gold"], prompt=prompt, answer=labels[doc["gold"]],
                         choice_labels=labels)
