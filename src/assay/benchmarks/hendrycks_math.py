"""MATH (Hendrycks et al.) by subject, and MATH-500 (the PRM800K test subset).

``math`` layouts: one merged JSONL (``math_test_full.jsonl``: ``unique_id``
``test/<subject>/<n>.json``, ``problem``, ``level``, ``type``, ``solution``), the original
``MATH/test/<subject>/<n>.json`` files, or the Hugging Face ``EleutherAI/hendrycks_math``
export (``<subject>/test-*.parquet``). ``math_500`` layouts: ``math500_test.jsonl`` or the
``HuggingFaceH4/MATH-500`` export (``test-*.parquet``), with an ``answer`` field.

The gold answer is the last ``\\boxed{}`` of the reference solution (MATH-500's ``answer``);
a response's last ``\\boxed{}`` (else ``The final answer is X``) is compared with it by
Hendrycks et al.'s ``is_equiv`` normalisation. Few-shot uses four fixed exemplars written for
assay in the Minerva style (not the Minerva prompt itself).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .extract import extract_math_answer, is_equiv, last_boxed_only_string, remove_boxed
from .files import first_existing, read_rows
from .item import BenchItem
from .registry import register_benchmark

__all__ = ["HendrycksMath", "Math500", "EXEMPLARS", "math_prompt"]

SUBJECTS = {"algebra": "Algebra", "counting_and_probability": "Counting & Probability",
            "geometry": "Geometry", "intermediate_algebra": "Intermediate Algebra",
            "number_theory": "Number Theory", "prealgebra": "Prealgebra",
            "precalculus": "Precalculus"}
_BY_TYPE = {v: k for k, v in SUBJECTS.items()}

INSTRUCTION = ("Solve the following math problem. Think step by step, then put your final "
               "answer within \\boxed{}.")
INSTRUCTION_DIRECT = "Solve the following math problem. Put your final answer within \\boxed{}."

#: fixed few-shot exemplars (written for assay; Minerva-style final line)
EXEMPLARS: tuple[dict[str, str], ...] = (
    {"problem": "What is the sum of all integers $n$ with $1 \\le n \\le 20$ that are "
                "multiples of 4?",
     "solution": "The multiples of 4 in the range are $4, 8, 12, 16, 20$, whose sum is "
                 "$4(1+2+3+4+5) = 4 \\cdot 15 = 60$.\nFinal Answer: The final answer is $60$. "
                 "I hope it is correct."},
    {"problem": "Solve for $x$: $3x - 7 = 2x + 5$.",
     "solution": "Subtracting $2x$ from both sides gives $x - 7 = 5$, so $x = 12$.\nFinal "
                 "Answer: The final answer is $12$. I hope it is correct."},
    {"problem": "A bag holds 3 red and 5 blue marbles. Two marbles are drawn without "
                "replacement. What is the probability that both are red? Express your answer "
                "as a common fraction.",
     "solution": "There are $\\binom{8}{2} = 28$ pairs in all and $\\binom{3}{2} = 3$ red "
                 "pairs, so the probability is $\\frac{3}{28}$.\nFinal Answer: The final "
                 "answer is $\\frac{3}{28}$. I hope it is correct."},
    {"problem": "A right triangle has legs of length 6 and 8. What is the length of its "
                "hypotenuse?",
     "solution": "By the Pythagorean theorem the hypotenuse is $\\sqrt{6^2 + 8^2} = "
                 "\\sqrt{100} = 10$.\nFinal Answer: The final answer is $10$. I hope it is "
                 "correct."},
)


def math_prompt(problem: str, shots: Sequence[dict[str, Any]], *, cot: bool) -> str:
    """The user message: the instruction, solved exemplars (``Problem:``/``Solution:``), then
    the problem."""
    parts = [INSTRUCTION if cot else INSTRUCTION_DIRECT]
    parts += [f"Problem:\n{s['problem']}\n\nSolution:\n{s['solution']}" for s in shots]
    parts.append(f"Problem:\n{problem}" + ("\n\nSolution:" if shots else ""))
    return "\n\n".join(parts)


def _gold(solution: str) -> str | None:
    return remove_boxed(last_boxed_only_string(solution))


def _check(row: Any, path: Path, n: int, fields: Sequence[str]) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    for f in fields:
        if not isinstance(row.get(f), str) or not row[f].strip():
            raise DataError(f"expected a non-empty '{f}'", file=path, line=n, field=f)
    return row


class _MathBase(Benchmark):
    """Shared scoring and items of MATH and MATH-500."""

    metrics = ("exact_match",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "zs_cot"
    stop = ("\n\nProblem:",)   # few-shot prompts: never run on into a new exemplar
    default_fewshot = 4
    eval_split = "test"
    fewshot_split = None

    def fewshot_docs(self, root: Path, subtask: str, k: int) -> list[dict[str, Any]]:
        """The first ``k`` of the fixed :data:`EXEMPLARS` (at most four)."""
        return [dict(e) for e in EXEMPLARS[:max(k, 0)]]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        sub = f"{subtask}/" if subtask else ""
        return BenchItem(id=f"{self.name}/{sub}{key}", benchmark=self.name, subtask=subtask,
                         question=doc["problem"], prompt=math_prompt(doc["problem"], shots,
                                                                      cot=cot),
                         answer=doc["answer"],
                         metadata={"level": doc.get("level"), "type": doc.get("type")})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``exact_match``: the extracted answer is equivalent to the gold under
        Hendrycks et al.'s normalisation."""
        got = extract_math_answer(text)
        ok = got is not None and is_equiv(got, item.answer)
        return {"extracted": got, "metrics": {"exact_match": float(ok)}}


