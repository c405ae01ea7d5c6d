"""Starting background jobs: ``assay run`` in a new session (detached from the terminal and
from the process that starts it), its output to the job's log, its steps and final status to
the job store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .job import _CHILDREN, Job
from .store import ACTIVE, JobStore, new_job_id

__all__ = ["launch", "start", "resume", "overrides_to_args"]

#: keyword paths are the caller's (as with assay.evaluate): relative to the working directory
_CALLER_PATHS = ("assay.data", "assay.output_dir")


def launch(run_args: Sequence[str], *, recipe: str | None = None,
           resumed_from: str | None = None, store: JobStore | None = None) -> Job:
    """Start ``assay run RUN_ARGS...`` as a background job in the working directory; return
    at once with its :class:`Job`."""
    store = store or JobStore()
    job_id = new_job_id()
    folder = store.job_folder(job_id)
    folder.mkdir(parents=True, exist_ok=False)
    log = folder / "log.txt"
    argv = ["run", *map(str, run_args)]
    store.insert(job_id, argv=argv, cwd=os.getcwd(), recipe=recipe, log=str(log),
                 resumed_from=resumed_from)
    env = dict(os.environ)
    env.update(ASSAY_JOB_ID=job_id, ASSAY_JOBS_DIR=str(store.dir.resolve()))
    # the job imports this very assay, installed or not
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        with open(log, "ab") as fh:
            proc = subprocess.Popen([sys.executable, "-m", "assay.cli", *argv],
                                    stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True, close_fds=True)
    except OSError as exc:
        store.update(job_id, status="Failed", reason=f"could not start: {exc}")
        raise
    _CHILDREN[proc.pid] = proc
    store.update(job_id, pid=proc.pid)
    return Job(job_id, store)


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str, Path)):
        return str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str)) for v in value):
        return ",".join(map(str, value))
    raise TypeError(f"{key}: a background job takes text, number, boolean or list values "
                    f"(got {type(value).__name__})")


def overrides_to_args(overrides: Mapping[str, Any]) -> list[str]:
    """Keyword overrides (``assay__model="mock/echo"``, dots as ``__``) as ``--set`` options;
    mappings are flattened to dotted keys."""
    out: list[str] = []

    def add(key: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                add(f"{key}.{k}", v)
            return
        if key in _CALLER_PATHS and isinstance(value, (str, Path)):
            value = Path(os.path.expanduser(str(value))).resolve()
        out.extend(["--set", f"{key}={_scalar(key, value)}"])

    for k, v in overrides.items():
        add(k.replace("__", "."), v)
    return out


def start(recipe: str | Path, *, overwrite: bool = False, allow_failures: bool = False,
          args: Sequence[str] = (), **overrides: Any) -> Job:
    """Start a recipe file as a background job; return its :class:`Job` at once.

    ``overrides`` are those of :func:`assay.evaluate` (``assay__model="mock/echo"``);
    ``args`` are more ``assay run`` options (``["--limit", "10"]``)."""
    if not isinstance(recipe, (str, Path)):
        raise TypeError("a background job runs a recipe file: pass its path")
    path = Path(recipe).expanduser().resolve()
    run_args = [str(path), *overrides_to_args(overrides), "--progress", "plain"]
    if overwrite:
        run_args.append("--overwrite")
    if allow_failures:
        run_args.append("--allow-failures")
    run_args += list(args)
    return launch(run_args, recipe=str(path))


def resume(job_id: str) -> Job:
    """Continue the run of a stopped or failed job (``assay run RUN_DIR --resume``) as a new
    job; the run directory is the one the job recorded."""
    from ..errors import ConfigError

    store = JobStore()
    row = Job(job_id, store).info()
    if row["status"] in ACTIVE:
        raise ConfigError(f"job {job_id} is still {row['status']}: stop it first "
                          f"(assay jobs stop {job_id})", field="--resume")
    run_dir = row.get("run_dir")
    if not run_dir or not (Path(run_dir) / "run.json").is_file():
        raise ConfigError(f"job {job_id} has no run to resume (it ended before its run "
                          f"started: {row.get('reason') or row['status']}); start it again",
                          field="--resume")
    run_args = [run_dir, "--resume", "--progress", "plain"]
    if "--allow-failures" in row["argv"]:
        run_args.append("--allow-failures")
    return launch(run_args, recipe=row.get("recipe"), resumed_from=job_id, store=store)


