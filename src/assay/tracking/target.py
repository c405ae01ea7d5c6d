"""Where a run is logged in MLflow: the tracking URI, the experiment and the run name.

The tracking URI comes from the first of these that is set (``docs/mlflow.md``):

1. ``assay run --mlflow URI`` (the CLI writes it into ``run.mlflow_tracking_uri``, so it
   replaces the recipe's value);
2. ``run.mlflow_tracking_uri`` in the recipe (the SageMaker SDK facade passes its URI here);
3. ``run.mlflow_resource_arn`` (the SageMaker SDK's field, when the recipe carries one);
4. the ``MLFLOW_TRACKING_URI`` environment variable.

A SageMaker MLflow ARN (``arn:aws:sagemaker:...:mlflow-tracking-server/...``) cannot be
reached offline: it is skipped with one warning and the next source is used. A plain local
path becomes a ``file:`` store URI, resolved against the working directory. With no source
set nothing is tracked and MLflow is never imported. A local path ending in ``.db``,
``.sqlite`` or ``.sqlite3`` becomes an SQLite store URI instead (MLflow 3.7 and later prefer
a database to the file store); its experiments keep their artifacts in the folder
``<name>-artifacts`` beside the database file.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backends.redact import redact_url
from ..errors import ConfigError, MissingDependency

__all__ = ["TrackingTarget", "resolve_tracking", "tracking_target", "normalize_uri", "is_arn",
           "artifact_location",
           "require_mlflow", "DEFAULT_EXPERIMENT"]

#: the experiment of runs whose recipe names none
DEFAULT_EXPERIMENT = "assay"

#: ``scheme:`` at the start of a URI (two letters at least, so ``C:\\runs`` stays a path)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")
#: tracking URIs with no ``:`` that MLflow understands by name
_NAMED_URIS = frozenset({"databricks", "databricks-uc", "uc"})
#: a local path with one of these suffixes is an SQLite tracking store, not a folder
_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass(frozen=True)
class TrackingTarget:
    """One run's MLflow destination. ``source`` names where the URI came from."""

    uri: str
    experiment: str
    run_name: str
    source: str

    @property
    def display_uri(self) -> str:
        """The URI with any credentials hidden, for messages and ``run.json``."""
        return redact_url(self.uri)


def is_arn(value: str) -> bool:
    return value.strip().lower().startswith("arn:")


def normalize_uri(value: str, cwd: str | Path | None = None) -> str:
    """A tracking URI as given, or a plain local path (or relative ``file:`` URI), resolved
    against ``cwd`` (default the working directory), as a store URI: a ``.db``/``.sqlite``/``.sqlite3`` file as
    ``sqlite:////abs/path.db``, anything else as a ``file:`` store folder."""
    text = value.strip()
    if text.lower().startswith("file:") and not text[5:].startswith("/"):
        text = text[5:]   # a relative file: URI (``file:./mlruns``): a local folder
    elif _SCHEME.match(text) or text in _NAMED_URIS:
        return text
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        path = Path(cwd or os.getcwd()) / path
    try:
        path = path.resolve()
        if path.suffix.lower() in _SQLITE_SUFFIXES:
            return "sqlite:///" + path.as_posix()
        return path.as_uri()
    except (ValueError, OSError, RuntimeError) as exc:
        raise ConfigError(f"not a usable MLflow tracking path ({type(exc).__name__})",
                          field="run.mlflow_tracking_uri") from None


def _warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


def resolve_tracking(recipe: Any, *, environ: Mapping[str, str] | None = None,
                     warn: Callable[[str], None] = _warn) -> TrackingTarget | None:
    """The recipe's MLflow destination by the precedence above, or None (not tracked).

    ``environ`` defaults to ``os.environ``; ``warn`` receives the one warning about an ARN
    that was skipped."""
    env = os.environ if environ is None else environ
    run = recipe.run
    sources = [("run.mlflow_tracking_uri", getattr(run, "mlflow_tracking_uri", None)),
               ("run.mlflow_resource_arn", getattr(run, "mlflow_resource_arn", None)),
               ("MLFLOW_TRACKING_URI", env.get("MLFLOW_TRACKING_URI"))]
    skipped: list[str] = []
    chosen: tuple[str, str] | None = None
    for source, value in sources:
        if not isinstance(value, str) or not value.strip():
            continue
        if is_arn(value):
            skipped.append(source)
            continue
        chosen = (source, value)
        break
    if skipped:
        then = f"logging to {redact_url(chosen[1].strip())} from {chosen[0]}" if chosen \
            else "this run is not tracked"
        warn(f"{' and '.join(skipped)} is a SageMaker MLflow ARN, which cannot be reached "
             f"from here; {then} (give an http(s):// or file: tracking URI, docs/mlflow.md)")
    if chosen is None:
        return None
    source, value = chosen
    uri = normalize_uri(value)
    experiment = (run.mlflow_experiment_name or "").strip() or DEFAULT_EXPERIMENT
    run_name = (run.mlflow_run_name or "").strip() or run.name
    return TrackingTarget(uri=uri, experiment=experiment, run_name=run_name, source=source)


def artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps its artifacts: beside a local SQLite database
    (``<db stem>-artifacts``), else None (the store's default)."""
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri[len("sqlite:///"):])
    if not path.is_absolute():
        return None
    return (path.parent / f"{path.stem}-artifacts").as_uri()


def require_mlflow() -> Any:
    """The ``mlflow`` module, or a one-line :class:`MissingDependency` with the install hint."""
    try:
        import mlflow
    except ImportError:
        raise MissingDependency("mlflow", "mlflow",
                                "logging the run to MLflow (--mlflow, run.mlflow_tracking_uri "
                                "or MLFLOW_TRACKING_URI)") from None
    return mlflow


def tracking_target(recipe: Any, *, environ: Mapping[str, str] | None = None
                    ) -> TrackingTarget | None:
    """:func:`resolve_tracking`, and when a destination is set, MLflow imported now: a
    missing install fails before the run starts, not after hours of work."""
    target = resolve_tracking(recipe, environ=environ)
    if target is not None:
        require_mlflow()
    return target
