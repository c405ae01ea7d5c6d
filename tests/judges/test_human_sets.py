"""assay.judges.human_sets on the real files in shared/benchdata."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assay.judges import human_sets as hs
from assay.stats.agreement import agreement_report

from assay.errors import ConfigError

try:
    ROOT = hs.default_root()
except ConfigError:
    ROOT = Path("/nonexistent/benchdata")
needs_data = pytest.mark.skipif(not (ROOT / "INDEX.md").exists(), reason="shared/benchdata not present")


# ------------------------------------------------------------------ pure helpers (no data needed)

@pytest.mark.parametrize("votes,want", [
    ((2, 2, 2), "B"), ((1, 1, 2), "A"), ((0, 0, 1), "tie"), ((0, 2, 2), "B"), ((0, 1, 2), "tie"),
])
def test_pandalm_majority(votes, want):
    assert hs.pandalm_majority(votes) == want


@pytest.mark.parametrize("text,want", [
    ("My final verdict is Assistant A is significantly better: [[A>>B]]", "A"),
    ("... [[A>B]]", "A"), ("tie: [[A=B]]", "tie"), ("[[B>A]]", "B"), ("[[B>>A]]", "B"),
    ("first [[A>B]] then, on reflection, [[B>A]]", "B"),
    ("no verdict here", "error"), ("", "error"), (None, "error"), ("[[C>A]]", "error"),
])
def test_arena_hard_verdict(text, want):
    assert hs.arena_hard_verdict(text) == want


# ------------------------------------------------------------------ PandaLM

@needs_data
def test_pandalm_counts_and_labels():
    pairs = hs.load_pandalm()
    assert len(pairs) == 999
    assert Counter(p.human for p in pairs) == {"A": 422, "B": 472, "tie": 105}
    rows = json.loads((ROOT / "pandalm" / "testset-v1.json").read_text())
    # every row has a strict majority, so the tie-break is never used
    assert all(Counter((r["annotator1"], r["annotator2"], r["annotator3"])).most_common(1)[0][1] >= 2 for r in rows)
    assert pairs[0].response_a == rows[0]["response1"] and pairs[0].human == "B"


@needs_data
@pytest.mark.parametrize("judge,counts", [
    ("gpt-3.5-turbo", {"A": 460, "B": 476, "tie": 38, "error": 25}),
    ("pandalm-7b", {"A": 433, "B": 459, "tie": 107}),
])
def test_pandalm_judged(judge, counts):
    recs = hs.load_pandalm_judged(judge)
    assert len(recs) == 999
    assert all(r.backward is None for r in recs)
    assert Counter(r.forward for r in recs) == counts
    assert [r.id for r in recs] == [p.id for p in hs.load_pandalm()]


# ------------------------------------------------------------------ JudgeBench

@needs_data
def test_judgebench_datasets():
    gpt = hs.load_judgebench("gpt-4o-2024-05-13")
    claude = hs.load_judgebench("claude-3-5-sonnet-20240620")
    assert len(gpt) == 350 and len(claude) == 270
    assert Counter(p.human for p in gpt) == {"A": 193, "B": 157}


@needs_data
def test_judgebench_arena_hard_orders():
    recs = hs.load_judgebench_judged("arena_hard")
    assert len(recs) == 350
    raw = [json.loads(line) for line in open(ROOT / "judgebench" / hs.JUDGEBENCH_OUTPUTS["arena_hard"])]
    dec = {"A>B": "A", "B>A": "B", "A=B": "tie"}
    swap = {"A": "B", "B": "A", "tie": "tie"}
    for rec, r in zip(recs, raw):
        # the parsed [[...]] verdicts agree with JudgeBench's own per-game decisions
        assert rec.forward == dec[r["judgments"][0]["decision"]]
        assert rec.backward == swap[dec[r["judgments"][1]["decision"]]]
        assert rec.id == r["pair_id"]
        # ... and with the parser assay uses for live judge runs
        from assay.judges.verdicts import parse_verdict
        assert [hs.arena_hard_verdict(j["judgment"]["response"]) for j in r["judgments"]] == \
            [parse_verdict(j["judgment"]["response"])[0] for j in r["judgments"]]
    assert [r.human for r in recs] == [p.human for p in hs.load_judgebench()]
    # JudgeBench's own scoring (one order right, the other right or tie) gives 230/350
    ok = sum((r.forward == r.human and r.backward in (r.human, "tie")) or (r.backward == r.human and r.forward == "tie")
             for r in recs)
    assert ok == 230


@needs_data
def test_judgebench_reward_model_is_order_free():
    recs = hs.load_judgebench_judged("reward_model")
    assert len(recs) == 350
    # scores of the swapped game are the first game's reversed, so mapped verdicts coincide
    assert all(r.forward == r.backward for r in recs)
    assert Counter(r.forward for r in recs) == {"A": 172, "B": 175, "tie": 3}


# ------------------------------------------------------------------ LLMBar, Auto-J

@needs_data
@pytest.mark.parametrize("subset,n", [
    ("natural", 100), ("adversarial_neighbor", 134), ("adversarial_gptinst", 92), ("adversarial_gptout", 47),
    ("adversarial_manual", 46), ("mt_bench", 200), ("faireval", 66), ("llmeval2", 200),
])
def test_llmbar_counts(subset, n):
    pairs = hs.load_llmbar(subset)
    assert len(pairs) == n
    assert {p.human for p in pairs} <= {"A", "B"}
    assert len({p.id for p in pairs}) == n


@needs_data
def test_llmbar_natural_labels():
    assert Counter(p.human for p in hs.load_llmbar("natural")) == {"B": 58, "A": 42}


@needs_data
def test_autoj_pairwise():
    pairs = hs.load_autoj_pairwise()
    assert len(pairs) == 1392
    assert Counter(p.human for p in pairs) == {"A": 520, "B": 499, "tie": 373}
    same = Counter(p.human for p in pairs if p.response_a.strip() == p.response_b.strip())
    assert same.most_common(1)[0][0] == "tie"  # identical responses are (8 of 9) labelled tie -> 2 means tie


@needs_data
def test_bad_names():
    with pytest.raises(ValueError):
        hs.load_llmbar("nope")
    with pytest.raises(ValueError):
        hs.load_judged("nope")
    with pytest.raises(ValueError):
        hs.load_pandalm_judged("gpt-4")


@needs_data
def test_every_judged_set_reports():
    for name in hs.JUDGED_SETS:
        recs = hs.load_judged(name)
        back = [r.backward for r in recs]
        rep = agreement_report([r.human for r in recs], [r.forward for r in recs],
                               None if back[0] is None else back)
        assert rep["n"] == len(recs) > 0


# ------------------------------------------------------------------ finding the data root

def _tiny_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "llmbar").mkdir(parents=True)
    (root / "llmbar" / "LLMBar__Natural.json").write_text(json.dumps(
        [{"input": "q", "output_1": "a", "output_2": "b", "label": 2}]))
    return root


def test_root_found_without_the_source_tree(tmp_path, monkeypatch):
    """Installed (non-editable) the module does not sit in the checkout: an explicit root,
    $ASSAY_BENCHDATA and shared/benchdata beside the working directory all still work."""
    monkeypatch.delenv("ASSAY_BENCHDATA", raising=False)
    root = _tiny_root(tmp_path)
    monkeypatch.setattr(hs, "__file__", str(tmp_path / "site-packages" / "assay" / "judges" /
                                           "human_sets.py"))
    assert hs.load_llmbar("natural", root) == [hs.PairRecord("llmbar/natural/0", "q", "a", "b", "B")]
    monkeypatch.setenv("ASSAY_BENCHDATA", str(root))
    assert hs.default_root() == root
    assert len(hs.load_llmbar()) == 1
    monkeypatch.delenv("ASSAY_BENCHDATA")
    work = tmp_path / "proj" / "main" / "sub"
    work.mkdir(parents=True)
    shared = tmp_path / "proj" / "shared"
    shared.mkdir()
    root.rename(shared / "benchdata")
    monkeypatch.chdir(work)
    assert hs.default_root() == shared / "benchdata"
    assert len(hs.load_llmbar()) == 1


def test_missing_root_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSAY_BENCHDATA", raising=False)
    monkeypatch.setattr(hs, "__file__", str(tmp_path / "elsewhere" / "human_sets.py"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="benchdata not found.*ASSAY_BENCHDATA"):
        hs.default_root()
    monkeypatch.setenv("ASSAY_BENCHDATA", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="ASSAY_BENCHDATA=.*nope is not a folder"):
        hs.load_llmbar()
    with pytest.raises(ConfigError, match="does not exist"):
        hs.load_llmbar("natural", tmp_path / "absent")
