"""Bedrock-compatible outputs (formats.md §2.6): the writer, and a reader for files written by
assay or downloaded from a real Bedrock evaluation job.

Layout (automated jobs)::

    <output>/<job-name>/<job-uuid>/models/<model-id>/taskTypes/<task-type>/datasets/<dataset>/
        <file-uuid>_output.jsonl

One line per prompt, keys in this order (``result`` is ``null`` when the metric does not apply
or the judge could not rate; a NaN score is written as ``null`` too)::

    {"automatedEvaluationResult": {"scores": [{"metricName": "Builtin.Helpfulness",
        "result": 0.6667, "evaluatorDetails": [{"modelIdentifier": "...", "explanation": "..."}]}]},
     "inputRecord": {"prompt": "...", "referenceResponse": "...", "category": "..."},
     "modelResponses": [{"modelIdentifier": "...", "response": "..."}]}

``inputRecord`` is the dataset row as read, without ``modelResponses`` (written beside it).
The job and file UUIDs are UUID5s of a caller-given ``seed`` (a run fingerprint), so a rerun
writes the same path and the same bytes. Path segments keep ``[A-Za-z0-9._:-]``; any other
character (the ``/`` of an ARN) becomes ``_``.

The reader accepts a single file or a tree (every ``*_output.jsonl`` under it, sorted; the
empty ``amazon-bedrock-evaluations-permission-check`` object Bedrock leaves is ignored), bare
metric names (``Accuracy``) as well as ``Builtin.*``, and ``modelResponses`` inside
``inputRecord``. A malformed line is one :class:`~assay.errors.DataError` naming file, line
and field.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.jsonl import iter_jsonl
from ..errors import DataError
from .json_io import dumps_strict
from .records import ExampleRecord

__all__ = ["EvaluatorDetail", "BedrockScore", "BedrockOutputRecord", "BedrockOutputWriter",
           "bedrock_output_path", "job_uuid", "file_uuid", "find_output_files",
           "iter_bedrock_output", "read_bedrock_output", "OUTPUT_SUFFIX", "UUID_NAMESPACE"]

OUTPUT_SUFFIX = "_output.jsonl"
#: the namespace of every UUID5 assay writes into a Bedrock layout
UUID_NAMESPACE = uuid.UUID("6d1c2a8e-4b7f-5e0a-9c3d-2f1b8a7e6d54")
_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


@dataclass(frozen=True, slots=True)
class EvaluatorDetail:
    model_identifier: str | None
    explanation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"modelIdentifier": self.model_identifier, "explanation": self.explanation}


@dataclass(frozen=True, slots=True)
class BedrockScore:
    """One metric's score of one prompt: ``result`` in 0-1 or None (not applicable /
    unrated); ``metric_name`` as written (``Builtin.Correctness``, a custom name, or a bare
    programmatic name such as ``Accuracy``)."""

    metric_name: str
    result: float | None
    evaluator_details: tuple[EvaluatorDetail, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        if isinstance(result, float) and not math.isfinite(result):
            result = None
        return {"metricName": self.metric_name, "result": result,
                "evaluatorDetails": [d.to_dict() for d in self.evaluator_details]}


@dataclass(frozen=True)
class BedrockOutputRecord:
    """One line of an output file. ``index`` counts lines from 0 within the file; ``job_name``,
    ``job_uuid``, ``model_id``, ``task_type`` and ``dataset`` come from the path when it follows
    the layout (else None)."""

    file: str
    line: int
    index: int
    scores: tuple[BedrockScore, ...]
    input_record: dict[str, Any]
    model_responses: tuple[dict[str, Any], ...] = ()
    job_name: str | None = None
    job_uuid: str | None = None
    model_id: str | None = None
    task_type: str | None = None
    dataset: str | None = None

    @property
    def metrics(self) -> dict[str, float | None]:
        """Metric name -> result (None kept), in the file's order."""
        return {s.metric_name: s.result for s in self.scores}

    @property
    def prompt(self) -> str | None:
        p = self.input_record.get("prompt")
        if p is None:   # a RAG line: the last conversation turn's prompt text
            p = _turn_text(self.input_record, "prompt")
        return p if isinstance(p, str) else None

    @property
    def category(self) -> str | None:
        c = self.input_record.get("category")
        return c if isinstance(c, str) else None

    @property
    def response(self) -> str | None:
        r = self.model_responses[0].get("response") if self.model_responses else None
        return r if isinstance(r, str) else None

    def to_example_record(self) -> ExampleRecord:
        """The native per-example record (a ``null`` result is NaN, as assay's records hold
        not-a-number), so reports, comparisons and queries read Bedrock outputs like runs."""
        ref = self.input_record.get("referenceResponse")
        if ref is None:
            ref = _turn_text(self.input_record, "referenceResponses")
        cat = self.category
        return ExampleRecord(
            index=self.index, id=f"{self.index:06d}", query=self.prompt or "",
            gold=ref if isinstance(ref, str) else "", system=None,
            metadata_raw=None if cat is None else dumps_strict({"category": cat},
                                                               ensure_ascii=False),
            metadata=None if cat is None else {"category": cat},
            messages=[{"role": "user", "content": self.prompt or ""}],
            prediction=self.response,
            metrics={k: math.nan if v is None else float(v) for k, v in self.metrics.items()})


