"""Analysis: stratification by metadata, logprob confidence, calibration of a run."""

from .calibration import CalibrationCollector
from .confidence import Confidence, example_confidence
from .stratify import MISSING, group_value, interval, stratify

__all__ = ["group_value", "stratify", "interval", "MISSING", "Confidence", "example_confidence",
           "CalibrationCollector"]
