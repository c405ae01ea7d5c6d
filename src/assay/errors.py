"""The one exception tree of assay.

::

    AssayError                      base of everything assay raises on purpose
    ├── UserInputError              the user's input is wrong: exit code 2, one line, no traceback
    │   ├── ConfigError             recipe / CLI option (names the file, line and key)
    │   ├── DataError               dataset row (names the file, line and field)
    │   │   └── BenchmarkDataMissing    a benchmark's files are not where they were looked for
    │   ├── TaskNotAvailable        a recipe task that assay does not run (yet)
    │   ├── BackendUnavailable      unknown provider, missing model file, unreachable endpoint
    │   ├── MissingDependency       an optional extra is not installed (carries the install hint)
    │   └── RunStateError           a run directory that cannot be started or resumed as asked
    ├── GenerationError             one request failed; recorded on its example, never fatal alone
    ├── RunAborted                  too many examples failed (past ``max_failure_share``): exit 4
    └── RunStopped                  stopped on request after the units in flight: exit 130

Per-example failures (model errors, processor exceptions, unparseable judge output)
are *data*: they become an ``error`` field on that example's record.
"""

from __future__ import annotations

__all__ = [
    "AssayError",
    "UserInputError",
    "ConfigError",
    "DataError",
    "BenchmarkDataMissing",
    "TaskNotAvailable",
    "BackendUnavailable",
    "MissingDependency",
    "RunStateError",
    "GenerationError",
    "RunAborted",
    "RunStopped",
    "location",
]


def location(file: object = None, line: int | None = None, field: str | None = None) -> str:
    """Render ``file:line: field 'x'`` for one-line error messages."""
    parts = []
    if file is not None:
        parts.append(_printable(str(file)) + (f":{line}" if line is not None else ""))
    elif line is not None:
        parts.append(f"line {line}")
    if field:
        parts.append(f"field '{_printable(str(field))}'")
    return ": ".join(parts)


def _printable(text: str, limit: int = 300) -> str:
    """A path or key as one short, printable line: long ones are cut, and control
    characters, NUL and lone surrogates are shown escaped."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return text if text.isprintable() else repr(text)[1:-1]


class AssayError(Exception):
    """Base class of every error assay raises on purpose."""

    exit_code = 1   # the exit codes are tabled in assay.cli.exit_codes


class UserInputError(AssayError):
    """Bad user input. The CLI prints ``error: <message>`` and exits with code 2."""

    exit_code = 2

    def __init__(self, message: str, *, file: object = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        where = location(file, line, field)
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(UserInputError):
    """A recipe key or CLI option is invalid."""


class DataError(UserInputError):
    """A dataset file or row is invalid."""


class BenchmarkDataMissing(DataError):
    """A benchmark's data is missing; the message says which files to put where."""


class TaskNotAvailable(UserInputError):
    """The recipe names a task assay does not run yet."""


class BackendUnavailable(UserInputError):
    """A model cannot be reached or loaded (unknown provider, missing file, endpoint down)."""


class MissingDependency(UserInputError):
    """An optional dependency is missing; the message carries the ``pip install`` hint."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package: pip install 'assay[{extra}]'"
        )
        self.package = package
        self.extra = extra


class RunStateError(UserInputError):
    """A run directory exists and cannot be reused as asked (resume mismatch, overwrite)."""


class GenerationError(AssayError):
    """One model request failed.

    ``kind`` classifies it: ``rate_limit``, ``server``, ``timeout``, ``connection``,
    ``bad_request``, ``bad_response``, ``model``, ``schema`` (a reply that does not follow the
    requested structured output). ``retryable`` says whether the
    retry loop may try again; ``retry_after`` is the server's hint in seconds.
    """

    def __init__(self, kind: str, message: str, *, raw: str | None = None,
                 retryable: bool = False, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.raw = raw
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class RunAborted(AssayError):
    """The share of failed examples passed the configured threshold, or nothing was scored.

    Exit code 4 (see :mod:`assay.cli.exit_codes`); finished work is kept for ``--resume``."""

    exit_code = 4


class RunStopped(AssayError):
    """The run was asked to stop (``assay jobs stop``): the units in flight finished and were
    written, no new one started. Exit code 130; ``--resume`` continues."""

    exit_code = 130
