"""Import shims so user code written against the Nova custom-evaluation SDK runs unchanged.

:func:`install_sdk_shims` appends one finder to the **end** of ``sys.meta_path``. It
answers only for ``nova_custom_evaluation_sdk`` and ``llm_eval_kit`` (and the submodules
below), and only when no other finder found them, so a really installed package always
wins. Each shim module re-exports assay's own implementation; both names share the same
classes. The finder stays installed (it is inert for every other name); loading a user
file installs it. Shimmed modules::

    <root>                                  <root>.processors
    <root>.processors.decorators            preprocess, postprocess, PreProcessor, PostProcessor
    <root>.processors.pre_processor         PreProcessor
    <root>.processors.post_processor        PostProcessor
    <root>.processors.processor             Processor (abstract base)
    <root>.processors.exceptions            ProcessorError, PreprocessError, PostprocessError
    <root>.model                            <root>.model.models (the pydantic models, ProcessType)
    <root>.lambda_handler                   build_lambda_handler
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any

__all__ = ["SHIMMED_PACKAGES", "install_sdk_shims", "uninstall_sdk_shims", "is_shim"]

#: Top-level package names the shims stand in for.
SHIMMED_PACKAGES = ("nova_custom_evaluation_sdk", "llm_eval_kit")

_MARK = "__assay_shim__"
_PACKAGES = frozenset({"", "processors", "model"})
_MODULES = _PACKAGES | {"processors.decorators", "processors.pre_processor",
                        "processors.post_processor", "processors.processor",
                        "processors.exceptions", "model.models", "lambda_handler"}
_lock = threading.Lock()


def _attributes(sub: str) -> dict[str, Any]:
    from . import decorators, exceptions, handler, models

    exc = {"ProcessorError": exceptions.SDKProcessorError,
           "PreprocessError": exceptions.PreprocessError,
           "PostprocessError": exceptions.PostprocessError}
    table: dict[str, dict[str, Any]] = {
        "": {}, "processors": {}, "model": {},
        "processors.decorators": {
            "preprocess": decorators.preprocess, "postprocess": decorators.postprocess,
            "PreProcessor": decorators.PreProcessor, "PostProcessor": decorators.PostProcessor,
            "EXPECTED_PARAM_COUNT": decorators.EXPECTED_PARAM_COUNT},
        "processors.pre_processor": {"PreProcessor": decorators.PreProcessor,
                                     "Processor": decorators.SDKProcessor, **exc},
        "processors.post_processor": {"PostProcessor": decorators.PostProcessor,
                                      "Processor": decorators.SDKProcessor, **exc},
        "processors.processor": {"Processor": decorators.SDKProcessor},
        "processors.exceptions": exc,
        "model.models": {name: getattr(models, name) for name in models.__all__},
        "lambda_handler": {"build_lambda_handler": handler.build_lambda_handler,
                           "PreProcessor": decorators.PreProcessor,
                           "PostProcessor": decorators.PostProcessor,
                           "ProcessType": models.ProcessType},
    }
    return table[sub]


class _ShimLoader(importlib.abc.Loader):
    def create_module(self, spec):  # default module creation
        return None

    def exec_module(self, module: ModuleType) -> None:
        sub = module.__name__.partition(".")[2]
        attrs = _attributes(sub)
        module.__dict__.update(attrs)
        module.__doc__ = f"assay stand-in for {module.__name__} (real package not installed)."
        if attrs:
            module.__all__ = sorted(attrs)
        setattr(module, _MARK, True)


class _SDKShimFinder(importlib.abc.MetaPathFinder):
    """Finds the shim modules; consulted last, so only when the real package is absent."""

    _loader = _ShimLoader()

    def find_spec(self, fullname: str, path=None, target=None):
        root, _, sub = fullname.partition(".")
        if root not in SHIMMED_PACKAGES or sub not in _MODULES:
            return None
        if sub and not is_shim(sys.modules.get(fullname.rpartition(".")[0])):
            return None  # the parent is the real package: never mix
        return importlib.machinery.ModuleSpec(fullname, self._loader,
                                              is_package=sub in _PACKAGES)


def is_shim(module: object) -> bool:
    """Whether ``module`` is one of assay's stand-in modules."""
    return isinstance(module, ModuleType) and bool(getattr(module, _MARK, False))


def install_sdk_shims() -> None:
    """Append the shim finder to ``sys.meta_path`` (idempotent, thread-safe)."""
    with _lock:
        if not any(isinstance(f, _SDKShimFinder) for f in sys.meta_path):
            sys.meta_path.append(_SDKShimFinder())


def uninstall_sdk_shims() -> None:
    """Remove the finder and forget every shim module already imported (for tests)."""
    with _lock:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _SDKShimFinder)]
        for name in [n for n, m in sys.modules.items()
                     if n.partition(".")[0] in SHIMMED_PACKAGES and is_shim(m)]:
            del sys.modules[name]
