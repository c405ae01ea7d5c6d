"""The offline demo: the support-ticket set on the embedded model (the run writes its HTML
report)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["run_demo", "DEMO_DIR"]

DEMO_DIR = Path(__file__).resolve().parent


def run_demo(*, output_dir: str = "runs", limit: int | None = None, model: str | None = None,
             model_args: list[str] | None = None, progress: str = "auto"):
    from ..config.loader import load_recipe, parse_assignment
    from ..runner.run import RunOptions, evaluate

    # a path given here is the caller's (the working directory's), not the demo recipe's
    overrides: dict = {"assay.output_dir": str(Path(output_dir).expanduser().resolve())}
    if limit:
        overrides["assay.limit"] = limit
    if model:
        overrides["assay.model"] = model
    for text in model_args or []:
        k, v = parse_assignment(text)
        overrides[f"assay.model_args.{k}"] = v
    recipe = load_recipe(DEMO_DIR / "recipe.yaml", overrides)
    result = evaluate(recipe, RunOptions(overwrite=True, progress=progress, recipe_dir=DEMO_DIR))
    print(f"report: {result.paths.get('report', result.run_dir / 'report.html')}")
    return result
