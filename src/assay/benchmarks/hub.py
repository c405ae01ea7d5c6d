"""Downloading benchmark data from the Hugging Face hub with the ``datasets`` library.

Only used when a recipe sets ``assay.benchmark.download: true``; nothing is fetched otherwise.
Every download is pinned to a dataset revision (``assay.benchmark.revision``, or the
benchmark's ``dataset_info["revision"]``); without one :class:`ConfigError` is raised.

Each (config, split) that the requested subtasks need is fetched with
``datasets.load_dataset(hf_id, config, split=..., revision=...)`` and written as Parquet to the
path the benchmark's loader reads in its Hugging Face layout, under ``dest/<benchmark>/``
(``<config>/<split>-00000-of-00001.parquet``, or ``<split>-00000-of-00001.parquet`` for
datasets with a single default config), through a temporary file and a rename. Files already
there are left alone (unless ``DOWNLOADED.json`` records them at another revision).
``DOWNLOADED.json`` records, per file: ``hf_id``, ``config``, ``split``, ``revision``, ``rows``
and ``sha256``.

The hub field names of every dataset used here are those the loaders' Hugging Face layouts
already read (checked per module against the hub's documented fields), so rows are
written as they come.

Tests use a stand-in ``datasets`` module: the machine this was built on cannot reach the hub.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BenchmarkDataMissing, ConfigError, MissingDependency
from .base import Benchmark

__all__ = ["download_benchmark", "hub_files", "HubFile", "MANIFEST", "ensure_benchmark_data",
           "DEFAULT_DEST"]

#: where downloads go when neither assay.data nor $ASSAY_BENCHDATA names a folder
DEFAULT_DEST = "~/.cache/assay/benchdata"

MANIFEST = "DOWNLOADED.json"

#: assay split name → hub split name, where they differ (per benchmark)
_SPLIT_NAMES: dict[str, dict[str, str]] = {
    "arc": {"dev": "validation"},
    "mmlu": {"val": "validation"},
    "race": {"dev": "validation"},
}



@dataclass(frozen=True)
class HubFile:
    """One file to fetch: the hub dataset's config and split, and where it goes."""

    hf_id: str
    config: str | None          # None: the dataset's default (only) config
    split: str                  # hub split name
    path: str                   # relative to dest/<benchmark>/


def _config(bench: Benchmark, subtask: str) -> str | None:
    cfg = bench.dataset_info.get("hf_config")
    if isinstance(cfg, dict):
        cfg = cfg[subtask]
    elif isinstance(cfg, str) and cfg.startswith("<"):      # "<subject>": one config a subtask
        cfg = subtask
    return None if cfg in (None, "", "default") else cfg


def hub_files(bench: Benchmark, subtasks: Sequence[str], *, fewshot: bool = True
              ) -> list[HubFile]:
    """The files that ``subtasks`` need: the evaluation split and, with ``fewshot``, the
    few-shot split (when the benchmark draws exemplars from one), in order, deduplicated."""
    hf_id = bench.dataset_info.get("hf_id")
    if not hf_id:
        raise BenchmarkDataMissing(f"benchmark {bench.name} has no Hugging Face dataset to "
                                   "download; put its files in the data folder "
                                   "(see docs/benchmarks.md)")
    splits = [bench.eval_split]
    if fewshot and bench.fewshot_split is not None:
        splits.append(bench.fewshot_split)
    names = _SPLIT_NAMES.get(bench.name, {})
    out: list[HubFile] = []
    for sub in subtasks or [""]:
        cfg = _config(bench, sub)
        for split in splits:
            hub_split = names.get(split, split)
            name = f"{hub_split}-00000-of-00001.parquet"
            f = HubFile(hf_id, cfg, hub_split, f"{cfg}/{name}" if cfg else name)
            if f not in out:
                out.append(f)
    return out


def _revision(bench: Benchmark, revision: str | None) -> str:
    rev = revision or bench.dataset_info.get("revision")
    if not rev:
        raise ConfigError(
            f"benchmark {bench.name}: downloads must be pinned to a dataset revision and "
            f"{bench.name} records none; pass --set assay.benchmark.revision=<commit sha> (a "
            f"commit of {bench.dataset_info.get('hf_id')} on the Hugging Face hub)",
            field="assay.benchmark.revision")
    return str(rev)