def _turn_text(record: Mapping[str, Any], key: str) -> str | None:
    """The text of the last conversation turn's ``prompt`` (an object) or first
    ``referenceResponses`` item (a list), ``{"content": [{"text"}]}``; None when absent."""
    turns = record.get("conversationTurns")
    if not isinstance(turns, list) or not turns or not isinstance(turns[-1], dict):
        return None
    value = turns[-1].get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    content = value.get("content") if isinstance(value, dict) else None
    if not isinstance(content, list):
        return None
    texts = [c.get("text") for c in content if isinstance(c, dict)]
    return "\n".join(t for t in texts if isinstance(t, str)) or None


# -- writing ---------------------------------------------------------------------------------
def _segment(name: str, what: str) -> str:
    seg = _UNSAFE.sub("_", name)
    if seg in ("", ".", ".."):
        raise ValueError(f"{what} {name!r} cannot be a path segment")
    return seg


def job_uuid(job_name: str, seed: str) -> str:
    """The job's UUID5 from its name and the run's ``seed``/fingerprint."""
    return str(uuid.uuid5(UUID_NAMESPACE, f"job\x00{job_name}\x00{seed}"))


def file_uuid(job_uuid_: str, model_id: str, task_type: str, dataset: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE,
                          f"file\x00{job_uuid_}\x00{model_id}\x00{task_type}\x00{dataset}"))


def bedrock_output_path(output_dir: str | Path, *, job_name: str, model_id: str, dataset: str,
                        seed: str, task_type: str = "General") -> Path:
    """``<output>/<job-name>/<job-uuid>/models/<model-id>/taskTypes/<task-type>/datasets/
    <dataset>/<file-uuid>_output.jsonl``; the same arguments give the same path."""
    ju = job_uuid(job_name, seed)
    fu = file_uuid(ju, model_id, task_type, dataset)
    return (Path(output_dir) / _segment(job_name, "job name") / ju / "models"
            / _segment(model_id, "model id") / "taskTypes" / _segment(task_type, "task type")
            / "datasets" / _segment(dataset, "dataset name") / f"{fu}{OUTPUT_SUFFIX}")


def _model_response(m: Mapping[str, Any]) -> dict[str, Any]:
    """§2.6 key order: modelIdentifier, response, then anything else (``stopReason``)."""
    out = {"modelIdentifier": m.get("modelIdentifier"), "response": m.get("response")}
    out.update((k, v) for k, v in m.items() if k not in out)
    return out


