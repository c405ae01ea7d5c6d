"""One finished run, read back for a comparison: its summary (``metrics.json``), manifest
(``run.json``) and a slim per-example view of ``examples.jsonl`` (key, stratum, failed, the
metric values), streamed once. Texts are read again later only for the few examples a report
shows (:func:`example_texts`)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, RunStateError
from ..results.json_io import loads_record

__all__ = ["ComparedRun", "Item", "load_compared_run", "example_texts", "JUDGE_TASKS",
           "WIN_RATE", "MATCH_KEYS", "TEXT_LABELS", "LOWER_IS_BETTER", "POINTWISE_TASKS"]

JUDGE_TASKS = ("llm_judge", "mm_llm_judge", "rubric_llm_judge")
WIN_RATE = "winrate"
"""The metric name of a judge run's per-prompt win score (B 1, tie 1/2, A 0)."""
MATCH_KEYS = ("id", "index")
_OUTCOME_SCORE = {"B": 1.0, "tie": 0.5, "A": 0.0}
# rubric metrics compared besides the win rate; score_margin = A − B, so lower is better for B
_RUBRIC_METRICS = ("weighted_score_B", "score_margin")
LOWER_IS_BETTER = frozenset({"score_margin"})
#: pointwise judge runs: per-example ``metrics`` (name -> 0-1 score or null); a judge request
#: that failed leaves out that metric only (``failed_metrics``), a null score is ``no_value``
POINTWISE_TASKS = ("llm_judge_pointwise",)


@dataclass(frozen=True, slots=True)
class Item:
    """What a comparison needs of one example."""

    index: int
    stratum: str | None
    failed: bool
    values: dict[str, float]
    failed_metrics: frozenset[str] = frozenset()   # failed for these metrics only


@dataclass(frozen=True)
class ComparedRun:
    path: Path
    name: str
    task: str
    kind: str                     # "metrics" (gen_qa and the like), "benchmark" or "judge"
    model: str
    judge: str | None
    summary: dict[str, Any]
    items: dict[str, Item]        # by match key, in dataset order
    metric_names: list[str]
    match: str = "id"
    lower_is_better: frozenset[str] = field(default_factory=frozenset)
    source: str = "run"           # "run", or "bedrock_output" (assay.compare.bedrock_run)
    # keys -> texts, for sources without examples.jsonl (see example_texts)
    texts: Any = field(default=None, compare=False, repr=False)

    def reported(self, metric: str) -> float | None:
        """The run's own aggregate of ``metric`` (``metrics.json``), if it has one."""
        s = self.summary
        if self.kind == "benchmark":
            v = (s.get("overall") or {}).get(metric, {}).get("value")
        elif self.kind == "metrics":
            v = (s.get("metrics") or {}).get(metric, {}).get("value")
        else:
            v = (s.get("flat") or {}).get(metric)
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None

    def info(self) -> dict[str, Any]:
        out = {"run": str(self.path), "name": self.name, "model": self.model,
               "judge": self.judge, "n_examples": len(self.items),
               "n_failed": sum(1 for it in self.items.values() if it.failed)}
        if self.source != "run":
            out["source"] = self.source
        return out


