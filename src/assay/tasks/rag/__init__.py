"""rag_eval: Bedrock's RAG evaluation (retrieve-only and retrieve-and-generate), on BYOI data
or through a local knowledge base, with judge metrics and model-free retrieval metrics."""

from .task import RagTask

__all__ = ["RagTask"]
