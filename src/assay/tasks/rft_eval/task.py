"""The rft_eval task (Nova ``evaluation.task: rft_eval``, ``strategy: rft_eval``).

``assay.model`` answers each RFT conversation (:mod:`.data`); the reward function scores the
answer (:mod:`.pipeline`). The reward function is ``rl_env.reward_lambda_arn`` (a Lambda
ARN, or as assay's extension an ``http(s)://`` URL or a local ``file.py[:handler]``) or the
``processor`` keys (``path`` / ``url`` / ``lambda_arn`` / ``preset_reward_function``), see
:mod:`assay.rewards.loader`. The records are gen_qa records without built-in metrics, so the
outputs are gen_qa's: ``results_<date_id>.json`` under the task key
``custom|rft_eval_rft_eval|0`` and ``all`` (``aggregate_reward_score`` and every reward
metric with ``_stderr``), the details parquet, ``examples.jsonl``/``.parquet``,
``metrics.json`` (value, stderr, 95% CI, n per metric) and ``report.html``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...backends.base import ModelSpec
from ...backends.retry import RetryPolicy
from ...config.paths import resolve_path
from ...results.run_result import RunResult
from ..base import Executed, RunSpec, Task
from .data import RftDataset
from .pipeline import RftState, run_rft_example

__all__ = ["RftEvalTask", "RewardOnlyScorer"]

#: the record layout's version (part of the fingerprint)
VERSION = 1


class RewardOnlyScorer:
    """The built-in metric set of an rft_eval run: none (every metric is the reward's)."""

    metrics: tuple[str, ...] = ()

    def aggregate(self, values: dict[str, np.ndarray], states: dict[str, np.ndarray], *,
                  seed: int = 0) -> dict[str, float]:
        return {}


class RftEvalTask(Task):
    name = "rft_eval"
    needs_data = True
    strategies = ("rft_eval",)
    uses_processor = True   # processor.path / url / preset may name the reward function

    async def open(self) -> None:
        from ...rewards.loader import reward_function_for

        a = self.recipe.assay
        self.dataset = RftDataset(resolve_path(a.data, self.base), limit=a.limit)
        self.info = self.dataset.validate()
        self.reward = reward_function_for(self.recipe, base_dir=self.base,
                                          retry=RetryPolicy(seed=a.seed))

    async def aclose(self) -> None:
        if getattr(self, "reward", None) is not None:
            await self.reward.aclose()

    def runs(self) -> list[RunSpec]:
        a = self.recipe.assay
        return [RunSpec(name=self.recipe.run.name, model=ModelSpec.parse(a.model, a.model_args),
                        info=self.info, samples=self.dataset.iter_samples,
                        run_one=run_rft_example,
                        fingerprint={"task": self.name, "version": VERSION,
                                     "reward": self.reward.name},
                        label=self.recipe.run.name, state=RftState(self.reward))]

    def finalize(self, executed: Executed) -> RunResult:
        from ..gen_qa.finalize import finalize_gen_qa

        return finalize_gen_qa(self.recipe, executed.store, executed.manifest,
                                 executed.unit_ids, RewardOnlyScorer(), (), executed.model,
                                 executed.start, [])

    def print_summary(self, result: RunResult) -> None:
        from ...reports.console import print_summary
        print_summary(result.summary, title=f"{self.recipe.run.name} · {result.model}")

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        from ..gen_qa.report import write_gen_qa_report
        return [write_gen_qa_report(run_dir)]
