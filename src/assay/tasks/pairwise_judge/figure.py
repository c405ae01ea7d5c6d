"""One PNG summarising an LLM-judge (pairwise A vs B) run, from its metrics.json dict.

Six panels: outcome counts, B's win rate with its 95% CI, preference pie, A vs B (and mean
rubric weighted scores when present), a win-rate gauge, and a summary table. Only numbers and
a fixed set of verdict strings are drawn -- never model or dataset text. The output is
deterministic: the same summary gives byte-identical PNG files.
"""

from __future__ import annotations

from pathlib import Path

from ...reports.plot_helpers import count_of as _count
from ...reports.plot_helpers import finite_or_none as _num
from ...reports.plot_helpers import plot_rc
from ...reports.plot_helpers import safe_label as _safe_label

__all__ = ["write_judge_figure"]

_KNOWN_VERDICTS = ("B is better", "A is better", "no significant difference", "no valid judgments")

_C_A = "#4C72B0"
_C_B = "#DD8452"
_C_TIE = "#8C8C8C"
_C_ERR = "#C44E52"
_C_TEXT = "#1d2430"
_C_MUTED = "#6b7280"


# ----------------------------------------------------------------------------- helpers




def _pct(v: float | None, d: int = 1) -> str:
    return "n/a" if v is None else f"{100.0 * v:.{d}f}%"




def _verdict_text(summary: dict, valid: int, winrate: float | None,
                  lo: float | None, hi: float | None) -> str:
    v = summary.get("verdict")
    if isinstance(v, str) and v in _KNOWN_VERDICTS:
        return v
    # Unknown / missing verdict: derive one from the numbers (never echo arbitrary text).
    if valid == 0 or winrate is None:
        return "no valid judgments"
    if lo is not None and lo > 0.5:
        return "B is better"
    if hi is not None and hi < 0.5:
        return "A is better"
    return "no significant difference"


def _verdict_color(verdict: str) -> str:
    return {"B is better": _C_B, "A is better": _C_A}.get(verdict, _C_MUTED)


def _extract(summary: dict) -> dict:
    summary = summary if isinstance(summary, dict) else {}
    counts = summary.get("counts") if isinstance(summary.get("counts"), dict) else {}
    flat = summary.get("flat") if isinstance(summary.get("flat"), dict) else {}
    a, b, t = _count(counts.get("A")), _count(counts.get("B")), _count(counts.get("tie"))
    err = _count(counts.get("error", summary.get("n_errors")))
    valid = a + b + t
    n_ex = _num(summary.get("n_examples"))
    total = int(n_ex) if n_ex is not None and n_ex >= 0 else valid + err
    total = max(total, valid + err)

    winrate = _num(flat.get("winrate"))
    if winrate is None and valid > 0 and "winrate" not in flat:
        winrate = (b + 0.5 * t) / valid
    if valid == 0:
        winrate = None
    lo, hi = _num(flat.get("lower_rate")), _num(flat.get("upper_rate"))
    if winrate is None:
        lo = hi = None
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    wa, wb = _num(flat.get("weighted_score_A")), _num(flat.get("weighted_score_B"))
    pc = _num(summary.get("position_consistency"))
    return {
        "a": a, "b": b, "tie": t, "err": err, "valid": valid, "total": total,
        "winrate": winrate, "lo": lo, "hi": hi, "wa": wa, "wb": wb, "pc": pc,
        "verdict": _verdict_text(summary, valid, winrate, lo, hi),
        "model": _safe_label(summary.get("model")),
        "task": _safe_label(summary.get("task")),
    }


# ----------------------------------------------------------------------------- panels
def _panel_counts(ax, d: dict) -> None:
    labels = ["A wins", "B wins", "Ties", "Errors"]
    vals = [d["a"], d["b"], d["tie"], d["err"]]
    bars = ax.bar(labels, vals, color=[_C_A, _C_B, _C_TIE, _C_ERR], width=0.6)
    top = max(vals) if max(vals) > 0 else 1
    ax.set_ylim(0, top * 1.18)
    for bar, v in zip(bars, vals):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + top * 0.02, str(v),
                ha="center", va="bottom", fontsize=12, fontweight="bold", color=_C_TEXT)
    ax.set_title("1. Outcome counts", loc="left", fontweight="bold")
    ax.set_ylabel("examples")
    ax.spines[["top", "right"]].set_visible(False)


