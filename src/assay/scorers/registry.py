"""Scorer registry: ``@register_scorer``, ``create_scorer`` and the ``assay.scorers`` entry points.

Built-in presets register themselves when their module is imported; the registry
imports them on first use, so ``import assay.scorers`` stays cheap. A third-party
package registers scorers through the entry-point group ``assay.scorers``::

    [project.entry-points."assay.scorers"]
    toxicity = "my_pkg.scorers:Toxicity"       # a class or a factory function

The entry point's name is the scorer's name; its object may or may not carry
``@register_scorer`` (it is registered under the entry-point name if not). A built-in
name always wins over an entry point of the same name.

Every scorer made by a registered class or factory carries ``spec``, a
:class:`~assay.scorers.base.ScorerSpec` with its name and all its arguments (defaults
filled in), so a result can say exactly which scorer and parameters produced it.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Mapping
from importlib import import_module, metadata
from typing import Any, TypeVar

from assay.errors import ConfigError
from assay.scorers.base import ExampleScorer, Scorer, ScorerSpec

__all__ = [
    "ENTRY_POINT_GROUP",
    "register_scorer",
    "create_scorer",
    "scorer_from_spec",
    "list_scorers",
    "describe_scorer",
]

ENTRY_POINT_GROUP = "assay.scorers"

# Modules whose import registers the built-in presets (heavy dependencies load lazily).
_BUILTIN_MODULES = (
    "assay.scorers.classification",
    "assay.scorers.bleu",
    "assay.scorers.rouge",
    "assay.scorers.meteor",
    "assay.scorers.bertscore",
    "assay.scorers.json_schema",
)

T = TypeVar("T")

_REGISTRY: dict[str, Callable[..., Any]] = {}
_BUILTIN_NAMES: set[str] = set()
_ENTRY_POINTS: dict[str, metadata.EntryPoint] | None = None
_builtins_loaded = False


def _bound_params(sig: inspect.Signature, args: tuple, kwargs: dict) -> dict[str, Any]:
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return dict(kwargs)
    bound.apply_defaults()
    params: dict[str, Any] = {}
    for pname, value in bound.arguments.items():
        kind = sig.parameters[pname].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            params.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            params[pname] = list(value)
        else:
            params[pname] = value
    return params


def _attach(obj: Any, spec: ScorerSpec) -> None:
    try:
        object.__setattr__(obj, "spec", spec)
    except (AttributeError, TypeError):  # slots or an immutable object: no spec to carry
        pass


def _init_signature(cls: type) -> inspect.Signature:
    sig = inspect.signature(cls.__init__)
    params = list(sig.parameters.values())[1:]  # drop self
    return sig.replace(parameters=params)


def register_scorer(name: str, *, replace: bool = False) -> Callable[[T], T]:
    """Register a scorer class or factory function under ``name``.

    The decorated callable's calls record ``spec = ScorerSpec(name, params)`` on the
    scorer they make. Registering a taken name raises ``ValueError`` unless
    ``replace=True``.
    """
    if not name or not isinstance(name, str) or name != name.strip():
        raise ValueError(f"invalid scorer name {name!r}")

    def deco(obj: T) -> T:
        if name in _REGISTRY and not replace and _REGISTRY[name] is not obj:
            raise ValueError(f"scorer '{name}' is already registered")
        if isinstance(obj, type):
            cls = obj
            original = cls.__init__
            sig = _init_signature(cls)

            @functools.wraps(original)
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                original(self, *args, **kwargs)
                if type(self) is cls or getattr(self, "spec", None) is None:
                    _attach(self, ScorerSpec(name, _bound_params(sig, args, kwargs)))

            cls.__init__ = __init__  # type: ignore[misc]
            cls.scorer_name = name  # type: ignore[attr-defined]
            _REGISTRY[name] = cls
            return obj
        if not callable(obj):
            raise TypeError(f"@register_scorer('{name}') needs a class or a function")
        fn: Callable[..., Any] = obj  # type: ignore[assignment]
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def factory(*args: Any, **kwargs: Any) -> Any:
            scorer = fn(*args, **kwargs)
            _attach(scorer, ScorerSpec(name, _bound_params(sig, args, kwargs)))
            return scorer

        factory.scorer_name = name  # type: ignore[attr-defined]
        _REGISTRY[name] = factory
        return factory  # type: ignore[return-value]

    return deco


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    before = set(_REGISTRY)
    for module in _BUILTIN_MODULES:
        import_module(module)
    _BUILTIN_NAMES.update(set(_REGISTRY) - before)
    _builtins_loaded = True


def _entry_points() -> dict[str, metadata.EntryPoint]:
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        found: dict[str, metadata.EntryPoint] = {}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            found.setdefault(ep.name, ep)
        _ENTRY_POINTS = found
    return _ENTRY_POINTS


def _refresh_entry_points() -> None:
    """Forget the cached entry points (tests, or after installing a plugin)."""
    global _ENTRY_POINTS
    _ENTRY_POINTS = None


def list_scorers() -> list[str]:
    """Every known scorer name: built-ins, registered ones and entry points."""
    _load_builtins()
    return sorted(set(_REGISTRY) | set(_entry_points()))


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if not close:
        close = [k for k in known if k.lower() == name.lower()]
    return f"; did you mean '{close[0]}'?" if close else ""


def _factory(name: str) -> Callable[..., Any]:
    _load_builtins()
    factory = _REGISTRY.get(name)
    if factory is not None:
        return factory
    ep = _entry_points().get(name)
    if ep is None:
        known = list_scorers()
        raise ConfigError(f"unknown scorer '{name}'{_suggest(name, known)} "
                          f"(choose from {', '.join(known)})", field="scorer")
    try:
        obj = ep.load()
    except Exception as exc:  # a broken plugin is the user's environment, not assay
        raise ConfigError(f"scorer '{name}' (entry point {ep.value!r}) failed to load: "
                          f"{type(exc).__name__}: {exc}", field="scorer") from exc
    if getattr(obj, "scorer_name", None) == name and _REGISTRY.get(name) is obj:
        return obj
    if isinstance(obj, type) and getattr(obj, "scorer_name", None) in _REGISTRY:
        return obj
    return register_scorer(name, replace=True)(obj)


def _signature(factory: Callable[..., Any]) -> inspect.Signature:
    return _init_signature(factory) if isinstance(factory, type) else inspect.signature(factory)


def _check_params(name: str, sig: inspect.Signature, params: Mapping[str, Any]) -> None:
    accepted = [p.name for p in sig.parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    if not takes_any:
        for key in params:
            if key not in accepted:
                listed = ", ".join(accepted) if accepted else "none"
                raise ConfigError(f"scorer '{name}' has no parameter '{key}'"
                                  f"{_suggest(key, accepted)} (parameters: {listed})",
                                  field=f"{name}.{key}")
    try:
        sig.bind(**params)
    except TypeError as exc:
        raise ConfigError(f"scorer '{name}': {exc}", field=name) from None


def create_scorer(name: str, **params: Any) -> Any:
    """Make the scorer registered as ``name`` with ``params``.

    Raises :class:`~assay.errors.ConfigError` (with a did-you-mean suggestion) for an
    unknown scorer or parameter, a missing required parameter, or an invalid value.
    The result satisfies :class:`Scorer` or :class:`ExampleScorer` and carries ``spec``.
    """
    name = str(name).strip()
    factory = _factory(name)
    _check_params(name, _signature(factory), params)
    try:
        scorer = factory(**params)
    except ConfigError as exc:
        if exc.field and not exc.field.startswith(f"{name}."):
            raise ConfigError(exc.reason, file=exc.file, line=exc.line,
                              field=f"{name}.{exc.field}") from None
        raise
    if not isinstance(scorer, (Scorer, ExampleScorer)):
        raise ConfigError(f"scorer '{name}' made {type(scorer).__name__}, which has neither "
                          "score() nor score_one()", field="scorer")
    if getattr(scorer, "spec", None) is None:
        _attach(scorer, ScorerSpec(name, _bound_params(_signature(factory), (), params)))
    return scorer


def scorer_from_spec(spec: ScorerSpec | Mapping[str, Any]) -> Any:
    """Re-create a scorer from its :class:`ScorerSpec` (or ``spec.to_dict()``)."""
    if isinstance(spec, ScorerSpec):
        return create_scorer(spec.name, **dict(spec.params))
    return create_scorer(spec["name"], **dict(spec.get("params") or {}))


def describe_scorer(name: str) -> dict[str, Any]:
    """``{"name", "summary", "params": {param: default or None}, "builtin"}`` of one scorer."""
    name = str(name).strip()
    factory = _factory(name)
    sig = _signature(factory)
    params = {p.name: (None if p.default is p.empty else p.default)
              for p in sig.parameters.values()
              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    doc = inspect.getdoc(factory) or ""
    return {"name": name, "summary": doc.split("\n", 1)[0], "params": params,
            "builtin": name in _BUILTIN_NAMES}
