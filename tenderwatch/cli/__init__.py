"""Command-line interface: thin shells over the library, one module per command group."""

from __future__ import annotations

from . import archive, config, detect, evaluate, vendors  # noqa: F401  (modules register commands)
from .app import app


def main() -> None:
    app()
