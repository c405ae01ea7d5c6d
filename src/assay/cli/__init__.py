"""The ``assay`` command line."""

from .app import build_parser, main

__all__ = ["main", "build_parser"]
