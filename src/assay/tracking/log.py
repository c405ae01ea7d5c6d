"""Log a finished (or failed, or stopped) assay run to MLflow, and record where in run.json.

Logging never costs the run: any failure (server down, permission, bad experiment) becomes
one ``warning:`` line on stderr and ``run.json`` gets ``mlflow: {status: failed, reason}``;
the run's files and its exit code are unchanged. On success ``run.json`` gets
``mlflow: {status: logged, tracking_uri, experiment, experiment_id, run_id, run_name,
artifact_uri}`` (and ``children: {challenger, base}`` for a run with a base model).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..backends.redact import redact_text
from ..results.store import RunStore
from .content import parent_content, run_content
from .target import TrackingTarget, resolve_tracking

__all__ = ["log_run", "log_unfinished", "record"]


def _recipe_doc(recipe: Any) -> dict[str, Any]:
    if hasattr(recipe, "model_dump"):
        return recipe.model_dump(mode="json")
    return dict(recipe) if isinstance(recipe, dict) else {}


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact_text(f"{type(exc).__name__}: {text}")[:300]


def record(run_dir: Path, doc: dict[str, Any]) -> None:
    """Put ``doc`` under ``mlflow`` in the run's ``run.json`` (kept when it cannot be read)."""
    try:
        store = RunStore(run_dir)
        manifest = store.read_manifest()
        manifest["mlflow"] = doc
        store.write_manifest(manifest)
    except Exception as exc:   # noqa: BLE001 - the run is written; this is a note on it
        print(f"warning: could not record the MLflow run in {Path(run_dir) / 'run.json'} "
              f"({_reason(exc)})", file=sys.stderr)


def _log(run_dir: Path, recipe_doc: dict[str, Any], target: TrackingTarget,
         status: str | None = None, error: str | None = None) -> dict[str, Any]:
    from .mlflow_writer import MlflowWriter, mlflow_env

    started: list[str] = []
    with mlflow_env(target.uri):
        writer = MlflowWriter(target.uri)
        try:
            exp_id = writer.experiment_id(target.experiment)
            doc: dict[str, Any] = {"status": "logged", "tracking_uri": target.display_uri,
                                   "experiment": target.experiment, "experiment_id": exp_id,
                                   "run_name": target.run_name}
            nested = status is None and (run_dir / "base" / "run.json").is_file()
            if not nested:
                content = run_content(run_dir, recipe_doc, target.run_name, status=status,
                                      error=error)
                run_id, art = writer.start(exp_id, content)
                started.append(run_id)
                writer.log(run_id, content)
                return dict(doc, run_id=run_id, artifact_uri=art)
            parent = parent_content(run_dir, recipe_doc, target.run_name)
            run_id, art = writer.start(exp_id, parent)
            started.append(run_id)
            children = {}
            for role, folder in (("challenger", run_dir), ("base", run_dir / "base")):
                child = run_content(folder, recipe_doc, f"{target.run_name}/{role}",
                                    role=role, nested=role == "challenger")
                child_id, _ = writer.start(exp_id, child, parent_run_id=run_id)
                started.append(child_id)
                writer.log(child_id, child)
                children[role] = child_id
            writer.log(run_id, parent)
            return dict(doc, run_id=run_id, artifact_uri=art, children=children)
        except BaseException:
            for run_id in started:
                writer.abandon(run_id)
            raise


def _safely(run_dir: Path, recipe: Any, target: TrackingTarget, *, announce: bool,
            status: str | None = None, error: str | None = None) -> dict[str, Any]:
    t0 = time.monotonic()
    try:
        doc = _log(Path(run_dir), _recipe_doc(recipe), target, status, error)
    except Exception as exc:   # noqa: BLE001 - never lose the run over its tracking
        doc = {"status": "failed", "reason": _reason(exc), "tracking_uri": target.display_uri,
               "experiment": target.experiment}
        print(f"warning: the run was not logged to MLflow at {target.display_uri} "
              f"({doc['reason']}); its results are kept in {run_dir}", file=sys.stderr)
    doc["seconds"] = round(time.monotonic() - t0, 3)
    record(Path(run_dir), doc)
    if announce and doc["status"] == "logged":
        print(f"mlflow: run {doc['run_id']} in experiment '{target.experiment}' at "
              f"{target.display_uri}")
    return doc


def log_run(result: Any, recipe: Any, target: TrackingTarget | None = None, *,
            announce: bool = False) -> dict[str, Any] | None:
    """Log a run that finished (``result`` is its :class:`~assay.results.RunResult`) to the
    recipe's MLflow destination (``target``, default :func:`resolve_tracking`). Returns what
    was recorded in ``run.json`` under ``mlflow``, or None when nothing is tracked."""
    target = target if target is not None else resolve_tracking(recipe)
    if target is None:
        return None
    return _safely(Path(result.run_dir), recipe, target, announce=announce)


def log_unfinished(run_dirs: Iterable[Path], recipe: Any, target: TrackingTarget,
                   exc: BaseException) -> None:
    """Log runs that ended in an error or a stop (the outermost run directories only; a
    nested base run belongs to its parent): what is written, with MLflow status FAILED
    (aborted) or KILLED (stopped) and the error as the ``assay.error`` tag."""
    dirs = [Path(d).resolve() for d in run_dirs]
    outer = [d for d in dirs if not any(o != d and o in d.parents for o in dirs)]
    for run_dir in dict.fromkeys(outer):
        manifest_status = None
        try:
            manifest_status = RunStore(run_dir).read_manifest().get("status")
        except Exception:   # noqa: BLE001 - the status below stands in
            pass
        from ..errors import RunStopped

        status = manifest_status if manifest_status in ("stopped", "aborted", "failed") else (
            "stopped" if isinstance(exc, RunStopped) else "aborted")
        _safely(run_dir, recipe, target, announce=False, status=status, error=_reason(exc))
