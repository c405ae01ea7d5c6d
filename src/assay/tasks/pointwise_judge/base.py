"""What every task built on pointwise judge metrics shares (``llm_judge_pointwise``,
``rag_eval``): the judge mode and sampling, closing the per-run states, streaming the stored
records through a writer, and finishing the run (``metrics.json``, the manifest, the
:class:`~assay.results.run_result.RunResult`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ...results.native import write_json
from ...results.run_result import RunResult
from ..base import Executed, Task
from ..pairwise_judge.mode import JudgeMode, resolve_mode
from .sampling import sample_seed, sample_temperature

__all__ = ["JudgeMetricsTask"]


class JudgeMetricsTask(Task):
    """A :class:`~assay.tasks.base.Task` whose examples are scored by judge metrics through
    :func:`~assay.tasks.pointwise_judge.pipeline.judge_metric`. Subclasses set ``self.states``
    in ``open`` and ``self.model_id`` before ``finalize``."""

    async def aclose(self) -> None:
        for state in getattr(self, "states", []):
            await state.aclose()

    @property
    def mode(self) -> JudgeMode:
        """As the pairwise judge's: structured where the judge's backend enforces a schema;
        ``judge.top_logprobs`` unset: 5 for a structured judge (at least
        ``inference.top_logprobs``, for the probability-weighted scores), else
        ``inference.top_logprobs``."""
        return resolve_mode(self.recipe.judge, self.recipe.inference)

    @property
    def sampling(self) -> dict:
        """``judge.samples`` and the temperature and seeds of the judge samples."""
        k, inf = self.recipe.judge.samples, self.recipe.inference
        temperature, source = sample_temperature(k, inf.temperature)
        return {"k": k, "temperature": temperature, "temperature_source": source,
                "seeds": [sample_seed(self.recipe.assay.seed, s) for s in range(k)]}

    @staticmethod
    def stream_records(executed: Executed, writer: Any, keep: Sequence[str]
                       ) -> tuple[list[dict[str, Any]], Any]:
        """Every stored record, in dataset order, through ``writer.add``; returns the
        ``keep`` fields of each (for the summary) and what ``writer.close()`` returns. A
        failure aborts the writer (no half-written file is left)."""
        slim = []
        try:
            for rec, line in executed.store.iter_unit_records(executed.unit_ids):
                writer.add(rec, line)
                slim.append({k: rec[k] for k in keep})
        except BaseException:
            writer.abort()
            raise
        return slim, writer.close()

    def succeed(self, executed: Executed, summary: dict[str, Any],
                paths: dict[str, str]) -> RunResult:
        """Write ``metrics.json``, mark the manifest succeeded with the output ``paths`` (plus
        ``metrics`` and ``report``) and return the run's result."""
        store = executed.store
        write_json(store.dir / "metrics.json", summary)
        paths = {**paths, "metrics": str(store.dir / "metrics.json"),
                 "report": str(store.dir / "report.html")}
        store.write_manifest(dict(executed.manifest, status="succeeded", finished=time.time(),
                                  paths=paths))
        return RunResult(run_dir=store.dir, task=self.recipe.evaluation.task,
                         model=self.model_id, summary=summary, paths=paths)
