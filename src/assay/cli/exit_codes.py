"""The exit codes of the ``assay`` command, one table for every command.

=====  ==========================================================================
code   meaning
=====  ==========================================================================
0      success: every example was scored
1      internal error: a bug in assay or an unexpected environment failure (one line;
       ``--debug`` shows the traceback)
2      bad input: a recipe, dataset, option or run directory that cannot be used (one line
       naming the file, line and field); nothing was run
3      the run finished and wrote every output, but some examples failed (model or server
       errors, processor or scorer exceptions, unparseable judge output); each failure is
       recorded on its example. ``--allow-failures`` turns this into 0
4      the run aborted: more examples failed than ``assay.max_failure_share`` allows, or no
       example could be scored at all. Finished work is kept; ``--resume`` continues
5      a quality gate failed (``--fail-under``, ``assay compare --fail-on-regression``)
124    ``assay jobs wait --timeout``: the job is still running
130    interrupted (Ctrl-C, or ``assay jobs stop``); finished work is kept; ``--resume``
       continues
=====  ==========================================================================
"""

from __future__ import annotations

__all__ = ["OK", "INTERNAL", "BAD_INPUT", "EXAMPLES_FAILED", "ABORTED", "GATE_FAILED",
           "TIMED_OUT", "INTERRUPTED", "EXIT_CODES"]

OK = 0
INTERNAL = 1
BAD_INPUT = 2
EXAMPLES_FAILED = 3
ABORTED = 4
GATE_FAILED = 5
TIMED_OUT = 124
INTERRUPTED = 130

EXIT_CODES = {
    OK: "success: every example was scored",
    INTERNAL: "internal error (a bug in assay); --debug shows the traceback",
    BAD_INPUT: "bad input: recipe, dataset, option or run directory; nothing was run",
    EXAMPLES_FAILED: "finished, but some examples failed (recorded on each); "
                     "--allow-failures makes this 0",
    ABORTED: "aborted: too many failures (assay.max_failure_share) or nothing scored; "
             "--resume continues",
    GATE_FAILED: "a quality gate failed (--fail-under, compare --fail-on-regression)",
    TIMED_OUT: "assay jobs wait --timeout: the job is still running",
    INTERRUPTED: "interrupted; --resume continues",
}
