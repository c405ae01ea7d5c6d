"""LLM-as-judge evaluation, in the shape of the SageMaker SDK's ``llm_as_judge_demo``
notebook: two built-in metrics and one custom metric (a JSON string).

Only the import and the model/output/dataset names differ from the SDK version: ``from
assay.sdk import ...``, assay model names (the judge ``local/smollm2`` instead of a Bedrock
model id: ``assay.sdk.configure_judge`` maps Bedrock ids to a judge you run), a local output
folder and a local dataset (``qa.jsonl`` beside this file) instead of S3 URIs.

Run: ``python llm_as_judge_eval.py [OUTPUT_DIR]``.
"""

import json
import sys
from pathlib import Path

from rich.pretty import pprint

from assay.sdk import LLMAsJudgeEvaluator

OUTPUT = sys.argv[1] if len(sys.argv) > 1 else "./eval-output"
DATASET = str(Path(__file__).with_name("qa.jsonl"))       # SDK: "s3://bucket/gen_qa.jsonl"

custom_metrics = json.dumps([
    {
        "customMetricDefinition": {
            "name": "Conciseness",
            "instructions": (
                "You are an expert evaluator. Assess whether the response answers the question "
                "briefly, without unnecessary detail.\n\nQuestion: {{prompt}}\n"
                "Response: {{prediction}}"
            ),
            "ratingScale": [
                {"definition": "Concise", "value": {"floatValue": 1.0}},
                {"definition": "Verbose", "value": {"floatValue": 0.0}},
            ],
        }
    }
])

evaluator = LLMAsJudgeEvaluator(
    model="local/smollm2",                  # SDK: a JumpStart id or model package ARN
    evaluator_model="local/smollm2",        # SDK: "anthropic.claude-3-haiku-20240307-v1:0"
    dataset=DATASET,
    builtin_metrics=["Correctness", "Builtin.Helpfulness"],
    custom_metrics=custom_metrics,
    s3_output_path=OUTPUT,
    overrides={"inference": {"max_new_tokens": 96}},
)
pprint(evaluator.get_resolved_recipe())

execution = evaluator.evaluate()
pprint(execution.status)
execution.wait(target_status="Succeeded", poll=5, timeout=1800)

execution.show_results(limit=2, offset=0, show_explanations=True)
