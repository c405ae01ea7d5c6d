"""The structured (JSON Schema) variant of the rubric judge (``judge.structured: on``).

The reply is one JSON object in the documented rubric shape, with the criteria as a list
(each with its ``name``) and bounds that let a small model close the object in time::

    {"criteria": [{"name", "description", "type": "scale", "weight", "score_A", "score_B",
                   "justification_A", "justification_B"}, ... 2 or 3 ...],
     "overall_justification": "...", "label": "A" | "B" | "tie" | "bothbad"}

Only ``scale`` criteria (scores 1-5) are asked for; weights come from a fixed set and are
renormalised by the parser; strings are bounded (:data:`RUBRIC_BOUNDS`). The label comes
last and its four values start with different tokens, so its token position gives the
verdict probabilities (``bothbad`` counts as a tie). :func:`assay.judges.rubric.parse_rubric`
reads the JSON reply as it reads the YAML one.
"""

from __future__ import annotations

from ..backends.types import Message

__all__ = ["RUBRIC_SCHEMA", "RUBRIC_JSON_TEMPLATE", "RUBRIC_LABEL_CHOICES", "RUBRIC_LABEL_OUTCOMES",
           "RUBRIC_MIN_NEW_TOKENS", "RUBRIC_BOUNDS", "rubric_json_messages"]

#: the JSON label values and the rubric label each means
RUBRIC_LABEL_CHOICES = {"A": "A>B", "B": "B>A", "tie": "A=B", "bothbad": "A=B (bothbad)"}
#: the JSON label values and the pairwise outcome each counts as
RUBRIC_LABEL_OUTCOMES = {"A": "A", "B": "B", "tie": "tie", "bothbad": "tie"}

RUBRIC_BOUNDS = {"criteria": (2, 3), "name": 24, "description": 60, "justification": 60,
                 "overall_justification": 120}

#: the fewest new tokens a structured rubric judge is given (the grammar bounds the reply)
RUBRIC_MIN_NEW_TOKENS = 1200

_WEIGHTS = [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8]
_B = RUBRIC_BOUNDS

RUBRIC_SCHEMA = {
    "type": "object",
    "properties": {
        "criteria": {
            "type": "array", "minItems": _B["criteria"][0], "maxItems": _B["criteria"][1],
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": _B["name"]},
                    "description": {"type": "string", "maxLength": _B["description"]},
                    "type": {"enum": ["scale"]},
                    "weight": {"enum": _WEIGHTS},
                    "score_A": {"enum": [1, 2, 3, 4, 5]},
                    "score_B": {"enum": [1, 2, 3, 4, 5]},
                    "justification_A": {"type": "string", "maxLength": _B["justification"]},
                    "justification_B": {"type": "string", "maxLength": _B["justification"]},
                },
                "required": ["name", "description", "type", "weight", "score_A", "score_B",
                             "justification_A", "justification_B"],
                "additionalProperties": False,
            },
        },
        "overall_justification": {"type": "string",
                                  "maxLength": _B["overall_justification"]},
        "label": {"enum": list(RUBRIC_LABEL_CHOICES)},
    },
    "required": ["criteria", "overall_justification", "label"],
    "additionalProperties": False,
}

RUBRIC_JSON_TEMPLATE = """1. Write 2 or 3 criteria specific to this prompt. Each has a short name, a description, \
the type "scale" and a weight; the weights sum to 1.
2. Score A and B on every criterion from 1 (bad) to 5 (excellent), with a short justification \
for each.
3. Give a short overall justification and exactly one label: "A" (A is better), "B" (B is \
better), "tie" (equally good) or "bothbad" (both are bad).

Reply with one JSON object only, in exactly this shape:
{{"criteria": [{{"name": "accuracy", "description": "The facts are correct.", "type": "scale", \
"weight": 0.6, "score_A": 2, "score_B": 5, "justification_A": "Wrong year.", \
"justification_B": "All facts right."}}, {{"name": "clarity", "description": "Easy to read.", \
"type": "scale", "weight": 0.4, "score_A": 3, "score_B": 4, "justification_A": "Rambling.", \
"justification_B": "Clear."}}], "overall_justification": "B is accurate and clear.", \
"label": "B"}}"""


def rubric_json_messages(prompt: str, first: str, second: str) -> tuple[Message, ...]:
    """Messages for one structured pass; ``first`` is shown as A and ``second`` as B."""
    from .prompts import PAIR_BLOCK
    from .rubric import RUBRIC_SYSTEM

    system = RUBRIC_SYSTEM.replace("Reply in YAML only.", "Reply in JSON only.")
    user = (PAIR_BLOCK + RUBRIC_JSON_TEMPLATE).format(prompt=prompt, response_a=first,
                                                      response_b=second)
    return (Message("system", system), Message("user", user))
