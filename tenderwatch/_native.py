"""Compiled twins of the scanning hot path, used only while they match their source.

setup.py may compile some modules of this package with Cython into extension modules
beside their sources, and records each source's SHA-256 in ``_native.json``. Python
imports an extension module before a source of the same name, so an extension left behind
by an edited source (a checkout, a stash, an edit without reinstalling) would run old code.
Here every recorded module whose source no longer has its recorded hash, and every one
when TENDERWATCH_PURE_PYTHON is set, is imported from its source instead.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = Path(__file__).resolve().parent
MANIFEST = PACKAGE / "_native.json"
# The setting pure_python (tenderwatch.settings), read from the environment before anything
# else of the package is imported (tests compare both ways).
PURE_PYTHON = "TENDERWATCH_PURE_PYTHON"


def recorded(manifest: Path = MANIFEST) -> dict[str, str]:
    """Module name -> SHA-256 of the source it was compiled from; empty if none was built."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def source_of(module: str, root: Path = PACKAGE.parent) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def stale(built: dict[str, str], root: Path = PACKAGE.parent) -> set[str]:
    """The recorded modules whose source no longer hashes to what was compiled (a module
    whose source is missing has only its extension, which is then used)."""
    found = set()
    for module, digest in built.items():
        try:
            current = hashlib.sha256(source_of(module, root).read_bytes()).hexdigest()
        except OSError:
            continue
        if current != digest:
            found.add(module)
    return found


class SourceFirst(importlib.abc.MetaPathFinder):
    """Imports the given modules from their ``.py`` source, never from an extension."""

    def __init__(self, modules: set[str], root: Path = PACKAGE.parent) -> None:
        self.modules = modules
        self.root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.modules:
            return None
        return importlib.util.spec_from_file_location(fullname, source_of(fullname, self.root))


def guard() -> None:
    """Put a SourceFirst finder before the standard ones for every module that must not
    come from its extension; nothing when all are current or none was built."""
    built = recorded()
    if not built:
        return
    blocked = set(built) if pure_python() else stale(built)
    if blocked:
        sys.meta_path.insert(0, SourceFirst(blocked))


def pure_python() -> bool:
    """The setting pure_python, parsed as Settings parses it (1/0, true/false, yes/no, on/off);
    a value it would reject counts as set. pydantic is imported only when the variable is."""
    value = os.environ.get(PURE_PYTHON, "").strip()
    if not value:
        return False
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(bool).validate_python(value)
    except ValidationError:
        return True


def compiled_modules() -> list[str]:
    """The modules of this package that run compiled in this process."""
    return sorted(
        name
        for name, module in sys.modules.items()
        if name.startswith(PACKAGE.name + ".")
        and isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader)
    )
