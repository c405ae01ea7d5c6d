"""``assay jobs``: background runs. ``start RECIPE [run options]`` (or ``start --resume ID``),
``list``, ``status ID``, ``wait ID``, ``stop ID``, ``logs ID``. The work lives in
:mod:`assay.jobs`; this module parses and prints. Names, reasons and paths come from files
and processes, so they reach the terminal only as plain text, never as Rich markup."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["add_parser", "run", "run_args_of"]

#: the actions of ``assay run``'s options on the ``jobs start`` parser (to rebuild the argv)
_RUN_ACTIONS: list[argparse.Action] = []
_STYLE = {"Executing": "cyan", "Succeeded": "green", "Failed": "red", "Stopping": "yellow",
          "Stopped": "yellow"}


def add_parser(subparsers: argparse._SubParsersAction,
               run_options: Callable[[argparse.ArgumentParser], None] | None = None
               ) -> argparse.ArgumentParser:
    """``run_options`` adds the options of ``assay run`` (the CLI passes its own)."""
    p = subparsers.add_parser("jobs", help="background runs: start, list, status, wait, stop, "
                              "logs")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="jobs_command", metavar="ACTION")
    st = sub.add_parser("start", help="start a run in the background; prints the job id",
                        conflict_handler="resolve")
    st.add_argument("recipe", nargs="?", help="recipe YAML")
    before = list(st._actions)
    if run_options is not None:
        run_options(st)
    _RUN_ACTIONS[:] = [a for a in st._actions if a not in before and a.option_strings
                       and a.dest != "resume"]
    st.add_argument("--resume", dest="resume_job", metavar="ID",
                    help="continue the run of a stopped or failed job (as a new job)")
    st.add_argument("--json", action="store_true", help="print the job as JSON")
    st.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    # --resume ID replaced run's --resume flag: that action is left with no option string
    _RUN_ACTIONS[:] = [a for a in _RUN_ACTIONS if a.option_strings]
    ls = sub.add_parser("list", help="every job, newest first")
    ls.add_argument("--json", action="store_true")
    for name, text in (("status", "the job's status and steps"),
                       ("stop", "stop the job (finished units are kept; start --resume continues)"),
                       ("wait", "wait until the job ends; exits with its run's exit code"),
                       ("logs", "the job's output")):
        q = sub.add_parser(name, help=text)
        q.add_argument("id", help="job id (assay jobs list)")
        if name == "status":
            q.add_argument("--json", action="store_true")
        if name == "wait":
            q.add_argument("--poll", type=float, default=2.0, help="seconds between checks")
            q.add_argument("--timeout", type=float, help="give up after this many seconds "
                           "(exit 124)")
        if name == "logs":
            q.add_argument("--follow", "-f", action="store_true",
                           help="keep printing until the job ends")
        q.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    for q in (ls,):
        q.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return p


def run_args_of(args: argparse.Namespace) -> list[str]:
    """The ``assay run`` options given to ``jobs start``, as command-line tokens."""
    from pathlib import Path

    out: list[str] = []
    for action in _RUN_ACTIONS:
        value = getattr(args, action.dest, None)
        if value is None or value == action.default:
            continue
        opt = max(action.option_strings, key=len)
        if isinstance(action, argparse._StoreTrueAction):
            out.append(opt)
        elif isinstance(action, argparse._AppendAction):
            for v in value:
                out += [opt, str(v)]
        elif opt in ("--data", "--output-dir", "--cache"):   # the caller's paths
            out += [opt, str(Path(str(value)).expanduser().resolve())]
        else:
            out += [opt, str(value)]
    return out


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError

    action = getattr(args, "jobs_command", None)
    if action is None:
        raise ConfigError("usage: assay jobs start|list|status|wait|stop|logs (assay jobs -h)")
    return {"start": _start, "list": _list, "status": _status, "wait": _wait, "stop": _stop,
            "logs": _logs}[action](args)


def _start(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import ConfigError
    from ..jobs import launcher

    if args.resume_job:
        if args.recipe:
            raise ConfigError("--resume ID continues a job's run: give no recipe",
                              field="--resume")
        job = launcher.resume(args.resume_job)
    else:
        if not args.recipe:
            raise ConfigError("pass a recipe, or --resume ID", field="recipe")
        path = Path(args.recipe).expanduser()
        if not path.is_file():
            raise ConfigError("no such recipe file" if not path.exists() else
                              "not a recipe file (to continue a job: --resume ID)", file=path)
        run_args = [str(path.resolve()), *run_args_of(args)]
        if args.progress == "auto":
            run_args += ["--progress", "plain"]
        job = launcher.launch(run_args, recipe=str(path.resolve()))
    if args.json:
        _print_json(_job_doc(job))
    else:
        print(job.id)
    return 0


def _job_doc(job: Any, *, steps: bool = True) -> dict[str, Any]:
    doc = dict(job.info())
    if steps:
        doc["steps"] = job.steps()
    return doc


def _print_json(doc: Any) -> None:
    from ..results.json_io import dumps_strict

    print(dumps_strict(doc, indent=2, ensure_ascii=False))


def _when(t: float | None) -> str:
    import time

    return "-" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def _duration(a: float | None, b: float | None) -> str:
    import time

    if a is None:
        return "-"
    s = (b if b is not None else time.time()) - a
    return f"{s:.1f}s" if s < 60 else f"{int(s // 60)}m{int(s % 60):02d}s"


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _list(args: argparse.Namespace) -> int:
    from ..jobs.job import list_jobs
    from ..reports.console import plain

    jobs = list_jobs()
    if args.json:
        _print_json([_job_doc(j, steps=False) for j in jobs])
        return 0
    from rich.table import Table

    console = _console()
    if not jobs:
        console.print("no jobs")
        return 0
    t = Table(title=f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}", title_justify="left")
    for col in ("id", "status", "name", "created", "duration", "run"):
        t.add_column(col)
    for j in jobs:
        r = j.info()
        t.add_row(plain(r["id"]), plain(r["status"], style=_STYLE.get(r["status"], "")),
                  plain(r.get("name") or r.get("recipe") or "-"), plain(_when(r["created"])),
                  plain(_duration(r["created"], r.get("ended"))), plain(r.get("run_dir") or "-"))
    console.print(t)
    return 0


def _status(args: argparse.Namespace) -> int:
    from ..jobs import Job
    from ..reports.console import plain, safe_markup

    job = Job(args.id)
    doc = _job_doc(job)
    if args.json:
        _print_json(doc)
        return 0
    from rich.table import Table

    console = _console()
    console.print(f"job {safe_markup(doc['id'])}: [{_STYLE.get(doc['status'], '')}]"
                  f"{safe_markup(doc['status'])}[/]"
                  + (f" (exit {doc['exit_code']})" if doc.get("exit_code") is not None else ""))
    if doc.get("reason"):
        label = "note" if doc["status"] == "Succeeded" else "reason"
        console.print(f"{label}: {safe_markup(doc['reason'])}")
    for key in ("name", "recipe", "run_dir", "pid", "log", "resumed_from"):
        if doc.get(key) is not None:
            console.print(f"{key}: {safe_markup(doc[key])}")
    if doc.get("cluster") or doc.get("replicas"):
        console.print(f"cluster: {safe_markup(doc.get('cluster') or 'local Ray')}, "
                      f"replicas {safe_markup(doc.get('replicas') or 1)}")
    console.print(f"created: {_when(doc['created'])}  duration: "
                  f"{_duration(doc['created'], doc.get('ended'))}")
    if doc["steps"]:
        t = Table(title="steps", title_justify="left")
        for col in ("step", "status", "started", "ended", "duration", "progress", "reason"):
            t.add_column(col)
        for s in doc["steps"]:
            progress = "-"
            if s.get("total") is not None:
                progress = f"{s['done']}/{s['total']}" + (
                    f", {s['failed']} failed" if s.get("failed") else "")
            t.add_row(plain(s["name"]), plain(s["status"], style=_STYLE.get(s["status"], "")),
                      plain(_when(s["started"])), plain(_when(s["ended"])),
                      plain(_duration(s["started"], s["ended"])), plain(progress),
                      plain(s.get("reason") or ""))
        console.print(t)
    return 0


def _exit_code(info: dict[str, Any]) -> int:
    """The exit code of ``jobs wait``: the job's run's exit code when it has one."""
    if info.get("exit_code") is not None:
        return int(info["exit_code"])
    return {"Succeeded": 0, "Stopped": 130}.get(info["status"], 1)


def _wait(args: argparse.Namespace) -> int:
    from ..jobs import Job
    from ..reports.console import clean_text

    job = Job(args.id)
    try:
        status = job.wait(poll=max(0.05, args.poll), timeout=args.timeout)
    except TimeoutError as exc:
        print(f"error: {clean_text(exc)}", file=sys.stderr)
        from .exit_codes import TIMED_OUT
        return TIMED_OUT
    info = job.info()
    reason = f": {clean_text(info['reason'])}" if info.get("reason") else ""
    print(f"{clean_text(job.id)} {status}{reason}")
    return _exit_code(info)


def _stop(args: argparse.Namespace) -> int:
    from ..jobs import Job

    status = Job(args.id).stop()
    print(f"{args.id} {status}")
    return 0


def _logs(args: argparse.Namespace) -> int:
    import time

    from ..jobs import Job
    from ..reports.console import clean_text

    job = Job(args.id)
    log = job.info().get("log")
    pos = 0

    def emit() -> None:
        nonlocal pos
        try:
            with open(log, "rb") as fh:
                fh.seek(pos)
                chunk = fh.read()
        except (OSError, TypeError):
            return
        pos += len(chunk)
        if chunk:
            sys.stdout.write(clean_text(chunk.decode("utf-8", "replace")))
            sys.stdout.flush()

    emit()
    if args.follow:
        from ..jobs.store import FINAL

        while job.status() not in FINAL:
            time.sleep(0.5)
            emit()
        emit()
    return 0
