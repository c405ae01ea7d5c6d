"""``BaseEvaluator``: the fields and behaviour every SageMaker-shaped evaluator shares
(formats.md §3), run locally by assay.

* ``model`` / ``base_model_name`` are assay model names (``local/smollm2``, ``openai/<m>``,
  ``mock/<mode>``, a ``.gguf`` file); AWS model references are refused with a clear message.
* ``s3_output_path`` is a local folder; an ``s3://`` URI is refused.
* AWS-only fields (``role``, ``region``, ``sagemaker_session``, ``networking``, ...) are
  accepted and ignored, with one warning per evaluator.
* MLflow fields become the recipe's ``run.mlflow_tracking_uri`` / ``mlflow_experiment_name``
  / ``mlflow_run_name`` (an ARN cannot be reached and is left out, with the warning).
* ``get_resolved_recipe()``: ``overrides > recipe > defaults`` (:mod:`assay.sdk.resolution`);
  ``evaluate(dry_run=False)``: validate, write the recipes under ``s3_output_path`` and
  start one assay background job per model run (:mod:`assay.sdk.launch`).
"""

from __future__ import annotations

import sys
import time
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Optional

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator, model_validator

from .constants import AWS_ONLY_FIELDS, EvalType
from .judges import is_assay_model
from .resolution import read_user_recipe, resolve_recipe

__all__ = ["BaseEvaluator", "check_model_name", "check_output_path", "mlflow_uri"]


def check_model_name(value: Any, field: str) -> str:
    """An assay model name, else a ValueError saying what assay takes."""
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be an assay model name (a string such as "
                         f"'local/smollm2'), not {type(value).__name__}: assay evaluates "
                         "models locally, not SageMaker trainers or model packages")
    v = value.strip()
    if v.startswith(("arn:", "s3://")):
        raise ValueError(f"{field} '{v}' is an AWS resource, which assay cannot reach: pass "
                         "an assay model name such as 'local/smollm2', 'local/<file>.gguf', "
                         "'openai/<model>' (with model_args={'base_url': ...}) or 'mock/echo'")
    if is_assay_model(v) or Path(v).expanduser().is_file():
        return v
    raise ValueError(f"{field} '{v}' is not an assay model name: use 'provider/model' such as "
                     "'local/smollm2', 'local/<file>.gguf', 'openai/<model>' or 'mock/echo' "
                     "(a JumpStart id names an AWS model; serve it locally and name it)")


def check_output_path(value: Any) -> str:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise ValueError("s3_output_path is required: the local folder for evaluation outputs")
    v = str(value).strip()
    if v.startswith("s3://"):
        raise ValueError(f"s3_output_path '{v}' is an S3 URI; assay runs locally and writes "
                         "its outputs to a folder: pass a local directory such as "
                         "'./eval-output'")
    return v


def mlflow_uri(value: str | None) -> str | None:
    """A tracking URI assay can reach (``file:``, ``http(s)://``, a path), else None."""
    if not value:
        return None
    if value.startswith(("file:", "http://", "https://")):
        return value
    if value.startswith("arn:") or "://" in value:
        return None
    return value


