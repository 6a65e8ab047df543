"""Shared fixtures for the example-corpus tests.

Test functions that take an argument named ``corpus_file`` run once per readable file in
examples/manifest.yaml, ``damaged_file`` once per deliberately broken one, and ``notice`` once
per notice (standalone files and archive members alike).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BUILD = EXAMPLES / "build"

# The build scripts are not a package; they import each other as top-level modules.
if str(BUILD) not in sys.path:
    sys.path.insert(0, str(BUILD))

_MANIFEST: dict[str, Any] = yaml.safe_load((EXAMPLES / "manifest.yaml").read_text("utf-8"))


def _files(damaged: bool) -> list[dict[str, Any]]:
    return [e for e in _MANIFEST["files"] if ("damaged_from" in e) == damaged]


def _notices() -> list[dict[str, Any]]:
    return [m for e in _files(False) for m in (e.get("members") or [e])]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    params = {
        "corpus_file": (_files(False), lambda e: e["file"]),
        "damaged_file": (_files(True), lambda e: e["file"]),
        "notice": (_notices(), lambda n: n.get("member") or n["file"]),
    }
    for name, (values, ident) in params.items():
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, values, ids=[ident(v) for v in values])


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    return _MANIFEST


@pytest.fixture(scope="session")
def readable_files() -> list[dict[str, Any]]:
    return _files(False)


@pytest.fixture(scope="session")
def damaged_files() -> list[dict[str, Any]]:
    return _files(True)


@pytest.fixture(scope="session")
def notices() -> list[dict[str, Any]]:
    return _notices()


@pytest.fixture(scope="session")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus built afresh from its sources into a temporary folder."""
    import make_examples

    out = tmp_path_factory.mktemp("examples")
    make_examples.build(out)
    return out
