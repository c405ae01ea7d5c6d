"""In-process processors: a Python file (``my_metrics.py``) or module (``pkg.metrics``).

A location is ``FILE``, ``FILE:ATTR``, ``MODULE`` or ``MODULE:ATTR``; a relative file is
resolved against ``base_dir`` (the recipe's folder) or the working directory. It is a file
when it ends in ``.py``, contains a path separator or names an existing file.

Lookup order, first match wins:

1. ``ATTR`` when given: a handler ``(event, context)``, or one ``@preprocess`` /
   ``@postprocess`` object (wrapped with :func:`build_lambda_handler`).
2. a callable named ``lambda_handler`` (what ``build_lambda_handler`` users export).
3. the ``@preprocess`` / ``@postprocess`` objects among the module's globals, at most one of
   each kind, wrapped with :func:`build_lambda_handler`.

The SDK import shims are installed before the code runs. While a file executes its folder
is first on ``sys.path`` (as on Lambda); afterwards it stays on it, last. Every call runs
``lambda_handler(event, None)`` in a worker thread (at most ``concurrency`` at once), and
its result makes a JSON round trip, as it would through Lambda.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

from ..errors import ConfigError
from .base import (
    POSTPROCESS,
    PREPROCESS,
    parse_response,
    postprocess_event,
    preprocess_event,
)
from .errors import RAW_LIMIT, ProcessorError, Stage
from .handler import build_lambda_handler
from .shims import install_sdk_shims

__all__ = ["LocalProcessor", "load_lambda_handler", "DEFAULT_HANDLER"]

#: The attribute looked up when the location names none.
DEFAULT_HANDLER = "lambda_handler"
_FIELD = "processor.path"
_load_lock = threading.RLock()

Handler = Callable[[dict, Any], Any]


def _split(target: str) -> tuple[str, str | None]:
    head, sep, tail = target.rpartition(":")
    if sep and head and tail.isidentifier() and not (len(head) == 1 and head.isalpha()):
        return head, tail
    return target, None


def _is_file(spec: str, base: Path) -> bool:
    return (spec.endswith(".py") or "/" in spec or os.sep in spec
            or (base / spec).is_file())


def _load_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise ConfigError(f"processor file not found: {path}", field=_FIELD)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"_assay_processor_{digest}_{path.stem.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load processor file {path}", field=_FIELD)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    with _load_lock:
        added = folder not in sys.path
        if added:
            sys.path.insert(0, folder)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            sys.modules.pop(name, None)
            raise ConfigError(f"cannot load processor file {path}: {_exc_line(exc)}",
                              field=_FIELD) from exc
        finally:
            if added:
                sys.path.remove(folder)
                sys.path.append(folder)
    return module


def _load_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise ConfigError(f"processor module '{name}' not found (a file needs the "
                              f"'.py' suffix)", field=_FIELD) from exc
        raise ConfigError(f"cannot import processor module '{name}': {_exc_line(exc)}",
                          field=_FIELD) from exc
    except Exception as exc:
        raise ConfigError(f"cannot import processor module '{name}': {_exc_line(exc)}",
                          field=_FIELD) from exc


def _kind(obj: object) -> Stage | None:
    """``preprocess`` / ``postprocess`` for an SDK processor object (assay's or the real SDK's)."""
    if isinstance(obj, type) or not callable(getattr(obj, "process", None)):
        return None
    names = {c.__name__ for c in type(obj).__mro__}
    if "PreProcessor" in names:
        return PREPROCESS
    if "PostProcessor" in names:
        return POSTPROCESS
    return None


def _from_objects(found: dict[Stage, list[tuple[str, object]]], where: str,
                  stages: Iterable[Stage]) -> Handler:
    for stage, items in found.items():
        if len(items) > 1:
            names = ", ".join(n for n, _ in items)
            raise ConfigError(f"{where} defines several @{stage} objects ({names}); export "
                              f"'{DEFAULT_HANDLER}' or name one as '{where}:<name>'",
                              field=_FIELD)
    for stage in stages:
        if not found.get(stage):
            raise ConfigError(f"{stage}ing is enabled but {where} has no @{stage} function "
                              f"and no '{DEFAULT_HANDLER}'", field=_FIELD)
    pre = found.get(PREPROCESS, [(None, None)])[0][1]
    post = found.get(POSTPROCESS, [(None, None)])[0][1]
    return build_lambda_handler(preprocessor=pre, postprocessor=post)  # type: ignore[arg-type]


def load_lambda_handler(target: str, *, base_dir: Path | None = None,
                        stages: Iterable[Stage] = ()) -> Handler:
    """Load the user code at ``target`` and return its ``lambda_handler(event, context)``.

    ``stages`` lists the stages that must be served; when the handler is assembled from
    processor objects a missing one is a :class:`~assay.errors.ConfigError` (as is a missing
    file, an import failure or nothing to call).
    """
    install_sdk_shims()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    spec, attr = _split(target.strip())
    if _is_file(spec, base):
        path = Path(spec).expanduser()
        module = _load_file((path if path.is_absolute() else base / path).resolve())
    else:
        module = _load_module(spec)
    where = spec
    if attr is not None:
        if not hasattr(module, attr):
            raise ConfigError(f"{where} has no attribute '{attr}'", field=_FIELD)
        obj = getattr(module, attr)
        kind = _kind(obj)
        if kind is not None:
            return _from_objects({kind: [(attr, obj)]}, where, stages)
        if not callable(obj):
            raise ConfigError(f"{where}:{attr} is not callable", field=_FIELD)
        return obj
    handler = getattr(module, DEFAULT_HANDLER, None)
    if callable(handler):
        return handler
    found: dict[Stage, list[tuple[str, object]]] = {}
    for name, obj in vars(module).items():
        kind = _kind(obj)
        if kind is not None:
            found.setdefault(kind, []).append((name, obj))
    if not found:
        raise ConfigError(f"{where} defines no '{DEFAULT_HANDLER}' and no @preprocess or "
                          "@postprocess function", field=_FIELD)
    return _from_objects(found, where, stages)


class LocalProcessor:
    """Runs a lambda handler in process; see the module docstring for how it is found."""

    def __init__(self, handler: Handler, *, name: str = "local", concurrency: int = 8) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.handler = handler
        self.name = name
        self.concurrency = concurrency
        # one limiter per event loop (a limiter belongs to the loop that made it)
        self._limiter: RunVar[anyio.CapacityLimiter] = RunVar(f"assay-limiter-{id(self)}")

    @classmethod
    def from_target(cls, target: str, *, base_dir: Path | None = None,
                    stages: Iterable[Stage] = (), concurrency: int = 8) -> LocalProcessor:
        """Load ``target`` with :func:`load_lambda_handler`."""
        handler = load_lambda_handler(target, base_dir=base_dir, stages=stages)
        return cls(handler, name=f"local:{target}", concurrency=concurrency)

    def __repr__(self) -> str:
        return f"LocalProcessor({self.name!r})"

    def _get_limiter(self) -> anyio.CapacityLimiter:
        try:
            return self._limiter.get()
        except LookupError:
            limiter = anyio.CapacityLimiter(self.concurrency)
            self._limiter.set(limiter)
            return limiter

    async def invoke(self, stage: Stage, event: Any) -> tuple[Any, str]:
        """Run the handler on ``event`` (any JSON value); return its JSON round-tripped answer
        and that answer's text, unchecked. An exception in user code is a ProcessorError."""
        result = await self._call(stage, event)
        return result, json.dumps(result, ensure_ascii=False)

    async def _call(self, stage: Stage, event: Any) -> Any:
        try:
            result = await anyio.to_thread.run_sync(self.handler, event, None,
                                                    limiter=self._get_limiter())
        except (Exception, SystemExit) as exc:  # user code: one example fails, the run goes on
            raise ProcessorError(stage, _exc_line(exc), raw=_traceback_tail(exc)) from exc
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise ProcessorError(stage, f"response is not JSON serializable: {exc}",
                                 raw=repr(result)) from None

    async def preprocess(self, data: dict) -> dict:
        """Send one preprocess event; return the validated body."""
        result = await self._call(PREPROCESS, preprocess_event(data))
        return parse_response(PREPROCESS, result)

    async def postprocess(self, data: dict) -> list[dict]:
        """Send one postprocess event; return the metrics."""
        result = await self._call(POSTPROCESS, postprocess_event(data))
        return parse_response(POSTPROCESS, result)

    async def aclose(self) -> None:
        """Nothing to release."""


def _exc_line(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _traceback_tail(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return text if len(text) <= RAW_LIMIT else "..." + text[-(RAW_LIMIT - 3):]