@register_benchmark
class HendrycksMath(_MathBase):
    name = "math"
    description = ("12.5K competition mathematics problems (AMC, AIME and others) in seven "
                   "subjects and five levels; the boxed final answer is compared with the "
                   "reference after normalisation.")
    citation = ("Hendrycks et al., 2021. Measuring Mathematical Problem Solving With the MATH "
                "Dataset. arXiv:2103.03874")
    subtasks = tuple(SUBJECTS)
    num_samples = {"algebra": 1187, "counting_and_probability": 474, "geometry": 479,
                   "intermediate_algebra": 903, "number_theory": 540, "prealgebra": 871,
                   "precalculus": 546}
    dataset_info = {"hf_id": "EleutherAI/hendrycks_math", "hf_config": {s: s for s in SUBJECTS},
                    "revision": None, "split": "test", "license": "MIT",
                    "layouts": ["merged: math_test_full.jsonl (unique_id test/<subject>/<n>.json)",
                                "original: MATH/test/<subject>/<n>.json",
                                "huggingface: <subject>/test-*.parquet"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        merged = first_existing(root, [f"math_{split}_full.jsonl", f"MATH/math_{split}_full.jsonl"])
        if merged is not None:
            rows = []
            for n, r in enumerate(read_rows(merged), 1):
                _check(r, merged, n, ("problem", "solution"))
                uid = str(r.get("unique_id", ""))
                sub = uid.split("/")[1] if uid.count("/") >= 2 else _BY_TYPE.get(r.get("type"))
                if sub == subtask:
                    rows.append(self._doc(r, merged, n, uid.rsplit("/", 1)[-1] or str(n)))
            return rows
        for folder in (root / "MATH" / split / subtask, root / split / subtask):
            files = sorted(folder.glob("*.json"),
                           key=lambda p: (int(p.stem) if p.stem.isdigit() else 10**9, p.name))
            if files:
                out = []
                for p in files:
                    try:
                        row = json.loads(p.read_text(encoding="utf-8"))
                    except json.JSONDecodeError as exc:
                        raise DataError(f"invalid JSON ({exc.msg})", file=p) from None
                    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
                        raise DataError(f"cannot read ({type(exc).__name__})", file=p) from None
                    out.append(self._doc(_check(row, p, 1, ("problem", "solution")), p, 1,
                                         p.name))
                return out
        hf = self.require_file(
            root, [f"{subtask}/{split}-*.parquet", f"{subtask}/{split}.jsonl"],
            f"benchmark math: no {subtask} {split} data under {root}; put "
            f"math_{split}_full.jsonl, MATH/{split}/{subtask}/*.json (original layout) or "
            f"{subtask}/{split}-00000-of-00001.parquet (Hugging Face "
            "EleutherAI/hendrycks_math) there (see docs/benchmarks.md)")
        return [self._doc(_check(r, hf, n, ("problem", "solution")), hf, n, str(n - 1))
                for n, r in enumerate(read_rows(hf), 1)]

    @staticmethod
    def _doc(row: dict[str, Any], path: Path, n: int, key: str) -> dict[str, Any]:
        gold = _gold(row["solution"])
        if gold is None:
            raise DataError("solution has no \\boxed{} answer", file=path, line=n,
                            field="solution")
        return {"id": re.sub(r"\.json$", "", key), "problem": row["problem"],
                "solution": row["solution"], "answer": gold, "level": row.get("level"),
                "type": row.get("type")}


@register_benchmark
class Math500(_MathBase):
    name = "math_500"
    description = ("The 500 MATH test problems that OpenAI's PRM800K held out, a "
                   "representative subset of all subjects and levels.")
    citation = ("Lightman et al., 2023. Let's Verify Step by Step. arXiv:2305.20050")
    subtasks = ()
    num_samples = {"": 500}
    dataset_info = {"hf_id": "HuggingFaceH4/MATH-500", "hf_config": "default", "revision": None,
                    "folder": "math",   # it sits beside the full MATH set in a data folder
                    "split": "test", "license": "MIT",
                    "layouts": ["original: math500_test.jsonl (problem, solution, answer, "
                                "subject, level, unique_id)",
                                "huggingface: test-*.parquet (or test.jsonl)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, [f"math500_{split}.jsonl", f"{split}.jsonl",
                  f"{split}-*.parquet", f"data/{split}-*.parquet"],
            f"benchmark math_500: no {split} data under {root}; put math500_{split}.jsonl "
            f"or {split}-00000-of-00001.parquet (Hugging Face HuggingFaceH4/MATH-500) there "
            "(see docs/benchmarks.md)")
        out = []
        for n, r in enumerate(read_rows(path), 1):
            _check(r, path, n, ("problem", "answer"))
            uid = str(r.get("unique_id") or n - 1)
            out.append({"id": re.sub(r"^test/|\.json$", "", uid), "problem": r["problem"],
                        "solution": r.get("solution", ""), "answer": r["answer"],
                        "level": r.get("level"), "type": r.get("subject")})
        return out
