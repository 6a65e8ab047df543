"""Command-line interface: thin shells over the library, one module per command group."""

from __future__ import annotations

from . import (  # noqa: F401  (each module registers its commands)
    archive,
    config,
    crawl,
    detect,
    evaluate,
    facts,
    vendors,
    web,
)
from .app import app


def main() -> None:
    app()
