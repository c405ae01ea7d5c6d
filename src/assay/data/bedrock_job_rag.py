"""The ``inferenceConfig.ragConfigs`` of a Bedrock RAG evaluation job (``applicationType``
``RagEvaluation``, formats.md §2.1), parsed into a frozen :class:`RagSource`.

Bedrock's ``RAGConfig`` is a union of two members, each a union of two kinds:

* ``precomputedRagSourceConfig`` (bring your own inference): ``retrieveSourceConfig`` or
  ``retrieveAndGenerateSourceConfig``, each ``{"ragSourceIdentifier": str}`` that every
  dataset row's ``output.knowledgeBaseIdentifier`` must equal;
* ``knowledgeBaseConfig`` (Bedrock invokes a knowledge base): ``retrieveConfig``
  ``{knowledgeBaseId, knowledgeBaseRetrievalConfiguration?: {vectorSearchConfiguration:
  {numberOfResults?, overrideSearchType?}}}`` or ``retrieveAndGenerateConfig`` ``{type:
  "KNOWLEDGE_BASE", knowledgeBaseConfiguration: {knowledgeBaseId, modelArn,
  retrievalConfiguration?: {vectorSearchConfiguration: {...}}, generationConfiguration?:
  {inferenceConfig?: {textInferenceConfig?: {maxTokens?, temperature?, topP?}}}}}``.

Every mistake is one :class:`~assay.errors.ConfigError` line naming the job file and JSON path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RagSource", "parse_rag_configs", "RAG_PRECOMPUTED", "RAG_KNOWLEDGE_BASE",
           "SEARCH_TYPE_TO_RETRIEVAL"]

RAG_PRECOMPUTED = "precomputed"
RAG_KNOWLEDGE_BASE = "knowledge_base"
#: Bedrock's ``overrideSearchType`` -> ``assay.rag.retrieval``
SEARCH_TYPE_TO_RETRIEVAL: Mapping[str, str] = {"HYBRID": "hybrid", "SEMANTIC": "dense"}
_ROOT = "inferenceConfig.ragConfigs[0]"
_MAX_RESULTS = 100


@dataclass(frozen=True)
class RagSource:
    """``kind``: ``precomputed`` (BYOI) or ``knowledge_base``; ``mode``: ``retrieve`` or
    ``retrieve_and_generate``; ``identifier``: the ``ragSourceIdentifier`` or the
    ``knowledgeBaseId``; ``field``: the JSON path of that identifier (for errors);
    ``model_arn``: the generating model of a knowledge-base retrieve-and-generate job;
    ``number_of_results`` / ``search_type``: its ``vectorSearchConfiguration``;
    ``inference_params``: its ``textInferenceConfig``."""

    kind: str
    mode: str
    identifier: str
    field: str
    model_arn: str | None = None
    number_of_results: int | None = None
    search_type: str | None = None
    inference_params: dict[str, Any] | None = None

    @property
    def is_byoi(self) -> bool:
        return self.kind == RAG_PRECOMPUTED


def _one_of(r: Any, obj: Mapping, keys: tuple[str, ...], where: str) -> str:
    found = [k for k in keys if k in obj]
    if len(found) != 1:
        raise r.fail(where, f"expected exactly one of {', '.join(keys)}")
    return found[0]


def _vector_search(r: Any, parent: Mapping, key: str, where: str) -> tuple[int | None,
                                                                           str | None]:
    cfg = r.get_obj(parent, key, where, required=False)
    if cfg is None:
        return None, None
    where = f"{where}.{key}"
    vs = r.get_obj(cfg, "vectorSearchConfiguration", where, required=False)
    if vs is None:
        return None, None
    where = f"{where}.vectorSearchConfiguration"
    n = vs.get("numberOfResults")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int)
                          or not 1 <= n <= _MAX_RESULTS):
        raise r.fail(f"{where}.numberOfResults", f"expected a whole number from 1 to "
                     f"{_MAX_RESULTS}, got {n!r}")
    search = r.get_str(vs, "overrideSearchType", where, required=False)
    if search is not None and search not in SEARCH_TYPE_TO_RETRIEVAL:
        raise r.fail(f"{where}.overrideSearchType", f"expected one of "
                     f"{', '.join(SEARCH_TYPE_TO_RETRIEVAL)}, got {search!r}")
    return n, search


def _text_inference(r: Any, kb: Mapping, where: str) -> dict[str, Any] | None:
    gen = r.get_obj(kb, "generationConfiguration", where, required=False)
    if gen is None:
        return None
    where = f"{where}.generationConfiguration"
    inf = r.get_obj(gen, "inferenceConfig", where, required=False)
    if inf is None:
        return None
    return r.get_obj(inf, "textInferenceConfig", f"{where}.inferenceConfig", required=False)


def _precomputed(r: Any, body: Mapping, where: str) -> RagSource:
    key = _one_of(r, body, ("retrieveSourceConfig", "retrieveAndGenerateSourceConfig"), where)
    at = f"{where}.{key}"
    ident = r.get_str(r.get_obj(body, key, where), "ragSourceIdentifier", at)
    mode = "retrieve" if key == "retrieveSourceConfig" else "retrieve_and_generate"
    return RagSource(RAG_PRECOMPUTED, mode, ident, f"{at}.ragSourceIdentifier")


def _knowledge_base(r: Any, body: Mapping, where: str) -> RagSource:
    key = _one_of(r, body, ("retrieveConfig", "retrieveAndGenerateConfig"), where)
    at = f"{where}.{key}"
    cfg = r.get_obj(body, key, where)
    if key == "retrieveConfig":
        ident = r.get_str(cfg, "knowledgeBaseId", at)
        n, search = _vector_search(r, cfg, "knowledgeBaseRetrievalConfiguration", at)
        return RagSource(RAG_KNOWLEDGE_BASE, "retrieve", ident, f"{at}.knowledgeBaseId",
                         number_of_results=n, search_type=search)
    kind = r.get_str(cfg, "type", at)
    if kind != "KNOWLEDGE_BASE":
        raise r.fail(f"{at}.type", f"{kind!r}: assay runs retrieve-and-generate on a "
                     "knowledge base only (type KNOWLEDGE_BASE)")
    kb = r.get_obj(cfg, "knowledgeBaseConfiguration", at)
    at = f"{at}.knowledgeBaseConfiguration"
    ident = r.get_str(kb, "knowledgeBaseId", at)
    model = r.get_str(kb, "modelArn", at)
    n, search = _vector_search(r, kb, "retrievalConfiguration", at)
    return RagSource(RAG_KNOWLEDGE_BASE, "retrieve_and_generate", ident,
                     f"{at}.knowledgeBaseId", model_arn=model, number_of_results=n,
                     search_type=search, inference_params=_text_inference(r, kb, at))


def parse_rag_configs(r: Any, inf: Mapping) -> RagSource:
    """The one ``RAGConfig`` of ``inferenceConfig`` (``r``: the job's reader, whose
    ``fail(path, message)`` makes the error)."""
    items = r.get_list(inf, "ragConfigs", "inferenceConfig", 1, 1)
    cfg = r.item(items, 0, "inferenceConfig.ragConfigs")
    key = _one_of(r, cfg, ("precomputedRagSourceConfig", "knowledgeBaseConfig"), _ROOT)
    body = r.get_obj(cfg, key, _ROOT)
    where = f"{_ROOT}.{key}"
    return _precomputed(r, body, where) if key == "precomputedRagSourceConfig" \
        else _knowledge_base(r, body, where)