class BedrockOutputWriter:
    """Writes one ``*_output.jsonl`` of the layout; use as a context manager or call
    :meth:`close`. Lines are written in the order :meth:`add` is called (dataset order)."""

    def __init__(self, output_dir: str | Path, *, job_name: str, model_id: str, dataset: str,
                 seed: str, task_type: str = "General") -> None:
        self.path = bedrock_output_path(output_dir, job_name=job_name, model_id=model_id,
                                        dataset=dataset, seed=seed, task_type=task_type)
        self.job_uuid = job_uuid(job_name, seed)
        self.job_dir = Path(output_dir) / _segment(job_name, "job name") / self.job_uuid
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._fh = self._tmp.open("w", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, input_record: Mapping[str, Any], scores: Sequence[BedrockScore],
            model_responses: Sequence[Mapping[str, Any]] = ()) -> None:
        record = {k: v for k, v in input_record.items() if k != "modelResponses"}
        line = {"automatedEvaluationResult": {"scores": [s.to_dict() for s in scores]},
                "inputRecord": record,
                "modelResponses": [_model_response(m) for m in model_responses]}
        self._fh.write(dumps_strict(line, ensure_ascii=False) + "\n")
        self.count += 1

    def add_rag(self, input_record: Mapping[str, Any], output: Mapping[str, Any] | None,
                scores: Sequence[BedrockScore]) -> None:
        """A RAG line, which keeps Bedrock's ``conversationTurns`` shape: the row with the
        evaluated (last) turn's ``output`` and its scores under ``results``, the same scores
        also under ``automatedEvaluationResult`` (model evaluation's key), so readers of
        either find them (§2.6 leaves the RAG shape loose)."""
        scored = [s.to_dict() for s in scores]
        line = {k: v for k, v in input_record.items() if k != "conversationTurns"}
        turns = [dict(t) for t in input_record.get("conversationTurns") or [{}]]
        if output is not None:
            turns[-1]["output"] = dict(output)
        turns[-1]["results"] = scored
        line = {"conversationTurns": turns, **line,
                "automatedEvaluationResult": {"scores": scored}}
        self._fh.write(dumps_strict(line, ensure_ascii=False) + "\n")
        self.count += 1

    def close(self) -> Path:
        """Finish the file (renamed into place only now, so a crash leaves no half file)."""
        if not self._fh.closed:
            self._fh.close()
            self._tmp.replace(self.path)
        return self.path

    def __enter__(self) -> "BedrockOutputWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._fh.close()
            self._tmp.unlink(missing_ok=True)


