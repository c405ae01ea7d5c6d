"""Judge quality against human labels: candidate judges run by assay, or recorded verdicts.

**Candidate judges** (``--judge``, repeatable; issue 13): each judge judges the first ``--n``
(default 200) pairs of PandaLM ``testset-v1.json`` through the public API -- ``assay.evaluate``
on an ``llm_judge`` dataset written to a temporary folder, so it measures exactly the product
(prompt, structured verdict, both passes, reconciliation) -- against the human majority label.
Per judge: ``n``; agreement of the reconciled verdict with the human label (an unparsed pair
counts as wrong) with its Wilson 95% CI; agreement of the probability-weighted verdict (the
argmax of the example's mean verdict probabilities; the discrete verdict where there are no
probabilities) with its Wilson CI; the unparseable count; the chance levels (the majority
class's share of the human labels, and 1/3); seconds. Writes JSON and a markdown table::

    .venv/bin/python bench/judge_quality.py --judge local/smollm2 \
        --judge "local//models/qwen2.5-1.5b-instruct-q4_k_m.gguf;n_ctx=4096" --n 200

A judge is ``provider/model`` optionally followed by ``;key=value`` model arguments (the
``-J`` arguments: ``n_ctx``, ``base_url``, ``dialect``, ...).

**Recorded verdicts** (no ``--judge``; issue 4). For every set in :data:`assay.judges.human_sets.JUDGED_SETS` this computes
:func:`assay.stats.agreement.agreement_report`, prints a table and writes the full
reports (confusion matrices included) to ``bench/out/judge_quality.json``::

    .venv/bin/python bench/judge_quality.py [--root ../shared/benchdata] [--out bench/out/judge_quality.json]

Definitions: ``docs/judge_quality.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections import Counter
from pathlib import Path

from assay.judges.human_sets import JUDGED_SETS, load_judged
from assay.stats.agreement import HUMAN_LABELS, JUDGE_LABELS, agreement_report

ROOT = Path(__file__).resolve().parents[1]


def _clean(x):
    """NaN -> None so the JSON is standard."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def _text(v) -> str:
    return v if isinstance(v, str) else str(v)


def _fmt(p: dict | None) -> str:
    if p is None:
        return "n/a"
    return f"{100 * p['rate']:.1f} [{100 * p['lo']:.1f}, {100 * p['hi']:.1f}]"


