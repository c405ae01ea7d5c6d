"""``assay metrics``: the judge metrics. ``list`` (built-in and saved custom ones), ``show
NAME`` (scale, normalised scores, what the metric needs, its instructions), ``save FILE``
(check a ``customMetricDefinition`` and keep it in the library, reusable by name). The work
lives in :mod:`assay.judges.pointwise`; this module parses and prints plain text."""

from __future__ import annotations

import argparse
import json

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("metrics", help="judge metrics: list, show NAME, save FILE")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="metrics_command", metavar="ACTION")
    sub.add_parser("list", help="the built-in judge metrics and the saved custom ones")
    sh = sub.add_parser("show", help="one metric: scale, scores, needs, instructions")
    sh.add_argument("name", help="Builtin.Correctness, correctness, or a saved custom name")
    sv = sub.add_parser("save", help="check a customMetricDefinition JSON and save it by name")
    sv.add_argument("file", help="the definition (API form with name, or console form with "
                                 "metricName)")
    sv.add_argument("--replace", action="store_true",
                    help="replace a different saved definition of the same name")
    return p


def _scale_lines(metric) -> list[str]:
    out = []
    for item in metric.scale:
        score = metric.score(item)
        out.append(f"  {item.label:<12} score {score:.3f}  {item.definition}")
    if getattr(metric, "not_applicable", None):
        out.append(f"  {'N/A':<12} score null   {metric.not_applicable}")
    return out


def _show(name: str) -> int:
    from ..judges.pointwise import resolve_builtin
    from ..judges.pointwise.builtin import is_builtin_name
    from ..judges.pointwise.library import load_saved_metric

    rag = _rag_metric(name) if not is_builtin_name(name) else None
    if rag is not None and rag.unit != "whole":
        metric = rag.judge
        kind = f"built-in RAG, {', '.join(k.replace('_', '-') for k in rag.kinds)}"
        print(f"{rag.name}  [{kind}]")
        print(f"  {rag.description}")
        print(f"judged per unit ({rag.unit.replace('_', ' ')}); the score is the mean of the "
              "units' scores. The prompt of one unit:")
    else:
        metric = rag.judge if rag is not None else \
            resolve_builtin(name) if is_builtin_name(name) else load_saved_metric(name)
        kind = "built-in" if metric.source == "builtin" else "custom (saved)"
        print(f"{metric.name}  [{kind}]")
    print(f"  {metric.description}")
    print(f"needs: {', '.join(metric.needs)}"
          + ("; lower is better (reported as Bedrock reports it)" if metric.lower_is_better
             else "; higher is better"))
    if metric.scale:
        print(f"scale ({metric.scale_kind}), normalised to 0-1:")
        print("\n".join(_scale_lines(metric)))
    else:
        print("no rating scale: the judge writes a free-text assessment, no score")
    print("instructions:")
    print(metric.instructions)
    return 0


def _rag_metric(name: str):
    """The RAG metric ``name`` names (any spelling), else None."""
    from ..judges.pointwise.builtin import _key
    from ..judges.pointwise.rag import RAG_METRICS

    return next((m for n, m in RAG_METRICS.items() if _key(n) == _key(name)), None)


def _list() -> int:
    from ..judges.pointwise import get_builtin_metrics
    from ..judges.pointwise.library import library_dir, saved_metrics

    print("built-in judge metrics (Bedrock names; the SageMaker spelling in brackets):")
    for m in get_builtin_metrics():
        better = "lower is better" if m["lower_is_better"] else "higher is better"
        print(f"  {m['name']:<34} [{m.get('sagemaker_name', '')}] {len(m['scale'])}-point, "
              f"needs {', '.join(m['needs'])}; {better}")
    from ..judges.pointwise.rag import RAG_METRICS

    print("RAG judge metrics (rag_eval; docs/rag.md):")
    for m in RAG_METRICS.values():
        kinds = "retrieve-only" if m.kinds == ("retrieve",) else "retrieve-and-generate"
        unit = "whole answer" if m.unit == "whole" else f"per {m.unit.replace('_', ' ')}"
        better = "; lower is better" if m.lower_is_better else ""
        print(f"  {m.name:<34} {kinds}, {unit}{better}")
    saved = saved_metrics()
    print(f"saved custom metrics ({library_dir()}):")
    if not saved:
        print("  none (`assay metrics save definition.json` saves one)")
    for m in saved:
        scale = f"{len(m.scale)}-point {m.scale_kind}" if m.scale else "no scale"
        print(f"  {m.name:<34} {scale}")
    return 0


def _save(path: str, replace: bool) -> int:
    from ..judges.pointwise.library import save_metric

    metric, target, changed = save_metric(path, replace=replace)
    print(f"{'saved' if changed else 'already saved, unchanged'}: {metric.name} -> {target}")
    print(json.dumps({"name": metric.name, "points": len(metric.scale),
                      "scale": metric.scale_kind}))
    return 0


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "metrics_command", None)
    if action == "list":
        return _list()
    if action == "show":
        return _show(args.name)
    if action == "save":
        return _save(args.file, args.replace)
    print("usage: assay metrics {list,show NAME,save FILE}")
    return 2
