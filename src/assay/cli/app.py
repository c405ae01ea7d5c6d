"""``assay`` command line: argv → recipe overrides → public API call. Thin on purpose."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import (compare_cmd, eval_cmd, jobs_cmd, kb_cmd, metrics_cmd,  # light: argparse only
               query_cmd, runs_cmd)

__all__ = ["main", "build_parser"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assay")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``: the installed version, read only when asked for (importlib.metadata
    costs ~15 ms a process)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "show the version and exit"
                 ) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"assay {_version()}")   # stdout, as argparse's own version action
        parser.exit()


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="dataset JSONL (overrides assay.data)")
    p.add_argument("-m", "--model", help="provider/model, e.g. local/smollm2, openai/gpt-4o-mini")
    p.add_argument("-M", dest="model_args", action="append", default=[], metavar="KEY=VALUE",
                   help="model argument, repeatable (base_url=..., api_key_env=..., n_ctx=...)")
    p.add_argument("--judge", help="judge model for llm_judge tasks (overrides judge.model)")
    p.add_argument("--judge-samples", type=int, metavar="K",
                   help="llm_judge_pointwise: judge each example K times and report the "
                   "dispersion (judge.samples)")
    p.add_argument("-J", dest="judge_args", action="append", default=[], metavar="KEY=VALUE",
                   help="judge model argument, repeatable")
    p.add_argument("--output-dir", help="folder for run directories (default: runs)")
    p.add_argument("--name", help="run name (overrides run.name)")
    p.add_argument("--group-by", help="metadata fields, comma separated (a*b crosses two fields)")
    p.add_argument("--metrics", help="gen_qa metrics to compute, comma separated (default: all)")
    p.add_argument("--seed", type=int)
    p.add_argument("--concurrency", type=int)
    p.add_argument("--limit", type=int, help="only the first N rows")
    p.add_argument("--max-new-tokens", type=int)
    p.add_argument("--temperature", type=float)
    p.add_argument("--top-p", type=float)
    p.add_argument("--top-k", type=int)
    p.add_argument("--top-logprobs", type=int)
    p.add_argument("--max-failure-share", type=float)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the response cache")
    p.add_argument("--cache", help="response cache file (SQLite)")
    p.add_argument("--no-processor", action="store_true", help="ignore the recipe's processor block")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override any recipe key, e.g. --set inference.top_k=50")
    p.add_argument("--mlflow", metavar="URI", help="log the run to MLflow: a tracking URI "
                   "(http://host:port, file:..., a local folder) (run.mlflow_tracking_uri; "
                   "docs/mlflow.md)")
    b = p.add_argument_group("benchmarks (task mmlu, bbh, gsm8k, math, arc, ...)")
    b.add_argument("--subtask", help="subtask(s), comma separated, or ALL (evaluation.subtask)")
    b.add_argument("--strategy", help="zs, zs_cot, fs or fs_cot (evaluation.strategy)")
    b.add_argument("--method", choices=["auto", "loglikelihood", "generate"],
                   help="multiple choice by log-likelihood or by generation (default auto)")
    b.add_argument("--num-fewshot", type=int, help="few-shot examples (default: the strategy's)")
    b.add_argument("--system-prompt", help="system prompt of the model under test")
    b.add_argument("--base-model", help="also run this base model on the same items and compare "
                   "(evaluate_base_model)")
    b.add_argument("-B", dest="base_model_args", action="append", default=[],
                   metavar="KEY=VALUE", help="base model argument, repeatable")
    b.add_argument("--base-system-prompt", help="system prompt of the base model (default: the "
                   "same as --system-prompt)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run (RECIPE may be the run directory itself)")
    p.add_argument("--retry-errors", choices=["transient", "all", "none"], default="transient",
                   help="on --resume, ask again the examples that failed: transient failures "
                   "(connection, timeout, rate limit, server error; default), all, or none")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing assay run (never a folder that is not a run)")
    p.add_argument("--allow-failures", action="store_true",
                   help="exit 0 even when some examples failed (they are still recorded)")
    p.add_argument("--progress", choices=["auto", "plain", "none"], default="auto")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary table")


def build_parser() -> argparse.ArgumentParser:
    from .exit_codes import EXIT_CODES

    epilog = "exit codes:\n" + "\n".join(f"  {k:>3}  {v}" for k, v in EXIT_CODES.items())
    parser = argparse.ArgumentParser(prog="assay", description="Evaluate language models locally.",
                                     epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run a recipe")
    run.add_argument("recipe", help="Nova-compatible recipe YAML, a Bedrock create_evaluation_job "
                     "request JSON, or with --resume a run directory")
    _add_run_options(run)
    run.add_argument("--fail-under", action="append", default=[], metavar="METRIC=VALUE",
                     help="quality gate, repeatable: exit 5 when METRIC is below VALUE")
    run.add_argument("--gate", choices=["value", "ci"], default="value",
                     help="gate on the metric's value (default) or its lower 95%% CI bound")
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                     help="show tracebacks")
    tour = sub.add_parser("tournament", help="judge N models in pairs; Bradley-Terry ratings")
    tour.add_argument("recipe", help="recipe (inference settings, judge section)")
    _add_run_options(tour)
    tour.add_argument("--baseline", help="judge every model against this one only")
    tour.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    gen = sub.add_parser("generate", help="responses from several models to the same prompts")
    gen.add_argument("recipe", nargs="?", help="recipe whose inference settings apply to all models")
    gen.add_argument("--data", required=True, help="gen_qa JSONL with the prompts")
    gen.add_argument("-m", "--model", dest="models", action="append", required=True,
                     metavar="[LABEL=]provider/model",
                     help="a model, repeated; the first is the baseline A")
    gen.add_argument("-M", dest="model_args", action="append", default=[],
                     metavar="LABEL.KEY=VALUE", help="argument for one model, e.g. b.base_url=...")
    gen.add_argument("--out", required=True, help="output JSONL (llm_judge format for two models)")
    gen.add_argument("--output-dir", default="runs")
    gen.add_argument("--limit", type=int)
    gen.add_argument("--max-new-tokens", type=int)
    gen.add_argument("--temperature", type=float)
    gen.add_argument("--progress", choices=["auto", "plain", "none"], default="auto")
    gen.add_argument("--allow-failures", action="store_true",
                     help="exit 0 even when some responses failed (written as empty strings)")
    gen.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    rub = sub.add_parser("rubric", help="rubric judge tools")
    rsub = rub.add_subparsers(dest="rubric_command", metavar="ACTION")
    rw = rsub.add_parser("reweight", help="recompute rubric scores with new weights, offline")
    rw.add_argument("run_dir")
    rw.add_argument("--weight", action="append", default=[], metavar="CRITERION=W")
    rw.add_argument("--drop", action="append", default=[], metavar="CRITERION")
    rw.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    bench = sub.add_parser("benchmarks", help="the standard benchmarks: list, show NAME")
    bench.add_argument("action", choices=["list", "show"])
    bench.add_argument("name", nargs="?", help="benchmark name (for show)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    report = sub.add_parser("report", help="figures and the HTML report of a finished run")
    report.add_argument("run_dir", help="a run directory, or Bedrock output files (a "
                        "*_output.jsonl or a folder of them)")
    report.add_argument("--out", help="Bedrock outputs only: the folder for report.html "
                        "(default: the sibling <path>.assay-report)")
    report.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks")
    demo = sub.add_parser("demo", help="offline demo on the embedded model")
    demo.add_argument("--output-dir", default="runs")
    demo.add_argument("--limit", type=int)
    demo.add_argument("-m", "--model", default=None)
    demo.add_argument("-M", dest="model_args", action="append", default=[])
    demo.add_argument("--progress", choices=["auto", "plain", "none"], default="auto")
    demo.add_argument("--export", metavar="DIR",
                      help="copy the demo's recipe, data and processor into DIR (new or empty) "
                           "to edit and `assay run DIR/recipe.yaml`, instead of running it")
    demo.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                      help="show tracebacks")
    eval_cmd.add_parser(sub, overrides=_overrides, outcome=_outcome)
    runs_cmd.add_parser(sub)
    metrics_cmd.add_parser(sub)
    kb_cmd.add_parser(sub)
    query_cmd.add_parser(sub)
    compare_cmd.add_parser(sub)
    jobs_cmd.add_parser(sub, run_options=_add_run_options)
    return parser


def _cli_path(text: str, option: str) -> str:
    """A command-line path made absolute against the working directory."""
    from ..errors import ConfigError

    try:
        return str(Path(text).expanduser().resolve())
    except (ValueError, OSError, RuntimeError) as exc:   # NUL byte, symlink loop, ...
        raise ConfigError(f"not a usable path ({type(exc).__name__})", field=option) from None


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from ..config.loader import parse_assignment

    o: dict[str, Any] = {}
    for text in args.sets:
        k, v = parse_assignment(text, option="--set")
        o[k] = v
    simple = {
        "data": "assay.data", "model": "assay.model", "output_dir": "assay.output_dir",
        "name": "run.name", "group_by": "assay.group_by", "metrics": "assay.metrics",
        "seed": "assay.seed", "concurrency": "assay.concurrency", "limit": "assay.limit",
        "max_new_tokens": "inference.max_new_tokens", "temperature": "inference.temperature",
        "top_p": "inference.top_p", "top_k": "inference.top_k",
        "top_logprobs": "inference.top_logprobs",
        "max_failure_share": "assay.max_failure_share", "cache": "assay.cache",
        "judge": "judge.model", "judge_samples": "judge.samples",
        "subtask": "evaluation.subtask",
        "strategy": "evaluation.strategy", "method": "assay.benchmark.method",
        "num_fewshot": "assay.benchmark.num_fewshot",
        "system_prompt": "assay.benchmark.system_prompt",
        "base_model": "assay.benchmark.base_model",
        "base_system_prompt": "assay.benchmark.base_system_prompt",
    }
    for attr, key in simple.items():
        value = getattr(args, attr, None)
        if value is not None:
            o[key] = value
    # paths on the command line are the caller's: relative to the working directory
    if getattr(args, "data", None):
        o["assay.data"] = _cli_path(args.data, "--data")
    if getattr(args, "output_dir", None):
        o["assay.output_dir"] = _cli_path(args.output_dir, "--output-dir")
    for text in args.model_args:
        k, v = parse_assignment(text, option="-M")
        o[f"assay.model_args.{k}"] = v
    for text in getattr(args, "judge_args", []):
        k, v = parse_assignment(text, option="-J")
        o[f"judge.model_args.{k}"] = v
    for text in getattr(args, "base_model_args", []):
        k, v = parse_assignment(text, option="-B")
        o[f"assay.benchmark.base_model_args.{k}"] = v
    if getattr(args, "base_model", None):
        o["assay.benchmark.evaluate_base_model"] = True
    if getattr(args, "no_cache", False):
        o["assay.cache"] = False
    if getattr(args, "mlflow", None):   # a local folder is the caller's: a file: URI now
        from ..tracking.target import normalize_uri
        o["run.mlflow_tracking_uri"] = normalize_uri(args.mlflow)
    return o


def _outcome(result: Any, *, allow_failures: bool) -> int:
    """The exit code of a finished run (see :mod:`assay.cli.exit_codes`)."""
    from .exit_codes import ABORTED, EXAMPLES_FAILED, OK

    n = int(result.summary.get("n_examples") or 0)
    failed = int(result.summary.get("n_errors") or 0)
    base_failed = int(result.summary.get("base_n_errors") or 0)
    if n and failed >= n:
        print(f"error: no example was scored: all {n} failed (see the error field of each "
              f"record in {result.run_dir / 'examples.jsonl'})", file=sys.stderr)
        return ABORTED
    if failed or base_failed:
        what = f"{failed} of {n} examples failed" + (
            f" ({base_failed} in the base model's run)" if base_failed else "")
        if allow_failures:
            print(f"note: {what} (allowed by --allow-failures)", file=sys.stderr)
            return OK
        print(f"warning: {what}; each failure is recorded on its example; exit code "
              f"{EXAMPLES_FAILED} (--allow-failures accepts them; --resume asks transient "
              "failures again)", file=sys.stderr)
        return EXAMPLES_FAILED
    return OK


def _is_job_file(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    from ..config.bedrock_recipe import is_job_file
    return is_job_file(path)


def _cmd_run(args: argparse.Namespace) -> int:
    from ..config.loader import apply_overrides, load_recipe, recipe_from_dict
    from ..config.yaml_lines import load_yaml_with_lines
    from ..errors import ConfigError
    from ..runner.run import RunOptions, evaluate
    from .gc_tuning import tune_gc

    tune_gc(args)
    recipe_path = Path(args.recipe)
    overrides = _overrides(args)
    recipe_dir: Path | None = recipe_path.parent
    job = None
    if recipe_path.is_dir():
        if not args.resume:
            raise ConfigError("is a folder: pass a recipe file, or --resume to continue the run "
                              "in this run directory", field="recipe")
        from .resume import recipe_for_resume
        recipe, recipe_dir = recipe_for_resume(recipe_path, overrides)
    elif _is_job_file(recipe_path):   # a Bedrock create_evaluation_job request
        from .bedrock_job_run import open_job
        job = open_job(recipe_path, overrides)
        recipe = job.recipe
    elif args.no_processor:
        data, lines = load_yaml_with_lines(recipe_path)
        data.pop("processor", None)
        recipe = recipe_from_dict(apply_overrides(data, overrides), file=recipe_path, lines=lines)
    else:
        recipe = load_recipe(recipe_path, overrides)
    from ..tasks.registry import resolve_task

    task_cls = resolve_task(recipe.evaluation.task)
    if args.model and task_cls.model_key != "assay.model":
        raise ConfigError(f"task {recipe.evaluation.task} calls the model named by "
                          f"{task_cls.model_key}; -m/--model has no use here: choose it with "
                          f"{task_cls.model_option}", field="-m")
    events = None
    if os.environ.get("ASSAY_JOB_ID"):   # a background job: steps go to the job store
        from ..jobs.events import JobEvents
        events = JobEvents.from_environ(recipe)
    options = RunOptions(resume=args.resume, overwrite=args.overwrite,
                         progress="none" if args.quiet else args.progress,
                         print_summary=not args.quiet, recipe_dir=recipe_dir,
                         retry_errors=args.retry_errors, events=events)
    if args.fail_under:
        from ..compare.gates import parse_gate_specs
        parse_gate_specs(args.fail_under)   # a malformed gate is exit 2 before any model call
    result = evaluate(recipe, options) if job is None else job.run(evaluate, options)
    code = _outcome(result, allow_failures=args.allow_failures)
    from .exit_codes import EXAMPLES_FAILED, GATE_FAILED, OK
    if args.fail_under and code in (OK, EXAMPLES_FAILED):   # gates need a finished run
        from ..compare.gates import check_gates
        failures = check_gates(result.summary, args.fail_under, mode=args.gate)
        for line in failures:
            print(f"gate failed: {line}", file=sys.stderr)
        if failures:
            return GATE_FAILED
    return code


def _cmd_generate(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..config.loader import load_recipe, parse_assignment, recipe_from_dict
    from ..tasks.gen_qa.generate import generate_pairs
    from ..runner.run import RunOptions

    overrides = {"assay.data": _cli_path(args.data, "--data"),
                 "assay.output_dir": _cli_path(args.output_dir, "--output-dir")}
    for attr, key in (("limit", "assay.limit"), ("max_new_tokens", "inference.max_new_tokens"),
                      ("temperature", "inference.temperature")):
        if getattr(args, attr) is not None:
            overrides[key] = getattr(args, attr)
    if args.recipe:
        recipe = load_recipe(args.recipe, overrides)
    else:
        from ..config.loader import apply_overrides
        recipe = recipe_from_dict(apply_overrides(
            {"run": {"name": "generate"}, "evaluation": {"task": "gen_qa", "strategy": "gen_qa"}},
            overrides))
    models = []
    for i, text in enumerate(args.models):
        label, sep, spec = text.partition("=")
        if not sep or "/" in label:
            label, spec = "AB"[i] if len(args.models) == 2 else f"m{i + 1}", text
        models.append((label, spec, {}))
    by_label = {m[0]: m[2] for m in models}
    for text in args.model_args:
        key, value = parse_assignment(text)
        label, _, k = key.partition(".")
        if label not in by_label or not k:
            raise ConfigError(f"-M {text}: expected LABEL.KEY=VALUE with LABEL one of "
                              f"{', '.join(by_label)}", field="-M")
        by_label[label][k] = value
    out, failed = generate_pairs(recipe, models, Path(args.out),
                                 options=RunOptions(overwrite=True, progress=args.progress,
                                                    print_summary=False))
    print(out)
    if failed and not args.allow_failures:
        from .exit_codes import EXAMPLES_FAILED
        return EXAMPLES_FAILED
    return 0


def _cmd_tournament(args: argparse.Namespace) -> int:
    from ..config.loader import load_recipe
    from ..errors import ConfigError
    from ..runner.run import RunOptions
    from ..tasks.pairwise_judge.tournament import run_tournament

    overrides = _overrides(args)
    data = overrides.pop("assay.data", None)
    if not data:
        raise ConfigError("pass --data FILE with {prompt, responses: {model: text}} rows",
                          field="data")
    recipe = load_recipe(args.recipe, overrides)
    doc = run_tournament(recipe, Path(data), baseline=args.baseline,
                         options=RunOptions(resume=args.resume, overwrite=args.overwrite,
                                            progress="none" if args.quiet else args.progress,
                                            print_summary=not args.quiet))
    from rich.console import Console
    from rich.table import Table

    from ..reports.console import plain

    t = Table(title=f"Bradley-Terry ratings ({doc['battles']} judged pairs, "
                    f"{doc['errors']} errors; 95% CI by prompt bootstrap)", title_justify="left")
    for col in ("rank", "model", "Elo", "Elo 95% CI", "log-strength"):
        t.add_column(col, justify="right" if col != "model" else "left")
    for row in doc["table"]:
        t.add_row(str(row["rank"]), plain(row["model"]), f"{row['elo']:.0f}",
                  f"[{row['elo_low']:.0f}, {row['elo_high']:.0f}]", f"{row['rating']:+.3f}")
    Console(width=None if sys.stdout.isatty() else 160).print(t)
    return 0


def _cmd_rubric(args: argparse.Namespace) -> int:
    from ..config.loader import parse_assignment
    from ..errors import ConfigError
    from ..tasks.rubric_judge.reweight import reweight_run

    if args.rubric_command != "reweight":
        raise ConfigError("usage: assay rubric reweight RUN_DIR --weight name=w --drop name")
    weights = {}
    for text in args.weight:
        k, v = parse_assignment(text, option="--weight")
        weights[k] = v
    drop = [d for item in args.drop for d in item.split(",") if d]
    s = reweight_run(args.run_dir, weights, drop)
    f = s["flat"]
    print(f"weighted_score_A {f['weighted_score_A']:.4f}  weighted_score_B "
          f"{f['weighted_score_B']:.4f}  score_margin {f['score_margin']:+.4f}  "
          f"margin preference {s['margin_preference_counts']}  verdict: {s['margin_verdict']}")
    for name, idx in s["missing"].items():
        print(f"note: criterion '{name}' missing in {len(idx)} examples: {idx[:20]}")
    print(s["out_dir"])
    return 0


def _cmd_benchmarks(args: argparse.Namespace) -> int:
    from .benchmarks_cmd import benchmarks_command

    return benchmarks_command(args.action, args.name, as_json=args.json)


def _cmd_report(args: argparse.Namespace) -> int:
    from ..results.bedrock_summary import bedrock_output_files
    from ..tasks.reporting import report_run

    if bedrock_output_files(args.run_dir) is not None:
        from ..reports.bedrock_report import write_bedrock_report

        paths = write_bedrock_report(args.run_dir, getattr(args, "out", None))
    else:
        paths = report_run(args.run_dir)
    for path in paths:
        print(path)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import export_demo, run_demo

    if args.export:
        paths = export_demo(args.export)
        for path in paths:
            print(f"wrote {path}")
        print(f"run it as your own: assay run {Path(args.export) / 'recipe.yaml'}")
        return 0
    result = run_demo(output_dir=args.output_dir, limit=args.limit, model=args.model,
                      model_args=args.model_args, progress=args.progress)
    return _outcome(result, allow_failures=False)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # the process is the CLI itself (not main([...]) called from Python): it may set the
    # garbage collector for a run (cli/gc_tuning.py)
    args.cli_process = argv is None
    debug = args.debug or os.environ.get("ASSAY_DEBUG") == "1"
    if not args.command:
        parser.print_help()
        return 2
    from ..errors import AssayError, UserInputError

    try:
        handler = {"run": _cmd_run, "demo": _cmd_demo, "report": _cmd_report,
                   "generate": _cmd_generate, "tournament": _cmd_tournament,
                   "rubric": _cmd_rubric, "benchmarks": _cmd_benchmarks,
                   "runs": runs_cmd.run, "query": query_cmd.run,
                   "compare": compare_cmd.run, "jobs": jobs_cmd.run,
                   "metrics": metrics_cmd.run, "kb": kb_cmd.run,
                   "eval": eval_cmd.run}[args.command]
        return handler(args)
    except UserInputError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except AssayError as exc:
        if debug:
            raise
        from ..errors import RunStopped
        print(f"{'stopped' if isinstance(exc, RunStopped) else 'error'}: {exc}",
              file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished units are kept; rerun with --resume to continue",
              file=sys.stderr)
        return 130
    except BrokenPipeError:   # the reader went away (`assay runs --json | head`)
        try:
            sys.stdout = open(os.devnull, "w")   # noqa: SIM115 - no flush error at exit
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug: one line, the traceback under --debug
        if debug:
            raise
        text = " ".join(str(exc).split())[:300]
        print(f"error: internal error: {type(exc).__name__}: {text} (rerun with --debug for "
              "the traceback; finished work is kept, --resume continues)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
