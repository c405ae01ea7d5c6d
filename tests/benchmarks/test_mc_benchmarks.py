"""MMLU, HellaSwag, WinoGrande, PIQA, BoolQ and RACE through the public benchmark API:
both data layouts, exact prompts, missing and malformed data, scoring, and the real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assay.benchmarks import get_benchmark, resolve_benchmark
from assay.errors import BenchmarkDataMissing, DataError

FIX = Path(__file__).parent / "fixtures"
BENCHDATA = Path(__file__).parents[3] / "shared" / "benchdata"
needs_benchdata = pytest.mark.skipif(not BENCHDATA.exists(),
                                     reason="shared/benchdata not present beside the repository")

#: (benchmark, subtask, original-layout folder, Hugging Face-layout folder, items, shots)
LAYOUTS = [
    ("mmlu", "abstract_algebra", "mmlu/original", "mmlu/hf", 4, 5),
    ("hellaswag", "", "hellaswag/original", "hellaswag/hf", 4, 0),
    ("winogrande", "", "winogrande/original", "winogrande/hf", 4, 0),
    ("piqa", "", "piqa/original", "piqa/hf", 4, 0),
    ("boolq", "", "boolq/original", "boolq/hf", 4, 0),
    ("boolq", "", "boolq/original", "boolq/google", 4, 0),
    ("race", "high", "race/original", "race/hf", 3, 0),
    ("race", "middle", "race/original", "race/hf", 2, 0),
]


def load(name: str, root: Path, sub: str = "", shots: int = 0, method: str = "loglikelihood"):
    bench, alias_sub = resolve_benchmark(name)
    subs = bench.resolve_subtasks([sub or alias_sub] if (sub or alias_sub) else None)
    return bench.items(root, subs, num_fewshot=shots, method=method, cot=False)


def dicts(items) -> list[dict]:
    return [i.to_dict() for i in items]


def copy_fixture(rel: str, tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(FIX / rel, dst)
    return dst


def jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@pytest.mark.parametrize("name,sub,orig,hf,n,shots", LAYOUTS)
def test_both_layouts_give_identical_items(name, sub, orig, hf, n, shots):
    a = load(name, FIX / orig, sub, shots)
    b = load(name, FIX / hf, sub, shots)
    assert len(a) == n
    assert dicts(a) == dicts(b)
    assert all(i.fewshot == shots for i in a)
    assert all(i.answer == i.choice_labels[i.gold_index] for i in a)


@pytest.mark.parametrize("name,sub,hf", [(n, s, h) for n, s, _, h, _, _ in LAYOUTS])
def test_parquet_export_matches_jsonl(name, sub, hf, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    root = copy_fixture(hf, tmp_path)
    for f in sorted(root.rglob("*.jsonl")):
        if name == "race" and f.parent.name != sub:
            continue
        pq.write_table(pa.Table.from_pylist(jsonl(f)),
                       f.with_name(f"{f.stem}-00000-of-00001.parquet"))
        f.unlink()
    shots = 5 if name == "mmlu" else 0
    assert dicts(load(name, root, sub, shots)) == dicts(load(name, FIX / hf, sub, shots))


def test_mmlu_prompt_is_lm_eval_five_shot():
    item = load("mmlu", FIX / "mmlu/original", "abstract_algebra", 5)[0]
    first_shot = ("Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\n"
                  "A. 0\nB. 1\nC. 2\nD. 3\nAnswer: B\n\n")
    query = ("Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) "
             "over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:")
    head = "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
    assert item.context.startswith(head + first_shot)
    assert item.context.endswith("\n\n" + query)
    assert item.context.count("\nAnswer:") == 6
    assert item.ll_pairs() == [(item.context, " " + c) for c in "ABCD"]
    assert (item.gold_index, item.answer, item.id) == (1, "B", "mmlu/abstract_algebra/0")
    assert "abstract algebra" in item.prompt and "A) 0\nB) 4\nC) 2\nD) 6" in item.prompt


def test_hellaswag_queries_follow_lm_eval_preprocess():
    items = load("hellaswag", FIX / "hellaswag/original")
    assert items[0].context == "Roof shingle removal: A man is sitting on a roof. He"
    assert items[1].context == ("Clean and jerk: A lady walks to a barbell. She bends down and "
                                "grabs the pole. The lady")
    assert items[0].choices[3] == "starts pulling up roofing on a roof."
    assert items[0].gold_index == 3
    wiki, nasa = load("hellaswag", FIX / "hellaswag/wikihow")
    assert wiki.context == ("Home and Garden: How to water a cactus. Check the soil first. "
                            "Push a finger into the soil.")
    # lm-eval strips before removing tags, so a leading tag leaves a leading space
    assert wiki.choices[0] == " If the soil is dry, water it slowly."
    assert nasa.context == "Sailing: A boat leaves the harbour. The crew from nasa"
    assert nasa.gold_index == 1


def test_winogrande_partial_evaluation():
    item = load("winogrande", FIX / "winogrande/original")[0]
    rest = " always got the easier cases."
    assert item.ll_pairs() == [("Sarah was a much better surgeon than Maria so Sarah", rest),
                               ("Sarah was a much better surgeon than Maria so Maria", rest)]
    assert (item.gold_index, item.answer, item.choice_labels) == (1, "B", ("A", "B"))
    assert "A) Sarah\nB) Maria" in item.prompt


def test_piqa_boolq_race_contexts():
    piqa = load("piqa", FIX / "piqa/original")[1]
    assert piqa.ll_pairs() == [("Question: dresser\nAnswer:", " replace drawer with bobby pin "),
                               ("Question: dresser\nAnswer:", " finish, woodgrain with  bobby pin ")]
    assert piqa.gold_index == 1
    boolq = load("boolq", FIX / "boolq/original")[0]
    assert boolq.context == ("American entry into Canada by land -- Persons driving into Canada "
                             "must have their vehicle's registration document and proof of "
                             "insurance.\nQuestion: can u drive in canada with us license?\n"
                             "Answer:")
    assert boolq.continuations == (" no", " yes") and boolq.gold_index == 1
    normal, cloze = load("race_high", FIX / "race/original")[:2]
    article = json.loads((FIX / "race/original/RACE/test/high/high1.txt").read_text())["article"]
    assert normal.context == (f"Article: {article}\n\nQuestion: What happened to the tomatoes "
                              "last year?\nAnswer:")
    assert normal.gold_index == 1 and normal.id == "race/high/high1.txt/0"
    assert cloze.context == f"Article: {article}\n\nThe passage mainly tells us about"
    assert cloze.choices[0] == "a garden that a street shares." and cloze.gold_index == 0
    mid = load("race", FIX / "race/original", "middle")[1]
    assert mid.ll_pairs()[2][1] == " play in the kitchen."


@pytest.mark.parametrize("name,sub,expect", [
    ("mmlu", "anatomy", "test/anatomy_test.csv"), ("hellaswag", "", "validation-00000-of"),
    ("winogrande", "", "dev.jsonl"), ("piqa", "", "valid-labels.lst"),
    ("boolq", "", "val.jsonl"), ("race", "middle", "RACE/test/middle/*.txt")])
def test_missing_data_names_the_files(name, sub, expect, tmp_path):
    with pytest.raises(BenchmarkDataMissing) as exc:
        load(name, tmp_path, sub)
    msg = str(exc.value)
    assert str(tmp_path) in msg and expect in msg and "\n" not in msg


def _corrupt_jsonl(path: Path, line: int, **changes) -> None:
    rows = jsonl(path)
    rows[line - 1].update(changes)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.parametrize("name,sub,rel,target,field", [
    ("hellaswag", "", "hellaswag/hf", "validation.jsonl", "label"),
    ("winogrande", "", "winogrande/original", "dev.jsonl", "sentence"),
    ("piqa", "", "piqa/hf", "validation.jsonl", "label"),
    ("boolq", "", "boolq/original", "superglue_boolq_val.jsonl", "label"),
    ("race", "high", "race/hf", "high/test.jsonl", "answer"),
    ("mmlu", "abstract_algebra", "mmlu/hf", "abstract_algebra/test.jsonl", "answer"),
])
def test_malformed_row_names_file_and_line(name, sub, rel, target, field, tmp_path):
    root = copy_fixture(rel, tmp_path)
    bad = {"label": "7", "sentence": "no blank here", "answer": "Z"}[field]
    _corrupt_jsonl(root / target, 3, **{field: bad})
    with pytest.raises(DataError) as exc:
        load(name, root, sub)
    assert exc.value.file == root / target and exc.value.line == 3
    assert exc.value.field == field and f"{target}:3" in str(exc.value)


def test_malformed_csv_and_label_files(tmp_path):
    root = copy_fixture("mmlu/original", tmp_path)
    csv_path = root / "test/abstract_algebra_test.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n")[:-1] + "E\n"
    csv_path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load("mmlu", root, "abstract_algebra")
    assert (exc.value.file, exc.value.line, exc.value.field) == (csv_path, 2, "answer")
    root = copy_fixture("piqa/original", tmp_path / "p")
    lst = root / "valid-labels.lst"
    lst.write_text("0\n1\n5\n1\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load("piqa", root)
    assert (exc.value.file, exc.value.line) == (lst, 3)


@pytest.mark.parametrize("name,sub,orig,hf,n,shots", LAYOUTS)
def test_score_loglikelihood_picks_argmax(name, sub, orig, hf, n, shots):
    bench = get_benchmark(name)
    for item in load(name, FIX / orig, sub, shots):
        k = len(item.choices)
        for best in range(k):
            lls = [-10.0 - i for i in range(k)]
            lls[best] = -1.0
            out = bench.score_loglikelihood(item, lls, [False] * k)
            assert out["pred_index"] == best
            assert set(out["metrics"]) == set(bench.metrics)
            assert out["metrics"]["acc"] == float(best == item.gold_index)
    if name in ("hellaswag", "piqa"):       # acc_norm divides by the choice's length
        item = load(name, FIX / orig, sub)[0]
        lens = [len(c) for c in item.choices]
        short, long_ = lens.index(min(lens)), lens.index(max(lens))
        lls = [-1.0 * ln for ln in lens]
        lls[long_] *= 0.5
        out = bench.score_loglikelihood(item, lls, [False] * len(lls))
        assert out["pred_index_norm"] == long_ and out["pred_index"] in (long_, short)


def test_properties_and_generation_items():
    for name, n in [("mmlu", 14042), ("hellaswag", 10042), ("winogrande", 1267),
                    ("piqa", 1838), ("boolq", 3270), ("race", 3498 + 1436)]:
        props = get_benchmark(name).properties()
        assert sum(props["num_samples"].values()) == n
        assert props["dataset_info"]["revision"] is None and "arXiv:" in props["citation"]
    assert get_benchmark("mmlu").metrics == ("acc",)
    subs = get_benchmark("mmlu").subtasks
    assert len(subs) == 57 and list(subs) == sorted(subs)
    item = load("mmlu", FIX / "mmlu/original", "abstract_algebra", 5, method="generate")[0]
    assert item.prompt.count("Answer: ") >= 5 and item.prompt.rstrip().endswith("A, B, C or D.")


@needs_benchdata
def test_real_benchdata_path_resolves():
    # both sides resolved: ../shared may be a symlink
    assert BENCHDATA.resolve() == \
        (Path(__file__).resolve().parents[3] / "shared" / "benchdata").resolve()
    assert (BENCHDATA / "INDEX.md").is_file()


@needs_benchdata
@pytest.mark.parametrize("name", ["hellaswag", "winogrande", "piqa", "boolq"])
def test_real_data_row_counts(name):
    bench = get_benchmark(name)
    items = load(name, BENCHDATA / name)
    assert len(items) == bench.num_samples[""]
    assert len({i.id for i in items}) == len(items)
    assert all(0 <= i.gold_index < len(i.choices) for i in items)


@needs_benchdata
def test_real_mmlu_every_subject():
    bench = get_benchmark("mmlu")
    root = BENCHDATA / "mmlu"
    assert sorted(p.name[: -len("_test.csv")] for p in (root / "test").glob("*_test.csv")) \
        == list(bench.subtasks)
    for sub in bench.subtasks:
        assert len(bench.load_docs(root, sub, "test")) == bench.num_samples[sub], sub
        assert len(bench.load_docs(root, sub, "dev")) == 5, sub
    items = load("mmlu", root, "anatomy", 5)
    assert len(items) == 135 and items[0].context.startswith(
        "The following are multiple choice questions (with answers) about anatomy.\n\n"
        "What is the embryological origin of the hyoid bone?\nA. The first pharyngeal arch\n")
