"""MMMU: college-level multimodal questions (images with text) from 30 subjects.

Layout: the Hugging Face ``MMMU/MMMU`` export, one folder per subject
(``<Subject>/validation-00000-of-00001.parquet``, ``dev-*`` and ``test-*`` beside it): ``id``,
``question`` (with ``<image N>`` placeholders), ``options`` (the repr of a Python list of
strings; ``[]`` for open questions), ``answer`` (a letter, or the open answer),
``question_type`` (``multiple-choice`` or ``open``), ``image_1``…``image_7`` (``{bytes,
path}`` or null), ``subfield``, ``topic_difficulty``. The evaluation split is
``validation`` (900 questions, 30 per subject); the test split's answers are hidden.

Every item carries its images as ``data:image/<format>;base64,…`` URIs, in the order of
their ``<image N>`` placeholders (then any others by number); the text keeps the
placeholders, as MMMU's own evaluation does. Only backends that declare
``supports_images`` run MMMU; any other is refused before the first request (never a silent
text-only run).

Prompts: multiple choice lists the options as ``A. …`` and asks for the letter (MMMU's
``Answer with the option's letter from the given choices directly.``, or with ``zs_cot``
to think step by step and end with ``Answer: $LETTER``); open questions ask for a single
word or phrase (``zs_cot``: ending ``Answer: …``). Scoring, after MMMU's ``eval_utils``:
multiple choice compares the extracted letter with the gold letter; an open answer is
correct when a number in the response's final answer equals a gold number, or the
normalised gold text occurs in it (MMMU's ``eval_open``, simplified: its candidate list is
the final answer line, not every sentence).
"""

from __future__ import annotations

import ast
import base64
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .extract import extract_choice_letter, numbers_equal
from .files import read_rows
from .item import BenchItem
from .prompting import LETTERS
from .registry import register_benchmark

__all__ = ["MMMU", "SUBJECTS", "image_data_uri", "score_open"]

SUBJECTS = ("Accounting", "Agriculture", "Architecture_and_Engineering", "Art", "Art_Theory",
            "Basic_Medical_Science", "Biology", "Chemistry", "Clinical_Medicine",
            "Computer_Science", "Design", "Diagnostics_and_Laboratory_Medicine", "Economics",
            "Electronics", "Energy_and_Power", "Finance", "Geography", "History", "Literature",
            "Manage", "Marketing", "Materials", "Math", "Mechanical_Engineering", "Music",
            "Pharmacy", "Physics", "Psychology", "Public_Health", "Sociology")

_MC_DIRECT = "Answer with the option's letter from the given choices directly."
_MC_COT = ("Think step by step, then answer. The last line of your response must be of the "
           "form 'Answer: $LETTER' (without quotes) where LETTER is one of the options' "
           "letters.")
_OPEN_DIRECT = "Answer the question using a single word or phrase."
_OPEN_COT = ("Think step by step, then answer. The last line of your response must be of the "
             "form 'Answer: ...' with a single word, number or phrase.")
_PLACEHOLDER = re.compile(r"<image (\d+)>")
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"),
          (b"RIFF", "webp"), (b"BM", "bmp"))
_ANSWER_LINE = re.compile(r"(?im)^[\s*#]*answer[\s*]*:[\s*]*(.+?)\s*$")


def image_data_uri(data: bytes) -> str:
    """``data:image/<format>;base64,...`` for PNG, JPEG, GIF, WEBP or BMP bytes."""
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return f"data:image/{fmt};base64," + base64.b64encode(data).decode("ascii")
    raise ValueError("not a PNG, JPEG, GIF, WEBP or BMP image")


def _normalise_text(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().lower()).rstrip(".")


def score_open(text: str | None, gold: str) -> tuple[str | None, bool]:
    """``(final answer, correct)`` of an open question: the last ``Answer: …`` line, else the
    last non-empty line; correct when a number in it equals the (or a) gold number, or the
    normalised gold text occurs in it."""
    if not text or not text.strip():
        return None, False
    hits = _ANSWER_LINE.findall(text)
    final = hits[-1] if hits else [ln for ln in text.splitlines() if ln.strip()][-1]
    final = final.strip()
    golds = _gold_list(gold)
    nums = re.findall(r"-?\d+(?:,\d{3})*(?:\.\d+)?", final)
    for g in golds:
        if re.fullmatch(r"-?\d+(?:,\d{3})*(?:\.\d+)?", g.strip()):
            if any(numbers_equal(n, g) for n in nums):
                return final, True
        elif _normalise_text(g) and _normalise_text(g) in _normalise_text(final):
            return final, True
    return final, False


def _gold_list(gold: str) -> list[str]:
    """MMMU stores some open answers as the repr of a list of acceptable answers."""
    g = gold.strip()
    if g.startswith("["):
        try:
            value = ast.literal_eval(g)
        except (ValueError, SyntaxError):
            return [g]
        if isinstance(value, list):
            return [str(v) for v in value]
    return [g]


