"""Records that cross the backend boundary: what is asked and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Message", "GenerationSettings", "TokenLogprob", "Completion", "InferenceRequest",
           "LoglikelihoodRequest", "LoglikelihoodResult"]


@dataclass(frozen=True, slots=True)
class Message:
    """One chat turn. ``images`` are ``data:image/<format>;base64,...`` URIs shown with the
    text (gen_qa ``images``, the multimodal judge); only backends whose ``supports_images``
    is true may receive a message that has any."""

    role: str
    content: str
    images: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """``{role, content}``, plus ``images`` only when there are some (so the cache keys
        of text-only requests are unchanged)."""
        out: dict[str, object] = {"role": self.role, "content": self.content}
        if self.images:
            out["images"] = list(self.images)
        return out


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """Generation settings, identical for every model in a comparison.

    ``top_k=-1`` disables top-k; ``top_logprobs=0`` disables log-probability capture.
    """

    max_new_tokens: int = 2048
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = -1
    top_logprobs: int = 0
    seed: int = 0
    stop: tuple[str, ...] = ()
    #: structured output (backends/structured.py): ``{"type": "json_schema", "schema": {...}}``
    #: or ``{"type": "choice", "choices": [...]}``; ``None``: free text
    response_format: dict | None = field(default=None, hash=False)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "top_logprobs": self.top_logprobs,
            "seed": self.seed,
            "stop": list(self.stop),
        }
        if self.response_format is not None:   # absent when unset: cache keys stay as they were
            out["response_format"] = self.response_format
        return out


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """One generated token: its text, natural-log probability and top-k alternatives."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"token": self.token, "logprob": self.logprob,
                "top": [{"token": t, "logprob": lp} for t, lp in self.top]}

    @classmethod
    def from_dict(cls, d: dict) -> "TokenLogprob":
        return cls(d["token"], float(d["logprob"]),
                   tuple((t["token"], float(t["logprob"])) for t in d.get("top", ())))


@dataclass(frozen=True, slots=True)
class Completion:
    """What a backend returns for one request."""

    text: str
    logprobs: tuple[TokenLogprob, ...] | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "logprobs": None if self.logprobs is None else [t.to_dict() for t in self.logprobs],
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "finish_reason": self.finish_reason,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Completion":
        lps = d.get("logprobs")
        return cls(
            text=d["text"],
            logprobs=None if lps is None else tuple(TokenLogprob.from_dict(t) for t in lps),
            input_tokens=d.get("input_tokens"),
            output_tokens=d.get("output_tokens"),
            finish_reason=d.get("finish_reason"),
        )


@dataclass(frozen=True, slots=True)
class InferenceRequest:
    """One request: the chat messages and settings.

    ``precomputed`` carries a response already present in the dataset (the ``byoi``
    backend returns it); ``example_id`` lets scripted backends key their answers.
    """

    messages: tuple[Message, ...]
    settings: GenerationSettings
    example_id: str = ""
    precomputed: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoglikelihoodRequest:
    """Score ``continuation`` after ``context`` (raw text, no chat template).

    As in lm-evaluation-harness, trailing spaces of the context belong to the continuation,
    the continuation's tokens are those of ``tokenize(context + continuation)`` past the
    tokens of ``tokenize(context)``, and an empty context is scored after the BOS token."""

    context: str
    continuation: str


@dataclass(frozen=True, slots=True)
class LoglikelihoodResult:
    """``logprob``: sum of the continuation tokens' natural-log probabilities;
    ``greedy``: every continuation token was the argmax; ``n_tokens``: how many were scored."""

    logprob: float
    greedy: bool
    n_tokens: int

    def to_dict(self) -> dict[str, object]:
        return {"logprob": self.logprob, "greedy": self.greedy, "n_tokens": self.n_tokens}
