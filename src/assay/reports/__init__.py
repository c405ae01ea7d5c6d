"""Reports: console tables, plots (PNG) and the self-contained HTML report."""

from .console import print_summary

__all__ = ["print_summary"]
