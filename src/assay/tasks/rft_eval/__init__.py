"""The rft_eval task (Nova ``evaluation.task: rft_eval``): a model answers RFT conversations
and a reward function scores each answer. See docs/rft.md."""

__all__: list[str] = []
