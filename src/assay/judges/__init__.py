"""Judges: pairwise prompts, verdict parsing and reconciliation."""

from .prompts import FOLLOWUP, PAIRWISE_SYSTEM, PAIRWISE_TEMPLATE, pairwise_messages
from .verdicts import VERDICT_RE, map_backward, parse_verdict, reconcile

__all__ = ["FOLLOWUP", "PAIRWISE_SYSTEM", "PAIRWISE_TEMPLATE", "pairwise_messages",
           "VERDICT_RE", "map_backward", "parse_verdict", "reconcile"]