def _panel_winrate(ax, d: dict) -> None:
    ax.set_title("2. B's win rate (95% CI)", loc="left", fontweight="bold")
    ax.axhline(50, color=_C_MUTED, ls="--", lw=1.3, zorder=1, label="50% = no difference")
    ax.set_xlim(-1, 1.8)
    ax.set_ylim(-3, 103)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.set_xticks([0])
    ax.set_xticklabels(["B vs A"])
    ax.set_ylabel("win rate of B (%)")
    ax.spines[["top", "right"]].set_visible(False)
    w = d["winrate"]
    if w is None:
        ax.text(0, 75, "n/a", ha="center", va="center", fontsize=22, color=_C_MUTED)
        ax.legend(loc="lower right", fontsize=9, frameon=False)
        return
    y = 100 * w
    lo = 100 * d["lo"] if d["lo"] is not None else None
    hi = 100 * d["hi"] if d["hi"] is not None else None
    color = _verdict_color(d["verdict"])
    if lo is not None and hi is not None:
        yerr = [[max(0.0, y - lo)], [max(0.0, hi - y)]]
        ax.errorbar([0], [y], yerr=yerr, fmt="o", color=color, ms=11, capsize=14, lw=2.5,
                    capthick=2.5, zorder=3, label="win rate of B, 95% CI")
        ax.text(0.24, hi, f"{hi:.1f}%", va="center", ha="left", fontsize=9, color=_C_MUTED)
        ax.text(0.24, lo, f"{lo:.1f}%", va="center", ha="left", fontsize=9, color=_C_MUTED)
    else:
        ax.plot([0], [y], "o", color=color, ms=11, zorder=3, label="win rate of B")
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.text(-0.24, y, f"{y:.1f}%", va="center", ha="right", fontsize=13, fontweight="bold",
            color=_C_TEXT)


def _panel_pie(ax, d: dict) -> None:
    ax.set_title("3. Preference share", loc="left", fontweight="bold")
    parts = [("A", d["a"], _C_A), ("B", d["b"], _C_B), ("tie", d["tie"], _C_TIE)]
    legend_title = f"{d['err']} error{'s' if d['err'] != 1 else ''} excluded"
    nonzero = [p for p in parts if p[1] > 0]
    if not nonzero:
        ax.text(0.5, 0.5, "no valid judgments", ha="center", va="center", fontsize=13,
                color=_C_MUTED, transform=ax.transAxes)
        ax.set_axis_off()
        from matplotlib.patches import Patch
        ax.legend(handles=[Patch(color=c, label=f"{n}: 0") for n, _, c in parts],
                  title=legend_title, loc="lower center", ncol=3, frameon=False,
                  bbox_to_anchor=(0.5, -0.02), fontsize=9)
        return
    total = sum(v for _, v, _ in nonzero)
    wedges, _texts, autotexts = ax.pie(
        [v for _, v, _ in nonzero], colors=[c for _, _, c in nonzero], startangle=90,
        counterclock=False, autopct=lambda p: f"{p:.0f}%" if p >= 4 else "",
        pctdistance=0.68, wedgeprops={"edgecolor": "white", "linewidth": 1.5},
        textprops={"fontsize": 11})
    for t in autotexts:
        t.set_color("white")
        t.set_fontweight("bold")
    ax.axis("equal")
    ax.legend(wedges, [f"{n}: {v} ({100 * v / total:.0f}%)" for n, v, _ in nonzero],
              title=legend_title, loc="upper center", bbox_to_anchor=(0.5, 0.02),
              ncol=len(nonzero), frameon=False, fontsize=10, title_fontsize=10)


