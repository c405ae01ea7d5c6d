"""Agreement of a judge's 1-5 grades with GPT-4's on MT-bench (Prometheus eval set; issue 14).

Data: ``benchdata/prometheus_eval_benchmarks/mt_bench_eval.json``: 320 MT-bench responses
(``idx`` = question, ``response_source`` = the model that answered), each graded 1-5 three times
by GPT-4 (``gpt4_score``: ``[3, 2, 3]``, in some rows as text). The reference grade is the mean of
the three. For each judge's recorded grades (``--grades FILE``: JSONL rows ``{"idx",
"response_source", "score"}``; rows are matched on both keys, a missing or null score is
dropped and counted) this computes Spearman's rho and Kendall's tau-b with 95% bootstrap
intervals (:func:`assay.stats.rank_correlation.rank_correlation`, 1000 resamples, seed 0).

Without ``--grades`` it reports GPT-4 against itself (its first grade against the mean of the
other two), the ceiling any judge can be measured against with these labels::

    .venv/bin/python bench/grade_agreement.py [--grades judge.jsonl ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
from pathlib import Path

from assay.stats.rank_correlation import rank_correlation

ROOT = Path(__file__).resolve().parents[1]
DATA = "prometheus_eval_benchmarks/mt_bench_eval.json"


def _root(arg: str | None) -> Path:
    return Path(arg or os.environ.get("ASSAY_BENCHDATA") or ROOT.parent / "shared" / "benchdata")


def load_reference(root: Path) -> dict[tuple[str, str], list[float]]:
    """``(idx, response_source)`` -> GPT-4's three grades."""
    rows = json.loads((root / DATA).read_text(encoding="utf-8"))
    out = {}
    for r in rows:
        raw = r["gpt4_score"]   # a list, or its text ("[3, 2, 3]") in some rows
        grades = [float(g) for g in (ast.literal_eval(raw) if isinstance(raw, str) else raw)]
        out[(str(r["idx"]), str(r["response_source"]))] = grades
    return out


def _clean(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    return x


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", help="benchdata folder (default: $ASSAY_BENCHDATA or "
                                   "../shared/benchdata)")
    ap.add_argument("--grades", action="append", default=[],
                    help="a judge's grades, JSONL {idx, response_source, score} (repeatable)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "grade_agreement.json"))
    args = ap.parse_args()
    ref = load_reference(_root(args.root))
    keys = sorted(ref)
    results = {"reference": f"{DATA}: mean of GPT-4's three 1-5 grades", "n_items": len(keys)}
    first = [ref[k][0] for k in keys]
    rest = [sum(ref[k][1:]) / len(ref[k][1:]) for k in keys]
    results["gpt4_first_vs_mean_of_others"] = rank_correlation(first, rest, seed=0)
    mean = {k: sum(v) / len(v) for k, v in ref.items()}
    for path in args.grades:
        got: dict[tuple[str, str], object] = {}
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                got[(str(row["idx"]), str(row["response_source"]))] = row.get("score")
        unmatched = len(set(got) - set(ref))
        res = rank_correlation([got.get(k) for k in keys], [mean[k] for k in keys], seed=0)
        res["rows_not_in_reference"] = unmatched
        results[str(path)] = res
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(_clean(results), indent=2) + "\n", encoding="utf-8")
    print("| grades | n | Spearman rho [95% CI] | Kendall tau-b [95% CI] |\n|---|---|---|---|")
    for name, r in results.items():
        if not isinstance(r, dict):
            continue
        s, k = r["spearman"], r["kendall_tau_b"]
        print(f"| {name} | {r['n']} | {s['value']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}] "
              f"| {k['value']:.3f} [{k['ci_low']:.3f}, {k['ci_high']:.3f}] |")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