# -- reading ---------------------------------------------------------------------------------
def find_output_files(path: str | Path) -> list[Path]:
    """``path`` itself when it is a file, else every ``*_output.jsonl`` under it, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError("Bedrock output not found", file=path)
    return sorted(p for p in path.rglob(f"*{OUTPUT_SUFFIX}") if p.is_file())


def _layout(path: Path) -> dict[str, str | None]:
    parts = path.parts
    out: dict[str, str | None] = dict.fromkeys(("job_name", "job_uuid", "model_id",
                                                "task_type", "dataset"))
    if len(parts) >= 3 and parts[-3] == "datasets":
        out["dataset"] = parts[-2]
    if len(parts) >= 9 and parts[-7] == "models" and parts[-5] == "taskTypes":
        out.update(job_name=parts[-9], job_uuid=parts[-8], model_id=parts[-6],
                   task_type=parts[-4])
    return out


def _opt_str(d: Mapping, key: str, file: Path, line: int, where: str) -> str | None:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise DataError(f"expected a string or null, got {type(v).__name__}", file=file,
                        line=line, field=f"{where}.{key}")
    return v


def _score(s: Any, file: Path, line: int, where: str) -> BedrockScore:
    if not isinstance(s, dict):
        raise DataError(f"expected an object, got {type(s).__name__}", file=file, line=line,
                        field=where)
    name = s.get("metricName")
    if not isinstance(name, str) or not name:
        raise DataError("expected a metric name (a string)", file=file, line=line,
                        field=f"{where}.metricName")
    result = s.get("result")
    if result is not None and (isinstance(result, bool) or not isinstance(result, (int, float))):
        raise DataError(f"expected a number or null, got {type(result).__name__}", file=file,
                        line=line, field=f"{where}.result")
    details = s.get("evaluatorDetails") or []
    if not isinstance(details, list):
        raise DataError(f"expected a list, got {type(details).__name__}", file=file, line=line,
                        field=f"{where}.evaluatorDetails")
    out = []
    for i, d in enumerate(details):
        at = f"{where}.evaluatorDetails[{i}]"
        if not isinstance(d, dict):
            raise DataError(f"expected an object, got {type(d).__name__}", file=file,
                            line=line, field=at)
        out.append(EvaluatorDetail(_opt_str(d, "modelIdentifier", file, line, at),
                                   _opt_str(d, "explanation", file, line, at)))
    return BedrockScore(name, None if result is None else float(result), tuple(out))


def _responses(obj: dict, record: dict, file: Path, line: int) -> tuple[dict[str, Any], ...]:
    where, value = "modelResponses", obj.get("modelResponses")
    if not value and record.get("modelResponses"):    # BYOI: inside the input record
        where, value = "inputRecord.modelResponses", record["modelResponses"]
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise DataError("expected a list of {\"modelIdentifier\", \"response\"} objects",
                        file=file, line=line, field=where)
    for i, m in enumerate(value):
        for key in ("response", "modelIdentifier"):
            _opt_str(m, key, file, line, f"{where}[{i}]")
    return tuple(value)


def _rag_line(obj: dict) -> dict:
    """A RAG line (``conversationTurns``, no ``inputRecord``) as a model-evaluation one: the
    input record is the row without the last turn's output and results; its scores are
    ``automatedEvaluationResult``'s, else the last turn's ``results``; its response the
    output's text."""
    turns = obj["conversationTurns"]
    last = turns[-1] if isinstance(turns, list) and turns and isinstance(turns[-1], dict) \
        else {}
    record = {k: v for k, v in obj.items() if k != "automatedEvaluationResult"}
    record["conversationTurns"] = [*turns[:-1], {k: v for k, v in last.items()
                                                 if k not in ("output", "results")}] \
        if isinstance(turns, list) and turns else turns
    out = {"inputRecord": record}
    out["automatedEvaluationResult"] = obj.get("automatedEvaluationResult") \
        or {"scores": last.get("results")}
    output = last.get("output")
    if isinstance(output, dict) and isinstance(output.get("text"), str):
        ident = output.get("modelIdentifier") or output.get("knowledgeBaseIdentifier")
        out["modelResponses"] = [{"modelIdentifier": ident, "response": output["text"]}]
    return out


def _parse_line(obj: dict, file: Path, line: int, index: int,
                layout: dict[str, str | None]) -> BedrockOutputRecord:
    if "inputRecord" not in obj and "conversationTurns" in obj:
        obj = _rag_line(obj)
    auto = obj.get("automatedEvaluationResult")
    if not isinstance(auto, dict):
        raise DataError("missing required field" if auto is None else
                        f"expected an object, got {type(auto).__name__}", file=file, line=line,
                        field="automatedEvaluationResult")
    scores = auto.get("scores")
    if not isinstance(scores, list):
        raise DataError("missing required field" if scores is None else
                        f"expected a list, got {type(scores).__name__}", file=file, line=line,
                        field="automatedEvaluationResult.scores")
    record = obj.get("inputRecord")
    if not isinstance(record, dict):
        raise DataError("missing required field" if record is None else
                        f"expected an object, got {type(record).__name__}", file=file,
                        line=line, field="inputRecord")
    parsed = tuple(_score(s, file, line, f"automatedEvaluationResult.scores[{i}]")
                   for i, s in enumerate(scores))
    return BedrockOutputRecord(file=str(file), line=line, index=index, scores=parsed,
                               input_record=record,
                               model_responses=_responses(obj, record, file, line), **layout)


def iter_bedrock_output(path: str | Path) -> Iterator[BedrockOutputRecord]:
    """Stream the records of one output file or of every output file in a tree."""
    files = find_output_files(path)
    if not files:
        raise DataError(f"no *{OUTPUT_SUFFIX} files under this folder", file=path)
    for file in files:
        layout = _layout(file)
        for index, (line, obj) in enumerate(iter_jsonl(file)):
            yield _parse_line(obj, file, line, index, layout)


def read_bedrock_output(path: str | Path) -> list[BedrockOutputRecord]:
    """Every record of :func:`iter_bedrock_output`, in file then line order."""
    return list(iter_bedrock_output(path))
