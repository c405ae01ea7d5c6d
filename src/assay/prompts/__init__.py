"""Prompts: chat rendering, templates and few-shot selection."""

from .chat import chat_messages, messages_repr

__all__ = ["chat_messages", "messages_repr"]
