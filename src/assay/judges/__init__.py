"""Judges: pairwise prompts, verdict parsing and reconciliation, verdict probabilities."""

from .probabilities import map_probs_backward, mean_probs, verdict_probabilities
from .prompts import (FOLLOWUP, PAIRWISE_JSON_TEMPLATE, PAIRWISE_SCHEMA, PAIRWISE_SYSTEM,
                      PAIRWISE_TEMPLATE, VERDICT_CHOICES, pairwise_messages)
from .verdicts import VERDICT_RE, json_verdict, map_backward, parse_verdict, reconcile

__all__ = ["FOLLOWUP", "PAIRWISE_SYSTEM", "PAIRWISE_TEMPLATE", "PAIRWISE_JSON_TEMPLATE",
           "PAIRWISE_SCHEMA", "VERDICT_CHOICES", "pairwise_messages", "VERDICT_RE",
           "json_verdict", "map_backward", "parse_verdict", "reconcile",
           "verdict_probabilities", "map_probs_backward", "mean_probs"]
