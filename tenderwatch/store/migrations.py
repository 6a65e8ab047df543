"""Schema migrations as numbered SQL files in ``tenderwatch/store/migrations/``.

``NNNN_name.sql`` applies to every backend; ``NNNN_name.<dialect>.sql`` (``sqlite``,
``postgresql``) only to that one. They run in number order, each in one transaction
together with its row in ``schema_migrations``, so a crash never leaves half a migration.
Other areas add their tables by dropping in a new numbered file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(?P<version>\d{4}_[a-z0-9_]+)(?:\.(?P<dialect>[a-z]+))?\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str  # "0002_pages": number and name, the key recorded once applied
    sql: str


def migrations_for(dialect: str) -> list[Migration]:
    """The migrations for ``dialect`` in the order they must run."""
    found: dict[str, Migration] = {}
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if not match:
            if entry.name.endswith(".sql"):
                raise ValueError(
                    f"migration file {entry.name!r} is not named NNNN_name[.dialect].sql"
                )
            continue
        if match["dialect"] not in (None, dialect):
            continue
        version = match["version"]
        if version in found:
            raise ValueError(f"two migrations share the version {version!r}")
        found[version] = Migration(version, entry.read_text(encoding="utf-8"))
    numbers = [v[:4] for v in found]
    if len(numbers) != len(set(numbers)):
        raise ValueError(f"two migrations share a number among {sorted(found)}")
    return [found[v] for v in sorted(found)]
