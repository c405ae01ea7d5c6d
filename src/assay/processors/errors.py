"""``ProcessorError``: one example's processor call failed.

Whatever went wrong (an exception in user code, an invalid or non-200 response, an HTTP
or Lambda error after retries) reaches the runner as this one type, which records it on
the example; the run goes on.
"""

from __future__ import annotations

from ..errors import AssayError

__all__ = ["ProcessorError", "Stage", "RAW_LIMIT"]

#: ``"preprocess"`` or ``"postprocess"``.
Stage = str

#: Longest ``raw`` text kept on an error, in characters.
RAW_LIMIT = 4000


class ProcessorError(AssayError):
    """A processor call failed for one example.

    ``stage`` is ``"preprocess"`` or ``"postprocess"``; ``message`` says what failed;
    ``raw`` keeps the offending response text or the user code's traceback (truncated to
    :data:`RAW_LIMIT` characters), or ``None``. ``str(err)`` is ``"<stage>: <message>"``.
    """

    def __init__(self, stage: Stage, message: str, raw: str | None = None) -> None:
        if raw is not None and len(raw) > RAW_LIMIT:
            raw = raw[:RAW_LIMIT] + "...[truncated]"
        super().__init__(f"{stage}: {message}")
        self.stage = stage
        self.message = message
        self.raw = raw

    def __reduce__(self):
        return (type(self), (self.stage, self.message, self.raw))
