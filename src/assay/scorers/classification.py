"""Classification presets ``accuracy``, ``f1``, ``precision``, ``recall`` (numpy, scikit-learn semantics).

Labels come from the texts through :class:`~assay.scorers.labels.LabelParser`. A
prediction without a label becomes the label ``"<unparsed>"`` (a wrong label, counted
in ``unparsed``); an example whose *ground truth* has no label is excluded from every
aggregate and counted in ``invalid_ground_truth``.

On the resulting label lists the numbers are those of scikit-learn with
``zero_division=0`` and its default label set (the sorted union of the true and
predicted labels, so ``"<unparsed>"`` and any out-of-set predicted label are classes
with support 0 that count in ``macro`` averages):

* ``accuracy`` = ``accuracy_score``;
* per class (precision, recall, f1, support) = ``precision_recall_fscore_support(average=None)``,
  with ``f1 = 2 tp / (2 tp + fp + fn)``, 0 when there is neither a true nor a predicted
  instance; ``report().to_dict()`` = ``classification_report(output_dict=True)``;
* ``average="micro" | "macro" | "weighted"`` = the same ``average`` of
  ``precision_recall_fscore_support``; ``average="binary"`` with ``pos_label`` is the
  ``pos_label`` class's own values (= scikit-learn's ``binary`` whenever that accepts
  the data, i.e. at most two labels occur).

``_stderr``: for ``accuracy`` the ``std(ddof=1)/sqrt(n)`` of the per-example
correctness, as for every mean; for ``f1``/``precision``/``recall`` the ``ddof=1``
deviation over ``n_resamples`` seeded bootstrap resamples of the examples
(``Generator(PCG64(seed))``), each scored with the classes that occur in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.errors import ConfigError
from assay.scorers.base import BaseScorer, ExampleScores, check_lengths
from assay.scorers.labels import UNPARSED, LabelParser
from assay.scorers.registry import register_scorer
from assay.stats.bootstrap import DEFAULT_RESAMPLES, resample_counts
from assay.stats.intervals import mean_stderr, sample_std

__all__ = [
    "AVERAGES",
    "ClassificationReport",
    "ClassificationScorer",
    "classification_report",
    "accuracy",
    "f1",
    "precision",
    "recall",
]

AVERAGES = ("micro", "macro", "weighted", "binary")
_METRICS = ("accuracy", "f1", "precision", "recall")
_NAN = float("nan")


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (``zero_division=0``)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _prf(tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, ...]:
    return _divide(tp, pred), _divide(tp, true), _divide(2.0 * tp, true + pred)


@dataclass(frozen=True)
class ClassificationReport:
    """Per-class and averaged precision / recall / F1 of one set of label lists."""

    labels: tuple[str, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    support: tuple[int, ...]
    accuracy: float
    micro: tuple[float, float, float]
    macro: tuple[float, float, float]
    weighted: tuple[float, float, float]
    n: int
    unparsed: int = 0
    invalid_ground_truth: int = 0

    def average(self, average: str, pos_label: str | None = None) -> tuple[float, float, float]:
        """``(precision, recall, f1)`` for one ``average`` (see module docstring)."""
        if average == "binary":
            if pos_label is None:
                raise ConfigError("average='binary' needs pos_label", field="pos_label")
            if pos_label not in self.labels:
                return 0.0, 0.0, 0.0
            i = self.labels.index(pos_label)
            return self.precision[i], self.recall[i], self.f1[i]
        if average not in ("micro", "macro", "weighted"):
            raise ConfigError(f"average must be one of {', '.join(AVERAGES)}, got {average!r}",
                              field="average")
        return getattr(self, average)

    def to_dict(self) -> dict[str, Any]:
        """scikit-learn's ``classification_report(output_dict=True)`` layout, plus the counts."""
        out: dict[str, Any] = {}
        for i, label in enumerate(self.labels):
            out[label] = {"precision": self.precision[i], "recall": self.recall[i],
                          "f1-score": self.f1[i], "support": self.support[i]}
        out["accuracy"] = self.accuracy
        for key, (p, r, f) in (("macro avg", self.macro), ("weighted avg", self.weighted)):
            out[key] = {"precision": p, "recall": r, "f1-score": f, "support": self.n}
        out["unparsed"] = self.unparsed
        out["invalid_ground_truth"] = self.invalid_ground_truth
        return out


