"""The retrieval figure of a RAG run (PNG): recall@k and nDCG@k against the cut-off k, each
point with its 95% CI as an error bar, from the ``retrieval`` block of a RAG ``metrics.json``
(:func:`assay.metrics.retrieval.summarise_retrieval`). Only numbers and fixed labels are
drawn, so no model or dataset text reaches the figure."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .plot_helpers import count_of, finite_or_none, plot_rc

__all__ = ["retrieval_curves", "write_retrieval_figure"]

_SERIES = (("recall", "recall@k", "#2563eb", "o"), ("ndcg", "nDCG@k", "#f59e0b", "s"))
_NAME = re.compile(r"^([a-z_]+)@(\d+)$")


def retrieval_curves(metrics: Any) -> dict[str, list[tuple[int, float, float | None,
                                                           float | None]]]:
    """``{family: [(k, value, ci_low, ci_high), ...]}`` sorted by k, for every ``family@k``
    metric with a finite value (``metrics``: name -> ``{value, ci_low, ci_high, ...}``)."""
    out: dict[str, list[tuple[int, float, float | None, float | None]]] = {}
    if not isinstance(metrics, dict):
        return out
    for name, s in metrics.items():
        m = _NAME.match(str(name))
        if not m or not isinstance(s, dict):
            continue
        v = finite_or_none(s.get("value"))
        if v is None:
            continue
        out.setdefault(m.group(1), []).append(
            (int(m.group(2)), v, finite_or_none(s.get("ci_low")),
             finite_or_none(s.get("ci_high"))))
    return {k: sorted(v) for k, v in out.items()}


def write_retrieval_figure(retrieval: dict[str, Any], out_path: str | Path) -> Path:
    """Render recall@k and nDCG@k against k (PNG, 750x440 px at 100 dpi) to ``out_path``;
    ValueError when neither has a value to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_path = Path(out_path)
    curves = retrieval_curves(retrieval.get("metrics"))
    if not any(curves.get(fam) for fam, *_ in _SERIES):
        raise ValueError("no recall@k or ndcg@k value to draw")
    ks: set[int] = set()
    with matplotlib.rc_context(plot_rc(12)):
        fig, ax = plt.subplots(figsize=(7.5, 4.4), dpi=100)
        for fam, label, color, marker in _SERIES:
            pts = curves.get(fam) or []
            if not pts:
                continue
            span = max(p[0] for p in pts) - min(p[0] for p in pts) or 1
            dodge = (-0.012 if fam == "recall" else 0.012) * span   # bars side by side
            xs = [p[0] + dodge for p in pts]
            ys = [p[1] for p in pts]
            lo = [p[1] - p[2] if p[2] is not None else 0.0 for p in pts]
            hi = [p[3] - p[1] if p[3] is not None else 0.0 for p in pts]
            ax.errorbar(xs, ys, yerr=[[max(0.0, x) for x in lo], [max(0.0, x) for x in hi]],
                        color=color, marker=marker, lw=1.8, capsize=4, label=label)
            ks.update(p[0] for p in pts)
        ax.set_xticks(sorted(ks))
        ax.set_xlabel("k (passages retrieved, cut-off)")
        ax.set_ylabel("mean over queries (0-1)")
        ax.set_ylim(-0.02, 1.05)
        n = count_of(retrieval.get("n_with_references"))
        ax.set_title(f"Retrieval against k · {n} queries with reference contexts\n"
                     "error bars: 95% CI", fontsize=12)
        ax.grid(True, color="#e5e7eb", lw=0.8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="lower right", frameon=False)
        fig.tight_layout()
        fig.savefig(out_path, format="png")
        plt.close(fig)
    return out_path
