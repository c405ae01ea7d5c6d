"""The reliability diagram of a confidence calibration summary (PNG).

Input: the dict of :func:`assay.stats.reliability.calibration_summary`. Left panel: accuracy
against mean confidence per equal-width bin (points sized by count, bars from the diagonal to
show the gap), the equal-mass bins as a second line, the diagonal of perfect calibration, and
ECE / Brier / AUROC with their intervals in the title. Right panel: how many examples fall in
each confidence bin, split into correct and wrong. Only numbers and a sanitised title are
drawn, so no model text reaches the figure.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .plot_helpers import count_of, finite_or_none, plot_rc, safe_label

__all__ = ["write_reliability_figure"]

_C_MAIN = "#2563eb"
_C_MASS = "#f59e0b"
_C_OK = "#16a34a"
_C_BAD = "#dc2626"
_C_MUTED = "#6b7280"
_C_GRID = "#e5e7eb"


def _stat(summary: dict, key: str) -> str:
    d = summary.get(key)
    if not isinstance(d, dict):
        return f"{key} n/a"
    v, lo, hi = (finite_or_none(d.get(k)) for k in ("value", "ci_low", "ci_high"))
    if v is None:
        return f"{key} n/a"
    name = {"ece": "ECE", "brier": "Brier", "auroc": "AUROC"}.get(key, key)
    ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
    return f"{name} {v:.3f}{ci}"


def _rows(bins: Any) -> list[dict]:
    out = []
    for b in bins if isinstance(bins, (list, tuple)) else []:
        if not isinstance(b, dict):
            continue
        n = count_of(b.get("n"))
        mc, acc = finite_or_none(b.get("mean_confidence")), finite_or_none(b.get("accuracy"))
        lo, hi = finite_or_none(b.get("lo")), finite_or_none(b.get("hi"))
        out.append({"n": n, "mc": mc, "acc": acc, "lo": lo, "hi": hi})
    return out


def write_reliability_figure(summary: dict, out_path: str | Path, *,
                             title: str = "Reliability diagram") -> Path:
    """Render the diagram (PNG, 1400x650 px at 100 dpi) to ``out_path`` and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_path = Path(out_path)
    width = _rows(summary.get("bins_equal_width"))
    mass = _rows(summary.get("bins_equal_mass"))
    n_total = count_of(summary.get("n"))
    with matplotlib.rc_context(plot_rc()):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(14, 6.5), dpi=100,
                                      gridspec_kw={"width_ratios": [1.15, 1]})
        ax.plot([0, 1], [0, 1], ls="--", color=_C_MUTED, lw=1.2, label="perfect calibration")
        filled = [r for r in width if r["n"] and r["mc"] is not None and r["acc"] is not None]
        for r in filled:
            ax.plot([r["mc"], r["mc"]], [r["mc"], r["acc"]], color=_C_BAD, lw=2, alpha=0.55)
        if filled:
            biggest = max(r["n"] for r in filled)
            ax.scatter([r["mc"] for r in filled], [r["acc"] for r in filled],
                       s=[40 + 260 * r["n"] / biggest for r in filled], color=_C_MAIN,
                       zorder=3, label="equal-width bins (size = count)")
            ax.plot([r["mc"] for r in filled], [r["acc"] for r in filled], color=_C_MAIN,
                    lw=1.5, zorder=2)
            for r in filled:
                ax.annotate(f"n={r['n']}", (r["mc"], r["acc"]), textcoords="offset points",
                            xytext=(0, 10), ha="center", fontsize=9)
        mfill = [r for r in mass if r["n"] and r["mc"] is not None and r["acc"] is not None]
        if mfill:
            ax.plot([r["mc"] for r in mfill], [r["acc"] for r in mfill], "s--", color=_C_MASS,
                    ms=5, lw=1.2, zorder=2, label="equal-mass bins")
        if not filled:
            ax.text(0.5, 0.5, "no examples with a confidence", ha="center", va="center",
                    color=_C_MUTED, transform=ax.transAxes)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.03, 1.1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("mean confidence in the bin")
        ax.set_ylabel("accuracy in the bin")
        ax.grid(color=_C_GRID, lw=0.8, zorder=0)
        # below the axes: nothing in the plot area can sit under it
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=9,
                  frameon=False, title=f"N = {n_total}", title_fontsize=9)
        ax.set_title(_stat(summary, "ece") + ", " + _stat(summary, "brier") + "\n"
                     + _stat(summary, "auroc") + "   (below the diagonal: overconfident)",
                     loc="left", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)

        # right: counts per equal-width bin, correct vs wrong
        xs, ok, bad, labels = [], [], [], []
        for i, r in enumerate(width):
            acc = r["acc"] if r["acc"] is not None else 0.0
            right = int(round(acc * r["n"]))
            xs.append(i)
            ok.append(right)
            bad.append(r["n"] - right)
            lo = r["lo"] if r["lo"] is not None else math.nan
            hi = r["hi"] if r["hi"] is not None else math.nan
            labels.append(f"{lo:.1f}–{hi:.1f}")
        ax2.bar(xs, ok, color=_C_OK, label="correct")
        ax2.bar(xs, bad, bottom=ok, color=_C_BAD, alpha=0.8, label="wrong")
        ax2.set_xticks(xs, labels, rotation=45, ha="right", fontsize=9)
        ax2.set_xlabel("confidence bin")
        ax2.set_ylabel("examples")
        ax2.set_title("How confident the answers were", loc="left", fontsize=11)
        ax2.grid(axis="y", color=_C_GRID, lw=0.8)
        ax2.legend(frameon=False, fontsize=9)
        ax2.spines[["top", "right"]].set_visible(False)
        fig.suptitle(safe_label(title, 100), x=0.01, ha="left", fontweight="bold")
        fig.tight_layout()
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out_path, format="png", metadata={"Software": None})
        plt.close(fig)
    return out_path
