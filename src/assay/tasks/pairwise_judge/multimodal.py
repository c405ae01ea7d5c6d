"""The mm_llm_judge task (Nova's multimodal judge): llm_judge whose judge also sees each row's
images, ``{"prompt", "images": [{"data": "data:image/<fmt>;base64,..."}], "response_A",
"response_B"}``.

Every pass (forward, backward, follow-up) shows the images on the judge's user turn after the
text. The judge model must declare ``supports_images`` (``openai/`` and ``bedrock/``); the run
is refused before any model call otherwise. Outputs are llm_judge's under the task key
``custom|mm_llm_judge_judge|0``.
"""

from __future__ import annotations

from .task import PairwiseJudgeTask

__all__ = ["MultimodalJudgeTask"]


class MultimodalJudgeTask(PairwiseJudgeTask):
    name = "mm_llm_judge"
    shows_images = True
