"""The review workbench: FastAPI app, one module per page type, templates and static
files inside the package (docs/web.md)."""

from .app import create_app, is_loopback

__all__ = ["create_app", "is_loopback"]
