"""Command-line interface: thin shells over the library, one module per command group."""

from __future__ import annotations

from . import archive, config, detect, evaluate  # noqa: F401  (modules register their commands)
from .app import app


def main() -> None:
    app()
