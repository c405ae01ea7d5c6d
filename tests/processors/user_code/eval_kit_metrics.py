# The same kind of processor written against the renamed package, llm_eval_kit,
# using its exceptions and models as well.
import re

from llm_eval_kit.lambda_handler import build_lambda_handler
from llm_eval_kit.model.models import MetricResult, ProcessType
from llm_eval_kit.processors.decorators import postprocess, preprocess
from llm_eval_kit.processors.exceptions import PreprocessError

TAG = re.compile(r"<\|[a-z_]+\|>")


@preprocess
def tidy(event, context):
    assert event["process_type"] == ProcessType.PREPROCESS
    data = event["data"]
    if not data["prompt"].strip():
        raise PreprocessError("empty prompt")
    return {"statusCode": 200,
            "body": {"system": data.get("system") or "Answer briefly.",
                     "prompt": data["prompt"].strip(), "gold": data["gold"].strip()}}


@postprocess
def score(event, context):
    data = event["data"]
    if isinstance(data, list):  # the README's one-element-list form
        data = data[0]
    pred = TAG.sub("", data["inference_output"]).strip().lower().rstrip(".")
    gold = data["gold"].strip().lower().rstrip(".")
    metrics = [MetricResult(metric="exact", value=int(pred == gold)),
               MetricResult(metric="length_ratio", value=len(pred) / max(1, len(gold)))]
    return {"statusCode": 200, "body": [m.model_dump() for m in metrics]}


lambda_handler = build_lambda_handler(preprocessor=tidy, postprocessor=score)
