"""Reports: console tables, plots (PNG) and the self-contained HTML report of a run.

One HTML page per run (``report.html`` in the run directory), whatever the task; each writer
takes only the run directory and returns the page's path:

* :func:`write_gen_qa_report` (gen_qa; also :func:`write_html_report`, its former name),
* :func:`write_judge_report` (llm_judge),
* :func:`write_rubric_report` (rubric_llm_judge),
* :func:`write_benchmark_report` (benchmark tasks).

:func:`report_run` picks the writer from the run's metrics.json. The shared page shell is
:mod:`assay.reports.html_page`.
"""

from .bench_html import write_benchmark_report
from .console import print_summary
from .html import write_gen_qa_report, write_html_report
from .judge_html import write_judge_report
from .rubric_html import write_rubric_report
from .run_report import report_run

__all__ = ["print_summary", "report_run", "write_gen_qa_report", "write_html_report",
           "write_judge_report", "write_rubric_report", "write_benchmark_report"]
