# A processor written as a Nova user writes it: class accuracy, JSON adherence, and a
# length-based metric for checking aggregations by hand. Raises on the example whose query
# says "explode" (to test per-example failures).
import json

from nova_custom_evaluation_sdk.lambda_handler import build_lambda_handler
from nova_custom_evaluation_sdk.processors.decorators import postprocess, preprocess


@preprocess
def pre(event, context):
    data = event["data"]
    return {"statusCode": 200, "body": {"system": data.get("system"),
                                        "prompt": data["prompt"].strip(), "gold": data["gold"]}}


@postprocess
def post(event, context):
    data = event["data"]
    if "explode" in data["prompt"]:
        raise RuntimeError("boom on purpose")
    out, gold = data["inference_output"], data["gold"]
    try:
        parsed = json.loads(out)
        valid = 1.0
    except ValueError:
        parsed, valid = None, 0.0
    same = float(isinstance(parsed, dict) and parsed.get("class") == json.loads(gold)["class"])
    return {"statusCode": 200, "body": [
        {"metric": "class_accuracy", "value": same},
        {"metric": "json_valid", "value": valid},
        {"metric": "gold_len", "value": len(gold)},
    ]}


lambda_handler = build_lambda_handler(preprocessor=pre, postprocessor=post)
