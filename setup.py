"""Optional native build of the scanning hot path.

The modules below stay plain Python: the same source runs uncompiled wherever the build
cannot (no C compiler, no Cython), and mypy, ruff and the tests read it. Where it can, the
build compiles them with Cython into extension modules beside their sources (they then scan
notices about a fifth faster; BENCHMARKS.md), and records each source's SHA-256 in
tenderwatch/_native.json, so that an extension left behind by an edited source is never
used (tenderwatch/_native.py). Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
COMPILED = [
    "tenderwatch/normalize.py",
    "tenderwatch/detect/compiler.py",
    "tenderwatch/detect/engine.py",
    "tenderwatch/detect/logic.py",
    "tenderwatch/detect/matchers.py",
    "tenderwatch/detect/risk.py",
    "tenderwatch/detect/signals.py",
]
# Annotations stay documentation (as in CPython: a compiled module accepts what its source
# accepts); locals whose C type Cython can prove are typed; plain functions, not bound ones.
DIRECTIVES = {
    "language_level": 3,
    "annotation_typing": False,
    "infer_types": True,
    "binding": False,
}
MANIFEST = "tenderwatch/_native.json"


def _extensions() -> list[Any]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # building without Cython: the pure-Python package
        return []
    extensions = cythonize(
        COMPILED, compiler_directives=DIRECTIVES, build_dir="build/cython", quiet=True
    )
    for extension in extensions:
        extension.optional = True  # a compiler error leaves that module pure Python
    return list(extensions)


class BuildWithManifest(build_ext):
    """Builds the extensions, then records which sources the built ones came from."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) if not self.inplace else ROOT
        built = {}
        for path in COMPILED:
            module = path.removesuffix(".py").replace("/", ".")
            if Path(self.get_ext_fullpath(module)).exists():
                built[module] = hashlib.sha256((ROOT / path).read_bytes()).hexdigest()
        manifest = target / MANIFEST
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildWithManifest})