def _panel_ab(ax, d: dict) -> None:
    ax.set_title("4. A vs B", loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    a, b = d["a"], d["b"]
    has_w = d["wa"] is not None and d["wb"] is not None
    top = max(a, b, 1)
    bars = ax.bar([0, 1], [a, b], color=[_C_A, _C_B], width=0.7)
    for bar, v in zip(bars, (a, b)):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + top * 0.02, str(v),
                ha="center", va="bottom", fontsize=12, fontweight="bold", color=_C_TEXT)
    ax.set_ylim(0, top * 1.35)
    ax.set_ylabel("wins (count)")
    margin = b - a
    lead = (f"B ahead by {margin}" if margin > 0 else
            f"A ahead by {-margin}" if margin < 0 else "even")
    ax.text(0.5, 0.93, f"margin (B − A): {margin:+d}  ({lead})", ha="center", va="center",
            transform=ax.transAxes, fontsize=11, fontweight="bold", color=_verdict_color(d["verdict"]),
            bbox={"boxstyle": "round,pad=0.3", "fc": "#f5f7fb", "ec": "#dde"})
    if has_w:
        ax2 = ax.twinx()
        wa, wb = d["wa"], d["wb"]
        bars2 = ax2.bar([2.6, 3.6], [wa, wb], color=[_C_A, _C_B], width=0.7, alpha=0.55,
                        hatch="//", edgecolor="white")
        wtop = max(abs(wa), abs(wb), 1e-9)
        lo_lim = min(0.0, wa, wb) * 1.35
        ax2.set_ylim(lo_lim, wtop * 1.35)
        for bar, v in zip(bars2, (wa, wb)):
            ax2.text(bar.get_x() + bar.get_width() / 2, max(v, 0) + wtop * 0.02, f"{v:.2f}",
                     ha="center", va="bottom", fontsize=11, fontweight="bold", color=_C_TEXT)
        ax2.set_ylabel("mean weighted score")
        ax2.spines[["top"]].set_visible(False)
        ax.set_xticks([0, 1, 2.6, 3.6])
        ax.set_xticklabels(["A wins", "B wins", "A score", "B score"])
        ax.axvline(1.8, color="#dde", lw=1)
        ax.set_xlim(-0.6, 4.2)
    else:
        ax.set_xticks([0, 1])
        ax.set_xticklabels(["A wins", "B wins"])
        ax.set_xlim(-0.7, 1.7)


def _panel_gauge(ax, d: dict) -> None:
    import numpy as np
    from matplotlib.patches import Wedge

    ax.set_title("5. Win-rate gauge (B)", loc="left", fontweight="bold")
    # Keep the box the size of the other panels (titles line up) and pick x limits that make
    # one data unit equally long on both axes, so the half-donut stays round.
    y0, y1 = -0.6, 1.2
    pos = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    half = 0.5 * (y1 - y0) * (pos.width * fw) / max(pos.height * fh, 1e-9)
    ax.set_ylim(y0, y1)
    ax.set_xlim(-half, half)
    ax.set_axis_off()

    def ang(frac: float) -> float:          # 0% on the left, 100% on the right
        return 180.0 * (1.0 - min(max(frac, 0.0), 1.0))

    r_out, width = 1.0, 0.3
    ax.add_patch(Wedge((0, 0), r_out, 0, 180, width=width, fc="#eceff4", ec="none"))
    w = d["winrate"]
    if w is not None and d["lo"] is not None and d["hi"] is not None:
        ax.add_patch(Wedge((0, 0), r_out, ang(d["hi"]), ang(d["lo"]), width=width,
                           fc=_verdict_color(d["verdict"]), alpha=0.35, ec="none"))
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        th = np.radians(ang(frac))
        c, s = np.cos(th), np.sin(th)
        ax.plot([0.68 * c, 0.62 * c], [0.68 * s, 0.62 * s], color=_C_MUTED, lw=1)
        ax.text(1.12 * c, 1.12 * s - (0.04 if frac in (0.0, 1.0) else 0), f"{int(frac * 100)}%",
                ha="center", va="center", fontsize=9, color=_C_MUTED)
    th50 = np.radians(90)
    ax.plot([0.7 * np.cos(th50), 1.0 * np.cos(th50)], [0.7, 1.0], color=_C_MUTED, lw=1.2,
            ls="--")
    if w is None:
        ax.text(0, 0.25, "n/a", ha="center", va="center", fontsize=26, color=_C_MUTED,
                fontweight="bold")
    else:
        th = np.radians(ang(w))
        ax.annotate("", xy=(0.9 * np.cos(th), 0.9 * np.sin(th)), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "lw": 2.5, "color": _C_TEXT,
                                "mutation_scale": 18})
        ax.add_patch(_circle((0, 0), 0.05, _C_TEXT))
        ax.text(0, -0.17, _pct(w), ha="center", va="center", fontsize=17, fontweight="bold",
                color=_C_TEXT)
    ax.text(0, -0.45, d["verdict"], ha="center", va="center", fontsize=13, fontweight="bold",
            color=_verdict_color(d["verdict"]))


