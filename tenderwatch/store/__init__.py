"""The archive's storage: the :class:`Store` interface (``base``), the code both SQL
backends share (``sql``), the SQLite and PostgreSQL backends (``sqlite``, ``postgres``),
numbered SQL migrations (``migrations/``) and search helpers (``search``).
See docs/storage.md."""

from .base import DocumentNotFound, Store, StoreError, open_store

__all__ = ["DocumentNotFound", "Store", "StoreError", "open_store"]
