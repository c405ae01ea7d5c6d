"""HellaSwag: commonsense sentence completion (ActivityNet and WikiHow contexts), 4 endings.

Layouts: the Hugging Face ``Rowan/hellaswag`` export (``validation-*.parquet`` or
``validation.jsonl``; also the original ``hellaswag_val.jsonl``: ``activity_label``,
``ctx_a``, ``ctx_b``, ``ctx``, ``endings[4]``, ``label``), or the cleaned text version
derived from klosax/hellaswag_text_data (``hellaswag_val_from_klosax_text.jsonl``:
``activity_label``, ``ctx`` (already cleaned, without the label), ``endings[4]``, ``label``).

Prompt exactly as lm-evaluation-harness's ``hellaswag``: the query is
``preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())`` and each ending,
preprocessed, is a continuation. The klosax rows have lost the ``ctx_a``/``ctx_b`` split; their
query capitalises the first letter of the fragment after the context's last ``". "`` when
that fragment starts in lower case and the context does not end with ``"."`` (where ``ctx_b``
sits in ActivityNet rows). That matches lm-eval unless ``ctx_b`` held capitals after its
first letter, which ``str.capitalize`` would lower.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..data.textcheck import preview
from ..errors import DataError
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .prompting import LETTERS, mc_generation_prompt
from .registry import register_benchmark

__all__ = ["HellaSwag", "preprocess"]

_FILES = {
    "validation": ["hellaswag_val_from_klosax_text.jsonl", "hellaswag_val.jsonl",
                   "validation-*.parquet", "validation.parquet", "validation.jsonl",
                   "data/validation-*.parquet"],
    "train": ["hellaswag_train.jsonl", "train-*.parquet", "train.parquet", "train.jsonl",
              "data/train-*.parquet"],
}


def preprocess(text: str) -> str:
    """lm-evaluation-harness's HellaSwag cleaning (WikiHow bracket tags, double spaces)."""
    text = text.strip()
    text = text.replace(" [title]", ". ")
    text = re.sub("\\[.*?\\]", "", text)
    text = text.replace("  ", " ")
    return text


def _klosax_ctx(ctx: str) -> str:
    """``ctx_a + " " + ctx_b.capitalize()`` rebuilt from a joined, cleaned ``ctx``."""
    if ctx.endswith("."):
        return ctx
    cut = ctx.rfind(". ")
    start = cut + 2 if cut >= 0 else 0
    if ctx[start:start + 1].islower():
        return ctx[:start] + ctx[start].upper() + ctx[start + 1:]
    return ctx


def _normalise(row: Any, path: Path, n: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    label, endings = row.get("activity_label"), row.get("endings")
    if not isinstance(label, str):
        raise DataError("missing activity_label", file=path, line=n, field="activity_label")
    if not isinstance(endings, (list, tuple)) or len(endings) != 4 \
            or not all(isinstance(e, str) for e in endings):
        raise DataError("expected 4 endings", file=path, line=n, field="endings")
    if isinstance(row.get("ctx_a"), str):
        ctx = row["ctx_a"] + " " + str(row.get("ctx_b") or "").capitalize()
    elif isinstance(row.get("ctx"), str):
        ctx = _klosax_ctx(row["ctx"])
    else:
        raise DataError("missing ctx_a/ctx_b or ctx", file=path, line=n, field="ctx")
    try:
        gold = int(row.get("label"))
    except (TypeError, ValueError):
        gold = -1
    if not 0 <= gold <= 3:
        raise DataError(f"label must be 0-3, got {preview(row.get('label'))}", file=path, line=n,
                        field="label")
    return {"id": str(n - 1), "query": preprocess(label + ": " + ctx),
            "choices": [preprocess(e) for e in endings], "gold": gold}


@register_benchmark
class HellaSwag(Benchmark):
    name = "hellaswag"
    description = ("Commonsense natural language inference: pick the most plausible "
                   "continuation of a video caption or WikiHow passage among four endings, "
                   "the wrong ones adversarially filtered.")
    citation = ("Zellers et al., 2019. HellaSwag: Can a Machine Really Finish Your Sentence? "
                "ACL 2019. arXiv:1905.07830")
    subtasks = ()
    metrics = ("acc", "acc_norm")
    strategy = "zs"
    default_fewshot = 10
    eval_split = "validation"
    fewshot_split = "train"
    num_samples = {"": 10042}
    dataset_info = {"hf_id": "Rowan/hellaswag", "hf_config": None, "revision": None,
                    "split": "validation", "license": "MIT",
                    "layouts": ["huggingface: validation-*.parquet (or validation.jsonl, "
                                "hellaswag_val.jsonl)",
                                "text: hellaswag_val_from_klosax_text.jsonl (cleaned ctx)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, _FILES.get(split, [f"{split}-*.parquet", f"{split}.jsonl"]),
            f"benchmark hellaswag: no {split} data under {root}; put "
            f"{split}-00000-of-00001.parquet (Hugging Face Rowan/hellaswag) or "
            "hellaswag_val.jsonl there (see docs/benchmarks.md)")
        return [_normalise(r, path, n) for n, r in enumerate(read_rows(path), 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        solved = "".join(f"{s['query']} {s['choices'][s['gold']]}\n\n" for s in shots)
        labels = LETTERS[:4]
        prompt = mc_generation_prompt(
            doc["query"], doc["choices"], cot=cot, labels=labels,
            preamble="Choose the most plausible continuation of the text.")
        return BenchItem(id=f"hellaswag/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["query"], context=solved + doc["query"],
                         choices=tuple(doc["choices"]), gold_index=doc["gold"], prompt=prompt,
                         answer=labels[doc["gold"]], choice_labels=labels)
