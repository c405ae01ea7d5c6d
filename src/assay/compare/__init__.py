"""Compare two finished runs of the same task on the same examples (``assay compare``), and
the quality gates of CI (``--fail-under``, ``--fail-on-regression``).

* :mod:`assay.compare.run_data`: one run read back (summary, slim per-example values).
* :mod:`assay.compare.bedrock_run`: Bedrock output files read back as one side.
* :mod:`assay.compare.pairing`: which examples the runs share.
* :mod:`assay.compare.paired_stats`: the statistics of one paired metric (also used by the
  benchmark ``--base-model`` comparison).
* :mod:`assay.compare.verdict`: the plain verdict rule.
* :mod:`assay.compare.comparison`: the ``comparison.json`` document.
* :mod:`assay.compare.output`: where and how it is written.
* :mod:`assay.compare.gates`: ``--fail-under`` and ``--fail-on-regression``.
"""

from __future__ import annotations

from .bedrock_run import load_bedrock_run, load_compared
from .comparison import SCHEMA_VERSION, CompareOptions, compare_runs
from .gates import GATE_MODES, Gate, check_gates, gate_values, parse_gate_specs, regressions
from .output import default_out_dir, prepare_out_dir, write_comparison_json
from .pairing import Pairing, pair_items
from .paired_stats import (compare_paired, compare_strata, compare_win_rates, values_binary,
                           wilcoxon_signed_rank)
from .run_data import ComparedRun, load_compared_run
from .verdict import BETTER, NO_DIFFERENCE, NO_VERDICT, WORSE, plain_verdict, verdict_line

__all__ = [
    "BETTER",
    "CompareOptions",
    "ComparedRun",
    "GATE_MODES",
    "Gate",
    "NO_DIFFERENCE",
    "NO_VERDICT",
    "Pairing",
    "SCHEMA_VERSION",
    "WORSE",
    "check_gates",
    "compare_paired",
    "compare_runs",
    "compare_strata",
    "compare_win_rates",
    "default_out_dir",
    "gate_values",
    "load_bedrock_run",
    "load_compared",
    "load_compared_run",
    "pair_items",
    "parse_gate_specs",
    "plain_verdict",
    "prepare_out_dir",
    "regressions",
    "values_binary",
    "verdict_line",
    "wilcoxon_signed_rank",
    "write_comparison_json",
]
