"""Reading a finished execution's outputs for ``show_results()``: the lighteval
``results_*.json`` of a run, the paired comparison of the custom and base runs, and the
Bedrock output files and ``bedrock_llm_judge_results.json`` of a pointwise judge run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["read_results_json", "paired_rows", "compare_two_runs", "bedrock_records",
           "write_llmaj_results", "read_llmaj_results", "LLMAJ_RESULTS", "lower_is_better"]

LLMAJ_RESULTS = "bedrock_llm_judge_results.json"
_LOWER_IS_BETTER = {"Builtin.Harmfulness", "Builtin.Stereotyping", "Builtin.Refusal"}


def read_results_json(run_dir: Path) -> dict[str, float]:
    """The metrics of ``<run>/eval_results/results_*.json``: ``results["all"]``, else the first
    task key (as the SDK reads them)."""
    files = sorted((Path(run_dir) / "eval_results").glob("results_*.json"))
    if not files:
        raise FileNotFoundError(f"no results_*.json under {Path(run_dir) / 'eval_results'}")
    results = json.loads(files[0].read_text(encoding="utf-8")).get("results", {})
    block = results.get("all") or next((v for v in results.values()
                                        if isinstance(v, dict) and v), {})
    return {k: v for k, v in block.items() if isinstance(v, (int, float))}


#: the comparison documents' words for the two sides -> the SDK's
_SIDES = (("challenger", "custom"), ("B is", "custom is"), ("A is", "base is"))


def _verdict(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    for old, new in _SIDES:
        text = text.replace(old, new)
    return text


def _row(metric: str, s: dict[str, Any], custom_key: str, base_key: str, n_key: str
         ) -> dict[str, Any]:
    return {"metric": metric, "custom": s.get(custom_key), "base": s.get(base_key),
            "difference": s.get("difference"), "ci_low": s.get("ci_low"),
            "ci_high": s.get("ci_high"), "p_value": s.get("p_value"), "test": s.get("test"),
            "verdict": _verdict(s.get("verdict")), "n": s.get(n_key)}


def paired_rows(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per metric (custom, base, difference custom − base, 95% CI, p-value, test,
    verdict) from either comparison document: the benchmark task's ``comparison.json``
    (``metrics.<m>.overall``, base/challenger) or ``assay compare``'s (``metrics.<m>``,
    a = base, b = custom)."""
    rows = []
    for metric, block in (comparison.get("metrics") or {}).items():
        if "overall" in block:
            rows.append(_row(metric, block["overall"], "challenger", "base", "n"))
        else:
            rows.append(_row(metric, block, "b", "a", "n_pairs"))
    return rows


def compare_two_runs(base_run: Path, custom_run: Path, out: Path) -> dict[str, Any]:
    """``assay compare`` of the base run (A) and the custom run (B), written to ``out``
    (``comparison.json``) once and read back after."""
    if out.is_file():
        return json.loads(out.read_text(encoding="utf-8"))
    from ..compare import compare_runs, load_compared_run
    from ..results.json_io import dumps_strict

    doc = compare_runs(load_compared_run(base_run), load_compared_run(custom_run))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps_strict(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


def bedrock_records(run_dir: Path) -> list[dict[str, Any]]:
    """Every line of the run's Bedrock ``*_output.jsonl`` files, in file and line order."""
    from ..results.bedrock import find_output_files

    out = []
    for path in find_output_files(Path(run_dir) / "bedrock"):
        with open(path, encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


def lower_is_better(run_dir: Path) -> set[str]:
    """The metrics of a pointwise run where lower is better (from its metrics.json)."""
    try:
        summary = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
        return {m for m, s in summary.get("metrics", {}).items()
                if isinstance(s, dict) and s.get("lower_is_better")}
    except (OSError, ValueError):
        return set(_LOWER_IS_BETTER)


def write_llmaj_results(run_dir: Path) -> Path:
    """``<run>/bedrock/bedrock_llm_judge_results.json`` = ``{"results": {metric: {"score",
    "std_deviation", "total_evaluations"}}}`` over the non-null scores of the Bedrock output
    (std_deviation with n − 1; 0 for one score; score null when none)."""
    scores: dict[str, list[float]] = {}
    for rec in bedrock_records(run_dir):
        for s in (rec.get("automatedEvaluationResult") or {}).get("scores", []):
            vals = scores.setdefault(s.get("metricName", "unknown"), [])
            if isinstance(s.get("result"), (int, float)):
                vals.append(float(s["result"]))
    results = {}
    for metric, vals in scores.items():
        n = len(vals)
        mean = sum(vals) / n if n else None
        sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 else \
            (0.0 if n else None)
        results[metric] = {"score": mean, "std_deviation": sd, "total_evaluations": n}
    path = Path(run_dir) / "bedrock" / LLMAJ_RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": results}, indent=2) + "\n", encoding="utf-8")
    return path


def read_llmaj_results(run_dir: Path) -> dict[str, dict[str, Any]]:
    path = Path(run_dir) / "bedrock" / LLMAJ_RESULTS
    if not path.is_file():
        write_llmaj_results(run_dir)
    return json.loads(path.read_text(encoding="utf-8"))["results"]
