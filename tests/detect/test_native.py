"""The compiled scanning modules (setup.py, tenderwatch/_native.py): built and in use here,
never used once their source changed, and scanning exactly as their pure-Python source."""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tenderwatch import _native
from tenderwatch.detect import scan_texts
from tenderwatch.settings import Settings

from .test_batch import _labelled_texts, _notices

ROOT = Path(__file__).parents[2]


def test_the_build_is_current_and_in_use() -> None:
    # setup.sh installs a C compiler; a build that silently failed would leave CI on the
    # pure-Python path, measured as the slower one in BENCHMARKS.md.
    import tenderwatch.detect.engine
    import tenderwatch.normalize  # noqa: F401

    built = _native.recorded()
    assert built, "no native build: run `pip install -e .` with a C compiler (scripts/setup.sh)"
    assert _native.stale(built) == set()
    assert _native.compiled_modules() == sorted(built)


def test_a_changed_source_is_imported_from_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "nativepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("VALUE = 'from the source'\n")
    # An extension module left behind: not loadable at all, so importing it would fail.
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (package / f"mod{suffix}").write_bytes(b"not a shared object")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError):
        importlib.import_module("nativepkg.mod")
    sys.modules.pop("nativepkg.mod", None)

    built = {"nativepkg.mod": "0" * 64}  # the hash of some other source
    assert _native.stale(built, root=tmp_path) == {"nativepkg.mod"}
    finder = _native.SourceFirst({"nativepkg.mod"}, root=tmp_path)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    try:
        assert importlib.import_module("nativepkg.mod").VALUE == "from the source"
    finally:
        sys.modules.pop("nativepkg.mod", None)
        sys.modules.pop("nativepkg", None)


def test_a_current_source_is_not_stale(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_bytes(b"X = 1\n")
    digest = hashlib.sha256(b"X = 1\n").hexdigest()
    assert _native.stale({"mod": digest}, root=tmp_path) == set()
    # Without its source, an extension is all there is: it is used.
    assert _native.stale({"gone": "0" * 64}, root=tmp_path) == set()
    assert _native.recorded(tmp_path / "missing.json") == {}


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "0", "false", "no", "off", "OFF"])
def test_the_switch_reads_the_variable_as_the_setting_does(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings.model_config["env_prefix"] + "PURE_PYTHON" == _native.PURE_PYTHON
    monkeypatch.setenv(_native.PURE_PYTHON, value)
    assert _native.pure_python() is Settings().pure_python


SCAN = """
import json, sys
from tenderwatch._native import compiled_modules
from tenderwatch.detect import scan_texts
from tenderwatch.settings import Settings
texts = json.load(open(sys.argv[1], encoding="utf-8"))
results = [r.model_dump(mode="json") for r in scan_texts(texts)]
print(json.dumps({"compiled": compiled_modules(), "results": results}))
"""


def test_pure_python_scans_exactly_as_the_compiled_modules(tmp_path: Path) -> None:
    texts = _labelled_texts() + _notices(300, seed=11)
    source = tmp_path / "texts.json"
    source.write_text(json.dumps(texts), encoding="utf-8")
    env = {**os.environ, _native.PURE_PYTHON: "1"}
    run = subprocess.run(
        [sys.executable, "-c", SCAN, str(source)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    pure = json.loads(run.stdout)
    assert pure["compiled"] == []
    here = [r.model_dump(mode="json") for r in scan_texts(texts)]
    assert _native.compiled_modules()  # this process runs the compiled ones
    assert pure["results"] == here
    assert sum(r["risk"] in ("medium", "high") for r in here) > 500  # findings were compared
