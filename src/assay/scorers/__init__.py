"""Scorer objects and presets (SageMaker ``CustomScorerEvaluator``-style), by name or by class.

::

    from assay.scorers import create_scorer
    scorer = create_scorer("f1", average="macro", label_field="class")
    scorer.score(predictions, ground_truth)          # {"f1": ..., "f1_stderr": ..., "n": ..., ...}
    scorer.score_one(prediction, ground_truth)       # {"correct": 1.0, "unparsed": 0.0}
    scorer.spec.to_dict()                            # {"name": "f1", "params": {...}}

Protocols (:mod:`assay.scorers.base`): :class:`Scorer` (``score`` over a corpus) and
:class:`ExampleScorer` (``score_one`` per example); :class:`BaseScorer` gives both.
Registry (:mod:`assay.scorers.registry`): :func:`register_scorer`, :func:`create_scorer`
(did-you-mean :class:`~assay.errors.ConfigError`), entry-point group ``assay.scorers``.

Presets, one module each: ``accuracy``, ``f1``, ``precision``, ``recall``
(:mod:`~assay.scorers.classification`), ``bleu`` (:mod:`~assay.scorers.bleu`), ``rouge``
(:mod:`~assay.scorers.rouge`), ``meteor`` (:mod:`~assay.scorers.meteor`), ``bertscore``
(:mod:`~assay.scorers.bertscore`), ``json_schema`` (:mod:`~assay.scorers.json_schema`).
Heavy dependencies (nltk, torch, transformers, jsonschema) load only when a preset that
needs them is made. Names are imported lazily, so ``import assay.scorers`` stays cheap.
"""

from __future__ import annotations

from ..lazy_exports import lazy_exports


_EXPORTS = {
    # protocols and records
    "Scorer": "base", "ExampleScorer": "base", "BaseScorer": "base",
    "ExampleScores": "base", "ScorerSpec": "base",
    # registry
    "ENTRY_POINT_GROUP": "registry", "register_scorer": "registry", "create_scorer": "registry",
    "scorer_from_spec": "registry", "list_scorers": "registry", "describe_scorer": "registry",
    # presets
    "ClassificationScorer": "classification", "ClassificationReport": "classification",
    "classification_report": "classification",
    "BleuScorer": "bleu", "RougeScorer": "rouge", "MeteorScorer": "meteor",
    "BertScoreScorer": "bertscore", "JsonSchemaScorer": "json_schema",
    # parsing helpers
    "LabelParser": "labels", "UNPARSED": "labels",
    "extract_json": "json_extract", "NOT_FOUND": "json_extract",
    "load_wordnet": "wordnet", "WordNetMissing": "wordnet",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
