"""Rubric-judge figures: calibration against human labels and per-criterion score distributions.

* :func:`write_calibration_figure` -- left: judge accuracy by ``|score_margin|`` bucket (Wilson
  95% CI error bars, ``n`` annotated); right: reliability diagram of ``p = (margin + 1) / 2``
  with the diagonal and the ECE/Brier in the title. Without human labels each panel shows a
  "no human labels" placeholder.
* :func:`write_criteria_figure` -- small multiples: one histogram per criterion (A and B side
  by side) plus a histogram of score margins.

Inputs are the dicts from :mod:`assay.stats.calibration`. Only numbers and sanitised criterion
names are drawn -- never justifications or other model/dataset text. Identical inputs give
byte-identical PNG files; empty inputs, a single criterion or all-NaN values never raise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...stats.calibration import margin_histogram

from ...reports.plot_helpers import count_of as _count
from ...reports.plot_helpers import finite_or_none as _num
from ...reports.plot_helpers import plot_rc
from ...reports.plot_helpers import safe_label as _safe_label

__all__ = ["write_calibration_figure", "write_criteria_figure"]

_C_A = "#4C72B0"
_C_B = "#DD8452"
_C_OK = "#55A868"
_C_TEXT = "#1d2430"
_C_MUTED = "#6b7280"
_C_GRID = "#e5e7eb"



# ----------------------------------------------------------------------------- helpers






def _placeholder(ax, text: str, title: str) -> None:
    ax.set_title(title, loc="left", fontweight="bold")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_color(_C_GRID)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=16, color=_C_MUTED, fontweight="bold")


def _new_figure(figsize: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, out: Path) -> None:
    fig.savefig(out, format="png", dpi=100, facecolor="white", metadata={"Software": None})


def _header(fig, head: str, sub: str) -> None:
    fig.suptitle(head, fontsize=17, fontweight="bold", x=0.05, ha="left", y=0.975)
    if sub:
        fig.text(0.05, 0.915, sub, fontsize=11.5, color=_C_MUTED, ha="left", va="center")


# ----------------------------------------------------------------------------- calibration
def _clean_buckets(buckets: Any) -> list[dict]:
    rows = []
    for b in buckets if isinstance(buckets, (list, tuple)) else []:
        if not isinstance(b, dict):
            continue
        lo, hi = _num(b.get("lo")), _num(b.get("hi"))
        if lo is None or hi is None:
            continue
        n = _count(b.get("n"))
        k = min(_count(b.get("n_correct")), n)
        acc = _num(b.get("accuracy"))
        if acc is None and n:
            acc = k / n
        rows.append({"lo": lo, "hi": hi, "n": n, "acc": acc if n else None,
                     "acc_lo": _num(b.get("acc_lo")) if n else None,
                     "acc_hi": _num(b.get("acc_hi")) if n else None})
    return rows


def _panel_buckets(ax, rows: list[dict]) -> None:
    title = "Judge accuracy by |score margin| (95% CI)"
    if not rows or sum(r["n"] for r in rows) == 0:
        _placeholder(ax, "no human labels", title)
        return
    ax.set_title(title, loc="left", fontweight="bold")
    xs = list(range(len(rows)))
    ax.axhline(50, color=_C_MUTED, ls="--", lw=1.2, zorder=1, label="50% (chance, no ties)")
    for x, r in zip(xs, rows):
        if r["acc"] is None:
            ax.text(x, 4, "n = 0", ha="center", va="bottom", fontsize=10, color=_C_MUTED)
            continue
        y = 100 * r["acc"]
        ax.bar(x, y, width=0.6, color=_C_OK, alpha=0.35, zorder=2)
        if r["acc_lo"] is not None and r["acc_hi"] is not None:
            yerr = [[max(0.0, y - 100 * r["acc_lo"])], [max(0.0, 100 * r["acc_hi"] - y)]]
            ax.errorbar([x], [y], yerr=yerr, fmt="o", color=_C_OK, ms=8, capsize=8, lw=2,
                        capthick=2, zorder=3)
        ax.text(x, 2, f"n = {r['n']}", ha="center", va="bottom", fontsize=10,
                color=_C_TEXT, zorder=4)
        ax.text(x + 0.09, y, f"{y:.0f}%", ha="left", va="center", fontsize=9.5,
                color=_C_TEXT, zorder=4)
    ax.set_xticks(xs)
    ax.set_xticklabels([f"[{r['lo']:g}, {r['hi']:g}{']' if i == len(rows) - 1 else ')'}"
                        for i, r in enumerate(rows)])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(0, 105)
    ax.set_xlabel("|score margin| bucket")
    ax.set_ylabel("judge agrees with human (%)")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _clean_reliability(rel: Any) -> tuple[list[dict], dict]:
    if isinstance(rel, dict):
        bins, meta = rel.get("bins"), rel
    elif isinstance(rel, (list, tuple)):
        bins, meta = rel, {}
    else:
        bins, meta = [], {}
    rows = []
    for b in bins if isinstance(bins, (list, tuple)) else []:
        if not isinstance(b, dict):
            continue
        n = _count(b.get("n"))
        mp, ob = _num(b.get("mean_predicted")), _num(b.get("observed"))
        lo, hi = _num(b.get("lo")), _num(b.get("hi"))
        if n and mp is not None and ob is not None:
            rows.append({"n": n, "mp": mp, "ob": ob, "lo": lo, "hi": hi})
    return rows, meta


def _panel_reliability(ax, rel: Any) -> None:
    rows, meta = _clean_reliability(rel)
    if not rows:
        _placeholder(ax, "no human labels", "Reliability diagram")
        return
    ece, brier = _num(meta.get("ece")), _num(meta.get("brier"))
    n_tot = _count(meta.get("n")) or sum(r["n"] for r in rows)
    bits = [f"ECE = {ece:.3f}" if ece is not None else "ECE n/a"]
    if brier is not None:
        bits.append(f"Brier = {brier:.3f}")
    ax.set_title("Reliability diagram · " + ", ".join(bits), loc="left", fontweight="bold")
    ax.plot([0, 1], [0, 1], ls="--", color=_C_MUTED, lw=1.2, label="perfect calibration",
            zorder=1)
    for r in rows:
        if r["lo"] is not None and r["hi"] is not None:
            ax.bar((r["lo"] + r["hi"]) / 2, r["ob"], width=(r["hi"] - r["lo"]) * 0.9,
                   color=_C_A, alpha=0.18, zorder=1)
    xs = [r["mp"] for r in rows]
    ys = [r["ob"] for r in rows]
    ax.plot(xs, ys, "-o", color=_C_A, ms=7, lw=2, zorder=3, label="judge (bin mean)")
    for r in rows:
        ax.annotate(f"n={r['n']}", (r["mp"], r["ob"]), textcoords="offset points",
                    xytext=(0, 9), ha="center", fontsize=9, color=_C_TEXT, zorder=4)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.08)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("judge P(A better) = (margin + 1) / 2")
    ties = meta.get("ties")
    ylab = "observed share A better"
    if ties == "half":
        ylab += " (human tie = 0.5)"
    elif ties == "exclude":
        ylab += " (human ties excluded)"
    ax.set_ylabel(ylab)
    ax.grid(color=_C_GRID, lw=0.8, zorder=0)
    ax.legend(loc="upper left", fontsize=9, frameon=False, title=f"N = {n_tot}",
              title_fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def write_calibration_figure(buckets: Sequence[dict] | None, reliability: dict | Sequence | None,
                             out_path: str | Path, *, title: str | None = None) -> Path:
    """Render the calibration figure (PNG, 1600x700 px) to ``out_path`` and return the path.

    ``buckets`` is :func:`~assay.stats.calibration.margin_buckets`' list, ``reliability`` is
    :func:`~assay.stats.calibration.reliability_table`' dict (or just its ``bins`` list).
    Empty / unlabelled inputs give "no human labels" placeholders.
    """
    import matplotlib

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = _clean_buckets(buckets)
    with matplotlib.rc_context(plot_rc()):
        fig = _new_figure((16, 7))
        gs = fig.add_gridspec(1, 2, left=0.06, right=0.97, top=0.82, bottom=0.1,
                              wspace=0.22, width_ratios=[1.25, 1])
        _panel_buckets(fig.add_subplot(gs[0, 0]), rows)
        _panel_reliability(fig.add_subplot(gs[0, 1]), reliability)
        head = _safe_label(title, 100) if title is not None else "Rubric judge: calibration"
        n_lab = sum(r["n"] for r in rows)
        sub = (f"{n_lab} examples with a human label and a score margin"
               if n_lab else "no human labels: calibration cannot be assessed")
        _header(fig, head, sub)
        _save(fig, out)
    return out


# ----------------------------------------------------------------------------- criteria
def _crit_series(dist: dict) -> tuple[list[str], list[int], list[int], str]:
    t = dist.get("type") if dist.get("type") in ("scale", "binary") else "scale"
    ca = dist.get("counts_A") if isinstance(dist.get("counts_A"), dict) else {}
    cb = dist.get("counts_B") if isinstance(dist.get("counts_B"), dict) else {}
    if t == "binary":
        keys: list[Any] = [True, False]
        labels = ["yes", "no"]
    else:
        ints = set()
        for k in list(ca) + list(cb):
            f = _num(k)
            if f is not None and f == int(f):
                ints.add(int(f))
        keys = sorted(ints | {1, 2, 3, 4, 5})
        labels = [str(k) for k in keys]

    def get(c: dict, k: Any) -> int:
        if k in c:
            return _count(c[k])
        for kk in (str(k), str(k).lower()):  # JSON round trip: "3", "true"
            if kk in c:
                return _count(c[kk])
        return 0

    return labels, [get(ca, k) for k in keys], [get(cb, k) for k in keys], t


def _panel_criterion(ax, name: str, dist: dict) -> None:
    import numpy as np

    labels, a, b, t = _crit_series(dist)
    x = np.arange(len(labels))
    w = 0.4
    ax.bar(x - w / 2, a, width=w, color=_C_A, label="A")
    ax.bar(x + w / 2, b, width=w, color=_C_B, label="B")
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    top = max(a + b + [0])
    ax.set_ylim(0, max(1, top) * 1.32)
    wt = _num(dist.get("mean_weight"))
    bits = [f"n={_count(dist.get('n'))}"]
    if wt is not None:
        bits.append(f"w={wt:.2g}")
    ma, mb = _num(dist.get("mean_A")), _num(dist.get("mean_B"))
    if ma is not None and mb is not None:
        bits.append(f"mean A {ma:.2f} / B {mb:.2f}" if t == "scale"
                    else f"yes A {100 * ma:.0f}% / B {100 * mb:.0f}%")
    ax.set_title(_safe_label(name, 34) or "(unnamed)", loc="left", fontweight="bold",
                 fontsize=12)
    ax.text(0.02, 0.98, " · ".join(bits), transform=ax.transAxes, ha="left", va="top",
            fontsize=9, color=_C_MUTED)
    ax.set_xlabel("score (1-5)" if t == "scale" else "criterion met")
    ax.spines[["top", "right"]].set_visible(False)
    if top == 0:
        ax.text(0.5, 0.5, "no scores", transform=ax.transAxes, ha="center", va="center",
                fontsize=12, color=_C_MUTED)


def _panel_margins(ax, margins: Any) -> None:
    title = "Score margin (A − B)"
    if isinstance(margins, dict) and "counts" in margins and "edges" in margins:
        h = margins
    else:
        try:
            h = margin_histogram(list(margins) if margins is not None else [])
        except (TypeError, ValueError):
            h = margin_histogram([])
    edges = [_num(e) for e in h.get("edges", [])]
    counts = [_count(c) for c in h.get("counts", [])]
    if (len(edges) != len(counts) + 1 or any(e is None for e in edges) or not counts
            or sum(counts) == 0):
        _placeholder(ax, "no margins", title)
        return
    ax.set_title(title, loc="left", fontweight="bold", fontsize=12)
    for lo, hi, c in zip(edges[:-1], edges[1:], counts):
        mid = (lo + hi) / 2
        color = _C_A if mid > 0 else _C_B if mid < 0 else _C_MUTED
        ax.bar(lo, c, width=hi - lo, align="edge", color=color, edgecolor="white", lw=0.8)
    ax.axvline(0, color=_C_TEXT, lw=1, ls=":")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(counts) * 1.32)
    if edges[0] <= -1 and edges[-1] >= 1:
        ax.set_xticks([-1.0, -0.5, 0.0, 0.5, 1.0])
    ax.text(0.02, 0.98, f"n={sum(counts)}", transform=ax.transAxes, ha="left", va="top",
            fontsize=9, color=_C_MUTED)
    ax.text(0.98, 0.98, "A better →", transform=ax.transAxes, ha="right", va="top",
            fontsize=9, color=_C_A)
    ax.set_xlabel("margin (← B better)")
    ax.spines[["top", "right"]].set_visible(False)


def write_criteria_figure(distributions: dict | None, margins: Any, out_path: str | Path, *,
                          max_criteria: int = 8, title: str | None = None) -> Path:
    """Render per-criterion score histograms (A and B side by side) plus a margin histogram.

    ``distributions`` is :func:`~assay.stats.calibration.score_distributions`' dict; ``margins``
    is a sequence of score margins (NaN/None skipped) or a
    :func:`~assay.stats.calibration.margin_histogram` dict. At most ``max_criteria`` criteria are
    drawn (in the dict's order); the subtitle says how many were left out.
    """
    import matplotlib

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    items = [(str(k), v) for k, v in (distributions or {}).items() if isinstance(v, dict)] \
        if isinstance(distributions, dict) else []
    k_max = max(0, int(max_criteria))
    shown, hidden = items[:k_max], max(0, len(items) - k_max)
    n_panels = len(shown) + 1
    ncols = 1 if n_panels == 1 else 2 if n_panels == 2 else 3 if n_panels <= 6 else 4
    nrows = math.ceil(n_panels / ncols)
    width = 16
    height = 2.0 + 3.6 * nrows
    with matplotlib.rc_context(plot_rc()):
        fig = _new_figure((width, height))
        top = 1 - 1.45 / height
        gs = fig.add_gridspec(nrows, ncols, left=0.05, right=0.98, top=top,
                              bottom=0.75 / height, wspace=0.28, hspace=0.62)
        for i, (name, dist) in enumerate(shown):
            ax = fig.add_subplot(gs[i // ncols, i % ncols])
            _panel_criterion(ax, name, dist)
        if shown:
            from matplotlib.patches import Patch

            fig.legend(handles=[Patch(color=_C_A, label="response A"),
                                Patch(color=_C_B, label="response B")],
                       loc="center right", bbox_to_anchor=(0.98, 1 - 0.85 / height),
                       ncol=2, frameon=False, fontsize=11)
        _panel_margins(fig.add_subplot(gs[(n_panels - 1) // ncols, (n_panels - 1) % ncols]),
                       margins)
        head = _safe_label(title, 100) if title is not None else "Rubric judge: criterion scores"
        noun = "criterion" if len(items) == 1 else "criteria"
        sub = f"{len(items)} {noun}" if items else "no criterion breakdowns"
        if hidden:
            sub += f" · first {len(shown)} shown, {hidden} more not shown"
        fig.suptitle(head, fontsize=17, fontweight="bold", x=0.05, ha="left",
                     y=1 - 0.3 / height)
        fig.text(0.05, 1 - 0.85 / height, sub, fontsize=11.5, color=_C_MUTED, ha="left",
                 va="center")
        _save(fig, out)
    return out
