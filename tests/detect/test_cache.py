"""The compiled hyperscan database is kept on disk and survives corruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenderwatch.detect import RuleSet, load_ruleset, scan_text
from tenderwatch.detect.matchers import MATCHERS
from tenderwatch.settings import Settings

from .conftest import RULES

pytestmark = pytest.mark.skipif("hyperscan" not in MATCHERS, reason="hyperscan not installed")

TEXT = "系统支持人脸识别，识别维吾尔族人员并预警。"


def _scan(cache: Path) -> tuple[RuleSet, object]:
    # Stands for a new process: drop what this one compiled (kept on the rule set).
    ruleset = load_ruleset([RULES])
    ruleset.cache.clear()
    settings = Settings(cache_dir=cache, detect_matcher="hyperscan")
    return ruleset, scan_text(TEXT, ruleset, settings=settings)


def test_second_process_loads_the_database_from_disk(tmp_path: Path) -> None:
    _, first = _scan(tmp_path)
    files = sorted(tmp_path.glob("hyperscan-*.db"))
    assert len(files) == 2  # the presence database and the per-rule ones (second pass)
    stamps = [f.stat().st_mtime_ns for f in files]
    _, second = _scan(tmp_path)
    assert second == first
    assert [f.stat().st_mtime_ns for f in files] == stamps  # read, not rewritten


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # hyperscan itself accepts this one
        lambda data: b"not a database" * 100,
    ],
)
def test_corrupt_cache_is_recompiled(tmp_path: Path, damage: object) -> None:
    _, expected = _scan(tmp_path)
    files = list(tmp_path.glob("hyperscan-*.db"))
    assert len(files) == 2
    for path in files:
        path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    _, again = _scan(tmp_path)
    assert again == expected
    _, third = _scan(tmp_path)  # and the rewritten cache is good
    assert third == expected


def test_unwritable_cache_dir_still_scans(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    _, result = _scan(blocker / "cache")
    _, expected = _scan(tmp_path / "ok")
    assert result == expected


def test_changed_rules_get_their_own_database(tmp_path: Path) -> None:
    ruleset, _ = _scan(tmp_path)
    rules = tmp_path / "rules"
    rules.mkdir()
    for source in RULES.glob("*.yaml"):
        text = source.read_text(encoding="utf-8").replace("人像比对,", "人像比对, 人员比对,")
        (rules / source.name).write_text(text, encoding="utf-8")
    assert len(list(tmp_path.glob("hyperscan-*.db"))) == 2
    changed = load_ruleset([rules])
    changed.cache.clear()
    scan_text(TEXT, changed, settings=Settings(cache_dir=tmp_path, detect_matcher="hyperscan"))
    assert changed.version != ruleset.version
    assert len(list(tmp_path.glob("hyperscan-*.db"))) == 4
