"""Where a comparison is written and how: ``comparison.json`` (strict JSON) in the output
folder, by default ``<RUN_B>/compare-<RUN_A folder name>/`` (inside the challenger's run, so
nothing is written outside the runs compared unless ``--out`` says so)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..results.json_io import dumps_strict

__all__ = ["default_out_dir", "prepare_out_dir", "write_comparison_json", "COMPARISON_FILES"]

COMPARISON_FILES = ("comparison.json", "comparison.png", "comparison.html")


def default_out_dir(run_a: Path, run_b: Path) -> Path:
    """``<run_b>/compare-<run_a's folder name>`` (the name reduced to safe characters)."""
    name = re.sub(r"[^\w.\-]+", "_", Path(run_a).resolve().name).strip("._") or "run"
    return Path(run_b) / f"compare-{name[:100]}"


def prepare_out_dir(out: str | Path) -> Path:
    """The output folder, created when missing; a path that is not a folder is refused."""
    d = Path(out)
    if d.exists() and not d.is_dir():
        raise ConfigError("exists and is not a folder", file=d, field="--out")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder ({type(exc).__name__})",
                          file=d, field="--out") from None
    return d


def write_comparison_json(doc: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "comparison.json"
    path.write_text(dumps_strict(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