def classification_report(y_true: Sequence[str], y_pred: Sequence[str], *,
                          unparsed: int = 0, invalid_ground_truth: int = 0) -> ClassificationReport:
    """Report of two aligned label lists (scikit-learn semantics, ``zero_division=0``)."""
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    n = len(y_true)
    labels = tuple(sorted(set(y_true) | set(y_pred)))
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    t = np.fromiter((index[x] for x in y_true), dtype=np.int64, count=n)
    p = np.fromiter((index[x] for x in y_pred), dtype=np.int64, count=n)
    hit = t == p
    tp = np.bincount(t[hit], minlength=k).astype(np.float64)
    true = np.bincount(t, minlength=k).astype(np.float64)
    pred = np.bincount(p, minlength=k).astype(np.float64)
    prec, rec, f1s = _prf(tp, pred, true)
    if n:
        micro = tuple(float(x) for x in _prf(tp.sum(), pred.sum(), true.sum()))
        macro = (float(np.mean(prec)), float(np.mean(rec)), float(np.mean(f1s)))
        weighted = tuple(float(np.average(x, weights=true)) for x in (prec, rec, f1s))
        acc = float(np.mean(hit))
    else:
        micro = macro = weighted = (_NAN, _NAN, _NAN)
        acc = _NAN
    return ClassificationReport(
        labels=labels, precision=tuple(map(float, prec)), recall=tuple(map(float, rec)),
        f1=tuple(map(float, f1s)), support=tuple(int(x) for x in true), accuracy=acc,
        micro=micro, macro=macro, weighted=weighted,  # type: ignore[arg-type]
        n=n, unparsed=unparsed, invalid_ground_truth=invalid_ground_truth)


def _bootstrap_stderr(t: np.ndarray, p: np.ndarray, k: int, metric: str, average: str,
                      pos: int | None, n_resamples: int, seed: int) -> float:
    """``ddof=1`` deviation of the metric over bootstrap resamples of the examples."""
    from scipy import sparse

    n = t.size
    if n < 2:
        return 0.0
    rows = np.arange(n)
    ones = np.ones(n)
    onehot_true = sparse.csr_matrix((ones, (rows, t)), shape=(n, k))
    onehot_pred = sparse.csr_matrix((ones, (rows, p)), shape=(n, k))
    onehot_tp = sparse.csr_matrix(((t == p).astype(np.float64), (rows, t)), shape=(n, k))
    col = {"precision": 0, "recall": 1, "f1": 2}[metric]
    values: list[np.ndarray] = []
    for counts in resample_counts(n, n_resamples, seed=seed):
        ct = counts.T
        tp = np.asarray((onehot_tp.T @ ct).T)
        true = np.asarray((onehot_true.T @ ct).T)
        pred = np.asarray((onehot_pred.T @ ct).T)
        if average == "micro":
            v = _prf(tp.sum(axis=1), pred.sum(axis=1), true.sum(axis=1))[col]
        elif average == "binary":
            assert pos is not None
            v = _prf(tp[:, pos], pred[:, pos], true[:, pos])[col]
        else:
            per_class = _prf(tp, pred, true)[col]
            if average == "macro":
                present = (true + pred) > 0
                v = (per_class * present).sum(axis=1) / present.sum(axis=1)
            else:  # weighted
                v = (per_class * true).sum(axis=1) / true.sum(axis=1)
        values.append(v)
    return sample_std(np.concatenate(values))