def _read_json(path: Path, run: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunStateError(f"not a finished assay run (no {path.name})", file=run) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunStateError(f"cannot read {path.name} ({type(exc).__name__})", file=run) from None
    if not isinstance(data, dict):
        raise RunStateError(f"{path.name} is not a JSON object", file=run)
    return data


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = loads_record(line)
                except (ValueError, RecursionError):
                    raise DataError("not a JSON record", file=path, line=n) from None
                if not isinstance(rec, dict):
                    raise DataError("not a JSON object", file=path, line=n)
                yield n, rec
    except FileNotFoundError:
        raise RunStateError("not a finished assay run (no examples.jsonl)",
                            file=path.parent) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({type(exc).__name__})", file=path) from None


def _kind(summary: dict[str, Any]) -> str:
    if summary.get("task") in JUDGE_TASKS:
        return "judge"
    if isinstance(summary.get("overall"), dict) and "metric_names" in summary:
        return "benchmark"
    return "metrics"


def _number(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _values(rec: dict[str, Any], kind: str) -> dict[str, float]:
    metrics = rec.get("metrics") if isinstance(rec.get("metrics"), dict) else {}
    if kind != "judge":
        return {str(k): _number(v) for k, v in metrics.items()}
    out = {WIN_RATE: _OUTCOME_SCORE.get(str(rec.get("outcome")), math.nan)}
    for name in _RUBRIC_METRICS:
        if name in metrics:
            out[name] = _number(metrics[name])
    return out


def _metric_names(summary: dict[str, Any], kind: str, seen: dict[str, None]) -> list[str]:
    if kind == "judge":
        return [m for m in (WIN_RATE, *_RUBRIC_METRICS) if m in seen]
    if kind == "benchmark":
        named = [str(m) for m in summary.get("metric_names") or []]
    else:
        named = [str(m) for m in (summary.get("metrics") or {})]
    return [m for m in named if m in seen] + [m for m in seen if m not in named]


def _pointwise_failures(rec: dict[str, Any]) -> tuple[bool, frozenset[str]]:
    """A pointwise record fails as a whole only when there was no response to judge (an
    error outside the judge stage); a failed judge request fails its metric only."""
    err = rec.get("error")
    failed = isinstance(err, dict) and err.get("stage") != "judge"
    ratings = rec.get("ratings") if isinstance(rec.get("ratings"), dict) else {}
    return failed, frozenset(str(m) for m, r in ratings.items()
                             if isinstance(r, dict) and r.get("status") == "failed")


def _lower_is_better(summary: dict[str, Any], task: str, kind: str) -> frozenset[str]:
    if kind == "judge":
        return LOWER_IS_BETTER
    if task in POINTWISE_TASKS:
        metrics = summary.get("metrics") if isinstance(summary.get("metrics"), dict) else {}
        return frozenset(str(m) for m, s in metrics.items()
                         if isinstance(s, dict) and s.get("lower_is_better") is True)
    return frozenset()


def _run_name(path: Path, manifest: dict[str, Any]) -> str:
    try:
        name = manifest["recipe"]["run"]["name"]
    except (KeyError, TypeError):
        name = None
    return str(name) if isinstance(name, str) and name else path.name


def load_compared_run(run_dir: str | Path, *, match: str = "id") -> ComparedRun:
    """Read a finished run (``run.json`` status ``succeeded``) for a comparison."""
    path = Path(run_dir)
    if not path.is_dir():
        raise RunStateError("not a run directory", file=path)
    path = path.resolve()
    manifest = _read_json(path / "run.json", path)
    status = manifest.get("status")
    if status != "succeeded":
        raise RunStateError(f"not a finished run (run.json status: {status}); finish it "
                            "first (--resume continues an interrupted run)", file=path)
    summary = _read_json(path / "metrics.json", path)
    task = str(summary.get("task") or manifest.get("task") or "")
    kind = _kind(summary)
    items: dict[str, Item] = {}
    seen: dict[str, None] = {}
    examples = path / "examples.jsonl"
    for line, rec in _records(examples):
        key = str(rec.get(match))
        if rec.get(match) is None:
            raise DataError(f"record has no '{match}'", file=examples, line=line, field=match)
        if key in items:
            raise DataError(f"duplicate {match} {key[:80]!r}", file=examples, line=line,
                            field=match)
        failed = rec.get("error") is not None or (kind == "judge" and rec.get("outcome") == "error")
        failed_metrics: frozenset[str] = frozenset()
        if task in POINTWISE_TASKS:
            failed, failed_metrics = _pointwise_failures(rec)
        values = _values(rec, kind)
        seen.update(dict.fromkeys(values))
        stratum = rec.get("subtask") if kind == "benchmark" else None
        items[key] = Item(index=int(rec.get("index") or 0), failed=failed, values=values,
                          stratum=str(stratum) if stratum is not None else None,
                          failed_metrics=failed_metrics)
    judge = summary.get("judge")
    judge_model = judge.get("model") if isinstance(judge, dict) else None
    return ComparedRun(path=path, name=_run_name(path, manifest), task=task, kind=kind,
                       model=str(summary.get("model") or manifest.get("model") or ""),
                       judge=judge_model, summary=summary, items=items,
                       metric_names=_metric_names(summary, kind, seen), match=match,
                       lower_is_better=_lower_is_better(summary, task, kind))


_TEXT_FIELDS = {   # label -> the record fields that may hold it, first present wins
    "metrics": {"input": ("query", "prompt"), "reference": ("gold", "reference"),
                "output": ("prediction", "response")},
    "benchmark": {"input": ("question", "prompt"), "reference": ("gold",),
                  "output": ("prediction", "extracted")},
    "judge": {"input": ("prompt",), "reference": ("response_a",), "output": ("response_b",)},
}
TEXT_LABELS = {"metrics": {"input": "query", "reference": "reference", "output": "prediction"},
               "benchmark": {"input": "question", "reference": "gold", "output": "answer"},
               "judge": {"input": "prompt", "reference": "response A", "output": "response B"}}
MAX_TEXT = 2000


def example_texts(run: ComparedRun, keys: set[str]) -> dict[str, dict[str, str | None]]:
    """A few texts (input, reference, output, error) of the examples with these keys,
    each cut at :data:`MAX_TEXT` characters; a second pass over ``examples.jsonl``."""
    out: dict[str, dict[str, str | None]] = {}
    if not keys:
        return out
    if run.texts is not None:
        return run.texts(keys)
    fields = _TEXT_FIELDS.get(run.kind, _TEXT_FIELDS["metrics"])
    for _line, rec in _records(run.path / "examples.jsonl"):
        key = str(rec.get(run.match))
        if key not in keys:
            continue
        texts: dict[str, str | None] = {}
        for label, names in fields.items():
            v = next((rec[n] for n in names if rec.get(n) is not None), None)
            texts[label] = None if v is None else str(v)[:MAX_TEXT]
        if run.kind == "judge":
            texts["judge"] = str(rec.get("outcome"))
        err = rec.get("error")
        texts["error"] = (f"{err.get('kind')}: {err.get('message')}"[:MAX_TEXT]
                          if isinstance(err, dict) else None)
        out[key] = texts
        if len(out) == len(keys):
            break
    return out
