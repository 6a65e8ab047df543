"""Shared fixtures: the small test rule set in tests/detect/rules (not the bundled one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenderwatch.detect import RuleSet, load_ruleset
from tenderwatch.detect.matchers import MATCHERS

RULES = Path(__file__).parent / "rules"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset([RULES])


@pytest.fixture(params=MATCHERS.names())
def matcher(request: pytest.FixtureRequest) -> str:
    """Each matcher available here (hyperscan and python on x86_64 Linux)."""
    return str(request.param)
