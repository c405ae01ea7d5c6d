"""The base-vs-challenger figure: scores per subtask side by side, and a forest plot of the
paired difference with its bootstrap 95% CI (overall in bold). Deterministic PNG bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...reports.plot_helpers import finite_or_none, plot_rc, safe_label

__all__ = ["write_comparison_figure"]

_BASE, _CHAL, _MUTED = "#8c8c8c", "#1f77b4", "#555555"


def _rows(comparison: dict[str, Any]) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    m = comparison["primary_metric"]
    block = comparison["metrics"][m]
    rows = list(block["subtasks"].items()) + [("overall", block["overall"])]
    return m, rows


def write_comparison_figure(comparison: dict[str, Any], out_path: str | Path) -> Path:
    """Draw ``comparison`` (comparison.json) to ``out_path`` and return the path."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if comparison.get("primary_metric") is None:
        raise ValueError("comparison has no metric to draw")
    metric, rows = _rows(comparison)
    n = len(rows)
    height = max(4.0, 1.6 + 0.28 * n)
    with matplotlib.rc_context(plot_rc(10)):
        fig = Figure(figsize=(14, height), dpi=100)
        FigureCanvasAgg(fig)
        gs = fig.add_gridspec(1, 2, left=0.2, right=0.97, top=1 - 1.2 / height,
                              bottom=0.5 / height, wspace=0.08)
        ax_s, ax_d = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
        ys = list(range(n))[::-1]
        labels = [safe_label(name, 40) for name, _ in rows]
        for y, (name, c) in zip(ys, rows):
            b, ch = finite_or_none(c["base"]), finite_or_none(c["challenger"])
            ax_s.barh(y + 0.2, b or 0.0, height=0.38, color=_BASE,
                      label="base" if y == ys[0] else None)
            ax_s.barh(y - 0.2, ch or 0.0, height=0.38, color=_CHAL,
                      label="challenger" if y == ys[0] else None)
            for v, dy in ((b, 0.2), (ch, -0.2)):
                if v is not None:
                    ax_s.text(min(v, 1.0) + 0.01, y + dy, f"{v:.3f}", va="center", fontsize=8)
            d, lo, hi = (finite_or_none(c[k]) for k in ("difference", "ci_low", "ci_high"))
            bold = name == "overall"
            if d is not None and lo is not None and hi is not None:
                sig = lo > 0 or hi < 0
                color = ("#2ca02c" if d > 0 else "#d62728") if sig else _MUTED
                ax_d.plot([lo, hi], [y, y], color=color, linewidth=3 if bold else 1.6)
                ax_d.plot([d], [y], "D" if bold else "o", color=color,
                          markersize=8 if bold else 5)
        ax_s.set_yticks(ys)
        ax_s.set_yticklabels(labels)
        for t in ax_s.get_yticklabels():
            if t.get_text() == "overall":
                t.set_fontweight("bold")
        ax_s.set_xlim(0, 1.12)
        ax_s.set_xlabel(metric)
        ax_s.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
        ax_s.grid(axis="x", alpha=0.3)
        ax_d.axvline(0, color="black", linewidth=0.8)
        ax_d.set_yticks(ys)
        ax_d.set_yticklabels([])
        ax_d.set_ylim(ax_s.get_ylim())
        ax_d.set_xlabel(f"challenger − base ({metric}), 95% paired bootstrap CI")
        ax_d.grid(axis="x", alpha=0.3)
        ov = rows[-1][1]
        p = finite_or_none(ov.get("p_value"))
        head = (f"{safe_label(comparison['challenger_model'], 40)} vs base "
                f"{safe_label(comparison['base_model'], 40)}: {ov['verdict']}"
                + (f" (p = {p:.3g}, {ov['test']})" if p is not None else ""))
        fig.suptitle(head, fontsize=13, fontweight="bold", x=0.02, ha="left",
                     y=1 - 0.35 / height)
        fig.savefig(out, format="png", dpi=100, facecolor="white", metadata={"Software": None})
    return out
