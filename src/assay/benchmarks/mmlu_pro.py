"""MMLU-Pro: 12,032 harder multiple choice questions with up to ten options, 14 categories.

Layouts: the Hugging Face ``TIGER-Lab/MMLU-Pro`` export (``test-00000-of-00001.parquet`` and
``validation-00000-of-00001.parquet``, also under ``data/``), or the same rows as JSON lines
(``test.jsonl``, ``test.jsonl.gz``, ``validation.jsonl``): ``question_id``, ``question``,
``options`` (3–10 strings), ``answer`` (letter), ``answer_index``, ``cot_content``,
``category``, ``src``. Subtasks are the 14 categories (``computer science`` is spelled
``computer_science``).

The gold answer is the ``answer`` letter, as TIGER-Lab's evaluation scripts and lm-evaluation-
harness's ``mmlu_pro`` use it. The two fields disagree on one upstream row (question_id 3983:
``answer`` C, ``answer_index`` 1); the letter is the right one (N—H is the bond whose
negative end is written first), and the item's metadata notes the mismatch.

Generation (the Nova default, ``zs_cot``) follows TIGER-Lab's ``evaluate_from_local.py``: the
category header asking to finish with "the answer is (X)", ``Question:``/``Options:``
blocks, and for ``fs_cot`` the category's first five validation rows with their
``cot_content``; the response is ``Answer: Let's think step by step.``-primed. The answer is
TIGER-Lab's first two patterns (``answer is (X)``, then ``Answer: X``), then
:func:`~assay.benchmarks.extract.extract_choice_letter`'s lone letter; TIGER-Lab's
last-capital-letter and random-guess fallbacks are not used (no answer scores 0).

Log-likelihood (an assay addition; lm-eval's ``mmlu_pro`` is generation only) scores the
option letters after the same ``Question:``/``Options:`` block ending ``Answer:``, like
lm-eval's ``mmlu``; few-shot blocks there end with the gold letter instead of the CoT.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..data.textcheck import preview
from ..errors import DataError
from .base import Benchmark
from .extract import extract_choice_letter
from .files import read_rows
from .item import BenchItem
from .prompting import LETTERS, fewshot_context
from .registry import register_benchmark

__all__ = ["MMLUPro", "extract_mmlu_pro_answer", "CATEGORIES"]

#: subtask → category as spelled in the data, with the test rows per category (12,032 in all)
CATEGORIES = {"biology": "biology", "business": "business", "chemistry": "chemistry",
              "computer_science": "computer science", "economics": "economics",
              "engineering": "engineering", "health": "health", "history": "history",
              "law": "law", "math": "math", "other": "other", "philosophy": "philosophy",
              "physics": "physics", "psychology": "psychology"}
_TEST_ROWS = {"biology": 717, "business": 789, "chemistry": 1132, "computer_science": 410,
              "economics": 844, "engineering": 969, "health": 818, "history": 381, "law": 1101,
              "math": 1351, "other": 924, "philosophy": 499, "physics": 1299,
              "psychology": 798}

_LABELS = LETTERS[:10]
_ANSWER_IS = re.compile(r"answer is \(?([A-J])\)?")       # TIGER-Lab extract_answer
_ANSWER_COLON = re.compile(r".*[aA]nswer:\s*([A-J])", re.S)   # TIGER-Lab extract_again


def extract_mmlu_pro_answer(text: str | None, n_options: int = 10) -> str | None:
    """The chosen letter: the first ``answer is (X)``, else the last ``Answer: X``
    (TIGER-Lab's patterns), else a lone letter; letters beyond the item's options are
    ignored."""
    if not text:
        return None
    allowed = set(_LABELS[:n_options])
    m = _ANSWER_IS.search(text)
    if m and m.group(1) in allowed:
        return m.group(1)
    m = _ANSWER_COLON.match(text)
    if m and m.group(1) in allowed:
        return m.group(1)
    return extract_choice_letter(text, _LABELS[:n_options])


def header(category: str, *, cot: bool) -> str:
    """TIGER-Lab's initial prompt (``cot_prompt_lib/initial_prompt.txt``) for ``category``."""
    how = ("Think step by step and then finish your answer with \"the answer is (X)\" "
           if cot else "Finish your answer with \"the answer is (X)\" ")
    return (f"The following are multiple choice questions (with answers) about {category}. "
            f"{how}where X is the correct letter choice.\n\n\n")


def question_block(doc: dict[str, Any]) -> str:
    """``Question:\\n…\\nOptions:\\nA. …\\n…`` (TIGER-Lab's ``format_cot_example``)."""
    options = "".join(f"{l}. {o}\n" for l, o in zip(_LABELS, doc["options"]))
    return f"Question:\n{doc['question']}\nOptions:\n{options}"


def _cot_shot(doc: dict[str, Any]) -> str:
    cot = doc["cot_content"].replace("A: Let's think step by step.",
                                     "Answer: Let's think step by step.")
    return question_block(doc) + cot + "\n\n"


def _normalise(row: Any, path: Path, n: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object with question, options and answer", file=path,
                        line=n)
    q, options, answer = row.get("question"), row.get("options"), row.get("answer")
    if not isinstance(q, str) or not q.strip():
        raise DataError("missing question text", file=path, line=n, field="question")
    if not isinstance(options, (list, tuple)) or not 2 <= len(options) <= 10:
        raise DataError("expected a list of 2-10 options", file=path, line=n, field="options")
    letters = _LABELS[:len(options)]
    if not isinstance(answer, str) or answer.strip().upper() not in letters:
        raise DataError(f"answer must be a letter {letters[0]}-{letters[-1]}, got "
                        f"{preview(answer)}", file=path, line=n, field="answer")
    gold = letters.index(answer.strip().upper())
    idx = row.get("answer_index")
    return {"id": str(row.get("question_id", n - 1)), "question": q,
            "options": [str(o) for o in options], "gold": gold,
            "category": str(row.get("category", "")), "cot_content": row.get("cot_content") or "",
            "src": row.get("src"), "index_mismatch": isinstance(idx, int) and idx != gold}


@lru_cache(maxsize=4)
def _load_split(path: Path, mtime: float) -> tuple[dict[str, Any], ...]:
    """Every row of one file, normalised (cached: each subtask reads the same file)."""
    raw = read_rows(path)   # .parquet, .jsonl or .jsonl.gz
    return tuple(_normalise(r, path, n) for n, r in enumerate(raw, 1))


@register_benchmark
class MMLUPro(Benchmark):
    name = "mmlu_pro"
    description = ("MMLU-Pro: 12,032 reasoning-heavy multiple choice questions with up to ten "
                   "options, in 14 categories (law, engineering, health, math, ...).")
    citation = ("Wang et al., 2024. MMLU-Pro: A More Robust and Challenging Multi-Task "
                "Language Understanding Benchmark. NeurIPS 2024 Datasets and Benchmarks. "
                "arXiv:2406.01574")
    subtasks = tuple(CATEGORIES)
    metrics = ("acc",)
    strategy = "zs_cot"
    default_fewshot = 5
    eval_split = "test"
    fewshot_split = "validation"
    stop = ("\n\nQuestion:",)
    num_samples = dict(_TEST_ROWS)
    dataset_info = {"hf_id": "TIGER-Lab/MMLU-Pro", "hf_config": "default", "revision": None,
                    "split": "test", "license": "MIT",
                    "layouts": ["huggingface: test-00000-of-00001.parquet, "
                                "validation-00000-of-00001.parquet (or under data/)",
                                "json lines: test.jsonl or test.jsonl.gz, validation.jsonl "
                                "(the same fields)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, [f"{split}-*.parquet", f"data/{split}-*.parquet", f"{split}.jsonl",
                  f"{split}.jsonl.gz", f"data/{split}.jsonl", f"data/{split}.jsonl.gz"],
            f"benchmark mmlu_pro: no {split} data under {root}; put "
            f"{split}-00000-of-00001.parquet (Hugging Face TIGER-Lab/MMLU-Pro) or "
            f"{split}.jsonl(.gz) there (see docs/benchmarks.md)")
        category = CATEGORIES[subtask]
        rows = _load_split(path.resolve(), path.stat().st_mtime)
        return [dict(r) for r in rows if r["category"] == category]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        category = CATEGORIES[subtask]
        labels = _LABELS[:len(doc["options"])]
        solved = [f"{question_block(s)}Answer: {_LABELS[s['gold']]}" for s in shots]
        context = fewshot_context(solved, question_block(doc) + "Answer:",
                                  description=header(category, cot=False))
        if cot:
            prompt = (header(category, cot=True) + "".join(_cot_shot(s) for s in shots)
                      + question_block(doc) + "Answer: Let's think step by step.")
        else:
            prompt = (header(category, cot=False)
                      + "".join(f"{question_block(s)}Answer: The answer is ({_LABELS[s['gold']]})."
                                "\n\n" for s in shots)
                      + question_block(doc) + "Answer:")
        meta = {"category": category, "src": doc.get("src"), "question_id": doc["id"]}
        if doc.get("index_mismatch"):
            meta["answer_index_mismatch"] = True   # upstream: the letter is used
        return BenchItem(id=f"mmlu_pro/{subtask}/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], context=context, choices=labels,
                         gold_index=doc["gold"], prompt=prompt, answer=labels[doc["gold"]],
                         choice_labels=labels, metadata=meta)

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``acc``: TIGER-Lab's extracted letter equals the gold letter."""
        letter = extract_mmlu_pro_answer(text, len(item.choice_labels))
        return {"extracted": letter, "metrics": {"acc": float(letter == item.answer)}}
