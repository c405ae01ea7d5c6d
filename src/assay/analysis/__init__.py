"""Analysis: stratification by metadata, logprob confidence, failure analysis."""

from .stratify import MISSING, group_value, interval, stratify

__all__ = ["group_value", "stratify", "interval", "MISSING"]