def _check_extra_files(bench: Benchmark, subtasks: Sequence[str], folder: Path) -> None:
    """Files a benchmark needs beside the hub's: BBH's chain-of-thought prompts."""
    if bench.name != "bbh":
        return
    missing = []
    for sub in subtasks:
        try:
            bench.cot_prompt_file(folder, sub)          # type: ignore[attr-defined]
        except BenchmarkDataMissing:
            missing.append(f"cot-prompts/{sub}.txt")
    if missing:
        raise BenchmarkDataMissing(
            f"benchmark bbh: the Hugging Face {bench.dataset_info.get('hf_id')} export holds no "
            f"chain-of-thought prompts; put {', '.join(missing)} (from suzgunmirac/BIG-Bench-"
            f"Hard) under {folder} before downloading (see docs/benchmarks.md)")


def _rows(ds: Any) -> list[dict[str, Any]]:
    if hasattr(ds, "to_list"):
        return list(ds.to_list())
    return [dict(r) for r in ds]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def download_benchmark(bench: Benchmark, subtasks: Sequence[str], dest: Path, *,
                       revision: str | None, fewshot: bool = True) -> Path:
    """Fetch what ``subtasks`` need into ``dest/<benchmark>/`` and return that folder.

    Raises :class:`ConfigError` without a revision, :class:`MissingDependency` without the
    ``datasets`` package (only when something is left to fetch), and
    :class:`BenchmarkDataMissing` when the benchmark needs files the hub does not hold."""
    rev = _revision(bench, revision)
    folder = Path(dest) / bench.name
    files = hub_files(bench, subtasks, fewshot=fewshot)
    _check_extra_files(bench, subtasks, folder)
    manifest = _read_manifest(folder)
    recorded: dict[str, Any] = dict(manifest.get("files") or {})
    todo = [f for f in files if not (folder / f.path).is_file()
            or (f.path in recorded and recorded[f.path].get("revision") != rev)]
    if not todo:
        return folder
    try:
        import datasets
    except ImportError:
        raise MissingDependency("datasets", "hub", "downloading benchmark data") from None
    import pyarrow as pa
    import pyarrow.parquet as pq

    for f in todo:
        ds = datasets.load_dataset(f.hf_id, f.config, split=f.split, revision=rev)
        rows = _rows(ds)
        table = pa.Table.from_pylist(rows)
        target = folder / f.path
        _write_atomic(target, lambda tmp, t=table: pq.write_table(t, tmp))
        recorded[f.path] = {"hf_id": f.hf_id, "config": f.config, "split": f.split,
                            "revision": rev, "rows": len(rows), "sha256": _sha256(target)}
        doc = {"benchmark": bench.name, "files": dict(sorted(recorded.items()))}
        _write_atomic(folder / MANIFEST, lambda tmp, d=doc: tmp.write_text(
            json.dumps(d, indent=2) + "\n", encoding="utf-8"))
    return folder


def ensure_benchmark_data(bench: Benchmark, subtasks: Sequence[str], root: Path, *,
                          shots: int, revision: str | None) -> Path:
    """The benchmark's folder under ``root`` when its data loads there (``root/<name>``,
    ``root/<dataset_info folder>`` or ``root`` itself); else download into
    ``root/<name>`` and return that."""
    candidates = [root / n for n in (bench.name, bench.dataset_info.get("folder"))
                  if n and (root / n).is_dir()] + ([root] if root.is_dir() else [])
    # a benchmark without a few-shot split fails on its own later; no download can help it
    k = shots if bench.fewshot_split is not None or \
        type(bench).fewshot_docs is not Benchmark.fewshot_docs else 0
    for folder in candidates:
        try:
            for sub in subtasks or [""]:
                bench.load_docs(folder, sub, bench.eval_split)
                bench.fewshot_docs(folder, sub, k)
        except BenchmarkDataMissing:
            continue
        return folder
    return download_benchmark(bench, subtasks, root, revision=revision, fewshot=shots > 0)
