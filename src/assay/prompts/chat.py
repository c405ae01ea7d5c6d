"""Chat rendering: a sample becomes the messages sent to the model."""

from __future__ import annotations

from ..backends.types import Message

__all__ = ["chat_messages", "messages_repr"]


def chat_messages(query: str, system: str | None) -> tuple[Message, ...]:
    """``[system?, user]``, as the Nova container builds a gen_qa prompt."""
    if system:
        return (Message("system", system), Message("user", query))
    return (Message("user", query),)


def messages_repr(messages: list[dict[str, str]]) -> str:
    """The Python repr of the chat list, as Nova writes ``prompt`` in inference_output.jsonl."""
    return repr([{"role": m["role"], "content": m["content"]} for m in messages])