class BaseEvaluator(BaseModel):
    """Fields shared by every evaluator (the SDK's ``BaseEvaluator``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="allow",
                              protected_namespaces=())

    _eval_type: ClassVar[EvalType]

    region: Optional[str] = None
    role: Optional[str] = None
    sagemaker_session: Any = None
    model: Any
    base_model_name: Optional[str] = None
    base_eval_name: Optional[str] = None
    s3_output_path: str
    mlflow_resource_arn: Optional[str] = None
    mlflow_experiment_name: Optional[str] = None
    mlflow_run_name: Optional[str] = None
    networking: Any = None
    kms_key_id: Optional[str] = None
    model_package_group: Any = None
    tags: Any = None
    compute: Any = None
    training_image: Optional[str] = None
    recipe: Optional[str] = None
    overrides: Optional[dict[str, Any]] = None
    #: assay additions: arguments of the model and of the base model (``base_url``, ...)
    model_args: dict[str, Any] = {}
    base_model_args: dict[str, Any] = {}

    _execution: Any = PrivateAttr(default=None)

    @field_validator("model", mode="before")
    @classmethod
    def _check_model(cls, v: Any) -> str:
        return check_model_name(v, "model")

    @field_validator("base_model_name", mode="before")
    @classmethod
    def _check_base_model(cls, v: Any) -> Any:
        return None if v is None else check_model_name(v, "base_model_name")

    @field_validator("s3_output_path", mode="before")
    @classmethod
    def _check_output(cls, v: Any) -> str:
        return check_output_path(v)

    @field_validator("recipe", mode="before")
    @classmethod
    def _check_recipe(cls, v: Any) -> Any:
        if v is None:
            return None
        read_user_recipe(v)   # S3, missing file, bad YAML: ValueError now
        return str(v)

    @model_validator(mode="after")
    def _check_base(self) -> "BaseEvaluator":
        if getattr(self, "evaluate_base_model", False) and not self.base_model_name:
            raise ValueError("evaluate_base_model=True needs base_model_name: the assay model "
                             "name of the base model to compare with (e.g. "
                             "base_model_name='local/smollm2')")
        return self

    def model_post_init(self, context: Any) -> None:
        ignored = [f for f in AWS_ONLY_FIELDS if getattr(self, f) is not None]
        ignored += sorted(self.model_extra or {})
        notes = []
        if ignored:
            notes.append(f"{', '.join(ignored)} configure AWS resources (or are unknown to "
                         "assay) and are ignored: assay runs the evaluation locally")
        if self.mlflow_resource_arn and mlflow_uri(self.mlflow_resource_arn) is None:
            notes.append(f"mlflow_resource_arn '{self.mlflow_resource_arn}' cannot be reached "
                         "from assay; MLflow tracking is off (pass a tracking URI such as "
                         "'file:./mlruns' or 'http://localhost:5000')")
        if notes:
            warnings.warn(f"{type(self).__name__}: " + "; ".join(notes), UserWarning,
                          stacklevel=3)

    # -- the recipe -------------------------------------------------------------------------
    @property
    def _output_root(self) -> Path:
        return Path(self.s3_output_path).expanduser().resolve()

    def _run_section(self) -> dict[str, Any]:
        run: dict[str, Any] = {"name": "custom"}
        uri = mlflow_uri(self.mlflow_resource_arn)
        if uri:
            run["mlflow_tracking_uri"] = uri
        if self.mlflow_experiment_name:
            run["mlflow_experiment_name"] = self.mlflow_experiment_name
        if self.mlflow_run_name:
            run["mlflow_run_name"] = self.mlflow_run_name
        return run

    def _assay_section(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model, "output_dir": str(self._output_root)}
        if self.model_args:
            out["model_args"] = dict(self.model_args)
        return out

    def _defaults(self) -> dict[str, Any]:
        """The recipe before the user's recipe file and overrides (per evaluator)."""
        raise NotImplementedError

    def _evaluation(self, task: str, strategy: str, metric: str) -> dict[str, Any]:
        return {"task": task, "strategy": strategy, "metric": metric}

    @staticmethod
    def _inference() -> dict[str, Any]:
        return {"max_new_tokens": 2048, "top_k": -1, "top_p": 1.0, "temperature": 0}

    def get_resolved_recipe(self) -> dict[str, Any]:
        """The Nova recipe (plus assay's sections) this evaluator runs for the custom model:
        ``overrides > recipe > defaults``, ``evaluation.task/strategy/metric`` protected."""
        user = read_user_recipe(self.recipe) if self.recipe else None
        return resolve_recipe(self._defaults(), user, self.overrides)

    # -- running ----------------------------------------------------------------------------
    def _plans(self, resolved: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(role, recipe) per job: the custom model, then the base model when asked."""
        import copy

        plans = [("custom", resolved)]
        if getattr(self, "evaluate_base_model", False):
            base = copy.deepcopy(resolved)
            base["run"]["name"] = f"{resolved['run'].get('name') or 'custom'}-base"
            base["assay"]["model"] = self.base_model_name
            base["assay"].pop("model_args", None)
            if self.base_model_args:
                base["assay"]["model_args"] = dict(self.base_model_args)
            plans.append(("base", base))
        return plans

    def _step_specs(self, plans: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        from .constants import STEP_BASE, STEP_CUSTOM

        names = {"custom": (STEP_CUSTOM, self.model), "base": (STEP_BASE, self.base_model_name)}
        return [{"name": names[role][0], "display_name": f"{names[role][0]} ({names[role][1]})",
                 "role": role, "part": "all"} for role, _ in plans]

    def _base_inside_custom_run(self) -> bool:
        """Whether one run evaluates both models (the base run under ``<run>/base``)."""
        return False

    def _display_name(self) -> str:
        from .launch import display_name

        return display_name(self.base_eval_name, self.model)

    def evaluate(self, dry_run: bool = False) -> Any:
        """Start the evaluation and return its
        :class:`~assay.sdk.execution.EvaluationPipelineExecution`; with ``dry_run=True``
        only validate (``ValueError`` on invalid input) and return None."""
        from .launch import launch, validate_plans

        plans = self._plans(self.get_resolved_recipe())
        validate_plans(plans)
        if dry_run:
            return None
        self._execution = launch(self, plans)
        return self._execution

    def stream_logs(self, poll: float = 5, start_time: Any = None) -> None:
        """Print the jobs' logs of the last ``evaluate()`` as they grow, until the execution
        ends. ``start_time`` (a datetime or epoch seconds): skip jobs that ended before it."""
        if self._execution is None:
            raise ValueError("no evaluation has been started: call evaluate() first")
        since = start_time.timestamp() if isinstance(start_time, datetime) else start_time
        offsets: dict[str, int] = {}
        while True:
            self._execution.refresh()
            done = self._execution.status.overall_status in ("Succeeded", "Failed", "Stopped")
            for role, job in self._execution.jobs().items():
                info = job.info()
                if since is not None and info.get("ended") and info["ended"] < since:
                    continue
                text = job.logs()
                start = offsets.get(job.id, 0)
                if len(text) > start:
                    chunk = text[start:]
                    prefix = f"[{role}] "
                    sys.stdout.write("".join(prefix + line for line in
                                             chunk.splitlines(keepends=True)))
                    if not chunk.endswith("\n"):
                        sys.stdout.write("\n")
                    sys.stdout.flush()
                    offsets[job.id] = len(text)
            if done:
                return
            time.sleep(poll)

    @classmethod
    def get_all(cls, session: Any = None, region: Any = None) -> Any:
        """Every execution of this evaluator's type, newest first."""
        from .execution import EvaluationPipelineExecution

        return EvaluationPipelineExecution.get_all(eval_type=cls._eval_type)
