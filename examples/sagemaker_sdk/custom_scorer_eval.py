"""Custom scorer evaluation with a built-in reward function, in the shape of the SageMaker
SDK's ``custom_scorer_demo`` notebook.

Only the import and the model/output/dataset names differ from the SDK version: ``from
assay.sdk import ...``, an assay model name, a local output folder and a local dataset
(``math_qa.jsonl`` beside this file, gen_qa rows: query/response) instead of S3 URIs.

``prime_math`` checks the model's final answer against the reference. assay ships one model,
so the model and its base are both ``local/smollm2``: point ``model`` at your fine-tuned model
to compare for real. Run: ``python custom_scorer_eval.py [OUTPUT_DIR]``.
"""

import sys
from pathlib import Path

from rich.pretty import pprint

from assay.sdk import CustomScorerEvaluator, get_builtin_metrics

OUTPUT = sys.argv[1] if len(sys.argv) > 1 else "./eval-output"
DATASET = str(Path(__file__).with_name("math_qa.jsonl"))   # SDK: "s3://bucket/math.jsonl"

BuiltInMetric = get_builtin_metrics()
pprint(list(BuiltInMetric))

evaluator = CustomScorerEvaluator(
    evaluator=BuiltInMetric.PRIME_MATH,
    dataset=DATASET,
    model="local/smollm2",
    base_model_name="local/smollm2",
    evaluate_base_model=True,
    s3_output_path=OUTPUT,
    overrides={"inference": {"max_new_tokens": 128}},
)
pprint(evaluator.get_resolved_recipe())

execution = evaluator.evaluate()
pprint(execution.status)
execution.wait(target_status="Succeeded", poll=5, timeout=1800)

execution.show_results()
