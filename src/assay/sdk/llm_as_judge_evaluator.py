"""``LLMAsJudgeEvaluator``: the model answers a gen_qa dataset and a judge scores each answer
on Bedrock's built-in metrics and your custom ones (assay's ``llm_judge_pointwise`` task,
which also writes Bedrock's output files). With ``evaluate_base_model=True`` the base model
answers the same dataset in a second job and ``show_results()`` adds the win rates.

``evaluator_model`` is an assay judge (``local/smollm2``, ``openai/<model>``, ...) or one of
the SDK's Bedrock ids, mapped to a judge by :func:`assay.sdk.configure_judge`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar, List, Optional

from pydantic import field_validator

from .base import BaseEvaluator
from .constants import EvalType
from .custom_scorer_evaluator import check_dataset
from .judges import check_evaluator_model, resolve_judge

__all__ = ["LLMAsJudgeEvaluator", "strip_builtin_prefix", "CUSTOM_METRICS_DIR"]

#: where the ``custom_metrics`` JSON string is written (under ``s3_output_path``), one file
#: per distinct content
CUSTOM_METRICS_DIR = ".assay-custom-metrics"


def strip_builtin_prefix(name: str) -> str:
    """``Builtin.Correctness`` → ``Correctness`` (case-insensitive prefix, as the SDK)."""
    return name[len("builtin."):] if name.lower().startswith("builtin.") else name


class LLMAsJudgeEvaluator(BaseEvaluator):
    """A judge model scoring the model's answers to ``dataset``."""

    _eval_type: ClassVar[EvalType] = EvalType.LLM_AS_JUDGE

    evaluator_model: str
    dataset: Any
    builtin_metrics: Optional[List[str]] = None
    custom_metrics: Optional[str] = None
    evaluate_base_model: bool = False
    #: assay addition: arguments of an assay judge given directly as ``evaluator_model``
    evaluator_model_args: dict[str, Any] = {}

    @field_validator("evaluator_model", mode="before")
    @classmethod
    def _check_evaluator_model(cls, v: Any) -> str:
        return check_evaluator_model(v)

    @field_validator("dataset", mode="before")
    @classmethod
    def _check_dataset(cls, v: Any) -> str:
        return check_dataset(v)

    @field_validator("builtin_metrics", mode="before")
    @classmethod
    def _check_builtin(cls, v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, str) or not all(isinstance(m, str) for m in v):
            raise ValueError("builtin_metrics must be a list of metric names, e.g. "
                             "['Correctness', 'Helpfulness']")
        from ..errors import ConfigError
        from ..judges.pointwise import resolve_builtin

        out = [strip_builtin_prefix(m.strip()) for m in v]
        for m in out:
            try:
                resolve_builtin(m)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return out

    @field_validator("custom_metrics", mode="before")
    @classmethod
    def _check_custom(cls, v: Any) -> Any:
        if v is None:
            return None
        if not isinstance(v, str):
            raise ValueError("custom_metrics must be a JSON string (json.dumps of a list of "
                             "{'customMetricDefinition': {...}})")
        try:
            json.loads(v)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Invalid JSON in custom_metrics: {exc}") from None
        from ..errors import ConfigError
        from ..judges.pointwise import check_custom_metrics, parse_custom_metrics

        try:
            check_custom_metrics(parse_custom_metrics(v), field="custom_metrics")
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return v

    def _custom_metrics_file(self) -> Path:
        """The ``custom_metrics`` string as a file the recipe names (written on first use;
        named by its content, so the same metrics give the same file)."""
        digest = hashlib.sha256(self.custom_metrics.encode("utf-8")).hexdigest()[:16]
        path = self._output_root / CUSTOM_METRICS_DIR / f"custom_metrics_{digest}.json"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.custom_metrics, encoding="utf-8")
        return path

    def _judge(self) -> dict[str, Any]:
        model, args, bedrock_id = resolve_judge(self.evaluator_model)
        if bedrock_id is None:
            args = {**args, **self.evaluator_model_args}
        judge: dict[str, Any] = {"model": model}
        if args:
            judge["model_args"] = args
        if self.builtin_metrics:
            judge["metrics"] = list(self.builtin_metrics)
        if self.custom_metrics:
            judge["custom_metrics"] = [str(self._custom_metrics_file())]
        return judge

    def _defaults(self) -> dict[str, Any]:
        assay = self._assay_section()
        assay["data"] = self.dataset
        return {"run": self._run_section(),
                "evaluation": self._evaluation("llm_judge_pointwise", "judge", "all"),
                "inference": self._inference(), "judge": self._judge(), "assay": assay}
