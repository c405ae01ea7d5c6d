"""Tasks: one folder per task behind the :class:`Task` interface, found through a registry."""

from .base import DatasetInfo, Executed, RunSpec, Task
from .registry import ENTRY_POINT_GROUP, register_task, resolve_task, task_classes, task_names
from .reporting import report_run

__all__ = ["Task", "RunSpec", "DatasetInfo", "Executed", "register_task", "resolve_task",
           "task_classes", "task_names", "ENTRY_POINT_GROUP", "report_run"]
