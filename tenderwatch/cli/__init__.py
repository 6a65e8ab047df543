"""Command-line interface: thin shells over the library, one module per command group."""

from __future__ import annotations

from . import archive, config, detect, evaluate, facts, vendors  # noqa: F401  (registers commands)
from .app import app


def main() -> None:
    app()
