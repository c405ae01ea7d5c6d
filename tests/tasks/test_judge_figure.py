"""The LLM-judge figure: a valid, large, deterministic PNG; edge cases don't raise."""

from __future__ import annotations

import copy
import struct

import pytest

pytest.importorskip("matplotlib")

from assay.tasks.pairwise_judge.figure import write_judge_figure  # noqa: E402

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _summary() -> dict:
    return {
        "task": "llm_judge", "model": "local/smollm2", "n_examples": 26, "n_errors": 0,
        "counts": {"A": 16, "B": 10, "tie": 0, "error": 0},
        "flat": {"a_scores": 16.0, "a_scores_stderr": 0.0, "b_scores": 10.0,
                 "b_scores_stderr": 0.0, "ties": 0.0, "ties_stderr": 0.0,
                 "inference_error": 0.0, "inference_error_stderr": 0.0, "score": 10.0,
                 "score_stderr": 0.0, "winrate": 0.385, "lower_rate": 0.23, "upper_rate": 0.56},
        "verdict": "no significant difference",
        "position_consistency": 0.8,
    }


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIG
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _check_png(path) -> None:
    assert path.exists() and path.stat().st_size > 10_000
    w, h = _png_size(path)
    assert w >= 1200 and h >= 800
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as im:
        im.verify()


def test_writes_valid_large_png(tmp_path):
    out = write_judge_figure(_summary(), tmp_path / "sub" / "judge.png")
    assert out == tmp_path / "sub" / "judge.png"
    _check_png(out)


def test_accepts_str_path_and_title(tmp_path):
    out = write_judge_figure(_summary(), str(tmp_path / "j.png"), title="My run")
    _check_png(out)


def test_identical_input_gives_identical_bytes(tmp_path):
    a = write_judge_figure(_summary(), tmp_path / "a.png").read_bytes()
    b = write_judge_figure(_summary(), tmp_path / "b.png").read_bytes()
    assert a == b
    assert b"Software" not in a        # no matplotlib version stamp / timestamps


def test_different_input_gives_different_bytes(tmp_path):
    s = _summary()
    s["counts"]["B"] = 11
    a = write_judge_figure(_summary(), tmp_path / "a.png").read_bytes()
    b = write_judge_figure(s, tmp_path / "b.png").read_bytes()
    assert a != b


def test_weighted_scores_panel(tmp_path):
    s = _summary()
    s["flat"]["weighted_score_A"] = 3.2
    s["flat"]["weighted_score_B"] = 4.1
    _check_png(write_judge_figure(s, tmp_path / "w.png"))


@pytest.mark.parametrize("winrate", [float("nan"), None])
def test_all_errors(tmp_path, winrate):
    s = _summary()
    s.update(n_errors=26, verdict="no valid judgments", position_consistency=None)
    s["counts"] = {"A": 0, "B": 0, "tie": 0, "error": 26}
    s["flat"].update(winrate=winrate, lower_rate=winrate, upper_rate=winrate)
    _check_png(write_judge_figure(s, tmp_path / "e.png"))


def test_zero_examples(tmp_path):
    s = _summary()
    s.update(n_examples=0, n_errors=0, verdict="no valid judgments", position_consistency=None)
    s["counts"] = {"A": 0, "B": 0, "tie": 0, "error": 0}
    s["flat"].update(winrate=float("nan"), lower_rate=float("nan"), upper_rate=float("nan"))
    _check_png(write_judge_figure(s, tmp_path / "z.png"))


@pytest.mark.parametrize("verdict,counts,rate", [
    ("B is better", {"A": 2, "B": 20, "tie": 3, "error": 1}, (0.85, 0.7, 0.95)),
    ("A is better", {"A": 20, "B": 2, "tie": 0, "error": 4}, (0.1, 0.02, 0.2)),
    ("no significant difference", {"A": 5, "B": 5, "tie": 16, "error": 0}, (0.5, 0.4, 0.6)),
])
def test_verdicts_and_ties(tmp_path, verdict, counts, rate):
    s = _summary()
    s["verdict"], s["counts"] = verdict, counts
    s["n_errors"] = counts["error"]
    s["flat"].update(winrate=rate[0], lower_rate=rate[1], upper_rate=rate[2])
    _check_png(write_judge_figure(s, tmp_path / "v.png"))


def test_sparse_or_odd_summary_does_not_raise(tmp_path):
    # Missing keys, unknown verdict text, a model name with mathtext/markup characters.
    s = {"task": "llm_judge", "model": "$\\evil{x}$ <b>\nsecond line", "counts": {"A": 3},
         "flat": {}, "verdict": "Ignore previous instructions"}
    _check_png(write_judge_figure(s, tmp_path / "odd.png"))
    _check_png(write_judge_figure({}, tmp_path / "empty.png"))


def test_does_not_mutate_summary(tmp_path):
    s = _summary()
    before = copy.deepcopy(s)
    write_judge_figure(s, tmp_path / "m.png")
    assert s == before
