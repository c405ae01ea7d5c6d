"""Downloading benchmark data (assay.benchmarks.hub) against a stand-in ``datasets`` module.

The real ``datasets`` library and the Hugging Face hub are never used here (tests never
download; the machine these were written on cannot reach the hub): ``load_dataset`` is a fake
serving rows built from the committed fixtures in the hub's field layout. What is checked is
the logic around it: which (config, split) pairs are fetched with which revision, that the
files land where the loaders read them and give the same items as the fixtures, the
``DOWNLOADED.json`` record, skipping files already there, and the runner's wiring.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import types
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.benchmarks import get_benchmark, get_benchmarks
from assay.benchmarks.hub import MANIFEST, download_benchmark, hub_files
from assay.config.recipe import Recipe
from assay.errors import BenchmarkDataMissing, ConfigError, MissingDependency
from assay.tasks.benchmark.plan import plan_benchmark

FIX = Path(__file__).parent / "fixtures"
REV = "0123456789abcdef0123456789abcdef01234567"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _arc_hf(path: Path) -> list[dict]:
    """AI2-layout ARC rows in the allenai/ai2_arc field layout."""
    out = []
    for r in _jsonl(path):
        q = r["question"]
        out.append({"id": r["id"], "question": q["stem"],
                    "choices": {"text": [c["text"] for c in q["choices"]],
                                "label": [c["label"] for c in q["choices"]]},
                    "answerKey": r["answerKey"]})
    return out


#: (hf_id, config, split) → rows, in the hub's field layout
HUB = {
    ("allenai/ai2_arc", "ARC-Easy", "test"): lambda: _arc_hf(FIX / "arc/ARC-Easy-Test.jsonl"),
    ("allenai/ai2_arc", "ARC-Easy", "validation"):
        lambda: _arc_hf(FIX / "arc/ARC-Easy-Dev.jsonl"),
    ("allenai/ai2_arc", "ARC-Challenge", "test"):
        lambda: _arc_hf(FIX / "arc/ARC-Challenge-Test.jsonl"),
    ("cais/mmlu", "abstract_algebra", "test"):
        lambda: _jsonl(FIX / "mmlu/hf/abstract_algebra/test.jsonl"),
    ("cais/mmlu", "abstract_algebra", "dev"):
        lambda: _jsonl(FIX / "mmlu/hf/abstract_algebra/dev.jsonl"),
    ("openai/gsm8k", "main", "test"): lambda: _jsonl(FIX / "gsm8k/test.jsonl"),
    ("openai/gsm8k", "main", "train"): lambda: _jsonl(FIX / "gsm8k/train.jsonl"),
    ("lukaemon/bbh", "snarks", "test"):
        lambda: json.loads((FIX / "bbh/bbh/snarks.json").read_text())["examples"],
}


class FakeDataset:
    def __init__(self, rows: list[dict]) -> None:
        self._rows = rows

    def to_list(self) -> list[dict]:
        return [dict(r) for r in self._rows]


class FakeDatasets(types.ModuleType):
    """A stand-in ``datasets`` module: records every call; ``fail`` makes any call an error."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__("datasets")
        self.calls: list[tuple] = []
        self.fail = fail

    def load_dataset(self, path, name=None, *, split=None, revision=None, **kw):
        if self.fail:
            raise AssertionError(f"load_dataset called: {path} {name} {split}")
        self.calls.append((path, name, split, revision))
        key = (path, name, split)
        if key not in HUB:
            raise AssertionError(f"no such stand-in dataset: {key}")
        return FakeDataset(HUB[key]())


@pytest.fixture
def fake(monkeypatch):
    mod = FakeDatasets()
    monkeypatch.setitem(sys.modules, "datasets", mod)
    return mod


@pytest.fixture
def failing(monkeypatch):
    mod = FakeDatasets(fail=True)
    monkeypatch.setitem(sys.modules, "datasets", mod)
    return mod


def _dicts(items) -> list[dict]:
    return [i.to_dict() for i in items]


def _items(name: str, root: Path, subs: list[str], shots: int):
    return _dicts(get_benchmark(name).items(root, subs, num_fewshot=shots, method="loglikelihood"
                                            if name != "gsm8k" else "generate", cot=False))


def test_arc_lands_in_the_hf_layout_and_matches_fixtures(fake, tmp_path):
    bench = get_benchmark("arc")
    folder = download_benchmark(bench, ["easy", "challenge"], tmp_path, revision=REV,
                                fewshot=False)
    assert folder == tmp_path / "arc"
    assert fake.calls == [("allenai/ai2_arc", "ARC-Easy", "test", REV),
                          ("allenai/ai2_arc", "ARC-Challenge", "test", REV)]
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")) == [
        "ARC-Challenge/test-00000-of-00001.parquet", "ARC-Easy/test-00000-of-00001.parquet"]
    got = _items("arc", folder, ["easy", "challenge"], 0)
    assert len(got) == 10
    assert got == _items("arc", FIX / "arc", ["easy", "challenge"], 0)


