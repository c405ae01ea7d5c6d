"""The documented pairwise judge prompts.

Free text (``judge.structured: off``): the judge sees the user's prompt and two responses
labelled A and B, is asked for a short rationale and then exactly one final verdict token:
``[[A>B]]``, ``[[B>A]]`` or ``[[A=B]]``.

Structured (``judge.structured: on``, the default for backends that can enforce a JSON
Schema): the same pair, and a reply that is one JSON object ``{"rationale": "...", "verdict":
"A" | "B" | "tie"}`` (:data:`PAIRWISE_SCHEMA`): a bounded rationale first, then the verdict
from a closed set. The three verdict strings start with different tokens (``A``, ``B``,
``tie`` in SmolLM2's tokenizer and in every BPE vocabulary we know), so one token position
decides the verdict and its top-k log-probabilities give the verdict probabilities
(:mod:`assay.judges.probabilities`).

Every pair is asked twice, the second time with the responses swapped (the backward pass).
"""

from __future__ import annotations

from ..backends.types import Message

__all__ = ["PAIR_BLOCK", "PAIRWISE_SYSTEM", "PAIRWISE_TEMPLATE", "FOLLOWUP", "pairwise_messages",
           "PAIRWISE_JSON_TEMPLATE", "PAIRWISE_SCHEMA", "VERDICT_CHOICES", "RATIONALE_MAX_CHARS",
           "PAIRWISE_MIN_NEW_TOKENS"]

PAIRWISE_SYSTEM = (
    "You are an impartial judge. Compare two AI assistant responses to the same user prompt. "
    "Judge helpfulness, correctness, relevance, depth and clarity. Do not let the order of the "
    "responses, their length or the assistants' names influence you."
)

#: the prompt and the two responses, as every judge prompt shows them
PAIR_BLOCK = """[User prompt]
{prompt}

[Response A]
{response_a}
[End of response A]

[Response B]
{response_b}
[End of response B]

"""

PAIRWISE_TEMPLATE = PAIR_BLOCK + """First explain your reasoning in a few sentences. Then give your final verdict on its own line, \
exactly one of: [[A>B]] if A is better, [[B>A]] if B is better, [[A=B]] if they are equally good."""

FOLLOWUP = "Reply with only your final verdict: [[A>B]], [[B>A]] or [[A=B]]."

#: the structured verdict strings (JSON values) and the outcome each means
VERDICT_CHOICES = {"A": "A", "B": "B", "tie": "tie"}

#: the rationale's bound, in characters: short enough that a 135M model closes the JSON
RATIONALE_MAX_CHARS = 200

#: the fewest new tokens a structured pairwise judge is given (the grammar bounds the reply:
#: the rationale's characters, the keys, the verdict and llama.cpp's bounded whitespace fit
#: with room to spare; a recipe's larger ``inference.max_new_tokens`` is kept)
PAIRWISE_MIN_NEW_TOKENS = 400

PAIRWISE_SCHEMA = {
    "type": "object",
    "properties": {
        "rationale": {"type": "string", "maxLength": RATIONALE_MAX_CHARS},
        "verdict": {"enum": list(VERDICT_CHOICES)},
    },
    "required": ["rationale", "verdict"],
    "additionalProperties": False,
}

PAIRWISE_JSON_TEMPLATE = PAIR_BLOCK + """Reply with one JSON object only, in exactly this shape:
{{"rationale": "<one or two short sentences>", "verdict": "<A, B or tie>"}}
The verdict is "A" if response A is better, "B" if response B is better, "tie" if they are \
equally good. Keep the rationale under """ + str(RATIONALE_MAX_CHARS) + """ characters."""


def pairwise_messages(prompt: str, first: str, second: str, *,
                      structured: bool = False) -> tuple[Message, ...]:
    """Messages for one pass; ``first`` is shown as A and ``second`` as B."""
    template = PAIRWISE_JSON_TEMPLATE if structured else PAIRWISE_TEMPLATE
    user = template.format(prompt=prompt, response_a=first, response_b=second)
    return (Message("system", PAIRWISE_SYSTEM), Message("user", user))
