import os
import sys

from .app import main

if os.environ.get("ASSAY_JOB_ID") and sys.argv[1:2] == ["run"]:
    # the process of a background job (assay jobs start): record its steps and final status
    from ..jobs.worker import run_job_process

    sys.exit(run_job_process(main))
sys.exit(main())