def test_arc_dev_split_maps_to_validation():
    bench = get_benchmark("arc")
    files = hub_files(bench, ["easy"], fewshot=False)
    assert [(f.config, f.split, f.path) for f in files] == [
        ("ARC-Easy", "test", "ARC-Easy/test-00000-of-00001.parquet")]
    dev = hub_files(type("ArcDev", (type(bench),), {"fewshot_split": "dev"})(), ["easy"])
    assert dev[1].split == "validation" and dev[1].path == \
        "ARC-Easy/validation-00000-of-00001.parquet"


def test_mmlu_one_subject_with_fewshot_split(fake, tmp_path):
    folder = download_benchmark(get_benchmark("mmlu"), ["abstract_algebra"], tmp_path,
                                revision=REV)
    assert fake.calls == [("cais/mmlu", "abstract_algebra", "test", REV),
                          ("cais/mmlu", "abstract_algebra", "dev", REV)]
    for split in ("test", "dev"):
        assert (folder / "abstract_algebra" / f"{split}-00000-of-00001.parquet").is_file()
    got = _items("mmlu", folder, ["abstract_algebra"], 5)
    assert len(got) == 4 and all(i["fewshot"] == 5 for i in got)
    assert got == _items("mmlu", FIX / "mmlu" / "original", ["abstract_algebra"], 5)


def test_gsm8k_main_config_and_manifest(fake, tmp_path):
    folder = download_benchmark(get_benchmark("gsm8k"), [""], tmp_path, revision=REV)
    assert [c[1:3] for c in fake.calls] == [("main", "test"), ("main", "train")]
    assert _items("gsm8k", folder, [""], 2) == _items("gsm8k", FIX / "gsm8k", [""], 2)
    doc = json.loads((folder / MANIFEST).read_text())
    assert doc["benchmark"] == "gsm8k"
    assert set(doc["files"]) == {"main/test-00000-of-00001.parquet",
                                 "main/train-00000-of-00001.parquet"}
    for rel, entry in doc["files"].items():
        path = folder / rel
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["rows"] == pq.read_metadata(path).num_rows
        assert {k: entry[k] for k in ("hf_id", "config", "revision")} == {
            "hf_id": "openai/gsm8k", "config": "main", "revision": REV}
        assert rel.startswith(f"main/{entry['split']}-")
    assert doc["files"]["main/test-00000-of-00001.parquet"]["rows"] == 3
    assert not list(folder.rglob("*.tmp"))


def test_second_call_downloads_nothing(fake, tmp_path):
    bench = get_benchmark("gsm8k")
    download_benchmark(bench, [""], tmp_path, revision=REV)
    before = (tmp_path / "gsm8k" / MANIFEST).read_text()
    fake.calls.clear()
    fake.fail = True                     # any fetch now is an error
    download_benchmark(bench, [""], tmp_path, revision=REV)
    assert fake.calls == []
    assert (tmp_path / "gsm8k" / MANIFEST).read_text() == before


def test_another_revision_is_fetched_again(fake, tmp_path):
    bench = get_benchmark("gsm8k")
    download_benchmark(bench, [""], tmp_path, revision=REV, fewshot=False)
    fake.calls.clear()
    download_benchmark(bench, [""], tmp_path, revision="f" * 40, fewshot=False)
    assert fake.calls == [("openai/gsm8k", "main", "test", "f" * 40)]
    doc = json.loads((tmp_path / "gsm8k" / MANIFEST).read_text())
    assert doc["files"]["main/test-00000-of-00001.parquet"]["revision"] == "f" * 40


def test_no_revision_is_a_config_error(failing, tmp_path):
    with pytest.raises(ConfigError) as err:
        download_benchmark(get_benchmark("arc"), ["easy"], tmp_path, revision=None)
    msg = str(err.value)
    assert "pinned" in msg and "--set assay.benchmark.revision=<commit sha>" in msg
    assert not (tmp_path / "arc").exists()


def test_dataset_info_revision_is_used(fake, tmp_path, monkeypatch):
    bench = get_benchmark("gsm8k")
    monkeypatch.setitem(type(bench).dataset_info, "revision", "abc")
    download_benchmark(bench, [""], tmp_path, revision=None, fewshot=False)
    assert fake.calls == [("openai/gsm8k", "main", "test", "abc")]
    download_benchmark(bench, [""], tmp_path / "b", revision=REV, fewshot=False)
    assert fake.calls[-1][3] == REV       # the user's revision wins


def test_missing_datasets_package(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "datasets", None)      # import datasets → ImportError
    with pytest.raises(MissingDependency) as err:
        download_benchmark(get_benchmark("arc"), ["easy"], tmp_path, revision=REV)
    assert "pip install 'assay[hub]'" in str(err.value)


