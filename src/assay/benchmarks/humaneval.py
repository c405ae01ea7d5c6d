"""HumanEval: 164 hand-written Python programming problems, scored by running the model's
code against the problem's unit tests (pass@k, Chen et al. 2021).

Layouts: the original ``HumanEval.jsonl`` or ``HumanEval.jsonl.gz`` (openai/human-eval:
``task_id``, ``prompt``, ``entry_point``, ``canonical_solution``, ``test``), or the Hugging
Face ``openai/openai_humaneval`` export (``test-*.parquet`` or ``openai_humaneval/test-*.parquet``,
same fields).

The prompt (a chat model's user message) shows the problem's ``prompt`` (imports, the
function signature and docstring) in a Python fence and asks for the completed function in
one fence, like lm-evaluation-harness's ``humaneval_instruct`` (which also prefills the reply
with the prompt; assay does not, as not every chat backend can prefill). The code is the
response's fenced block that defines the entry point (else its last Python fence, else the
whole response: :func:`assay.rewards.code_verify.extract_code`). The program that runs is the
problem's prompt, then the code (a full function redefines the stub; a body without ``def``
completes it, HumanEval's completion style), then the ``test`` code and
``check(<entry_point>)``, in :func:`assay.rewards.sandbox.run_python` (no network, CPU,
memory, process and wall-clock limits). An item passes when that program exits 0.

With ``assay.benchmark.samples`` = n > 1 each item is generated n times (seeded, sampling
temperature); the item's ``pass@k`` is the unbiased estimator ``1 - C(n-c, k)/C(n, k)`` for
every k of ``assay.benchmark.pass_k`` up to n, and the benchmark's is the mean over items.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..rewards.sandbox import SandboxLimits
from .base import Benchmark
from .files import read_rows
from .item import BenchItem
from .passk import pass_at_k
from .registry import register_benchmark

__all__ = ["HumanEval", "humaneval_prompt", "humaneval_program", "run_humaneval",
           "SANDBOX_LIMITS"]

INSTRUCTION = ("Complete the following Python function so that it passes its tests. Reply "
               "with the complete function (signature included) in a single ```python code "
               "block.")

_FIELDS = ("task_id", "prompt", "entry_point", "test")


#: the limits of one program (HumanEval's own harness gives each 3 s of wall clock)
SANDBOX_LIMITS = SandboxLimits(cpu_seconds=5, wall_seconds=10.0)


def humaneval_prompt(problem_prompt: str) -> str:
    """The user message for one problem."""
    return f"{INSTRUCTION}\n\n```python\n{problem_prompt.rstrip()}\n```"


def _code(completion: str | None, entry: str) -> str | None:
    """The code of a completion (:func:`assay.rewards.code_verify.extract_code`); a fence
    left open (cut off by ``max_new_tokens``) gives its code up to the cut."""
    from ..rewards.code_verify import extract_code

    if completion and completion.count("```") % 2 == 1:
        completion += "\n```"
    return extract_code(completion, entry)


def humaneval_program(completion: str | None, doc: dict[str, Any]) -> str | None:
    """The program that tests ``completion`` (None when it holds no code)."""
    from ..rewards.code_verify import CodeTests, build_program

    entry = doc["entry_point"]
    code = _code(completion, entry)
    if code is None or not code.strip():
        return None
    if re.search(rf"\bdef\s+{re.escape(entry)}\b", code):
        # a full function: after the prompt (its imports and helper functions), redefining it
        code = doc["prompt"] + "\n" + code
    return build_program(code, CodeTests(doc["test"], entry, doc["prompt"]))


def run_humaneval(completion: str | None, doc: dict[str, Any]) -> dict[str, Any]:
    """Run one completion: ``{"passed", "code", "timed_out", "returncode", "stderr"}``
    (``code`` is the extracted code, None when the completion holds none)."""
    from ..rewards.sandbox import run_python

    program = humaneval_program(completion, doc)
    if program is None:
        return {"passed": False, "code": None, "timed_out": False, "returncode": None,
                "stderr": ""}
    r = run_python(program, limits=SANDBOX_LIMITS)
    return {"passed": r.ok, "code": _code(completion, doc["entry_point"]),
            "timed_out": r.timed_out, "returncode": r.returncode, "stderr": r.stderr[-500:]}


def _doc(row: Any, path: Path, n: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError("expected an object", file=path, line=n)
    for f in _FIELDS:
        if not isinstance(row.get(f), str) or not row[f].strip():
            raise DataError(f"expected a non-empty '{f}'", file=path, line=n, field=f)
    if not row["entry_point"].isidentifier():
        raise DataError("entry_point must be a function name", file=path, line=n,
                        field="entry_point")
    return {"id": row["task_id"].rsplit("/", 1)[-1], "task_id": row["task_id"],
            "prompt": row["prompt"], "entry_point": row["entry_point"], "test": row["test"],
            "canonical_solution": row.get("canonical_solution") or ""}


@register_benchmark
class HumanEval(Benchmark):
    name = "humaneval"
    description = ("164 hand-written Python programming problems (a function signature and "
                   "docstring); the model's function is run against the problem's unit tests "
                   "in a sandbox and scored by pass@k.")
    citation = ("Chen et al., 2021. Evaluating Large Language Models Trained on Code. "
                "arXiv:2107.03374")
    subtasks = ()
    metrics = ("pass@1",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "zs"
    default_fewshot = 0
    eval_split = "test"
    fewshot_split = None
    num_samples = {"": 164}
    score_in_thread = True
    dataset_info = {"hf_id": "openai/openai_humaneval", "hf_config": "openai_humaneval",
                    "revision": None, "split": "test", "license": "MIT",
                    "layouts": ["original: HumanEval.jsonl or HumanEval.jsonl.gz (task_id, "
                                "prompt, entry_point, canonical_solution, test)",
                                "huggingface: test-*.parquet or openai_humaneval/test-*.parquet"]}

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, ["HumanEval.jsonl", "HumanEval.jsonl.gz", f"{split}-*.parquet",
                   f"openai_humaneval/{split}-*.parquet", f"data/{split}-*.parquet"],
            f"benchmark humaneval: no data under {root}; put HumanEval.jsonl or "
            "HumanEval.jsonl.gz (openai/human-eval layout) or openai_humaneval/"
            f"{split}-00000-of-00001.parquet (Hugging Face openai/openai_humaneval) there "
            "(see docs/benchmarks.md)")
        return [_doc(r, path, n) for n, r in enumerate(read_rows(path), 1)]

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        return BenchItem(id=f"humaneval/{key}", benchmark=self.name, subtask=subtask,
                         question=doc["prompt"], prompt=humaneval_prompt(doc["prompt"]),
                         answer=doc["canonical_solution"],
                         metadata={"task_id": doc["task_id"], "prompt": doc["prompt"],
                                   "entry_point": doc["entry_point"], "test": doc["test"]})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``pass@1`` of one sample: 1.0 when the program exits 0 inside the limits;
        ``extracted`` is the code that ran (None when the response holds no code)."""
        r = run_humaneval(text, item.metadata)
        return {"extracted": r["code"], "metrics": {"pass@1": float(r["passed"])},
                "timed_out": r["timed_out"]}

    def score_generations(self, item: BenchItem, texts: Sequence[str],
                          pass_k: Sequence[int] = (1,)) -> dict[str, Any]:
        """``pass@k`` for every k in ``pass_k`` (and always k=1) up to the number of samples,
        by the unbiased estimator; the samples run in parallel (at most 4 at once)."""
        if len(texts) == 1:
            return self.score_generation(item, texts[0])
        with ThreadPoolExecutor(max_workers=min(4, len(texts))) as pool:
            scored = list(pool.map(lambda t: self.score_generation(item, t), texts))
        n = len(scored)
        c = sum(int(s["metrics"]["pass@1"]) for s in scored)
        ks = sorted({1, *(k for k in pass_k if 1 <= k <= n)})
        return {"extracted": scored[0]["extracted"],
                "metrics": {f"pass@{k}": pass_at_k(n, c, k) for k in ks},
                "samples": [{"extracted": s["extracted"], "metrics": s["metrics"],
                             "timed_out": s["timed_out"]} for s in scored]}
