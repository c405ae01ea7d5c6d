"""Datasets: streaming readers and formats that produce :class:`Sample` records."""

from .gen_qa import DatasetInfo, GenQADataset, parse_gen_qa_row
from .jsonl import iter_jsonl
from .sample import Sample

__all__ = ["Sample", "GenQADataset", "DatasetInfo", "parse_gen_qa_row", "iter_jsonl"]
