"""MMLU (Massive Multitask Language Understanding), 57 subjects.

Layouts: the original Hendrycks ``data.tar`` (``test/<subject>_test.csv``,
``dev/<subject>_dev.csv``, ``val/<subject>_val.csv``; CSV without a header: question, four
choices, answer letter), or the Hugging Face ``cais/mmlu`` export
(``<subject>/test-*.parquet`` or ``<subject>/test.jsonl``: ``question``, ``subject``,
``choices[4]``, ``answer`` 0–3). Prompt as lm-evaluation-harness's ``mmlu`` (the default,
log-likelihood variant): the subject description, the first ``k`` dev rows as solved shots,
then ``question\\nA. …\\nB. …\\nC. …\\nD. …\\nAnswer:`` with the letters as choices. Only
``acc`` is reported: length normalisation is meaningless on one-letter choices.
"""

from __future__ import annotations

import csv
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

__all__ = ["MMLU", "subject_description"]

_LETTERS = ("A", "B", "C", "D")
#: split → (original folder and file suffix, Hugging Face split name)
_SPLITS = {"test": ("test", "test"), "dev": ("dev", "dev"), "validation": ("val", "validation"),
           "val": ("val", "validation")}

#: test rows per subject (the original files; 14,042 in all, as cais/mmlu)
_TEST_ROWS = {
    "abstract_algebra": 100, "anatomy": 135, "astronomy": 152,
    "business_ethics": 100, "clinical_knowledge": 265, "college_biology": 144,
    "college_chemistry": 100, "college_computer_science": 100, "college_mathematics": 100,
    "college_medicine": 173, "college_physics": 102, "computer_security": 100,
    "conceptual_physics": 235, "econometrics": 114, "electrical_engineering": 145,
    "elementary_mathematics": 378, "formal_logic": 126, "global_facts": 100,
    "high_school_biology": 310, "high_school_chemistry": 203,
    "high_school_computer_science": 100, "high_school_european_history": 165,
    "high_school_geography": 198, "high_school_government_and_politics": 193,
    "high_school_macroeconomics": 390, "high_school_mathematics": 270,
    "high_school_microeconomics": 238, "high_school_physics": 151,
    "high_school_psychology": 545, "high_school_statistics": 216,
    "high_school_us_history": 204, "high_school_world_history": 237, "human_aging": 223,
    "human_sexuality": 131, "international_law": 121, "jurisprudence": 108,
    "logical_fallacies": 163, "machine_learning": 112, "management": 103,
    "marketing": 234, "medical_genetics": 100, "miscellaneous": 783,
    "moral_disputes": 346, "moral_scenarios": 895, "nutrition": 306,
    "philosophy": 311, "prehistory": 324, "professional_accounting": 282,
    "professional_law": 1534, "professional_medicine": 272, "professional_psychology": 612,
    "public_relations": 110, "security_studies": 245, "sociology": 201,
    "us_foreign_policy": 100, "virology": 166, "world_religions": 171,
}


def subject_description(subject: str) -> str:
    """lm-evaluation-harness's ``mmlu`` description line for ``subject``."""
    return ("The following are multiple choice questions (with answers) about "
            f"{subject.replace('_', ' ')}.\n\n")


