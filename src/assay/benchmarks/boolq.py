"""BoolQ: naturally occurring yes/no questions about a Wikipedia passage.

Layouts: the SuperGLUE release (``val.jsonl`` / ``superglue_boolq_val.jsonl``: ``question``,
``passage``, ``idx``, ``label`` true/false), the Hugging Face ``super_glue`` config ``boolq``
export (``boolq/validation-*.parquet`` or ``validation.jsonl``, ``label`` 0/1) or
``google/boolq`` (``validation-*.parquet``, ``dev.jsonl``: ``question``, ``passage``,
``answer`` true/false). Prompt as lm-evaluation-harness's ``boolq``:
``{passage}\\nQuestion: {question}?\\nAnswer:`` with the continuations ``no`` and ``yes``.
Only ``acc`` is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..data.textcheck import preview
from ..errors import DataError
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .prompting import fewshot_context, mc_generation_prompt
from .registry import register_benchmark

__all__ = ["BoolQ"]

_CHOICES = ("no", "yes")
_LABELS = ("A", "B")
_TRUE = {"true": 1, "false": 0, "1": 1, "0": 0, "yes": 1, "no": 0}
_FILES = {
    "validation": ["superglue_boolq_val.jsonl", "val.jsonl", "dev.jsonl",
                   "boolq/validation-*.parquet", "boolq/validation.jsonl",
                   "validation-*.parquet", "validation.parquet", "validation.jsonl",
                   "data/validation-*.parquet"],
    "train": ["superglue_boolq_train.jsonl", "train.jsonl", "boolq/train-*.parquet",
              "boolq/train.jsonl", "train-*.parquet", "train.parquet",
              "data/train-*.parquet"],
}


def _gold(value: Any) -> int:
    """1 for true/yes/1, 0 for false/no/0, -1 for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if value in (0, 1) else -1
    return _TRUE.get(str(value).strip().lower(), -1)


def _normalise(row: Any, path: Path, n: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    for f in ("question", "passage"):
        if not isinstance(row.get(f), str):
            raise DataError(f"missing {f} text", file=path, line=n, field=f)
    field = "label" if "label" in row else "answer"
    gold = _gold(row.get(field))
    if gold < 0:
        raise DataError(f"{field} must be true/false or 0/1, got {preview(row.get(field))}",
                        file=path, line=n, field=field)
    return {"id": str(n - 1), "question": row["question"], "passage": row["passage"],
            "gold": gold}


def _text(doc: dict[str, Any]) -> str:
    return f"{doc['passage']}\nQuestion: {doc['question']}?\nAnswer:"


@register_benchmark
class BoolQ(Benchmark):
    name = "boolq"
    description = ("Yes/no reading comprehension: naturally occurring Google search questions "
                   "answered from a Wikipedia passage.")
    citation = ("Clark et al., 2019. BoolQ: Exploring the Surprising Difficulty of Natural "
                "Yes/No Questions. NAACL 2019. arXiv:1905.10044")
    subtasks = ()
    metrics = ("acc",)
    strategy = "zs"
    default_fewshot = 0
    eval_split = "validation"
    fewshot_split = "train"
    num_samples = {"": 3270}
    dataset_info = {"hf_id": "super_glue", "hf_config": "boolq", "revision": None,
                    "split": "validation", "license": "CC BY-SA 3.0",
                    "layouts": ["superglue: val.jsonl or superglue_boolq_val.jsonl",
                                "huggingface: boolq/validation-*.parquet (super_glue) or "
                                "validation-*.parquet (google/boolq)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, _FILES.get(split, [f"{split}-*.parquet", f"{split}.jsonl"]),
            f"benchmark boolq: no {split} data under {root}; put val.jsonl (SuperGLUE "
            "BoolQ) or validation-00000-of-00001.parquet (Hugging Face super_glue/boolq "
            "or google/boolq) there (see docs/benchmarks.md)")
        return [_normalise(r, path, n) for n, r in enumerate(read_rows(path), 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        context = fewshot_context([f"{_text(s)} {_CHOICES[s['gold']]}" for s in shots],
                                  _text(doc))
        question = (f"{doc['passage']}\n\nQuestion: {doc['question']}?\n\nAnswer the question "
                    "about the passage above.")
        prompt = mc_generation_prompt(question, _CHOICES, cot=cot, labels=_LABELS)
        return BenchItem(id=f"boolq/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], context=context, choices=_CHOICES,
                         gold_index=doc["gold"], prompt=prompt, answer=_LABELS[doc["gold"]],
                         choice_labels=_LABELS)
