"""PIQA: physical commonsense reasoning (pick the better of two solutions to a goal).

Layouts: the original release (``valid.jsonl`` with ``goal``, ``sol1``, ``sol2`` and the
answers, one 0/1 a line, in ``valid-labels.lst``; ``dev.jsonl``/``dev-labels.lst`` and
``train.jsonl``/``train-labels.lst`` are accepted too) or the Hugging Face ``ybisk/piqa``
export (``validation-*.parquet`` or ``validation.jsonl``: ``goal``, ``sol1``, ``sol2``,
``label``). Prompt as lm-evaluation-harness's ``piqa``: ``Question: {goal}\\nAnswer:`` with each
solution as a continuation.
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

__all__ = ["PIQA"]

_LABELS = ("A", "B")
#: split → (original file stems, Hugging Face split name)
_SPLITS = {"validation": (("valid", "dev"), "validation"), "train": (("train",), "train")}


def _read_labels(path: Path) -> list[str]:
    try:
        return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({exc})", file=path) from None


def _normalise(row: Any, path: Path, n: int, label: Any, label_file: Path) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    for f in ("goal", "sol1", "sol2"):
        if not isinstance(row.get(f), str):
            raise DataError(f"missing {f} text", file=path, line=n, field=f)
    try:
        gold = int(label)
    except (TypeError, ValueError):
        gold = -1
    if gold not in (0, 1):
        raise DataError(f"label must be 0 or 1, got {preview(label)}", file=label_file, line=n,
                        field="label")
    return {"id": str(n - 1), "goal": row["goal"], "choices": [row["sol1"], row["sol2"]],
            "gold": gold}


@register_benchmark
class PIQA(Benchmark):
    name = "piqa"
    description = ("Physical Interaction QA: choose which of two solutions achieves an everyday "
                   "goal, testing physical commonsense.")
    citation = ("Bisk et al., 2020. PIQA: Reasoning about Physical Commonsense in Natural "
                "Language. AAAI 2020. arXiv:1911.11641")
    subtasks = ()
    metrics = ("acc", "acc_norm")
    strategy = "zs"
    default_fewshot = 0
    eval_split = "validation"
    fewshot_split = "train"
    num_samples = {"": 1838}
    dataset_info = {"hf_id": "ybisk/piqa", "hf_config": None, "revision": None,
                    "split": "validation", "license": "AFL-3.0",
                    "layouts": ["original: valid.jsonl + valid-labels.lst (or dev.jsonl + "
                                "dev-labels.lst)",
                                "huggingface: validation-*.parquet (or validation.jsonl)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        stems, hf = _SPLITS.get(split, ((split,), split))
        names = [f"{s}.jsonl" for s in stems if (root / f"{s}-labels.lst").is_file()]
        path = self.require_file(
            root, names + [f"{hf}-*.parquet", f"{hf}.parquet",
                  f"data/{hf}-*.parquet", f"{hf}.jsonl"],
            f"benchmark piqa: no {split} data under {root}; put {stems[0]}.jsonl and "
            f"{stems[0]}-labels.lst (original release) or {hf}-00000-of-00001.parquet "
            "(Hugging Face ybisk/piqa) there (see docs/benchmarks.md)")
        rows = read_rows(path)
        if path.name in names:
            lst = root / f"{path.stem}-labels.lst"
            labels: list[Any] = _read_labels(lst)
            if len(labels) != len(rows):
                raise DataError(f"{len(labels)} labels for {len(rows)} rows in {path.name}",
                                file=lst)
            return [_normalise(r, path, n, labels[n - 1], lst) for n, r in enumerate(rows, 1)]
        return [_normalise(r, path, n, r.get("label") if isinstance(r, dict) else None, path)
                for n, r in enumerate(rows, 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        context = fewshot_context(
            [f"Question: {s['goal']}\nAnswer: {s['choices'][s['gold']]}" for s in shots],
            f"Question: {doc['goal']}\nAnswer:")
        prompt = mc_generation_prompt(
            f"Goal: {doc['goal']}\n\nWhich solution achieves the goal?", doc["choices"],
            cot=cot, labels=_LABELS)
        return BenchItem(id=f"piqa/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["goal"], context=context, choices=tuple(doc["choices"]),
                         gold_index=doc["gold"], prompt=prompt, answer=_LABELS[doc["gold"]],
                         choice_labels=_LABELS)
