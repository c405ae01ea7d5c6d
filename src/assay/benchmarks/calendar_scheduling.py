"""NATURAL PLAN calendar scheduling: find a meeting slot that fits everyone's schedule.

Layout: Google DeepMind's ``calendar_scheduling.json`` (github.com/google-deepmind/natural-plan,
``data/``): one object mapping an example id (``calendar_scheduling_example_0``, ...) to
``{prompt_5shot, prompt_0shot, golden_plan, num_people, num_days, duration, pred_5shot_pro,
...}``. The prompts are used as they are: ``fs`` (the Nova default) sends ``prompt_5shot``,
whose five solved examples are part of the text, ``zs`` sends ``prompt_0shot``.

Scoring is the NATURAL PLAN ``evaluate_calendar_scheduling.py`` solve rate: the first
``<Day>, HH:MM - HH:MM`` in the response and in ``golden_plan`` (e.g. ``Here is the proposed
time: Monday, 14:30 - 15:30``) are parsed to (day, start hour, end hour), where ``HH:30``
counts as half an hour and any other minutes as zero, exactly as that script's
``hour_to_num``; ``exact_match`` is 1 when all three agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from .base import Benchmark
from .item import BenchItem
from .registry import register_benchmark

__all__ = ["CalendarScheduling", "parse_proposed_time", "hour_to_num"]

_TIME = re.compile(r"[A-Za-z]+, [0-9]+:[0-9]+ - [0-9]+:[0-9]+")
_SHOTS = 5   # prompt_5shot embeds five solved examples


def hour_to_num(hr_str: str) -> float:
    """NATURAL PLAN's ``hour_to_num``: ``"14:30"`` → 14.5, ``"14:00"`` → 14.0."""
    hour, minute = hr_str.split(":")[:2]
    return float(hour) + (0.5 if minute == "30" else 0.0)


def parse_proposed_time(response: str | None) -> tuple[str, float, float]:
    """NATURAL PLAN's ``_parse_response``: ``(day, start, end)`` of the first
    ``Day, HH:MM - HH:MM``; ``("", -1, -1)`` when there is none."""
    found = _TIME.findall(response or "")
    if not found:
        return "", -1.0, -1.0
    day, hours = (part.strip() for part in found[0].split(",", 1))
    start, end = (h.strip() for h in hours.split("-"))
    return day, hour_to_num(start), hour_to_num(end)


def _fmt(slot: tuple[str, float, float]) -> str | None:
    day, start, end = slot
    if not day:
        return None
    hm = lambda x: f"{int(x):02d}:{'30' if x % 1 else '00'}"   # noqa: E731
    return f"{day}, {hm(start)} - {hm(end)}"


@register_benchmark
class CalendarScheduling(Benchmark):
    name = "calendar_scheduling"
    description = ("NATURAL PLAN calendar scheduling: 1,000 meeting-planning problems (2-7 "
                   "people, 1-5 days); the proposed day and time must match the unique valid "
                   "slot.")
    citation = ("Zheng et al., 2024. NATURAL PLAN: Benchmarking LLMs on Natural Language "
                "Planning. arXiv:2406.04520")
    subtasks = ()
    metrics = ("exact_match",)
    task_type = "generation"
    methods = ("generate",)
    strategy = "fs"
    default_fewshot = _SHOTS
    eval_split = "test"
    fewshot_split = None
    stop = ("\n\nTASK:",)   # never run on into a new task after the solution
    num_samples = {"": 1000}
    dataset_info = {"hf_id": None, "source": "github.com/google-deepmind/natural-plan "
                    "(data/calendar_scheduling.json)", "revision": None, "split": "test",
                    "license": "CC-BY-4.0",
                    "layouts": ["original: calendar_scheduling.json (id -> {prompt_5shot, "
                                "prompt_0shot, golden_plan, ...})"]}

    def fewshot_docs(self, root: Path, subtask: str, k: int) -> list[dict[str, Any]]:
        """The five exemplars live inside ``prompt_5shot``: 0 or 5 shots, nothing else."""
        if k in (0, _SHOTS):
            return [{"embedded_in": "prompt_5shot"}] * k
        raise ConfigError(f"calendar_scheduling prompts embed 0 or {_SHOTS} solved examples "
                          f"(prompt_0shot, prompt_5shot); num_fewshot {k} is not available",
                          field="assay.benchmark.num_fewshot")

    def load_docs(self, root: Path, subtask: str, split: str) -> list[dict[str, Any]]:
        path = self.require_file(
            root, ["calendar_scheduling.json", "data/calendar_scheduling.json"],
            f"benchmark calendar_scheduling: no data under {root}; put calendar_scheduling.json "
            "(github.com/google-deepmind/natural-plan, data/) there (see docs/benchmarks.md)")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON ({exc.msg})", file=path, line=exc.lineno) from None
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise DataError(f"cannot read ({type(exc).__name__})", file=path) from None
        if not isinstance(data, dict):
            raise DataError("expected an object mapping example ids to examples", file=path)
        docs = []
        for key, ex in data.items():
            for f in ("prompt_5shot", "prompt_0shot", "golden_plan"):
                if not isinstance(ex, dict) or not isinstance(ex.get(f), str):
                    raise DataError(f"example {key} has no '{f}' text", file=path, field=f)
            if not parse_proposed_time(ex["golden_plan"])[0]:
                raise DataError(f"example {key}: golden_plan has no 'Day, HH:MM - HH:MM'",
                                file=path, field="golden_plan")
            docs.append({"id": str(key), **{k: ex.get(k) for k in (
                "prompt_5shot", "prompt_0shot", "golden_plan", "num_people", "num_days",
                "duration")}})
        return docs

    def make_item(self, doc: dict[str, Any], *, subtask: str, shots: Sequence[dict[str, Any]],
                  method: str, cot: bool, key: str) -> BenchItem:
        prompt = doc["prompt_5shot"] if shots else doc["prompt_0shot"]
        task = doc["prompt_0shot"].strip()
        return BenchItem(id=f"calendar_scheduling/{key}", benchmark=self.name, subtask=subtask,
                         question=task, prompt=prompt,
                         answer=_fmt(parse_proposed_time(doc["golden_plan"])) or "",
                         metadata={"golden_plan": doc["golden_plan"],
                                   "num_people": doc.get("num_people"),
                                   "num_days": doc.get("num_days"),
                                   "duration": doc.get("duration")})

    def score_generation(self, item: BenchItem, text: str) -> dict[str, Any]:
        """``exact_match``: the first proposed slot equals the golden plan's (NATURAL PLAN)."""
        got = parse_proposed_time(text)
        gold = parse_proposed_time(item.metadata["golden_plan"])
        ok = bool(got[0]) and got == gold
        return {"extracted": _fmt(got), "metrics": {"exact_match": float(ok)}}
