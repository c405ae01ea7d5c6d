"""Runner: task-agnostic. Plans work units, executes them through an :class:`Executor`, and
finalises through the task's hooks (see :mod:`assay.tasks`)."""

from .executor import ExecutionJob, Executor
from .local_executor import LocalExecutor
from .plan import Unit, plan_units
from .run import RunOptions, evaluate, evaluate_async, execute

__all__ = ["RunOptions", "evaluate", "evaluate_async", "execute", "Executor", "ExecutionJob",
           "LocalExecutor", "Unit", "plan_units"]