def _options(value: Any, path: Path, n: int) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            parsed = ast.literal_eval(value) if value.strip() else []
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    raise DataError("options must be a list of strings (or its repr)", file=path, line=n,
                    field="options")


def _images(row: dict[str, Any], text: str, path: Path, n: int) -> tuple[str, ...]:
    present = {}
    for i in range(1, 8):
        img = row.get(f"image_{i}")
        if img is None:
            continue
        data = img.get("bytes") if isinstance(img, dict) else img
        if not isinstance(data, (bytes, bytearray)) or not data:
            raise DataError(f"image_{i} has no image bytes", file=path, line=n,
                            field=f"image_{i}")
        try:
            present[i] = image_data_uri(bytes(data))
        except ValueError as exc:
            raise DataError(f"image_{i}: {exc}", file=path, line=n, field=f"image_{i}") from None
    order = [int(m) for m in _PLACEHOLDER.findall(text)]
    order = list(dict.fromkeys(i for i in order if i in present))
    order += [i for i in sorted(present) if i not in order]
    return tuple(present[i] for i in order)


@register_benchmark
class MMMU(Benchmark):
    name = "mmmu"
    description = ("MMMU: 11.5K college-level multimodal questions (charts, diagrams, "
                   "photographs, ...) from 30 subjects in six disciplines; validation has 900.")
    citation = ("Yue et al., 2024. MMMU: A Massive Multi-discipline Multimodal Understanding "
                "and Reasoning Benchmark for Expert AGI. CVPR 2024. arXiv:2311.16502")
    subtasks = SUBJECTS
    metrics = ("acc",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "zs_cot"
    modality = "Multi-Modal"
    default_fewshot = 0
    eval_split = "validation"
    fewshot_split = None
    num_samples = {s: 30 for s in SUBJECTS}
    dataset_info = {"hf_id": "MMMU/MMMU", "hf_config": {s: s for s in SUBJECTS},
                    "revision": None, "split": "validation", "license": "Apache-2.0",
                    "layouts": ["huggingface: <Subject>/validation-00000-of-00001.parquet "
                                "(id, question, options, answer, question_type, image_1..7 "
                                "as {bytes, path})"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, [f"{subtask}/{split}-*.parquet", f"{subtask}/{split}.parquet"],
            f"benchmark mmmu: no {subtask} {split} data under {root}; put "
            f"{subtask}/{split}-00000-of-00001.parquet (Hugging Face MMMU/MMMU) there (see "
            "docs/benchmarks.md)")
        docs = []
        for n, row in enumerate(read_rows(path), 1):
            if not isinstance(row, dict) or not isinstance(row.get("question"), str):
                raise DataError("expected a row with a question", file=path, line=n,
                                field="question")
            answer = row.get("answer")
            if not isinstance(answer, str) or not answer.strip():
                raise DataError("missing answer", file=path, line=n, field="answer")
            options = _options(row.get("options"), path, n)
            qtype = "multiple-choice" if options else "open"
            if qtype == "multiple-choice" and answer.strip() not in LETTERS[:len(options)]:
                raise DataError(f"answer {answer!r} is not one of the {len(options)} options' "
                                "letters", file=path, line=n, field="answer")
            text = row["question"] + "\n" + "\n".join(options)
            docs.append({"id": str(row.get("id") or n - 1), "question": row["question"],
                         "options": options, "answer": answer.strip(), "type": qtype,
                         "images": _images(row, text, path, n),
                         "subfield": row.get("subfield"),
                         "difficulty": row.get("topic_difficulty")})
        return docs

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        labels = LETTERS[:len(doc["options"])]
        if doc["type"] == "multiple-choice":
            options = "\n".join(f"{l}. {o}" for l, o in zip(labels, doc["options"]))
            prompt = f"{doc['question']}\n{options}\n{_MC_COT if cot else _MC_DIRECT}"
        else:
            prompt = f"{doc['question']}\n{_OPEN_COT if cot else _OPEN_DIRECT}"
        return BenchItem(id=f"mmmu/{subtask}/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["question"], prompt=prompt, answer=doc["answer"],
                         choice_labels=labels, images=doc["images"],
                         metadata={"question_type": doc["type"], "options": doc["options"],
                                   "subfield": doc["subfield"],
                                   "difficulty": doc["difficulty"],
                                   "n_images": len(doc["images"])})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``acc``: the letter (multiple choice) or the open answer matches the gold one."""
        if item.metadata["question_type"] == "multiple-choice":
            letter = extract_choice_letter(text, item.choice_labels)
            return {"extracted": letter, "metrics": {"acc": float(letter == item.answer)}}
        final, ok = score_open(text, item.answer)
        return {"extracted": final, "metrics": {"acc": float(ok)}}
