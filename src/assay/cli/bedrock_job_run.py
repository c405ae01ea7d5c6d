"""``assay run job.json``: a Bedrock ``create_evaluation_job`` request run as a local
``llm_judge_pointwise`` run, or a ``rag_eval`` run for a RAG evaluation job (the translation:
:mod:`assay.config.bedrock_recipe`).

Around the run this adds what a Bedrock user expects: the job's warnings once each before any
model call, the outcome in Bedrock's status words (``bedrock job <name>: Completed``), and a
``bedrock`` key in the run's ``run.json`` (job name, status, the model/judge/dataset mapping
used). Everything else is the ordinary run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.bedrock_recipe import JobRecipe, job_recipe
from ..config.paths import resolve_path
from ..data.bedrock_job import JOB_FAILED, JOB_STOPPED, bedrock_job_status
from ..errors import AssayError, RunStopped

__all__ = ["BedrockJobRun", "open_job"]


class BedrockJobRun:
    """A translated job, ready to run through ``evaluate``."""

    def __init__(self, path: Path, translated: JobRecipe) -> None:
        self.path = path
        self.translated = translated

    @property
    def recipe(self) -> Any:
        return self.translated.recipe

    def _run_dir(self) -> Path:
        a = self.recipe.assay
        root = (Path(a.output_dir) if "output_dir" not in a.model_fields_set
                else resolve_path(a.output_dir, self.path.parent))
        return root / self.recipe.run.name

    def _say(self, status: str) -> None:
        print(f"bedrock job {self.translated.job.job_name}: {status}", file=sys.stderr)

    def _record(self, run_dir: Path, status: str, *, ours_only: bool) -> bool:
        """Add ``bedrock`` to the run's ``run.json``; with ``ours_only``, only when this
        process wrote the manifest (never an older run that refused to start). Whether the
        run was there to record."""
        from ..results.store import RunStore

        store = RunStore(run_dir)
        if not store.exists():
            return False
        try:
            manifest = store.read_manifest()
            if ours_only and manifest.get("pid") != os.getpid():
                return False
            manifest["bedrock"] = dict(self.translated.mapping, status=status)
            store.write_manifest(manifest)
        except (AssayError, OSError):   # the run stands without the record
            pass
        return True

    def run(self, evaluate: Callable[..., Any], options: Any) -> Any:
        """``evaluate(recipe, options)``, its outcome said and recorded in Bedrock's words."""
        try:
            result = evaluate(self.recipe, options)
        except RunStopped:
            self._record(self._run_dir(), JOB_STOPPED, ours_only=True)
            self._say(JOB_STOPPED)
            raise
        except AssayError:
            # a job that never started (bad data, a run directory in the way) has no status:
            # its one error line says it all
            if self._record(self._run_dir(), JOB_FAILED, ours_only=True):
                self._say(JOB_FAILED)
            raise
        from ..results.store import RunStore

        try:
            run_status = RunStore(result.run_dir).read_manifest().get("status", "succeeded")
        except AssayError:
            run_status = "succeeded"
        status = bedrock_job_status(str(run_status))
        self._say(status)
        self._record(Path(result.run_dir), status, ours_only=False)
        return result


def open_job(path: Path, overrides: dict[str, Any]) -> BedrockJobRun:
    """Translate the job file (errors before any model call), print its warnings once and
    check its data (a BYOI job's source identifier on every row)."""
    translated = job_recipe(path, overrides)
    for text in dict.fromkeys(translated.warnings):
        print(f"warning: {text}", file=sys.stderr)
    translated.check_data()
    return BedrockJobRun(path, translated)
