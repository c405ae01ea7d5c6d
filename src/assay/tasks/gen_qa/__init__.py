"""gen_qa: a model answers each query; metrics, scorers and processors score the answers."""

from .task import GenQATask

__all__ = ["GenQATask"]
