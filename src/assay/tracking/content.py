"""What one MLflow run holds, read from an assay run directory: params, metrics, tags and
artifact files (``docs/mlflow.md`` lists the names). Pure: no MLflow here."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backends.redact import redact_config, redact_text
from .names import (MetricEntry, comparison_entries, flatten_params, metric_entries,
                    param_value, unique_names)

__all__ = ["RunContent", "run_content", "parent_content", "params_of", "mlflow_status",
           "read_json", "assay_version"]

#: run.json ``status`` → MLflow run status
_STATUS = {"succeeded": "FINISHED", "failed": "FAILED", "aborted": "FAILED",
           "stopped": "KILLED", "running": "FAILED"}
_TAG_VALUE = 5000


@dataclass
class RunContent:
    """Everything one MLflow run is given. ``artifacts`` are ``(file, artifact folder or
    None)``; ``files`` are ``(artifact path, text)`` written by assay (the name table)."""

    run_name: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[MetricEntry] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: list[tuple[Path, str | None]] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)
    status: str = "FINISHED"
    start_ms: int | None = None
    end_ms: int | None = None


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or ``{}`` when it is missing or unreadable."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def assay_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assay")
    except PackageNotFoundError:   # a source tree
        from .. import __version__
        return __version__


def mlflow_status(manifest_status: Any) -> str:
    return _STATUS.get(str(manifest_status), "FINISHED")


def _ms(seconds: Any) -> int | None:
    return int(float(seconds) * 1000) if isinstance(seconds, (int, float)) else None


def _judge_model(summary: dict[str, Any]) -> str | None:
    if isinstance(summary.get("judge_model"), str):
        return summary["judge_model"]
    judge = summary.get("judge")
    if isinstance(judge, dict) and isinstance(judge.get("model"), str):
        return judge["model"]
    return None


def params_of(recipe_doc: dict[str, Any], manifest: dict[str, Any],
              summary: dict[str, Any]) -> dict[str, str]:
    """``task``, ``model``, ``judge_model`` (judge tasks), ``seed``, ``dataset``,
    ``dataset_fingerprint``, ``fingerprint``, ``n_examples``, ``n_errors`` and every recipe
    key as a ``.``-path (redacted; unset keys left out)."""
    fp_doc = manifest.get("fingerprint_doc") if isinstance(manifest.get("fingerprint_doc"),
                                                            dict) else {}
    recipe_doc = redact_config(recipe_doc) if isinstance(recipe_doc, dict) else {}
    top: dict[str, Any] = {
        "task": summary.get("task") or manifest.get("task"),
        "model": summary.get("model") or manifest.get("model"),
        "judge_model": _judge_model(summary),
        "seed": (recipe_doc.get("assay") or {}).get("seed", fp_doc.get("seed")),
        "dataset": manifest.get("dataset"),
        "dataset_fingerprint": fp_doc.get("dataset"),
        "fingerprint": manifest.get("fingerprint"),
        "n_examples": summary.get("n_examples"),
        "n_errors": summary.get("n_errors"),
    }
    pairs = [((k,), param_value(redact_config(v))) for k, v in top.items() if v is not None]
    pairs += [p for p in flatten_params(recipe_doc) if p[0][0] not in top]
    keys = unique_names([p[0] for p in pairs], sep=".")
    return dict(zip(keys, (p[1] for p in pairs)))


def _tag(value: Any) -> str:
    text = redact_text(str(value))
    return text if len(text) <= _TAG_VALUE else text[:_TAG_VALUE - 3] + "..."


def _figures(run_dir: Path, skip: tuple[str, ...]) -> list[Path]:
    out = []
    for path in sorted(run_dir.rglob("*.png")):
        rel = path.relative_to(run_dir).parts
        if rel[0] not in skip:
            out.append(path)
    return out


def _results_json(run_dir: Path) -> list[Path]:
    folder = run_dir / "eval_results"
    return sorted(folder.glob("results_*.json")) if folder.is_dir() else []


def run_content(run_dir: Path, recipe_doc: dict[str, Any], run_name: str, *,
                role: str | None = None, nested: bool = False,
                status: str | None = None, error: str | None = None) -> RunContent:
    """The MLflow run of one assay run directory. ``nested``: the directory holds a base
    run in ``base/`` (its files are the base child's, the figures and report the parent's);
    ``status``/``error``: the outcome when the run did not finish (run.json's otherwise)."""
    run_dir = Path(run_dir)
    manifest = read_json(run_dir / "run.json")
    summary = read_json(run_dir / "metrics.json")
    metrics = metric_entries(summary)
    state = status or manifest.get("status") or "succeeded"
    tags = {"mlflow.runName": run_name, "assay.task": str(summary.get("task")
                                                          or manifest.get("task") or ""),
            "assay.version": assay_version(), "assay.run_dir": str(run_dir.resolve()),
            "assay.status": str(state)}
    model = summary.get("model") or manifest.get("model")
    if model:
        tags["assay.model"] = str(model)
    if role:
        tags["assay.role"] = role
    failure = error or manifest.get("error")
    if failure and state != "succeeded":
        tags["assay.error"] = str(failure)
    artifacts: list[tuple[Path, str | None]] = [(p, "eval_results")
                                                for p in _results_json(run_dir)]
    if (run_dir / "metrics.json").is_file():
        artifacts.append((run_dir / "metrics.json", None))
    if not nested:
        skip = ("units", "eval_results", "base")
        artifacts += [(p, None if p.parent == run_dir else
                       str(p.parent.relative_to(run_dir).as_posix()))
                      for p in _figures(run_dir, skip)]
        if (run_dir / "report.html").is_file():
            artifacts.append((run_dir / "report.html", None))
    if state != "succeeded" and (run_dir / "run.json").is_file():
        artifacts.append((run_dir / "run.json", None))   # redacted already; says what failed
    names = json.dumps([m.to_dict() for m in metrics], indent=2, ensure_ascii=False)
    return RunContent(run_name=run_name, params=params_of(recipe_doc, manifest, summary),
                      metrics=metrics, tags={k: _tag(v) for k, v in tags.items()},
                      artifacts=artifacts, files=[("assay/metric_names.json", names)],
                      status=mlflow_status(state), start_ms=_ms(manifest.get("created")),
                      end_ms=_ms(manifest.get("finished")) or int(time.time() * 1000))


def parent_content(run_dir: Path, recipe_doc: dict[str, Any], run_name: str) -> RunContent:
    """The parent of a base-vs-challenger run: the comparison (paired differences, CIs,
    p-values), ``comparison.json``, the report and the figures beside it."""
    run_dir = Path(run_dir)
    own = run_content(run_dir, recipe_doc, run_name, role="parent")
    summary = read_json(run_dir / "metrics.json")
    metrics = comparison_entries(summary)
    comp = summary.get("comparison") if isinstance(summary.get("comparison"), dict) else {}
    tags = dict(own.tags)
    if comp.get("verdict"):
        tags["assay.verdict"] = _tag(comp["verdict"])
    base = read_json(run_dir / "base" / "run.json")
    params = dict(own.params)
    if base.get("model"):
        params["base_model"] = param_value(str(base["model"]))
    artifacts: list[tuple[Path, str | None]] = []
    if (run_dir / "comparison.json").is_file():
        artifacts.append((run_dir / "comparison.json", None))
    artifacts += [(p, None) for p in _figures(run_dir, ("units", "eval_results", "base"))]
    if (run_dir / "report.html").is_file():
        artifacts.append((run_dir / "report.html", None))
    names = json.dumps([m.to_dict() for m in metrics], indent=2, ensure_ascii=False)
    return RunContent(run_name=run_name, params=params, metrics=metrics, tags=tags,
                      artifacts=artifacts, files=[("assay/metric_names.json", names)],
                      status=own.status, start_ms=own.start_ms, end_ms=own.end_ms)
