"""WinoGrande: Winograd-schema pronoun resolution at scale (two options fill a blank).

Layouts: the original AI2 release (``dev.jsonl``, ``train_xl.jsonl``: ``sentence``,
``option1``, ``option2``, ``answer`` "1"/"2"; answers may instead come from a
``dev-labels.lst`` beside it) or the Hugging Face ``allenai/winogrande`` export, config
``winogrande_xl`` (``validation-*.parquet`` or ``validation.jsonl``, same fields).

Scored as lm-evaluation-harness's ``winogrande`` (partial evaluation): each option fills the
blank to make one context, ``sentence[:i] + option``, and the shared continuation is the rest
of the sentence, ``sentence[i+1:].strip()`` after a space; the option under which that
continuation is likeliest wins. Only ``acc`` is reported.
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
from .prompting import mc_generation_prompt
from .registry import register_benchmark

__all__ = ["WinoGrande"]

_LABELS = ("A", "B")
_FILES = {
    "validation": ["dev.jsonl", "winogrande_xl/validation-*.parquet",
                   "winogrande_xl/validation.jsonl", "validation-*.parquet",
                   "validation.parquet", "validation.jsonl"],
    "train": ["train_xl.jsonl", "winogrande_xl/train-*.parquet", "winogrande_xl/train.jsonl",
              "train-*.parquet", "train.parquet", "train.jsonl"],
}


def _labels_file(path: Path) -> list[str] | None:
    """Answers from ``<stem>-labels.lst`` beside an original-release file, if present."""
    lst = path.with_name(path.name.removesuffix(".jsonl") + "-labels.lst")
    if path.suffix != ".jsonl" or not lst.is_file():
        return None
    try:
        return [ln.strip() for ln in lst.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({type(exc).__name__})", file=lst) from None


def _normalise(row: Any, path: Path, n: int, label: str | None) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    sentence = row.get("sentence")
    if not isinstance(sentence, str) or "_" not in sentence:
        raise DataError("sentence must contain the blank '_'", file=path, line=n,
                        field="sentence")
    options = [row.get("option1"), row.get("option2")]
    for i, o in enumerate(options, 1):
        if not isinstance(o, str):
            raise DataError("missing option text", file=path, line=n, field=f"option{i}")
    answer = str(row.get("answer") if row.get("answer") not in (None, "") else label).strip()
    if answer not in ("1", "2"):
        raise DataError(f"answer must be '1' or '2', got {preview(row.get('answer'))}", file=path,
                        line=n, field="answer")
    return {"id": str(n - 1), "sentence": sentence, "options": options,
            "gold": int(answer) - 1}


def split_sentence(sentence: str, options: Sequence[str]) -> tuple[list[str], str]:
    """lm-eval's partial evaluation: one context per option and the shared continuation."""
    idx = sentence.index("_")
    return [sentence[:idx] + o for o in options], sentence[idx + 1:].strip()


@register_benchmark
class WinoGrande(Benchmark):
    name = "winogrande"
    description = ("Fill-in-the-blank commonsense reasoning: choose which of two entities a "
                   "blank refers to, in adversarially filtered Winograd-style sentence pairs.")
    citation = ("Sakaguchi et al., 2020. WinoGrande: An Adversarial Winograd Schema "
                "Challenge at Scale. AAAI 2020. arXiv:1907.10641")
    subtasks = ()
    metrics = ("acc",)
    strategy = "zs"
    default_fewshot = 5
    eval_split = "validation"
    fewshot_split = "train"
    num_samples = {"": 1267}
    dataset_info = {"hf_id": "allenai/winogrande", "hf_config": "winogrande_xl",
                    "revision": None, "split": "validation", "license": "CC-BY",
                    "layouts": ["original: dev.jsonl (answers inline or in dev-labels.lst)",
                                "huggingface: winogrande_xl/validation-*.parquet "
                                "(or validation-*.parquet, validation.jsonl)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, _FILES.get(split, [f"{split}-*.parquet", f"{split}.jsonl"]),
            f"benchmark winogrande: no {split} data under {root}; put dev.jsonl (AI2 "
            "release) or winogrande_xl/validation-00000-of-00001.parquet (Hugging Face "
            "allenai/winogrande) there (see docs/benchmarks.md)")
        rows = read_rows(path)
        labels = _labels_file(path)
        if labels is not None and len(labels) != len(rows):
            raise DataError(f"{len(labels)} labels for {len(rows)} rows",
                            file=path.with_name(path.stem + "-labels.lst"))
        return [_normalise(r, path, n, labels[n - 1] if labels else None)
                for n, r in enumerate(rows, 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        contexts, rest = split_sentence(doc["sentence"], doc["options"])
        solved = ""
        for s in shots:
            ctxs, tail = split_sentence(s["sentence"], s["options"])
            solved += f"{ctxs[s['gold']]} {tail}\n\n"
        question = (f"{doc['sentence']}\n\nWhich option correctly fills the blank (_) in the "
                    "sentence above?")
        prompt = mc_generation_prompt(question, doc["options"], cot=cot, labels=_LABELS)
        return BenchItem(id=f"winogrande/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["sentence"], contexts=tuple(solved + c for c in contexts),
                         choices=(rest, rest), gold_index=doc["gold"], prompt=prompt,
                         answer=_LABELS[doc["gold"]], choice_labels=_LABELS,
                         metadata={"options": list(doc["options"])})
