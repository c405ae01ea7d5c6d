"""Reports: the pieces every task's report is made of. Console tables (:mod:`.console`), the
self-contained HTML page shell (:mod:`.html_page`: CSS, search and filters, cards, tables,
truncation of long texts, inline figures) and plot helpers (:mod:`.plot_helpers`).

Each task writes its own report from these (``assay.tasks.<task>.report``), through its
``write_report`` hook; :func:`assay.tasks.report_run` picks the task of a run directory.
"""

from .console import print_summary

__all__ = ["print_summary"]
