"""A third party's task, as it would ship in its own package: 'length_ratio' asks the model
each gen_qa query and scores len(answer) / len(reference), capped at 2. It uses only assay's
public pieces (dataset reader, records, writers, the report page) and touches no file of
assay's runner. Registered through the ``assay.tasks`` entry-point group only."""

from __future__ import annotations

import time

from assay.backends.base import ModelSpec
from assay.config.paths import resolve_path
from assay.data.gen_qa import GenQADataset
from assay.stats.intervals import mean_stderr
from assay.prompts.chat import chat_messages
from assay.backends.types import InferenceRequest
from assay.tasks.gen_qa.report import write_html_report
from assay.results.native import NativeWriter, write_json
from assay.results.nova import NovaWriter, task_key, write_results_json
from assay.results.records import ExampleRecord
from assay.results.run_result import RunResult
from assay.runner.context import infer_request
from assay.tasks import RunSpec, Task


async def run_one(sample, ctx):
    messages = chat_messages(sample.query, sample.system)
    request = InferenceRequest(messages=messages, settings=ctx.settings, example_id=sample.id,
                               extra={"index": sample.index, "gold": sample.gold})
    completion, error, cached, attempts, latency = await infer_request(sample, request, ctx)
    metrics = {}
    if completion is not None:
        metrics["length_ratio"] = min(2.0, len(completion.text) / max(1, len(sample.gold)))
    return ExampleRecord(
        index=sample.index, id=sample.id, query=sample.query, gold=sample.gold,
        system=sample.system, metadata_raw=sample.metadata_raw, metadata=sample.metadata,
        messages=[m.to_dict() for m in messages],
        prediction=None if completion is None else completion.text, metrics=metrics,
        error=error, latency_s=round(latency, 6), cached=cached, attempts=attempts)


class LengthRatioTask(Task):
    name = "length_ratio"

    async def open(self):
        a = self.recipe.assay
        self.dataset = GenQADataset(resolve_path(a.data, self.base), limit=a.limit)
        self.info = self.dataset.validate()

    def runs(self):
        a = self.recipe.assay
        return [RunSpec(name=self.recipe.run.name, model=ModelSpec.parse(a.model, a.model_args),
                        info=self.info, samples=self.dataset.iter_samples, run_one=run_one,
                        fingerprint={"toy": 1}, label=self.recipe.run.name)]

    def finalize(self, executed):
        store, manifest = executed.store, executed.manifest
        key = task_key("length_ratio", None)
        native = NativeWriter(store.dir)
        nova = NovaWriter(store.dir, model=executed.model, date_id=manifest["date_id"], key=key)
        values, errors, n = [], 0, 0
        try:
            for rec, line in store.iter_unit_records(executed.unit_ids):
                n += 1
                if rec["error"] is None:
                    values.append(rec["metrics"]["length_ratio"])
                else:
                    errors += 1
                native.add(rec, line)
                nova.add(rec)
        finally:
            native.close()
            nova.close()
        mean, se = mean_stderr(values)
        flat = {"length_ratio": mean, "length_ratio_stderr": se}
        write_results_json(nova.eval_dir, manifest["date_id"], key, flat,
                           model_name=executed.model, start_time=executed.start,
                           end_time=time.time())
        summary = {"task": "length_ratio", "model": executed.model, "n_examples": n,
                   "n_errors": errors, "flat": flat, "metrics": {"length_ratio": {
                       "value": mean, "stderr": se, "ci_low": mean - 2 * se,
                       "ci_high": mean + 2 * se, "n": len(values)}}, "groups": {}}
        write_json(store.dir / "metrics.json", summary)
        store.write_manifest(dict(manifest, status="succeeded", finished=time.time()))
        return RunResult(run_dir=store.dir, task="length_ratio", model=executed.model,
                         summary=summary)

    def print_summary(self, result):
        print(f"length_ratio {result.metrics['length_ratio']:.3f}")

    @classmethod
    def write_report(cls, run_dir):
        return [write_html_report(run_dir)]
