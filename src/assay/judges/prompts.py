"""The documented pairwise judge prompt.

The judge sees the user's prompt and two responses labelled A and B, is asked for a short
rationale and then exactly one final verdict token: ``[[A>B]]``, ``[[B>A]]`` or ``[[A=B]]``.
Every pair is asked twice, the second time with the responses swapped (the backward pass).
"""

from __future__ import annotations

from ..backends.types import Message

__all__ = ["PAIR_BLOCK", "PAIRWISE_SYSTEM", "PAIRWISE_TEMPLATE", "FOLLOWUP", "pairwise_messages"]

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


def pairwise_messages(prompt: str, first: str, second: str) -> tuple[Message, ...]:
    """Messages for one pass; ``first`` is shown as A and ``second`` as B."""
    user = PAIRWISE_TEMPLATE.format(prompt=prompt, response_a=first, response_b=second)
    return (Message("system", PAIRWISE_SYSTEM), Message("user", user))
