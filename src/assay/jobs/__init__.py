"""Background jobs: ``assay run`` detached from the terminal, watched through a job store
that outlives every process (see docs/jobs.md).

    import assay
    job = assay.jobs.start("recipe.yaml", assay__model="mock/echo")
    job.wait(poll=2)          # 'Succeeded'
    job.result().metrics
"""

from __future__ import annotations

from .job import Job, get_job, list_jobs
from .launcher import resume, start
from .store import jobs_dir

__all__ = ["Job", "start", "resume", "get", "list", "jobs_dir"]

get = get_job
list = list_jobs   # noqa: A001 - assay.jobs.list(), as the spec names it
