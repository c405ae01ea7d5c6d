"""Redaction of secrets before anything is written to disk (SEC-1, SEC-4).

* :func:`redact_url` hides the credentials a URL may carry: ``user:password@`` becomes
  ``<redacted>@``, every query value and a fragment become ``<redacted>`` (query keys stay, so
  ``?api-key=...&api-version=...`` still says what was passed).
* :func:`redact_config` walks a JSON-like value (dicts, lists, tuples) and returns a redacted
  copy: the value of every key that names a secret (``api_key``, ``token``, ``password``,
  ``secret``, ``authorization``, ... in any case, ``-`` or ``_`` spelling) becomes
  ``<redacted>``, and every URL inside any string goes through :func:`redact_url`.
  ``api_key_env`` (the *name* of the variable holding a key) is not a secret and is kept.

The run manifest (``run.json``) stores the recipe through :func:`redact_config`; backends'
``identity()`` never carries credentials.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["REDACTED", "redact_url", "redact_text", "redact_config", "is_secret_key"]

REDACTED = "<redacted>"

#: Keys whose whole value is a secret (compared lower-case with ``-`` read as ``_``), also as
#: the last part of a longer key (``x-api-key``, ``openai_api_key``, ``hf_token``).
_SECRET_WORDS = ("api_key", "apikey", "password", "passwd", "secret", "secret_key",
                 "access_key", "private_key", "authorization", "credential", "credentials",
                 "token", "access_token", "auth_token", "api_token", "bearer_token",
                 "refresh_token", "id_token", "session_token", "hf_token", "cookie")
_SECRET_KEY = re.compile(r"^(?:.*_)?(?:" + "|".join(map(re.escape, _SECRET_WORDS)) + r")$")
#: ``*_token`` keys that are generation settings, not credentials.
_NOT_SECRET = frozenset({"stop_token", "eos_token", "bos_token", "pad_token", "max_token",
                         "sep_token", "unk_token"})

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")


def is_secret_key(key: object) -> bool:
    """True when a mapping key names a secret (``api_key``, ``Authorization``, ``x-api-key``)."""
    if not isinstance(key, str):
        return False
    k = key.strip().lower().replace("-", "_")
    return k not in _NOT_SECRET and bool(_SECRET_KEY.match(k))


def _redact_query(query: str) -> str:
    parts = []
    for item in query.split("&"):
        if not item:
            continue
        name, sep, _ = item.partition("=")
        # a bare item (``?sk-abc``) may itself be the key: hidden whole
        parts.append(f"{name}={REDACTED}" if sep else REDACTED)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """``url`` with its userinfo, query values and fragment replaced by ``<redacted>``.

    A string that is not an absolute URL (no ``scheme://host``) is returned unchanged, and so
    is a URL that carries none of those parts (byte for byte)."""
    if not isinstance(url, str) or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:     # e.g. an invalid IPv6 literal: keep only what precedes the netloc
        return url.split("://", 1)[0] + "://" + REDACTED
    if not parts.scheme or not netloc:
        return url
    if not ("@" in netloc or parts.query or parts.fragment):
        return url
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = _redact_query(parts.query) if parts.query else ""
    fragment = REDACTED if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def redact_text(text: str) -> str:
    """Every URL found inside ``text`` through :func:`redact_url`."""
    if not isinstance(text, str) or "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def redact_config(obj: Any) -> Any:
    """A copy of ``obj`` (dicts, lists, tuples, scalars) with secrets replaced by
    ``<redacted>``: values of secret-named keys, and credentials in URLs inside strings."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if is_secret_key(k) and v not in (None, "", {}, []):
                out[k] = REDACTED
            else:
                out[k] = redact_config(v)
        return out
    if isinstance(obj, list):
        return [redact_config(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(redact_config(v) for v in obj)
    return obj