def _confusion_lines(name: str, conf: dict) -> list[str]:
    lines = [f"  {name}: human \\ judge " + " ".join(f"{j:>6}" for j in JUDGE_LABELS)]
    for h in HUMAN_LABELS:
        lines.append(f"  {'':>{len(name) + 2}}{h:>13} " + " ".join(f"{conf[h][j]:>6}" for j in JUDGE_LABELS))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=None, help="benchdata folder (default: $ASSAY_BENCHDATA or ../shared/benchdata)")
    ap.add_argument("--out", default=None, help="JSON output (default bench/out/judge_quality.json, "
                    "or judge_candidates.json with --judge; a .md table is written beside it)")
    ap.add_argument("--judge", action="append", default=[], help="a candidate judge (repeatable)")
    ap.add_argument("--n", type=int, default=200, help="first N PandaLM pairs (default 200)")
    ap.add_argument("--structured", default="auto", choices=("auto", "on", "off"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", default=None, help="keep the runs here (default: a temp folder)")
    args = ap.parse_args(argv)
    if args.judge:
        out = Path(args.out or ROOT / "bench" / "out" / "judge_candidates.json")
        return run_candidates(args.judge, n=args.n, root=args.root, out=out,
                              structured=args.structured, seed=args.seed, workdir=args.workdir)
    args.out = args.out or str(ROOT / "bench" / "out" / "judge_quality.json")
    return recorded(args)


def recorded(args) -> int:
    reports = {}
    for name in JUDGED_SETS:
        recs = load_judged(name, args.root)
        backward = [r.backward for r in recs]
        rep = agreement_report([r.human for r in recs], [r.forward for r in recs],
                               None if all(b is None for b in backward) else backward)
        reports[name] = rep

    cols = ["set", "n", "fwd w/ ties", "fwd w/o ties", "rec w/ ties", "rec w/o ties", "pos. consist.", "fwd err"]
    rows = []
    for name, rep in reports.items():
        rec = rep["reconciled_agreement"] or {}
        rows.append([name, str(rep["n"]),
                     _fmt(rep["forward_agreement"]["with_ties"]), _fmt(rep["forward_agreement"]["without_ties"]),
                     _fmt(rec.get("with_ties")), _fmt(rec.get("without_ties")),
                     _fmt(rep["position_consistency"]), _fmt(rep["error_rate"]["forward"])])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    print(" | ".join(c.ljust(w) for c, w in zip(cols, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(r, widths)))
    print("(percent, Wilson 95% CI; n/o ties: n =", ", ".join(
        f"{k.split('/')[0]} {v['n_without_ties']}" for k, v in reports.items()), ")")
    for name, rep in reports.items():
        print(f"\n{name}  (human counts {rep['human_counts']})")
        for which in ("forward", "backward", "reconciled"):
            if rep["confusion"][which] is not None:
                print("\n".join(_confusion_lines(which, rep["confusion"][which])))

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_clean(reports), indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


# ----------------------------------------------------------------------------- candidates

_LABEL = {"A": "A>B", "B": "B>A", "tie": "A=B"}


def parse_judge(spec: str) -> tuple[str, dict]:
    """``provider/model;key=value;...`` -> (model, model_args); values as JSON where they parse."""
    model, *pairs = [p for p in spec.split(";")]
    args = {}
    for pair in pairs:
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"bad judge argument {pair!r} in {spec!r}: expected key=value")
        try:
            args[key.strip()] = json.loads(value)
        except ValueError:
            args[key.strip()] = value
    return model.strip(), args


def _share(k: int, n: int) -> dict:
    from assay.stats.proportion import wilson_interval

    lo, hi = wilson_interval(k, n) if n else (math.nan, math.nan)
    return {"k": k, "n": n, "rate": k / n if n else math.nan, "lo": lo, "hi": hi}


def _weighted_verdict(rec: dict) -> str:
    p = rec.get("verdict_probs")
    if not isinstance(p, dict) or rec["outcome"] == "error":
        return rec["outcome"]
    return max(("A", "B", "tie"), key=lambda k: (p[k], -("A", "B", "tie").index(k)))


def measure(records: list[dict], seconds: float) -> dict:
    """The per-judge row from a run's examples.jsonl records (each with a human label)."""
    n = len(records)
    human = [r["human_label"] for r in records]
    discrete = sum(r["outcome"] == h for r, h in zip(records, human))
    weighted = sum(_weighted_verdict(r) == h for r, h in zip(records, human))
    kinds = Counter((r.get("error") or {}).get("kind") for r in records if r["outcome"] == "error")
    majority = Counter(human).most_common(1)[0][1] / n if n else math.nan
    return {"n": n, "agreement": _share(discrete, n), "weighted_agreement": _share(weighted, n),
            "n_with_probabilities": sum(isinstance(r.get("verdict_probs"), dict) for r in records),
            "unparseable": kinds.get("unparseable", 0) + kinds.get("schema", 0),
            "errors": sum(kinds.values()), "error_kinds": dict(kinds),
            "outcomes": dict(Counter(r["outcome"] for r in records)),
            "human_counts": dict(Counter(human)),
            "chance": {"majority_class": majority, "uniform": 1 / 3}, "seconds": round(seconds, 1)}


def _pct(d: dict) -> str:
    if d["n"] == 0:
        return "n/a"
    return f"{100 * d['rate']:.1f}% [{100 * d['lo']:.1f}, {100 * d['hi']:.1f}]"


def markdown(results: dict, n: int) -> str:
    lines = [f"Judge agreement with the PandaLM human majority label (first {n} pairs of "
             "testset-v1; Wilson 95% CI; an unparsed pair counts as wrong)", "",
             "| judge | n | agreement | prob.-weighted agreement | unparseable | chance (majority / uniform) | seconds |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "failed" in r:
            lines.append(f"| {name} | - | failed: {r['failed']} | | | | |")
            continue
        lines.append(f"| {name} | {r['n']} | {_pct(r['agreement'])} | {_pct(r['weighted_agreement'])} "
                     f"| {r['unparseable']} | {100 * r['chance']['majority_class']:.1f}% / 33.3% "
                     f"| {r['seconds']} |")
    return "\n".join(lines) + "\n"


def run_candidates(judges: list[str], *, n: int, root, out: Path, structured: str = "auto",
                   seed: int = 0, workdir: str | None = None) -> int:
    import assay
    from assay.judges.human_sets import load_pandalm

    pairs = load_pandalm(root)[:n]
    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="judge_quality_"))
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "llm_judge.jsonl"
    with data.open("w", encoding="utf-8") as fh:
        for p in pairs:
            # PandaLM keeps a few responses as JSON scalars (e.g. true): the text they showed
            fh.write(json.dumps({"prompt": p.prompt, "response_A": _text(p.response_a),
                                 "response_B": _text(p.response_b), "label": _LABEL[p.human],
                                 "metadata": json.dumps({"id": p.id})}) + "\n")
    results: dict = {}
    for i, spec in enumerate(judges):
        model, model_args = parse_judge(spec)
        recipe = {"run": {"name": f"judge{i}"},
                  "evaluation": {"task": "llm_judge", "strategy": "judge", "metric": "all"},
                  "judge": {"model": model, "model_args": model_args, "structured": structured},
                  "assay": {"data": str(data), "output_dir": str(folder / "runs"), "seed": seed,
                            "cache": False, "max_failure_share": 1.0}}
        t0 = time.time()
        try:
            res = assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                          overwrite=True))
        except Exception as exc:  # noqa: BLE001 - one judge failing must not lose the others
            results[spec] = {"failed": f"{type(exc).__name__}: {exc}"[:300]}
            print(f"{spec}: failed: {results[spec]['failed']}")
            continue
        seconds = time.time() - t0
        recs = [json.loads(x) for x in (res.run_dir / "examples.jsonl").read_text().splitlines()]
        results[spec] = measure(recs, seconds) | {"model": model, "model_args": model_args,
                                                  "run_dir": str(res.run_dir)}
        r = results[spec]
        print(f"{spec}: agreement {_pct(r['agreement'])}, weighted {_pct(r['weighted_agreement'])}, "
              f"unparseable {r['unparseable']}, {r['seconds']} s")
    doc = {"dataset": "pandalm/testset-v1.json", "n_pairs": len(pairs), "structured": structured,
           "seed": seed, "judges": results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_clean(doc), indent=2) + "\n", encoding="utf-8")
    table = markdown(results, len(pairs))
    out.with_suffix(".md").write_text(table, encoding="utf-8")
    print("\n" + table + f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
