"""Which class runs a recipe's ``evaluation.task``.

Built-in tasks are named here by module (imported when first asked for, so the runner has no
import edge to any task); third-party tasks register through the ``assay.tasks`` entry-point
group (``name = package.module:TaskClass``) or, in-process, with :func:`register_task`.
"""

from __future__ import annotations

import difflib
from importlib import import_module

from ..errors import TaskNotAvailable
from .base import Task

__all__ = ["register_task", "resolve_task", "task_classes", "task_names", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "assay.tasks"

#: built-in tasks: ``evaluation.task`` (or family) -> "module:Class" under assay.tasks
_BUILTIN = {
    "gen_qa": "gen_qa.task:GenQATask",
    "llm_judge": "pairwise_judge.task:PairwiseJudgeTask",
    "mm_llm_judge": "pairwise_judge.multimodal:MultimodalJudgeTask",
    "rubric_llm_judge": "rubric_judge.task:RubricJudgeTask",
    "llm_judge_pointwise": "pointwise_judge.task:PointwiseJudgeTask",
    "rag_eval": "rag.task:RagTask",
    "benchmark": "benchmark.task:BenchmarkTask",
    "rft_eval": "rft_eval.task:RftEvalTask",
}
_REGISTERED: dict[str, type[Task]] = {}
_LOADED: dict[str, type[Task]] = {}          # every task, once task_classes() has run
_BUILTIN_CLASSES: dict[str, type[Task]] = {}  # the built-in tasks imported so far
_SCANNED: list[bool] = []                     # [True] once the entry points were read


def register_task(cls: type[Task]) -> type[Task]:
    """Register a task class in-process (a decorator); its ``name`` is its key."""
    if not (isinstance(cls, type) and issubclass(cls, Task)) or not cls.name:
        raise TypeError("a task is a subclass of assay.tasks.Task with a name")
    _REGISTERED[cls.name] = cls
    return cls


def _load(ref: str, where: str) -> type[Task]:
    module, _, attr = ref.partition(":")
    cls = getattr(import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise TaskNotAvailable(f"{where} names {ref}, which is not an assay Task subclass",
                               field="evaluation.task")
    return cls


def task_classes() -> list[type[Task]]:
    """Every known task class: registered, built-in, then entry points."""
    if not _SCANNED:
        from importlib.metadata import entry_points   # ~15 ms: only when every task is asked for

        loaded = {key: _builtin(key) for key in _BUILTIN}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name not in loaded:
                try:
                    loaded[ep.name] = _load(ep.value, f"entry point '{ep.name}'")
                except ImportError as exc:
                    raise TaskNotAvailable(f"task plug-in '{ep.name}' ({ep.value}) cannot be "
                                           f"imported: {exc}", field="evaluation.task") from None
        _LOADED.clear()
        _LOADED.update(loaded)
        _SCANNED.append(True)
    return [*_REGISTERED.values(), *_LOADED.values()]


def _builtin(key: str) -> type[Task]:
    cls = _BUILTIN_CLASSES.get(key)
    if cls is None:
        cls = _BUILTIN_CLASSES[key] = _load(f"{__package__}.{_BUILTIN[key]}", "assay")
    return cls


def task_names() -> list[str]:
    return sorted({n for cls in task_classes() for n in cls.names()})


def resolve_task(task: str) -> type[Task]:
    """The class that runs ``evaluation.task``, or TaskNotAvailable with a did-you-mean."""
    for cls in _REGISTERED.values():
        if cls.handles(task):
            return cls
    if task in _BUILTIN:   # the common case: import that task alone, not every task
        cls = _builtin(task)
        if cls.handles(task):
            return cls
    for cls in task_classes():
        if cls.handles(task):
            return cls
    names = task_names()
    close = difflib.get_close_matches(task, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise TaskNotAvailable(f"task {task} is not available yet{hint} (available: "
                           f"{', '.join(names)})", field="evaluation.task")

