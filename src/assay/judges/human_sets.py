"""Loaders for the human-labelled pairwise sets in ``shared/benchdata``.

Two kinds of record:

* :class:`JudgedRecord` ``(id, human, forward, backward)``: a human label plus a
  *recorded* judge verdict (``forward``: the original order; ``backward``: the
  swapped-order verdict already mapped back to the original positions, or ``None``
  when the judge was run in one order only). Feed these to
  :func:`assay.stats.agreement.agreement_report`.
* :class:`PairRecord` ``(id, prompt, response_a, response_b, human)``: the pair
  and its human label only, for judging later with any model.

Labels: ``"A"`` (first / response 1 better), ``"B"``, ``"tie"``; judge verdicts may
also be ``"error"`` (unparseable output). Codings per file:

* PandaLM ``testset-v1.json``: ``annotator1/2/3`` in {0 tie, 1 response1, 2 response2};
  the human label is the majority of the three; if all three differ (never happens in
  v1, checked in the tests) it is ``"tie"``. response1 is ``"A"``.
* PandaLM judge files: ``gpt_result`` is a string ``"1"``/``"2"``/``"Tie"``/
  ``"garbage"`` (``"garbage"``, an unparsed output, becomes ``"error"``);
  ``pandalm_result`` is an int 1/2/0 (0 = tie). One order only.
* JudgeBench outputs: ``label`` ``"A>B"``/``"B>A"``; ``judgments[0]`` is the game
  (A, B) and ``judgments[1]`` the swapped game (B, A) whose letters refer to the
  swapped positions (the reward-model file shows it: its second game's ``scores`` are the
  first game's reversed). Arena-hard verdicts are the last ``[[...]]`` in the judge
  response: ``A>>B``, ``A>B`` -> A; ``A=B`` -> tie; ``B>A``, ``B>>A`` -> B; none -> error.
  Reward model: ``scores`` = [first position, second position]; higher wins, equal ->
  tie (JudgeBench itself records ``B>A`` for equal scores).
* LLMBar: ``label`` 1/2 = the better of ``output_1``/``output_2``; no ties.
* Auto-J pairwise (``autoj_pairwise.json``, JSONL): ``label`` int 0 = response 1,
  1 = response 2, 2 = tie (verified on the data: pairs with identical responses are
  labelled 2).

The data root is, in order: the ``root`` argument of each loader; ``$ASSAY_BENCHDATA``;
the first ``shared/benchdata`` found in the current directory or beside one of its parents
(``./shared/benchdata``, ``../shared/benchdata``, ...); the same search from the source
checkout (an editable install). Nothing found: :class:`~assay.errors.ConfigError` saying
where it looked.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from ..errors import ConfigError

__all__ = [
    "JudgedRecord",
    "PairRecord",
    "default_root",
    "pandalm_majority",
    "arena_hard_verdict",
    "load_pandalm_judged",
    "load_judgebench_judged",
    "load_pandalm",
    "load_llmbar",
    "load_autoj_pairwise",
    "load_judgebench",
    "JUDGED_SETS",
    "LLMBAR_SUBSETS",
    "load_judged",
]


class JudgedRecord(NamedTuple):
    id: str
    human: str
    forward: str
    backward: str | None


class PairRecord(NamedTuple):
    id: str
    prompt: str
    response_a: str
    response_b: str
    human: str


_SWAP = {"A": "B", "B": "A", "tie": "tie", "error": "error"}


def _candidates() -> list[Path]:
    """``shared/benchdata`` in the current directory and beside each of its parents, then
    beside each parent of this file (a source checkout; unused once installed elsewhere)."""
    out: list[Path] = []
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for d in (start, *start.parents):
            c = d / "shared" / "benchdata"
            if c not in out:
                out.append(c)
    return out


def default_root() -> Path:
    """Where the human-labelled sets are: ``$ASSAY_BENCHDATA``, else the first existing
    ``shared/benchdata`` in or above the current directory (or the source checkout).
    Raises :class:`~assay.errors.ConfigError` when there is none."""
    env = os.environ.get("ASSAY_BENCHDATA")
    if env:
        p = Path(env).expanduser()
        if not p.is_dir():
            raise ConfigError(f"ASSAY_BENCHDATA={env} is not a folder", field="ASSAY_BENCHDATA")
        return p
    for c in _candidates():
        if c.is_dir():
            return c
    raise ConfigError("human-labelled benchdata not found: pass root=FOLDER, set "
                      "ASSAY_BENCHDATA, or run from a folder with shared/benchdata beside it "
                      f"(looked from {Path.cwd()} upwards)", field="ASSAY_BENCHDATA")


def _root(root: str | Path | None) -> Path:
    if root is None:
        return default_root()
    p = Path(root).expanduser()
    if not p.is_dir():
        raise ConfigError(f"benchdata folder {p} does not exist", field="root")
    return p


def _read_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------- PandaLM

_PANDALM_CODE = {0: "tie", 1: "A", 2: "B"}
_PANDALM_GPT = {"1": "A", "2": "B", "Tie": "tie", "garbage": "error"}
PANDALM_JUDGES = {
    "gpt-3.5-turbo": ("gpt-3.5-turbo-testset-v1.json", "gpt_result"),
    "pandalm-7b": ("pandalm-7b-testset-v1.json", "pandalm_result"),
}


def pandalm_majority(votes: Sequence[int]) -> str:
    """Majority of the annotator codes (0 tie, 1 response1 = A, 2 response2 = B); no majority -> ``"tie"``."""
    label, count = Counter(_PANDALM_CODE[int(v)] for v in votes).most_common(1)[0]
    return label if count * 2 > len(votes) else "tie"


def _pandalm_human(row: dict) -> str:
    return pandalm_majority([row["annotator1"], row["annotator2"], row["annotator3"]])


def _pandalm_judge_label(value) -> str:
    if isinstance(value, str):
        if value in _PANDALM_GPT:
            return _PANDALM_GPT[value]
        value = value.strip()
        if value.isdigit():
            value = int(value)
        else:
            return "error"
    return _PANDALM_CODE.get(value, "error")


def load_pandalm(root: str | Path | None = None) -> list[PairRecord]:
    """The 999 PandaLM test pairs; prompt = instruction, plus ``"\\n\\n" + input`` when there is one."""
    rows = _read_json(_root(root) / "pandalm" / "testset-v1.json")
    out = []
    for r in rows:
        prompt = r["instruction"] + (("\n\n" + r["input"]) if r.get("input") else "")
        out.append(PairRecord(f"pandalm/{r['idx']}", prompt, r["response1"], r["response2"], _pandalm_human(r)))
    return out


def load_pandalm_judged(judge: str, root: str | Path | None = None) -> list[JudgedRecord]:
    """Human majority vs a recorded PandaLM-paper judge (``"gpt-3.5-turbo"`` or ``"pandalm-7b"``); one order."""
    if judge not in PANDALM_JUDGES:
        raise ValueError(f"judge must be one of {sorted(PANDALM_JUDGES)}, got {judge!r}")
    fname, field = PANDALM_JUDGES[judge]
    base = _root(root) / "pandalm"
    human = {r["idx"]: _pandalm_human(r) for r in _read_json(base / "testset-v1.json")}
    verdicts = {r["idx"]: _pandalm_judge_label(r[field]) for r in _read_json(base / fname)}
    if set(human) != set(verdicts):
        raise ValueError(f"{fname}: idx set differs from testset-v1.json")
    return [JudgedRecord(f"pandalm/{i}", human[i], verdicts[i], None) for i in sorted(human)]


# ---------------------------------------------------------------- JudgeBench

_JB_LABEL = {"A>B": "A", "B>A": "B"}
_ARENA = {"A>>B": "A", "A>B": "A", "A=B": "tie", "B>A": "B", "B>>A": "B"}
_ARENA_RE = re.compile(r"\[\[([AB][<>=]{1,2}[AB])\]\]")
JUDGEBENCH_OUTPUTS = {
    "arena_hard": "outputs__response_model=gpt-4o-2024-05-13,judge_name=arena_hard,"
                  "judge_model=o1-mini-2024-09-12.jsonl",
    "reward_model": "outputs__response_model=gpt-4o-2024-05-13,judge_name=reward_model,"
                    "judge_model=Skywork_Skywork-Reward-Gemma-2-27B.jsonl",
}
JUDGEBENCH_DATASETS = {
    "gpt-4o-2024-05-13": "dataset=judgebench,response_model=gpt-4o-2024-05-13.jsonl",
    "claude-3-5-sonnet-20240620": "dataset=judgebench,response_model=claude-3-5-sonnet-20240620.jsonl",
}


def arena_hard_verdict(text: str | None) -> str:
    """The last ``[[...]]`` arena-hard verdict in ``text`` as A/B/tie, in that game's positions; none -> error."""
    found = [m for m in _ARENA_RE.findall(text or "") if m in _ARENA]
    return _ARENA[found[-1]] if found else "error"


