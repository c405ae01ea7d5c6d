"""Benchmark evaluation, in the shape of the SageMaker SDK's ``benchmark_demo`` notebook.

Only the import and the model/output names differ from the SDK version:
``from assay.sdk import ...`` instead of ``from sagemaker.train.evaluate import ...``, an assay
model name instead of a JumpStart id, and a local folder instead of an S3 URI.

MMLU's ``abstract_algebra`` subject (100 questions) on the embedded model. assay ships one
model, so the "fine-tuned" model and its base are both ``local/smollm2`` here: the paired
difference is exactly 0. Point ``model`` at your fine-tuned GGUF (``local/path/to/model.gguf``)
or an OpenAI-compatible server (``openai/<name>``) to compare for real.

The benchmark files are read from ``$ASSAY_BENCHDATA`` (or a ``shared/benchdata`` folder
above the working directory). Run: ``python benchmark_eval.py [OUTPUT_DIR]``.
"""

import sys

from rich.pretty import pprint

from assay.sdk import BenchMarkEvaluator, get_benchmark_properties, get_benchmarks

OUTPUT = sys.argv[1] if len(sys.argv) > 1 else "./eval-output"

# Step 1: discover the available benchmarks
Benchmark = get_benchmarks()
pprint(list(Benchmark))
pprint(get_benchmark_properties(benchmark=Benchmark.MMLU)["description"])

# Step 2: create the evaluator
evaluator = BenchMarkEvaluator(
    benchmark=Benchmark.MMLU,
    subtasks=["abstract_algebra"],
    model="local/smollm2",                 # SDK: a JumpStart id or model package ARN
    base_model_name="local/smollm2",       # the base model to compare with
    evaluate_base_model=True,
    s3_output_path=OUTPUT,                 # SDK: "s3://bucket/eval-output/"
    base_eval_name="mmlu-abstract-algebra",
    # assay only: MMLU's SDK strategy zs_cot generates with chain of thought, as the SageMaker
    # container does; log-likelihood (recorded as zs) keeps this demo quick on a CPU
    overrides={"assay.benchmark.method": "loglikelihood"},
)
pprint(evaluator.get_resolved_recipe())

# Step 3: start the evaluation and wait for it
execution = evaluator.evaluate()
pprint(execution.status)
execution.wait(target_status="Succeeded", poll=5, timeout=1800)
pprint([(s.name, s.status) for s in execution.status.step_details])

# Step 4: results
execution.show_results()

# Step 5: find it again later
for past in BenchMarkEvaluator.get_all():
    print(past.name, past.status.overall_status)
