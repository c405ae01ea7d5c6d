"""The ``Task`` interface: what a task (gen_qa, a judge, a benchmark, a third party's) gives the
runner, and what the runner gives back.

A task is one folder under ``assay/tasks/`` (or a third party's package) with a subclass of
:class:`Task`, registered in :mod:`assay.tasks.registry`. The runner knows no task by name:

1. ``Task(recipe, options, base)`` then :meth:`Task.check` validate the recipe for this task;
2. :meth:`Task.open` loads what the examples need (processors, benchmark items);
3. :meth:`Task.runs` returns one :class:`RunSpec` per model run: the dataset (a fresh iterator
   of samples in order, its size and digest), the model, the per-example coroutine and what
   else makes the run what it is (its fingerprint);
4. the runner executes each spec (plan units, executor, run store, progress) and hands the
   task an :class:`Executed`; :meth:`Task.finalize` reads the records back in dataset order,
   aggregates and writes (native and, where the task has one, Nova layout);
5. :meth:`Task.combine` joins the runs into the one :class:`RunResult` returned (a benchmark
   with a base model compares the two);
6. :meth:`Task.write_report` writes the run's self-contained HTML report, at the end of every
   run and again with ``assay report RUN_DIR``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["Task", "RunSpec", "DatasetInfo", "Executed"]


@dataclass(frozen=True)
class DatasetInfo:
    """Where the examples come from, how many there are, and a digest of their content."""

    path: str
    rows: int
    fingerprint: str


@dataclass(frozen=True)
class RunSpec:
    """One model run a task asks for.

    ``samples`` returns a fresh iterator over the samples in dataset order (an executor may
    need to start it more than once). ``run_one(sample, ctx)`` is the per-example coroutine;
    it returns a record with ``index``, ``error`` and ``to_dict()``. ``fingerprint`` holds
    what else makes two runs the same run (a resume is refused when it differs). ``state``
    is the task's own per-run object, reachable as ``ctx.task`` in ``run_one``."""

    name: str
    model: Any                                   # a backends.base.ModelSpec
    info: DatasetInfo
    samples: Callable[[], Iterable[Any]]
    run_one: Callable[[Any, Any], Awaitable[Any]]
    fingerprint: Any
    label: str
    stop: tuple[str, ...] = ()
    state: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: dataset rows whose requests carry images (field ``images``): the runner refuses the
    #: run before any model call when the backend does not declare ``supports_images``
    image_rows: int = 0


@dataclass(frozen=True)
class Executed:
    """What the runner hands back after executing a :class:`RunSpec`: the run store (records
    in dataset order through ``store.iter_unit_records(unit_ids)``), the manifest, the unit
    ids in dataset order, the start time and the backend's name."""

    spec: RunSpec
    store: Any
    manifest: dict[str, Any]
    unit_ids: list[str]
    start: float
    model: str


class Task:
    """Base class of every task. Subclasses set :attr:`name` and implement :meth:`runs` and
    :meth:`finalize`; the other hooks have defaults."""

    #: the ``evaluation.task`` value this task runs
    name: ClassVar[str] = ""
    #: the recipe key that names the model it calls (``judge.model`` for judge tasks); the
    #: CLI refuses ``-m`` when it is not ``assay.model``
    model_key: ClassVar[str] = "assay.model"
    #: the command-line option for that key
    model_option: ClassVar[str] = "-m/--model"
    #: ``evaluation.strategy`` values it accepts (None: any)
    strategies: ClassVar[tuple[str, ...] | None] = None
    #: whether the recipe's ``processor`` block applies (Nova: gen_qa only)
    uses_processor: ClassVar[bool] = False
    #: whether the task reads a dataset file (``assay.data`` / ``--data``), checked in
    #: :meth:`check`
    needs_data: ClassVar[bool] = False

    def __init__(self, recipe: Any, options: Any, base: Path | None) -> None:
        self.recipe = recipe
        self.options = options
        self.base = base

    # -- which tasks a name means -----------------------------------------------------------
    @classmethod
    def handles(cls, task: str) -> bool:
        """Whether ``evaluation.task == task`` is this task."""
        return task == cls.name

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every task name it answers to (for listings and did-you-mean)."""
        return (cls.name,)

    # -- lifecycle ----------------------------------------------------------------------------
    def check(self) -> None:
        """Validate the recipe for this task (raise ConfigError with the field)."""
        from ..errors import ConfigError

        ev = self.recipe.evaluation
        if self.strategies is not None and ev.strategy is not None \
                and ev.strategy not in self.strategies:
            raise ConfigError(f"strategy '{ev.strategy}' is not valid for task {ev.task} "
                              f"(expected {', '.join(self.strategies)})",
                              field="evaluation.strategy")
        proc = self.recipe.processor
        if not self.uses_processor and proc is not None and proc.active:
            raise ConfigError("processors apply to gen_qa only (as in Nova)", field="processor")
        if self.needs_data and not self.recipe.assay.data:
            raise ConfigError("no dataset: pass --data FILE or set assay.data in the recipe",
                              field="assay.data")

    async def open(self) -> None:
        """Load what the examples need (before any run)."""

    async def aclose(self) -> None:
        """Release what :meth:`open` loaded (after every run, also on failure)."""

    def runs(self) -> list[RunSpec]:
        raise NotImplementedError

    def finalize(self, executed: Executed) -> Any:
        """Aggregate and write the outputs of one executed run; return its RunResult."""
        raise NotImplementedError

    def combine(self, results: list[Any]) -> Any:
        """The RunResult of the whole task from those of its runs (default: the first)."""
        return results[0]

    def print_summary(self, result: Any) -> None:
        """Print the console summary of the finished task."""

    @classmethod
    def write_report(cls, run_dir: Path) -> list[Path]:
        """Write the run's report files (the HTML report first); return their paths."""
        return []