def _score_verdict(scores) -> str:
    if not isinstance(scores, (list, tuple)) or len(scores) != 2 or any(s is None for s in scores):
        return "error"
    a, b = float(scores[0]), float(scores[1])
    return "A" if a > b else "B" if b > a else "tie"


def _game_verdict(judge: str, judgment: dict) -> str:
    inner = judgment.get("judgment") or {}
    if judge == "arena_hard":
        return arena_hard_verdict(inner.get("response"))
    return _score_verdict(inner.get("scores"))


def load_judgebench_judged(judge: str, root: str | Path | None = None) -> list[JudgedRecord]:
    """Ground-truth labels vs JudgeBench's recorded ``"arena_hard"`` (o1-mini) or ``"reward_model"`` (Skywork) runs."""
    if judge not in JUDGEBENCH_OUTPUTS:
        raise ValueError(f"judge must be one of {sorted(JUDGEBENCH_OUTPUTS)}, got {judge!r}")
    out = []
    for r in _read_jsonl(_root(root) / "judgebench" / JUDGEBENCH_OUTPUTS[judge]):
        games = r.get("judgments") or []
        forward = _game_verdict(judge, games[0]) if len(games) > 0 else "error"
        backward = _SWAP[_game_verdict(judge, games[1])] if len(games) > 1 else "error"
        out.append(JudgedRecord(str(r["pair_id"]), _JB_LABEL[r["label"]], forward, backward))
    return out


