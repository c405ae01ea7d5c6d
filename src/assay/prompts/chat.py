"""Chat rendering: a sample becomes the messages sent to the model."""

from __future__ import annotations

from collections.abc import Iterable

from ..backends.types import Message

__all__ = ["chat_messages", "messages_repr", "messages_record"]


def chat_messages(query: str, system: str | None,
                  images: tuple[str, ...] = ()) -> tuple[Message, ...]:
    """``[system?, user]``, as the Nova container builds a gen_qa prompt; a row's ``images``
    go on the user turn, after its text."""
    user = Message("user", query, tuple(images))
    if system:
        return (Message("system", system), user)
    return (user,)


def messages_record(messages: Iterable[Message]) -> list[dict[str, str]]:
    """The messages as a per-example record keeps them: ``{role, content}`` only, so image
    payloads (base64, often megabytes) never reach examples.jsonl, parquet or reports; the
    record's ``images`` field counts them."""
    return [{"role": m.role, "content": m.content} for m in messages]


def messages_repr(messages: list[dict[str, str]]) -> str:
    """The Python repr of the chat list, as Nova writes ``prompt`` in inference_output.jsonl."""
    return repr([{"role": m["role"], "content": m["content"]} for m in messages])
