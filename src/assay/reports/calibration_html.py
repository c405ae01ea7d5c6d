"""HTML pieces every Calibration section shares: the headline cards and the reliability
diagram of a :func:`assay.stats.reliability.calibration_summary` dict (gen_qa and benchmark
reports). Numbers only; the titles are sanitised by the figure."""

from __future__ import annotations

from typing import Any

from .html_page import card, cards, ci_text, esc, figure_img, fmt

__all__ = ["calibration_cards", "reliability_img", "stat_value", "stat_ci", "STATS"]

STATS = (("ece", "ECE (equal width)"), ("ece_equal_mass", "ECE (equal mass)"),
         ("brier", "Brier"), ("auroc", "AUROC"))


def stat_value(b: Any) -> Any:
    return b.get("value") if isinstance(b, dict) else None


def stat_ci(b: Any) -> str:
    b = b if isinstance(b, dict) else {}
    return ci_text(b.get("ci_low"), b.get("ci_high"), 3)


def calibration_cards(overall: dict[str, Any], n_overconfident: Any, threshold: Any) -> str:
    """ECE both ways, Brier, AUROC (with intervals), mean confidence beside accuracy, and the
    count of overconfident errors."""
    return cards([card(label, fmt(stat_value(overall.get(k)), 3), stat_ci(overall.get(k)))
                  for k, label in STATS]
                 + [card("mean confidence", fmt(overall.get("mean_confidence"), 3),
                         f"accuracy {fmt(overall.get('accuracy'), 3)}"),
                    card("overconfident errors", esc(n_overconfident),
                         f"wrong, confidence ≥ {fmt(threshold, 2)}")])


def reliability_img(overall: dict[str, Any], title: str) -> str:
    """The reliability diagram as an inline PNG paragraph."""
    from .reliability_figure import write_reliability_figure

    return "<p>" + figure_img(lambda p: write_reliability_figure(overall, p, title=title),
                              "reliability diagram") + "</p>"
