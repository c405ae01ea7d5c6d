"""Judge quality on the human-labelled sets with recorded judge verdicts (issue 4).

For every set in :data:`assay.judges.human_sets.JUDGED_SETS` this computes
:func:`assay.stats.agreement.agreement_report`, prints a table and writes the full
reports (confusion matrices included) to ``bench/out/judge_quality.json``::

    .venv/bin/python bench/judge_quality.py [--root ../shared/benchdata] [--out bench/out/judge_quality.json]

Definitions: ``docs/judge_quality.md``.
"""

from __future__ import annotations

import argparse
import json
import math
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
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "judge_quality.json"))
    args = ap.parse_args(argv)

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


if __name__ == "__main__":
    raise SystemExit(main())
