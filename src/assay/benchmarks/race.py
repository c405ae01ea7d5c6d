"""RACE: reading comprehension from English exams for Chinese middle and high school students.

Layouts: the original release (``RACE/test/high/*.txt`` or ``test/high/*.txt``, each file one
JSON object: ``article``, ``questions[]``, ``options[][4]``, ``answers[]`` letters, ``id``),
read in file-name order (``high1.txt``, ``high2.txt``, … numerically), or the Hugging Face
``ehovy/race`` export, configs ``high``/``middle`` (``high/test-*.parquet`` or
``high/test.jsonl``: one row per question with ``example_id``, ``article``, ``question``,
``options[4]``, ``answer``).

One item per question (lm-evaluation-harness's ``race`` instead scores only each article's
last question, after the earlier ones with their answers). The context is
``Article: {article}\\n\\nQuestion: {question}\\nAnswer:`` with each option as a continuation.
Cloze questions (with a ``_`` blank; lm-eval appends them verbatim, blank included, and
puts the option after) are completed by filling the blank: the context is
``Article: {article}\\n\\n`` plus the question up to the blank, and each continuation is the
option followed by the rest of the question. Item ids are ``<file>/<question number>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..data.textcheck import preview
from ..errors import DataError
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .prompting import LETTERS, fewshot_context, mc_generation_prompt
from .registry import register_benchmark

__all__ = ["RACE", "question_parts"]

_HF_SPLITS = {"test": "test", "dev": "validation", "validation": "validation", "train": "train"}
_ORIG_SPLITS = {"test": "test", "dev": "dev", "validation": "dev", "train": "train"}


def _file_key(path: Path) -> tuple[str, int, str]:
    m = re.match(r"(\D*)(\d+)", path.stem)
    return (m.group(1), int(m.group(2)), path.name) if m else (path.stem, -1, path.name)


def _question(q: Any, opts: Any, ans: Any, *, where: Path, line: int) -> tuple[str, list, int]:
    if not isinstance(q, str):
        raise DataError("missing question text", file=where, line=line, field="question")
    if not isinstance(opts, (list, tuple)) or len(opts) < 2 \
            or not all(isinstance(o, str) for o in opts):
        raise DataError("expected a list of option texts", file=where, line=line,
                        field="options")
    letter = str(ans).strip().upper()
    if letter not in LETTERS[: len(opts)]:
        raise DataError(f"answer must be a letter among the options, got {preview(ans)}",
                        file=where, line=line, field="answer")
    return q, list(opts), LETTERS.index(letter)


def _from_original(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON ({exc.msg})", file=path, line=exc.lineno) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DataError(f"cannot read ({type(exc).__name__})", file=path) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("article"), str):
        raise DataError("expected an object with an article", file=path, line=1,
                        field="article")
    qs, opts, ans = doc.get("questions"), doc.get("options"), doc.get("answers")
    if not all(isinstance(x, list) for x in (qs, opts, ans)) or not len(qs) == len(opts) \
            == len(ans):
        raise DataError("questions, options and answers must be lists of one length",
                        file=path, line=1, field="questions")
    out = []
    for i, (q, o, a) in enumerate(zip(qs, opts, ans)):
        q, o, gold = _question(q, o, a, where=path, line=1)
        out.append({"id": f"{path.name}/{i}", "article": doc["article"], "question": q,
                    "choices": o, "gold": gold})
    return out


def _from_hf(path: Path) -> list[dict[str, Any]]:
    out, seen = [], {}
    for n, row in enumerate(read_rows(path), 1):
        if not isinstance(row, dict) or not isinstance(row.get("article"), str):
            raise DataError("missing article text", file=path, line=n, field="article")
        q, o, gold = _question(row.get("question"), row.get("options"), row.get("answer"),
                               where=path, line=n)
        ex = str(row.get("example_id") or f"row{n}")
        k = seen.get(ex, 0)
        seen[ex] = k + 1
        out.append({"id": f"{ex}/{k}", "article": row["article"], "question": q,
                    "choices": o, "gold": gold})
    return out


def question_parts(article: str, question: str, choices: Sequence[str]) -> tuple[str, list[str]]:
    """The log-likelihood context and continuations (without the delimiter) of one question."""
    head = f"Article: {article}\n\n"
    if "_" not in question:
        return head + f"Question: {question}\nAnswer:", list(choices)
    idx = question.index("_")
    before, after = question[:idx].rstrip(), " ".join(question[idx + 1:].split())
    if after and after[0] not in ".,;:!?'\"":
        after = " " + after
    return head + before, [c.strip() + after for c in choices]


@register_benchmark
class RACE(Benchmark):
    name = "race"
    description = ("Reading comprehension: multiple choice questions on passages from English "
                   "exams for Chinese middle-school and high-school students.")
    citation = ("Lai et al., 2017. RACE: Large-scale ReAding Comprehension Dataset From "
                "Examinations. EMNLP 2017. arXiv:1704.04683")
    subtasks = ("high", "middle")
    metrics = ("acc",)
    strategy = "zs"
    default_fewshot = 0
    eval_split = "test"
    fewshot_split = "train"
    num_samples = {"high": 3498, "middle": 1436}
    dataset_info = {"hf_id": "ehovy/race", "hf_config": {"high": "high", "middle": "middle"},
                    "revision": None, "split": "test",
                    "license": "RACE terms (non-commercial research use)",
                    "layouts": ["original: RACE/test/high/*.txt, RACE/test/middle/*.txt "
                                "(one JSON article per file)",
                                "huggingface: high/test-*.parquet, middle/test-*.parquet "
                                "(or .jsonl)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        orig, hf = _ORIG_SPLITS.get(split, split), _HF_SPLITS.get(split, split)
        for folder in (root / "RACE" / orig / subtask, root / orig / subtask):
            files = sorted(folder.glob("*.txt"), key=_file_key) if folder.is_dir() else []
            if files:
                return [d for f in files for d in _from_original(f)]
        path = self.require_file(
            root, [f"{subtask}/{hf}-*.parquet", f"{subtask}/{hf}.parquet",
                  f"{subtask}/{hf}.jsonl", f"{subtask}/{hf}-*.jsonl"],
            f"benchmark race: no {subtask} {split} data under {root}; put "
            f"RACE/{orig}/{subtask}/*.txt (original release) or "
            f"{subtask}/{hf}-00000-of-00001.parquet (Hugging Face ehovy/race) there "
            "(see docs/benchmarks.md)")
        return _from_hf(path)

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        solved = []
        for s in shots:
            ctx, conts = question_parts(s["article"], s["question"], s["choices"])
            solved.append(f"{ctx} {conts[s['gold']]}")
        query, conts = question_parts(doc["article"], doc["question"], doc["choices"])
        labels = LETTERS[: len(doc["choices"])]
        prompt = mc_generation_prompt(
            f"Article:\n{doc['article']}\n\nQuestion: {doc['question']}", doc["choices"],
            cot=cot, labels=labels, preamble="Read the article and answer the question.")
        return BenchItem(id=f"race/{subtask}/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], context=fewshot_context(solved, query),
                         choices=tuple(conts), gold_index=doc["gold"], prompt=prompt,
                         answer=labels[doc["gold"]], choice_labels=labels,
                         metadata={"options": list(doc["choices"])})