def load_judgebench(response_model: str = "gpt-4o-2024-05-13", root: str | Path | None = None) -> list[PairRecord]:
    """JudgeBench pairs (``"gpt-4o-2024-05-13"``: 350, ``"claude-3-5-sonnet-20240620"``: 270)."""
    if response_model not in JUDGEBENCH_DATASETS:
        raise ValueError(f"response_model must be one of {sorted(JUDGEBENCH_DATASETS)}, got {response_model!r}")
    rows = _read_jsonl(_root(root) / "judgebench" / JUDGEBENCH_DATASETS[response_model])
    return [PairRecord(str(r["pair_id"]), r["question"], r["response_A"], r["response_B"], _JB_LABEL[r["label"]])
            for r in rows]


# ---------------------------------------------------------------- LLMBar, Auto-J

LLMBAR_SUBSETS = {
    "natural": "LLMBar__Natural.json",
    "adversarial_neighbor": "LLMBar__Adversarial__Neighbor.json",
    "adversarial_gptinst": "LLMBar__Adversarial__GPTInst.json",
    "adversarial_gptout": "LLMBar__Adversarial__GPTOut.json",
    "adversarial_manual": "LLMBar__Adversarial__Manual.json",
    "mt_bench": "Processed__MT-Bench.json",
    "faireval": "Processed__FairEval.json",
    "llmeval2": "Processed__LLMEval^2.json",
}
_LLMBAR_LABEL = {1: "A", 2: "B"}
_AUTOJ_LABEL = {0: "A", 1: "B", 2: "tie"}


def load_llmbar(subset: str = "natural", root: str | Path | None = None) -> list[PairRecord]:
    """One LLMBar subset (see :data:`LLMBAR_SUBSETS`); ids ``llmbar/<subset>/<row>``."""
    if subset not in LLMBAR_SUBSETS:
        raise ValueError(f"subset must be one of {sorted(LLMBAR_SUBSETS)}, got {subset!r}")
    rows = _read_json(_root(root) / "llmbar" / LLMBAR_SUBSETS[subset])
    return [PairRecord(f"llmbar/{subset}/{i}", r["input"], r["output_1"], r["output_2"], _LLMBAR_LABEL[int(r["label"])])
            for i, r in enumerate(rows)]


def load_autoj_pairwise(root: str | Path | None = None) -> list[PairRecord]:
    """The 1,392 Auto-J pairwise test pairs (label 0 -> A, 1 -> B, 2 -> tie); ids ``autoj/<row>``."""
    rows = _read_jsonl(_root(root) / "prometheus_eval_benchmarks" / "autoj_pairwise.json")
    return [PairRecord(f"autoj/{i}", r["prompt"], r["response 1"], r["response 2"], _AUTOJ_LABEL[int(r["label"])])
            for i, r in enumerate(rows)]


# ---------------------------------------------------------------- registry

JUDGED_SETS: dict[str, Callable[[str | Path | None], list[JudgedRecord]]] = {
    "pandalm/gpt-3.5-turbo": lambda root=None: load_pandalm_judged("gpt-3.5-turbo", root),
    "pandalm/pandalm-7b": lambda root=None: load_pandalm_judged("pandalm-7b", root),
    "judgebench/arena_hard/o1-mini": lambda root=None: load_judgebench_judged("arena_hard", root),
    "judgebench/reward_model/skywork-reward-gemma-2-27b": lambda root=None: load_judgebench_judged("reward_model", root),
}


def load_judged(name: str, root: str | Path | None = None) -> list[JudgedRecord]:
    """A recorded-verdict set by its :data:`JUDGED_SETS` name."""
    if name not in JUDGED_SETS:
        raise ValueError(f"name must be one of {sorted(JUDGED_SETS)}, got {name!r}")
    return JUDGED_SETS[name](root)
