"""The figure of ``assay compare`` (``comparison.png``): one row per metric, the difference
B − A with its paired bootstrap 95% CI, a zero line, coloured by verdict (green: B is better,
red: B is worse, grey: no significant difference). Each row has its own x-axis, because the
metrics live on different scales (BLEU 0–100, exact match 0–1). Deterministic PNG bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .plot_helpers import finite_or_none, plot_rc, safe_label

__all__ = ["write_compare_figure", "VERDICT_COLOURS"]

VERDICT_COLOURS = {"B is better": "#2ca02c", "B is worse": "#d62728"}
_MUTED = "#7f7f7f"


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.3g}" if abs(v) >= 1000 else f"{v:+.4f}"


def _p(v: Any) -> str:
    p = finite_or_none(v)
    return "p n/a" if p is None else f"p = {p:.3g}"


def _limit(*values: float | None) -> float:
    m = max((abs(v) for v in values if v is not None), default=0.0)
    return m * 1.25 if m > 0 else 1.0


def write_compare_figure(comparison: dict[str, Any], out_path: str | Path) -> Path:
    """Draw ``comparison`` (the comparison.json document) to ``out_path``; returns the path."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = list(comparison["metrics"].items())
    if not rows:
        raise ValueError("comparison has no metric to draw")
    primary = comparison.get("primary_metric")
    n = len(rows)
    height = 1.5 + 0.62 * n
    with matplotlib.rc_context(plot_rc(10)):
        fig = Figure(figsize=(11, height), dpi=100)
        FigureCanvasAgg(fig)
        gs = fig.add_gridspec(n, 1, left=0.2, right=0.68, top=1 - 1.0 / height,
                              bottom=0.55 / height, hspace=0.9)
        for k, (name, m) in enumerate(rows):
            ax = fig.add_subplot(gs[k, 0])
            d, lo, hi = (finite_or_none(m.get(key)) for key in ("difference", "ci_low", "ci_high"))
            colour = VERDICT_COLOURS.get(m.get("verdict"), _MUTED)
            bold = name == primary
            ax.axvline(0, color="black", linewidth=0.9)
            if d is not None and lo is not None and hi is not None:
                ax.plot([lo, hi], [0, 0], color=colour, linewidth=3.2 if bold else 2.2,
                        solid_capstyle="butt")
                ax.plot([d], [0], "D" if bold else "o", color=colour,
                        markersize=8 if bold else 6)
            lim = _limit(d, lo, hi)
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-1, 1)
            ax.set_yticks([])
            for side in ("left", "right", "top"):
                ax.spines[side].set_visible(False)
            ax.tick_params(axis="x", labelsize=8)
            ax.grid(axis="x", alpha=0.3)
            label = safe_label(name, 28) + (" (primary)" if bold else "")
            ax.text(-0.02, 0.5, label, transform=ax.transAxes, ha="right", va="center",
                    fontsize=10, fontweight="bold" if bold else "normal")
            a, b = finite_or_none(m.get("a")), finite_or_none(m.get("b"))
            a_txt = "n/a" if a is None else f"{a:.4g}"
            b_txt = "n/a" if b is None else f"{b:.4g}"
            note = (f"A {a_txt}  B {b_txt}  Δ {_fmt(d)}\n"
                    f"[{_fmt(lo)}, {_fmt(hi)}]  {_p(m.get('p_value'))}\n"
                    f"{safe_label(m.get('verdict'), 40)}")
            ax.text(1.03, 0.5, note, transform=ax.transAxes, ha="left", va="center",
                    fontsize=8.5, color=colour if colour != _MUTED else "#333333")
        a_name = safe_label((comparison.get("a") or {}).get("name"), 30)
        b_name = safe_label((comparison.get("b") or {}).get("name"), 30)
        v = comparison.get("verdict") or {}
        head = f"B ({b_name}) vs A ({a_name}): {safe_label(v.get('verdict'), 40)} on " \
               f"{safe_label(v.get('metric'), 30)}"
        fig.suptitle(head, fontsize=12.5, fontweight="bold", x=0.02, ha="left",
                     y=1 - 0.3 / height)
        fig.text(0.02, 1 - 0.62 / height, "B − A per metric, 95% paired bootstrap CI; "
                 "significant when p < 0.05 and the CI excludes 0", fontsize=9, color="#555555")
        fig.savefig(out, format="png", dpi=100, facecolor="white", metadata={"Software": None})
    return out
