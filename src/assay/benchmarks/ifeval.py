"""IFEval: 541 prompts carrying 834 verifiable instructions of 25 types ("answer in fewer
than 200 words", "do not use any commas", "wrap the answer in JSON"), each checked by code.

Layouts: Google's ``input_data.jsonl`` (``key``, ``prompt``, ``instruction_id_list``,
``kwargs``: one dict per instruction) or the Hugging Face ``google/IFEval`` export
(``train-*.parquet``, ``ifeval_input_data.jsonl``; unused kwargs are null there and ignored).

The prompt is sent as it is (zero-shot, one user message). The response is checked by the
reference's checkers (:mod:`assay.benchmarks.ifeval_checks`), strictly and loosely (also
without the first and/or last line and without ``*``). Metrics, as Google's
``evaluation_main`` and lm-evaluation-harness's ``ifeval`` task:

* ``prompt_level_strict_acc`` (the primary metric, reported first; Nova's ``accuracy``):
  the share of prompts whose every instruction is followed;
* ``inst_level_strict_acc``: the share of instructions followed, over all instructions;
* ``prompt_level_loose_acc``, ``inst_level_loose_acc``: the same, loosely.

Instruction-level metrics are means over instructions: each item reports its fraction and
its number of instructions (``n_instructions``), and the summary weights by it
(``metric_weights``), with a standard error clustered by prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from .base import Benchmark
from .files import read_rows
from .ifeval_checks import CHECKERS, follow_instructions, prepare
from .item import BenchItem
from .registry import register_benchmark

__all__ = ["IFEval", "IFEVAL_METRICS"]

IFEVAL_METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc",
                  "prompt_level_loose_acc", "inst_level_loose_acc")


def _doc(row: Any, path: Path, n: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    prompt, ids, kwargs = row.get("prompt"), row.get("instruction_id_list"), row.get("kwargs")
    if not isinstance(prompt, str) or not prompt.strip():
        raise DataError("expected a non-empty prompt", file=path, line=n, field="prompt")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise DataError("expected a non-empty list of instruction ids", file=path, line=n,
                        field="instruction_id_list")
    if not isinstance(kwargs, list) or len(kwargs) != len(ids) or \
            not all(isinstance(k, dict) for k in kwargs):
        raise DataError("expected one kwargs object per instruction", file=path, line=n,
                        field="kwargs")
    prepared = []
    for j, (i, k) in enumerate(zip(ids, kwargs)):
        try:
            prepared.append(prepare(i, k))
        except ValueError as exc:   # an unknown id, or this instruction's kwargs
            field = (f"instruction_id_list[{j}]" if i not in CHECKERS else f"kwargs[{j}]")
            raise DataError(str(exc), file=path, line=n, field=field) from None
    key = row.get("key", n - 1)
    return {"id": str(key), "prompt": prompt, "instruction_id_list": list(ids),
            "kwargs": prepared}


def _require_dependencies() -> None:
    from .ifeval_checks.text import count_sentences, detect_language
    count_sentences("Check.")        # nltk and the Punkt English model
    detect_language("Check this.")   # langdetect


@register_benchmark
class IFEval(Benchmark):
    name = "ifeval"
    description = ("541 prompts with 834 verifiable instructions of 25 types (length, "
                   "format, keywords, case, language, punctuation); each instruction is "
                   "checked by code, strictly and loosely.")
    citation = ("Zhou et al., 2023. Instruction-Following Evaluation for Large Language "
                "Models. arXiv:2311.07911")
    subtasks = ()
    metrics = IFEVAL_METRICS
    task_type = "generation"
    methods = ("generate",)
    strategy = "zs"
    default_fewshot = 0
    eval_split = "train"            # google/IFEval has one split, "train"
    fewshot_split = None
    num_samples = {"": 541}
    metric_weights = {"inst_level_strict_acc": "n_instructions",
                      "inst_level_loose_acc": "n_instructions"}
    dataset_info = {"hf_id": "google/IFEval", "hf_config": "default", "revision": None,
                    "split": "train", "license": "Apache-2.0",
                    "layouts": ["original: input_data.jsonl (key, prompt, instruction_id_list, "
                                "kwargs)",
                                "huggingface: train-*.parquet or ifeval_input_data.jsonl"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, ["input_data.jsonl", "ifeval_input_data.jsonl", f"{split}-*.parquet",
                   f"data/{split}-*.parquet"],
            f"benchmark ifeval: no data under {root}; put input_data.jsonl (Google's "
            "instruction_following_eval/data layout) or train-00000-of-00001.parquet "
            "(Hugging Face google/IFEval) there (see docs/benchmarks.md)")
        docs = [_doc(r, path, n) for n, r in enumerate(read_rows(path), 1)]
        _require_dependencies()
        return docs

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        return BenchItem(id=f"ifeval/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["prompt"], prompt=doc["prompt"],
                         answer=", ".join(doc["instruction_id_list"]),
                         metadata={"instruction_id_list": doc["instruction_id_list"],
                                   "kwargs": doc["kwargs"]})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """The four accuracies of one response (instruction-level ones as this prompt's
        fraction) and ``n_instructions``; ``extracted`` lists the instructions followed
        strictly (``+``) or not (``-``)."""
        ids = item.metadata["instruction_id_list"]
        f = follow_instructions(text or "", ids, item.metadata["kwargs"])
        n = len(ids)
        return {"extracted": " ".join(("+" if s else "-") + i for i, s in zip(ids, f.strict)),
                "metrics": {"prompt_level_strict_acc": float(f.prompt_strict),
                            "inst_level_strict_acc": sum(f.strict) / n,
                            "prompt_level_loose_acc": float(f.prompt_loose),
                            "inst_level_loose_acc": sum(f.loose) / n,
                            "n_instructions": float(n)},
                "strict": list(f.strict), "loose": list(f.loose)}
