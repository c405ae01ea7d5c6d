"""Which backends can be shown images, and the refusal when a run would send images to one that
cannot.

A backend says so with ``supports_images = True`` (OpenAI-compatible endpoints, which take
``image_url`` content parts; Bedrock; the mock; ``byoi``, whose answers are already made).
Others (the embedded text-only ``local`` model) are refused before any model call: images are
never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import BackendUnavailable
from .types import Message

__all__ = ["accepts_images", "require_image_support", "text_messages", "IMAGE_BACKENDS"]

#: what to use instead, in the refusal
IMAGE_BACKENDS = ("openai/<model> (an OpenAI-compatible server with a vision model), "
                  "bedrock/<model>")


def accepts_images(backend: object) -> bool:
    """True when ``backend`` declares ``supports_images``."""
    return bool(getattr(backend, "supports_images", False))


def require_image_support(backend: object, dataset: str, rows: int,
                          field: str = "images") -> None:
    """Refuse (exit 2, one line) a run that would send the images of ``rows`` rows of
    ``dataset`` to a backend that cannot take them; nothing when ``rows`` is 0."""
    if rows <= 0 or accepts_images(backend):
        return
    name = getattr(backend, "name", type(backend).__name__)
    raise BackendUnavailable(
        f"{name} cannot take images (dataset {dataset} has '{field}' on {rows} "
        f"row{'s' if rows != 1 else ''}); use an image-capable backend: {IMAGE_BACKENDS}",
        field="model")


def text_messages(messages: Iterable[Message], backend: str) -> list[dict[str, str]]:
    """``[{role, content}]`` for a text-only backend; a message with images is refused
    (the runner refuses such runs first, so this guards direct callers)."""
    out = []
    for m in messages:
        if m.images:
            raise BackendUnavailable(f"{backend} cannot take images (a {m.role} message has "
                                     f"{len(m.images)}); use an image-capable backend: "
                                     f"{IMAGE_BACKENDS}", field="model")
        out.append({"role": m.role, "content": m.content})
    return out