def _read_csv(path: Path) -> list[tuple[int, list[str]]]:
    """``(first line number, fields)`` per record of a header-less CSV file."""
    out: list[tuple[int, list[str]]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            while True:
                start = reader.line_num + 1
                try:
                    rec = next(reader)
                except StopIteration:
                    break
                if rec:
                    out.append((start, rec))
    except csv.Error as exc:
        raise DataError(f"invalid CSV ({exc})", file=path, line=reader.line_num) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({exc})", file=path) from None
    return out


def _from_csv(rec: list[str], path: Path, line: int) -> dict[str, Any]:
    if len(rec) != 6:
        raise DataError(f"expected 6 fields (question, A, B, C, D, answer), got {len(rec)}",
                        file=path, line=line)
    answer = rec[5].strip().upper()
    if answer not in _LETTERS:
        raise DataError(f"answer must be one of A, B, C, D, got {preview(rec[5])}", file=path,
                        line=line, field="answer")
    return {"question": rec[0], "choices": rec[1:5], "gold": _LETTERS.index(answer)}


def _from_hf(row: Any, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object with question, choices and answer", file=path,
                        line=line)
    q, choices, answer = row.get("question"), row.get("choices"), row.get("answer")
    if not isinstance(q, str):
        raise DataError("missing question text", file=path, line=line, field="question")
    if not isinstance(choices, (list, tuple)) or len(choices) != 4:
        raise DataError("expected a list of 4 choices", file=path, line=line, field="choices")
    if isinstance(answer, str) and answer.strip().upper() in _LETTERS:
        gold = _LETTERS.index(answer.strip().upper())
    elif isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer <= 3:
        gold = answer
    else:
        raise DataError(f"answer must be 0-3 or A-D, got {preview(answer)}", file=path, line=line,
                        field="answer")
    return {"question": q, "choices": [str(c) for c in choices], "gold": gold}


def _generation_shot(doc: dict[str, Any]) -> str:
    """A solved exemplar in the generation prompt's own layout."""
    options = "\n".join(f"{l}) {c}" for l, c in zip(_LETTERS, doc["choices"]))
    return f"{doc['question'].strip()}\n\n{options}\n\nAnswer: {_LETTERS[doc['gold']]}"


@register_benchmark
class MMLU(Benchmark):
    name = "mmlu"
    description = ("Multiple choice questions (four options) on 57 subjects from elementary "
                   "mathematics to law and medicine, at high-school to professional level.")
    citation = ("Hendrycks et al., 2021. Measuring Massive Multitask Language Understanding. "
                "ICLR 2021. arXiv:2009.03300")
    subtasks = tuple(_TEST_ROWS)
    metrics = ("acc",)
    strategy = "zs_cot"
    default_fewshot = 5
    eval_split = "test"
    fewshot_split = "dev"
    num_samples = dict(_TEST_ROWS)
    dataset_info = {"hf_id": "cais/mmlu", "hf_config": "<subject>", "revision": None,
                    "split": "test", "license": "MIT",
                    "layouts": ["original: test/<subject>_test.csv, dev/<subject>_dev.csv "
                                "(CSV without header: question, A, B, C, D, answer letter)",
                                "huggingface: <subject>/test-*.parquet (or .jsonl), "
                                "<subject>/dev-*.parquet"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        folder, hf = _SPLITS[split]
        orig = f"{folder}/{subtask}_{folder}.csv"
        path = self.require_file(
            root, [orig, f"data/{orig}", f"{subtask}/{hf}-*.parquet",
                  f"{subtask}/{hf}.parquet", f"{subtask}/{hf}.jsonl",
                  f"{subtask}/{hf}-*.jsonl"],
            f"benchmark mmlu: no {subtask} {split} data under {root}; put {orig} "
            f"(Hendrycks layout) or {subtask}/{hf}-00000-of-00001.parquet (Hugging Face "
            "cais/mmlu) there (see docs/benchmarks.md)")
        if path.suffix.lower() == ".csv":
            docs = [_from_csv(rec, path, line) for line, rec in _read_csv(path)]
        else:
            docs = [_from_hf(r, path, n) for n, r in enumerate(read_rows(path), 1)]
        for i, d in enumerate(docs):
            d["id"] = str(i)
        return docs

    @staticmethod
    def doc_to_text(doc: dict[str, Any]) -> str:
        """``question\\nA. …\\nB. …\\nC. …\\nD. …\\nAnswer:`` (lm-eval's ``mmlu``)."""
        lines = [doc["question"].strip()]
        lines += [f"{l}. {c}" for l, c in zip(_LETTERS, doc["choices"])]
        return "\n".join(lines) + "\nAnswer:"

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        solved = [f"{self.doc_to_text(s)} {_LETTERS[s['gold']]}" for s in shots]
        context = fewshot_context(solved, self.doc_to_text(doc),
                                  description=subject_description(subtask))
        subject = subtask.replace("_", " ")
        prompt = mc_generation_prompt(
            doc["question"].strip(), doc["choices"], cot=cot, labels=_LETTERS,
            preamble=f"The following is a multiple choice question about {subject}.",
            shots=[_generation_shot(s) for s in shots])
        return BenchItem(id=f"mmlu/{subtask}/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], context=context, choices=_LETTERS,
                         gold_index=doc["gold"], prompt=prompt, answer=_LETTERS[doc["gold"]],
                         choice_labels=_LETTERS, metadata={"subject": subject})
