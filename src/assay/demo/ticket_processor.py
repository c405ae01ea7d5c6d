# Custom metrics for the support-ticket demo, written exactly as for the Nova evaluation
# container's BYOM Lambda (nova_custom_evaluation_sdk). assay runs this file unchanged.
import json
import re

from nova_custom_evaluation_sdk.lambda_handler import build_lambda_handler
from nova_custom_evaluation_sdk.processors.decorators import postprocess, preprocess

CLASSES = {"Hardware_Critical", "Account_Access", "Software_Bug", "Billing_Issue",
           "User_Guidance", "Network_Critical"}
REQUIRED_KEYS = ("class", "thought", "description")


def _first_json_object(text):
    """The first {...} object in the text (models wrap JSON in prose or code fences)."""
    start = text.find("{")
    while start != -1:
        depth = 0
        for i in range(start, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    try:
                        obj = json.loads(text[start:i + 1])
                        return obj if isinstance(obj, dict) else None
                    except ValueError:
                        break
        start = text.find("{", start + 1)
    return None


@preprocess
def preprocessor(event, context):
    data = event["data"]
    return {"statusCode": 200,
            "body": {"system": data.get("system"), "prompt": data["prompt"].strip(),
                     "gold": data["gold"]}}


@postprocess
def postprocessor(event, context):
    data = event["data"]
    output, gold = data["inference_output"], json.loads(data["gold"])
    parsed = _first_json_object(output)
    predicted = parsed.get("class") if parsed else None
    if predicted is None:  # fall back to a class name written in plain text
        found = [c for c in CLASSES if re.search(rf"\b{c}\b", output)]
        predicted = found[0] if len(found) == 1 else None
    schema_ok = float(parsed is not None and all(isinstance(parsed.get(k), str) and parsed.get(k)
                                                  for k in REQUIRED_KEYS)
                      and parsed.get("class") in CLASSES)
    thought = (parsed or {}).get("thought") or ""
    reasoning_ok = float(isinstance(thought, str) and len(thought.split()) >= 5)
    return {"statusCode": 200, "body": [
        {"metric": "class_accuracy", "value": float(predicted == gold["class"])},
        {"metric": "schema_adherence", "value": schema_ok},
        {"metric": "reasoning_present", "value": reasoning_ok},
    ]}


lambda_handler = build_lambda_handler(preprocessor=preprocessor, postprocessor=postprocessor)