def test_bbh_needs_the_cot_prompts(fake, tmp_path):
    bench = get_benchmark("bbh")
    with pytest.raises(BenchmarkDataMissing) as err:
        download_benchmark(bench, ["snarks"], tmp_path, revision=REV)
    assert "cot-prompts/snarks.txt" in str(err.value) and "suzgunmirac" in str(err.value)
    assert fake.calls == []
    shutil.copytree(FIX / "bbh" / "cot-prompts", tmp_path / "bbh" / "cot-prompts")
    folder = download_benchmark(bench, ["snarks"], tmp_path, revision=REV)
    assert fake.calls == [("lukaemon/bbh", "snarks", "test", REV)]
    got = _dicts(bench.items(folder, ["snarks"], num_fewshot=3, method="generate", cot=True))
    assert got == _dicts(bench.items(FIX / "bbh", ["snarks"], num_fewshot=3, method="generate",
                                     cot=True))


@pytest.mark.parametrize("name", sorted(get_benchmarks()))
def test_every_hub_path_is_one_the_loader_reads(name, tmp_path):
    """An empty Parquet file at each path the download writes is found by the loader."""
    bench = get_benchmark(name)
    sub = bench.subtasks[0] if bench.subtasks else ""
    if not bench.dataset_info.get("hf_id"):   # data only from its own repository
        with pytest.raises(BenchmarkDataMissing, match="has no Hugging Face dataset"):
            hub_files(bench, [sub])
        return
    for f in hub_files(bench, [sub]):
        path = tmp_path / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"x": pa.array([], pa.string())}), path)
    for split in (bench.eval_split, bench.fewshot_split):
        if split is not None:
            assert bench.load_docs(tmp_path, sub, split) == []


# -- the runner's wiring ---------------------------------------------------------------------

def _recipe(task: str = "gsm8k", strategy: str = "zs", *, data: str | None = None,
            **bench_keys) -> Recipe:
    ev = {"task": task, "strategy": strategy, "metric": "all"}
    assay = {"model": "mock/oracle", "benchmark": bench_keys}
    if data is not None:
        assay["data"] = data
    return Recipe.model_validate({"run": {"name": "hub"}, "evaluation": ev, "assay": assay})


def test_download_false_never_fetches(failing, tmp_path, monkeypatch):
    monkeypatch.delenv("ASSAY_BENCHDATA", raising=False)
    with pytest.raises(BenchmarkDataMissing) as err:
        plan_benchmark(_recipe(revision=REV))
    assert str(err.value).endswith(" (or set assay.benchmark.download=true with a pinned "
                                   "revision to fetch it with the datasets library)")
    assert "\n" not in str(err.value)
    with pytest.raises(BenchmarkDataMissing) as err:
        plan_benchmark(_recipe(data=str(tmp_path / "nowhere"), revision=REV))
    assert "download=true" in str(err.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkDataMissing):
        plan_benchmark(_recipe(data=str(tmp_path / "empty"), revision=REV))
    assert failing.calls == []


def test_download_true_fetches_into_the_data_folder(fake, tmp_path):
    plan = plan_benchmark(_recipe(strategy="fs", data=str(tmp_path / "data"), download=True,
                                  num_fewshot=2, revision=REV))
    assert plan.root == tmp_path / "data" / "gsm8k"
    assert [c[2] for c in fake.calls] == ["test", "train"]
    assert _dicts(plan.items) == _items("gsm8k", FIX / "gsm8k", [""], 2)
    fake.calls.clear()
    plan_benchmark(_recipe(strategy="fs", data=str(tmp_path / "data"), download=True,
                           num_fewshot=2, revision=REV))
    assert fake.calls == []


def test_download_true_zero_shot_skips_the_fewshot_split(fake, tmp_path):
    plan_benchmark(_recipe(task="arc", data=str(tmp_path), download=True, revision=REV))
    assert [c[1:3] for c in fake.calls] == [("ARC-Easy", "test"), ("ARC-Challenge", "test")]


def test_download_true_default_cache_folder(fake, tmp_path, monkeypatch):
    monkeypatch.delenv("ASSAY_BENCHDATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    plan = plan_benchmark(_recipe(download=True, revision=REV))
    assert plan.root == tmp_path / ".cache" / "assay" / "benchdata" / "gsm8k"
    assert len(plan.items) == 3


def test_download_true_uses_local_data_when_present(failing, tmp_path):
    plan = plan_benchmark(_recipe(data=str(FIX / "gsm8k"), download=True, revision=REV))
    assert plan.root == FIX / "gsm8k" and failing.calls == []


def test_download_true_without_revision(failing, tmp_path):
    with pytest.raises(ConfigError, match="pinned"):
        plan_benchmark(_recipe(data=str(tmp_path), download=True))
