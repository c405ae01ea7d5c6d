"""GPQA Diamond: 198 graduate-level, "Google-proof" multiple choice questions (biology,
physics, chemistry).

GPQA is gated: the official ``dataset.zip`` (github.com/idavidrein/gpqa) is password-protected
and the Hugging Face dataset ``Idavidrein/gpqa`` needs its terms accepted, so assay never
fetches it. Layouts: the official CSV ``gpqa_diamond.csv`` (also under ``dataset/``), or the
Hugging Face export of config ``gpqa_diamond`` (``gpqa_diamond/train-00000-of-00001.parquet``,
``train-*.parquet`` or ``gpqa_diamond.csv`` as the hub stores it). Both have the columns
``Question``, ``Correct Answer``, ``Incorrect Answer 1``–``3`` (and ``Record ID``,
``High-level domain``, ``Subdomain``, ...).

Choice order follows OpenAI simple-evals' ``gpqa_eval.py``: one ``random.Random(0)`` draws
``rng.sample(range(4), 4)`` for every row in file order (before ``--limit``), applied to
``[Correct, Incorrect 1, Incorrect 2, Incorrect 3]``; the same file therefore always gives the
same letters. Generation uses simple-evals' prompt (``Answer: $LETTER`` last line, think step
by step) and its answer pattern; log-likelihood scores ``(A)``–``(D)`` after lm-evaluation-
harness's ``gpqa_diamond_zeroshot`` text (``What is the correct answer to this question:``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .registry import register_benchmark

__all__ = ["GPQA", "QUERY_TEMPLATE", "SEED"]

_LETTERS = ("A", "B", "C", "D")
_FIELDS = ("Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
           "Incorrect Answer 3")
SEED = 0   # simple-evals: random.Random(0), one permutation per row in file order

#: simple-evals' QUERY_TEMPLATE_MULTICHOICE
QUERY_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be "
    "of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. "
    "Think step by step before answering.\n\n{question}\n\nA) {A}\nB) {B}\nC) {C}\nD) {D}")
_DIRECT_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be "
    "of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. "
    "Answer directly, without explanation.\n\n{question}\n\nA) {A}\nB) {B}\nC) {C}\nD) {D}")


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = read_rows(path)
    out = []
    for n, row in enumerate(rows, 1):
        line = n + 1 if path.suffix.lower() == ".csv" else n   # CSV: line 1 is the header
        if not isinstance(row, dict):
            raise DataError("expected a row with the GPQA columns", file=path, line=line)
        for f in _FIELDS:
            v = row.get(f)
            if not isinstance(v, str) or not v.strip():
                raise DataError(f"missing '{f}' (expected the GPQA columns: "
                                f"{', '.join(_FIELDS)})", file=path, line=line, field=f)
        out.append(row)
    return out


@register_benchmark
class GPQA(Benchmark):
    name = "gpqa"
    description = ("GPQA Diamond: 198 graduate-level multiple choice questions in biology, "
                   "physics and chemistry that experts answer and skilled non-experts with "
                   "web access do not.")
    citation = ("Rein et al., 2023. GPQA: A Graduate-Level Google-Proof Q&A Benchmark. "
                "arXiv:2311.12022")
    subtasks = ()
    metrics = ("acc",)
    strategy = "zs_cot"
    eval_split = "train"       # the only split GPQA has
    fewshot_split = None
    num_samples = {"": 198}
    dataset_info = {"hf_id": "Idavidrein/gpqa", "hf_config": "gpqa_diamond", "revision": None,
                    "split": "train", "license": "CC-BY-4.0", "gated": True,
                    "layouts": ["original: gpqa_diamond.csv (from the password-protected "
                                "dataset.zip of github.com/idavidrein/gpqa)",
                                "huggingface: gpqa_diamond/train-00000-of-00001.parquet "
                                "(Idavidrein/gpqa, config gpqa_diamond; gated)"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, ["gpqa_diamond.csv", "dataset/gpqa_diamond.csv",
                  "gpqa_diamond/train-*.parquet", "gpqa_diamond/gpqa_diamond.csv",
                  "train-*.parquet", "data/train-*.parquet"],
            f"benchmark gpqa: no GPQA Diamond data under {root}; GPQA is gated, so assay "
            "cannot fetch it: put gpqa_diamond.csv (from the password-protected dataset.zip "
            "of github.com/idavidrein/gpqa) or gpqa_diamond/train-00000-of-00001.parquet "
            "(Hugging Face Idavidrein/gpqa, config gpqa_diamond, after accepting its terms) "
            "there (see docs/benchmarks.md)")
        rng = random.Random(SEED)
        docs = []
        for i, row in enumerate(_rows(path)):
            perm = rng.sample(range(4), 4)
            raw = [row["Correct Answer"], row["Incorrect Answer 1"], row["Incorrect Answer 2"],
                   row["Incorrect Answer 3"]]
            choices = [raw[j] for j in perm]
            docs.append({"id": str(row.get("Record ID") or i), "question": row["Question"],
                         "choices": choices, "gold": perm.index(0), "permutation": perm,
                         "domain": row.get("High-level domain"),
                         "subdomain": row.get("Subdomain")})
        return docs

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        fields = dict(zip(_LETTERS, doc["choices"]), question=doc["question"])
        prompt = (QUERY_TEMPLATE if cot else _DIRECT_TEMPLATE).format(**fields)
        context = ("What is the correct answer to this question:" + doc["question"].strip()
                   + "\nChoices:\n" + "".join(f"({l}) {c.strip()}\n"
                                             for l, c in zip(_LETTERS, doc["choices"]))
                   + "Answer:")
        return BenchItem(id=f"gpqa/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], context=context,
                         choices=tuple(f"({l})" for l in _LETTERS), gold_index=doc["gold"],
                         prompt=prompt, answer=_LETTERS[doc["gold"]], choice_labels=_LETTERS,
                         metadata={"domain": doc["domain"], "subdomain": doc["subdomain"],
                                   "permutation": doc["permutation"],
                                   "options": list(doc["choices"])})