class ClassificationScorer(BaseScorer):
    """One of ``accuracy``, ``f1``, ``precision``, ``recall`` over parsed labels.

    Per example (:meth:`score_one`): ``{"correct": 1.0|0.0, "unparsed": 1.0|0.0}`` with
    ``details = {"label", "ground_truth_label"}``; an example whose ground truth has no
    label gets NaN values and ``details["error"]``. Corpus (:meth:`score`): the metric,
    its ``_stderr``, ``n``, ``unparsed``, ``invalid_ground_truth`` and, with
    ``per_class=True``, ``precision[<label>]``, ``recall[<label>]``, ``f1[<label>]``,
    ``support[<label>]`` for every class.
    """

    corpus_level = True
    metric = "correct"

    def __init__(self, metric: str, *, average: str = "macro", pos_label: str | None = None,
                 labels: Sequence[str] | None = None, label_field: str | None = None,
                 casefold: bool = False, label_match: str = "first", per_class: bool = True,
                 n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> None:
        if metric not in _METRICS:
            raise ConfigError(f"metric must be one of {', '.join(_METRICS)}, got {metric!r}",
                              field="metric")
        if average not in AVERAGES:
            raise ConfigError(f"average must be one of {', '.join(AVERAGES)}, got {average!r}",
                              field="average")
        self.parser = LabelParser(labels, label_field=label_field, casefold=casefold,
                                  label_match=label_match)
        if average == "binary":
            if pos_label is None:
                raise ConfigError("average='binary' needs pos_label", field="pos_label")
            pos_label = str(pos_label).strip()
            pos_label = self.parser.parse(pos_label, ground_truth=True) or pos_label
        if not isinstance(n_resamples, int) or n_resamples < 2:
            raise ConfigError("n_resamples must be an integer >= 2", field="n_resamples")
        self.name = metric
        self.average = average
        self.pos_label = pos_label
        self.per_class = bool(per_class)
        self.n_resamples = n_resamples
        self.seed = int(seed)

    def labels_of(self, prediction: object, ground_truth: object) -> tuple[str, str | None]:
        """``(predicted label or "<unparsed>", ground-truth label or None)``."""
        pred = self.parser.parse(prediction)
        gold = self.parser.parse(ground_truth, ground_truth=True)
        return (UNPARSED if pred is None else pred), gold

    def score_one(self, prediction: str, ground_truth: str,
                  metadata: dict | None = None) -> ExampleScores:
        pred, gold = self.labels_of(prediction, ground_truth)
        if gold is None:
            return ExampleScores({"correct": _NAN, "unparsed": _NAN},
                                 details={"label": pred, "ground_truth_label": None,
                                          "error": "no label in the ground truth"})
        return ExampleScores({"correct": 1.0 if pred == gold else 0.0,
                              "unparsed": 1.0 if pred == UNPARSED else 0.0},
                             details={"label": pred, "ground_truth_label": gold})

    def _label_lists(self, predictions: Sequence[str], ground_truth: Sequence[str]
                     ) -> tuple[list[str], list[str], int]:
        y_true: list[str] = []
        y_pred: list[str] = []
        invalid = 0
        for prediction, gt in zip(predictions, ground_truth):
            pred, gold = self.labels_of(prediction, gt)
            if gold is None:
                invalid += 1
                continue
            y_true.append(gold)
            y_pred.append(pred)
        return y_true, y_pred, invalid

    def report(self, predictions: Sequence[str], ground_truth: Sequence[str],
               metadata: Sequence[dict | None] | None = None) -> ClassificationReport:
        """The full per-class report of the valid examples."""
        check_lengths(predictions, ground_truth, metadata)
        y_true, y_pred, invalid = self._label_lists(predictions, ground_truth)
        return classification_report(y_true, y_pred, unparsed=y_pred.count(UNPARSED),
                                     invalid_ground_truth=invalid)

    def score(self, predictions: list[str], ground_truth: list[str],
              metadata: list[dict | None] | None = None) -> dict[str, float]:
        check_lengths(predictions, ground_truth, metadata)
        y_true, y_pred, invalid = self._label_lists(predictions, ground_truth)
        rep = classification_report(y_true, y_pred, unparsed=y_pred.count(UNPARSED),
                                    invalid_ground_truth=invalid)
        out: dict[str, float] = {}
        if self.name == "accuracy":
            value, stderr = mean_stderr([1.0 if a == b else 0.0 for a, b in zip(y_true, y_pred)])
        elif rep.n == 0:
            value = stderr = _NAN
        else:
            col = {"precision": 0, "recall": 1, "f1": 2}[self.name]
            value = rep.average(self.average, self.pos_label)[col]
            index = {label: i for i, label in enumerate(rep.labels)}
            pos = index.get(self.pos_label) if self.average == "binary" else None
            if self.average == "binary" and pos is None:
                stderr = 0.0
            else:
                t = np.fromiter((index[x] for x in y_true), dtype=np.int64, count=rep.n)
                p = np.fromiter((index[x] for x in y_pred), dtype=np.int64, count=rep.n)
                stderr = _bootstrap_stderr(t, p, len(rep.labels), self.name, self.average, pos,
                                           self.n_resamples, self.seed)
        out[self.name] = value
        out[self.name + "_stderr"] = stderr
        out["n"] = float(rep.n)
        out["unparsed"] = float(rep.unparsed)
        out["invalid_ground_truth"] = float(invalid)
        if self.per_class:
            for i, label in enumerate(rep.labels):
                out[f"precision[{label}]"] = rep.precision[i]
                out[f"recall[{label}]"] = rep.recall[i]
                out[f"f1[{label}]"] = rep.f1[i]
                out[f"support[{label}]"] = float(rep.support[i])
        return out


_COMMON_DOC = """
    Labels: ``labels`` (allowed label set, matched as whole words, ``label_match``
    ``"first"`` or ``"only"``), ``label_field`` (read the label from this JSON field),
    ``casefold``. ``per_class`` adds the per-class report; ``n_resamples`` and ``seed``
    set the bootstrap behind ``_stderr``. See :mod:`assay.scorers.classification`.
"""


@register_scorer("accuracy")
def accuracy(*, labels: Sequence[str] | None = None, label_field: str | None = None,
             casefold: bool = False, label_match: str = "first",
             per_class: bool = True) -> ClassificationScorer:
    """Accuracy of predicted labels (scikit-learn ``accuracy_score``)."""
    return ClassificationScorer("accuracy", labels=labels, label_field=label_field,
                                casefold=casefold, label_match=label_match, per_class=per_class)


def _prf_preset(metric: str):
    def factory(*, average: str = "macro", pos_label: str | None = None,
                labels: Sequence[str] | None = None, label_field: str | None = None,
                casefold: bool = False, label_match: str = "first", per_class: bool = True,
                n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> ClassificationScorer:
        return ClassificationScorer(metric, average=average, pos_label=pos_label, labels=labels,
                                    label_field=label_field, casefold=casefold,
                                    label_match=label_match, per_class=per_class,
                                    n_resamples=n_resamples, seed=seed)

    factory.__name__ = factory.__qualname__ = metric
    factory.__doc__ = (f"{metric.capitalize()} of predicted labels, averaged by ``average`` "
                       f"(micro, macro, weighted, binary with ``pos_label``); scikit-learn "
                       f"``precision_recall_fscore_support``.\n{_COMMON_DOC}")
    return register_scorer(metric)(factory)


f1 = _prf_preset("f1")
precision = _prf_preset("precision")
recall = _prf_preset("recall")

accuracy.__doc__ = (accuracy.__doc__ or "") + "\n" + _COMMON_DOC