def _circle(center, radius, color):
    from matplotlib.patches import Circle
    return Circle(center, radius, fc=color, ec="none", zorder=4)


def _panel_table(ax, d: dict) -> None:
    ax.set_title("6. Summary", loc="left", fontweight="bold")
    ax.set_axis_off()
    err_rate = d["err"] / d["total"] if d["total"] > 0 else None
    ci = ("n/a" if d["lo"] is None or d["hi"] is None
          else f"[{_pct(d['lo'])}, {_pct(d['hi'])}]")
    rows = [
        ("Total examples", str(d["total"])),
        ("Valid judgments", str(d["valid"])),
        ("Errors (rate)", f"{d['err']} ({_pct(err_rate)})"),
        ("Win rate of B", _pct(d["winrate"])),
        ("95% CI", ci),
        ("Position consistency", _pct(d["pc"])),
        ("Verdict", d["verdict"]),
    ]
    table = ax.table(cellText=[list(r) for r in rows], colLabels=["metric", "value"],
                     colWidths=[0.44, 0.56], cellLoc="left", loc="center",
                     bbox=[0.0, 0.0, 1.0, 0.95])
    table.auto_set_font_size(False)
    table.set_fontsize(11)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#dde")
        cell.PAD = 0.05
        if r == 0:
            cell.set_facecolor("#e8ecf4")
            cell.set_text_props(fontweight="bold")
        elif r % 2 == 0:
            cell.set_facecolor("#f8f9fc")
        if r == len(rows) and c == 1:
            cell.set_text_props(fontweight="bold", color=_verdict_color(d["verdict"]))


# ----------------------------------------------------------------------------- public
def write_judge_figure(summary: dict, out_path: str | Path, *, title: str | None = None) -> Path:
    """Render the six-panel LLM-judge figure for ``summary`` (a run's metrics.json dict) to
    ``out_path`` (PNG, 1600x1000 px) and return the path. Identical input gives identical bytes."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    d = _extract(summary)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)

    with matplotlib.rc_context(plot_rc()):
        fig = Figure(figsize=(16, 10), dpi=100)
        FigureCanvasAgg(fig)
        gs = fig.add_gridspec(2, 3, left=0.05, right=0.97, top=0.88, bottom=0.06,
                              wspace=0.33, hspace=0.32)
        axes = [fig.add_subplot(gs[i // 3, i % 3]) for i in range(6)]
        _panel_counts(axes[0], d)
        _panel_winrate(axes[1], d)
        _panel_pie(axes[2], d)
        _panel_ab(axes[3], d)
        _panel_gauge(axes[4], d)
        _panel_table(axes[5], d)

        head = _safe_label(title, 100) if title is not None else "LLM judge: A vs B"
        fig.suptitle(head, fontsize=18, fontweight="bold", x=0.05, ha="left", y=0.975)
        sub = " · ".join(p for p in (
            f"model: {d['model']}" if d["model"] else "",
            f"task: {d['task']}" if d["task"] else "",
            f"{d['total']} examples",
            f"verdict: {d['verdict']}",
        ) if p)
        fig.text(0.05, 0.925, sub, fontsize=12, color=_C_MUTED, ha="left", va="center")
        fig.savefig(out, format="png", dpi=100, facecolor="white",
                    metadata={"Software": None})
    return out
