"""``assay run --resume RUN_DIR``: continue a run with what it recorded.

The run's manifest holds the validated recipe, the dataset path and the folder its relative
paths resolve against. Options given again must agree with it; a difference names the key.
Options that change how a run executes but never its results may differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..backends.redact import redact_config
from ..config.loader import apply_overrides, coerce_value, recipe_from_dict
from ..config.recipe import Recipe
from ..errors import ConfigError, RunStateError

__all__ = ["recipe_for_resume", "MAY_DIFFER"]

#: Keys that may be given a new value on resume: they change how the run executes, not what
#: it computes (aggregates are identical for any concurrency).
MAY_DIFFER = frozenset({"assay.concurrency", "assay.max_failure_share", "assay.cache"})


def _get(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def recipe_for_resume(run_dir: Path, overrides: dict[str, Any]) -> tuple[Recipe, Path | None]:
    """The recorded recipe of ``run_dir`` and the folder its relative paths resolve against.

    ``overrides`` are the options given on this command line: each must equal the recorded
    value, except for :data:`MAY_DIFFER` keys, which apply."""
    from ..results.store import RunStore

    store = RunStore(run_dir)
    if not store.exists():
        raise RunStateError("not an assay run directory (no readable run.json)", file=run_dir)
    manifest = store.read_manifest()
    recorded = manifest.get("recipe")
    if not isinstance(recorded, dict):
        raise RunStateError("the run manifest records no recipe (made by an older assay); "
                            "resume with the recipe file: assay run RECIPE --resume",
                            file=store.manifest_path)
    base_text = manifest.get("recipe_dir") or manifest.get("cwd")
    base = Path(base_text) if base_text else None
    apply: dict[str, Any] = {}
    for key, value in overrides.items():
        value = coerce_value(key, value)   # --set text, typed as the recipe key is
        if key in ("assay.output_dir", "run.name"):
            continue   # the run directory says where the run is
        old = _get(recorded, key)
        if key == "assay.data" and old is not None:
            old_path = Path(old) if Path(old).is_absolute() or base is None else base / old
            same = old_path.resolve() == Path(value).resolve()
        else:
            # credentials are recorded redacted: a value equal once redacted is the same, and
            # is applied (the run needs the real one again)
            same = old == value or redact_config(value) == old
            if same and value != old:
                apply[key] = value
        if key in MAY_DIFFER:
            apply[key] = value
        elif not same:
            raise ConfigError(f"--resume: the option gives {_short(value)} but the run recorded "
                              f"{_short(old)}; resume with the recorded value, or start a new "
                              "run (another --name, or --overwrite)", field=key)
    run_dir = Path(run_dir).resolve()
    apply["assay.output_dir"] = str(run_dir.parent)
    apply["run.name"] = run_dir.name
    return recipe_from_dict(apply_overrides(recorded, apply), file=store.manifest_path), base
