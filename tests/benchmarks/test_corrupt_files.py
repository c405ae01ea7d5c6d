"""A corrupt or truncated benchmark file is one DataError naming it, never a pyarrow traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assay.benchmarks import resolve_benchmark
from assay.benchmarks.files import read_rows
from assay.errors import DataError
from tests.conftest import ASSAY, env_for_subprocess

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

FIX = Path(__file__).parent / "fixtures"


def _parquet(path: Path, rows: list[dict]) -> bytes:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path.read_bytes()


def _hellaswag_parquet(tmp_path: Path) -> tuple[Path, bytes]:
    root = tmp_path / "data"
    root.mkdir()
    rows = [json.loads(x) for x in
            (FIX / "hellaswag" / "hf" / "validation.jsonl").read_text().splitlines() if x.strip()]
    target = root / "validation-00000-of-00001.parquet"
    return target, _parquet(target, rows)


def _corruptions(good: bytes) -> dict[str, bytes]:
    flipped = bytearray(good)
    for i in range(8, min(len(good) - 8, 400)):
        flipped[i] ^= 0x5A
    return {
        "truncated_half": good[: len(good) // 2],
        "truncated_footer": good[:-3],
        "empty": b"",
        "magic_only": b"PAR1",
        "text": b"this is not parquet\n",
        "garbage_between_magic": b"PAR1" + bytes(range(256)) * 4 + b"PAR1",
        "flipped_pages": bytes(flipped),
    }


@pytest.mark.parametrize("kind", list(_corruptions(b"PAR1" + b"x" * 600 + b"PAR1")))
def test_corrupt_parquet_read_rows(tmp_path, kind):
    good = _parquet(tmp_path / "ok.parquet", [{"a": i, "b": "text " * 20} for i in range(200)])
    bad = tmp_path / f"{kind}.parquet"
    bad.write_bytes(_corruptions(good)[kind])
    try:
        rows = read_rows(bad)
    except DataError as exc:
        assert exc.file == bad
        assert "\n" not in str(exc) and str(exc).startswith(str(bad))
        assert len(str(exc)) < 400
    else:   # a flip that pyarrow cannot notice still gives rows, never a crash
        assert kind == "flipped_pages" and isinstance(rows, list)


@pytest.mark.parametrize("kind", ["truncated_half", "empty", "text"])
def test_corrupt_parquet_through_a_benchmark(tmp_path, kind):
    target, good = _hellaswag_parquet(tmp_path)
    target.write_bytes(_corruptions(good)[kind])
    bench, _ = resolve_benchmark("hellaswag")
    with pytest.raises(DataError) as ei:
        bench.items(target.parent, bench.resolve_subtasks(None), num_fewshot=0,
                    method="loglikelihood", cot=False)
    assert ei.value.file == target and "Parquet" in str(ei.value)


def test_corrupt_parquet_through_the_cli(tmp_path):
    target, good = _hellaswag_parquet(tmp_path)
    target.write_bytes(good[: len(good) // 2])
    recipe = tmp_path / "r.yaml"
    recipe.write_text("run:\n  name: b\nevaluation:\n  task: hellaswag\n  strategy: zs\n"
                      "  metric: accuracy\n", encoding="utf-8")
    p = subprocess.run([*ASSAY, "run", str(recipe), "--data", str(target.parent), "-m",
                        "mock/oracle", "--output-dir", str(tmp_path / "runs")],
                       env=env_for_subprocess(), capture_output=True, text=True, timeout=120)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert p.returncode == 2, p.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in p.stderr
    assert target.name in lines[0]


@pytest.mark.parametrize("suffix,content", [
    (".jsonl", b'{"a": ' + b"1" * 5000 + b"}\n"),
    (".jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    (".json", b'[{"a": ' + b"1" * 5000 + b"}]"),
    (".json", b"\xff\xfe\x00garbage"),
    (".csv", b"a,b\n\"unterminated" + b"x" * 200_000 + b"\n"),
])
def test_other_hostile_benchmark_files(tmp_path, suffix, content):
    p = tmp_path / f"f{suffix}"
    p.write_bytes(content)
    try:
        read_rows(p)
    except DataError as exc:
        assert exc.file == p and "\n" not in str(exc)


def test_math_json_with_huge_integer(tmp_path):
    root = tmp_path / "MATH" / "test" / "algebra"
    root.mkdir(parents=True)
    (root / "1.json").write_text('{"problem": "p", "solution": %s}' % ("1" * 5000))
    bench, _ = resolve_benchmark("math")
    with pytest.raises(DataError) as ei:
        bench.items(tmp_path, ["algebra"], num_fewshot=0, method="generate", cot=False)
    assert ei.value.file == root / "1.json"

