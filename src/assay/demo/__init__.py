"""The offline demo: the support-ticket set on the embedded model (the run writes its HTML
report)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["run_demo", "export_demo", "DEMO_DIR", "DEMO_FILES"]

DEMO_DIR = Path(__file__).resolve().parent
#: the demo's only copy: recipe, data and BYOM processor (``assay demo --export DIR`` copies them)
DEMO_FILES = ("recipe.yaml", "support_tickets.jsonl", "ticket_processor.py")


def export_demo(target: str | Path) -> list[Path]:
    """Copy the demo's recipe, data and processor into ``target`` (created; it must be absent or
    an empty folder, so nothing of the user's is ever overwritten) and return the new paths.
    ``assay run <target>/recipe.yaml`` then runs the demo as a user's own recipe."""
    import shutil

    from ..errors import UserInputError

    dest = Path(target).expanduser()
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise UserInputError(f"{dest}: --export needs a folder, and this is not one; "
                             "nothing was written")
    if dest.is_dir() and any(dest.iterdir()):
        raise UserInputError(f"{dest}: --export writes only into a new or empty folder, and "
                             "this one is not empty; nothing was written")
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in DEMO_FILES:
        shutil.copyfile(DEMO_DIR / name, dest / name)
        out.append(dest / name)
    return out


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
    print(reading_guide(result))
    print(f"report: {result.paths.get('report', result.run_dir / 'report.html')}")
    return result


def _label(text: object) -> str | None:
    import json

    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    label = value.get("class") if isinstance(value, dict) else None
    return label if isinstance(label, str) else None


def reading_guide(result) -> str:
    """How to read the demo's headline: class accuracy beside what guessing would score (one
    class in k by chance, the most frequent gold class always), and what the model answered.
    Computed from the run's own records."""
    from collections import Counter

    gold, pred = Counter(), Counter()
    for rec in result.records_dicts():
        gold[_label(rec.get("gold"))] += 1
        pred[_label(rec.get("prediction"))] += 1
    gold.pop(None, None)
    n = sum(gold.values())
    if not n:
        return "how to read this: no record carries a gold class"
    acc = result.metrics.get("class_accuracy")
    majority_label, majority = gold.most_common(1)[0]
    top = ", ".join(f"{k} {v}" for k, v in pred.most_common(3) if k is not None)
    unparsed = pred.get(None, 0)
    acc_text = "-" if acc is None or acc != acc else f"{acc:.2f}"
    return (f"how to read this: class_accuracy {acc_text} against {1 / len(gold):.2f} for a "
            f"random guess among {len(gold)} classes and {majority / n:.2f} for always answering "
            f"the most frequent one ({majority_label}); the model answered {top}"
            + (f" and {unparsed} unparseable" if unparsed else "")
            + "." + _calibration_clause(result) + " Compare your own models with `assay compare`.")


def _calibration_clause(result) -> str:
    """One clause on the run's calibration (metrics.json), or ``""`` when it was skipped."""
    import json

    try:
        doc = json.loads((result.run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, AttributeError):
        return ""
    overall = (doc.get("calibration") or {}).get("overall")
    if not isinstance(overall, dict):
        return ""
    conf, acc = overall.get("mean_confidence"), overall.get("accuracy")
    ece = (overall.get("ece") or {}).get("value")
    if not all(isinstance(x, (int, float)) for x in (conf, acc, ece)):
        return ""
    gap = conf - acc
    verdict = ("overconfident" if gap > 0.05 else "underconfident" if gap < -0.05
               else "about as sure as it is right")
    return (f" Its probability for the class it chose averages {conf:.2f} while it is right "
            f"{acc:.2f} of the time (ECE {ece:.2f}): {verdict}; the reliability diagram is in "
            "the report.")
