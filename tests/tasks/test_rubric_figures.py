"""Rubric-judge figures: valid, deterministic PNGs; edge cases don't raise."""

from __future__ import annotations

import math
import struct

import pytest

pytest.importorskip("matplotlib")

from assay.tasks.rubric_judge.figures import (
    write_calibration_figure,
    write_criteria_figure,
)
from assay.stats.calibration import (
    margin_buckets,
    margin_histogram,
    reliability_table,
    score_distributions,
)

PNG_SIG = b"\x89PNG\r\n\x1a\n"
NAN = float("nan")

MARGINS = [-0.9, -0.6, -0.3, -0.2, -0.05, 0.0, 0.05, 0.1, 0.3, 0.45, 0.7, 0.95, 1.0, NAN]
HUMAN = ["B", "B", "A", "B", "tie", "A", "A", "B", "A", "A", "A", "A", "B", None]


def _judge(m):
    return "A" if m > 0 else "B" if m < 0 else "tie"


def _inputs():
    correct = [None if (h is None or math.isnan(m)) else _judge(m) == h
               for m, h in zip(MARGINS, HUMAN)]
    return margin_buckets(MARGINS, correct), reliability_table(MARGINS, HUMAN)


def _breakdowns(n=12, crit=("accuracy", "helpfulness", "format ok")):
    out = []
    for i in range(n):
        d = {}
        for j, c in enumerate(crit):
            if c == "format ok":
                d[c] = {"score_A": i % 3 != 0, "score_B": i % 2 == 0, "weight": 0.5,
                        "type": "binary"}
            else:
                d[c] = {"score_A": 1 + (i + j) % 5, "score_B": 1 + (2 * i + j) % 5,
                        "weight": 1.0, "type": "scale"}
        out.append(d)
    return out


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIG and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_calibration_figure_valid_and_deterministic(tmp_path):
    b, r = _inputs()
    p1 = write_calibration_figure(b, r, tmp_path / "a" / "cal.png", title="judge calibration")
    p2 = write_calibration_figure(b, r, tmp_path / "cal2.png", title="judge calibration")
    assert p1.exists() and p1.stat().st_size > 10_000
    assert _png_size(p1) == (1600, 700)
    assert p1.read_bytes() == p2.read_bytes()
    assert b"matplotlib" not in p1.read_bytes()
    p3 = write_calibration_figure(b, r, tmp_path / "cal3.png", title="other")
    assert p3.read_bytes() != p1.read_bytes()


@pytest.mark.parametrize("buckets, rel", [
    ([], None),
    (None, {}),
    (margin_buckets([], []), reliability_table([], [])),
    (margin_buckets([NAN, None], [True, False]), reliability_table([NAN, 0.2], ["A", None])),
    ([{"lo": 0, "hi": 1, "n": 3, "n_correct": 2}], [{"n": 0}]),  # partial dicts
    ("junk", 42),
])
def test_calibration_figure_no_labels_never_raises(tmp_path, buckets, rel):
    p = write_calibration_figure(buckets, rel, tmp_path / "cal.png")
    assert _png_size(p) == (1600, 700)


def test_calibration_placeholder_differs_from_data(tmp_path):
    b, r = _inputs()
    full = write_calibration_figure(b, r, tmp_path / "full.png").read_bytes()
    empty = write_calibration_figure([], None, tmp_path / "empty.png").read_bytes()
    assert full != empty


def test_criteria_figure_valid_and_deterministic(tmp_path):
    d = score_distributions(_breakdowns())
    p1 = write_criteria_figure(d, MARGINS, tmp_path / "crit.png", title="criteria")
    p2 = write_criteria_figure(d, margin_histogram(MARGINS), tmp_path / "crit2.png",
                               title="criteria")
    assert p1.stat().st_size > 10_000
    w, h = _png_size(p1)
    assert w == 1600 and h >= 500
    assert p1.read_bytes() == p2.read_bytes()   # raw margins == precomputed histogram


def test_criteria_figure_grows_with_criteria_and_caps(tmp_path):
    names = [f"crit {i}" for i in range(11)]
    d = score_distributions(_breakdowns(crit=names))
    small = write_criteria_figure(dict(list(d.items())[:1]), MARGINS, tmp_path / "s.png")
    big = write_criteria_figure(d, MARGINS, tmp_path / "b.png", max_criteria=8)
    capped = write_criteria_figure(dict(list(d.items())[:8]), MARGINS, tmp_path / "c.png")
    assert _png_size(big)[1] > _png_size(small)[1]
    assert _png_size(big) == _png_size(capped)       # 8 criteria + margins either way
    assert big.read_bytes() != capped.read_bytes()   # "3 more not shown" in the subtitle


@pytest.mark.parametrize("dist, margins", [
    ({}, []),
    (None, None),
    ({}, [NAN, NAN]),
    (score_distributions([None]), [NAN]),
    ({"x": {"type": "scale", "n": 0, "counts_A": {}, "counts_B": {}}}, [0.1]),
    ({"y": {"type": "binary", "counts_A": {"true": 2, "false": 1}}}, [2.0, -3.0]),
    ({"$\\frac{x}{y}$ weird\nname": {"counts_A": {"3": 1}, "counts_B": {3: 2}}}, "junk"),
])
def test_criteria_figure_edge_cases_never_raise(tmp_path, dist, margins):
    p = write_criteria_figure(dist, margins, tmp_path / "crit.png", max_criteria=0
                              if dist is None else 8)
    assert _png_size(p)[0] == 1600
