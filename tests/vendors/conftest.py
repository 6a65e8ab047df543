from __future__ import annotations

from pathlib import Path

import pytest

from tenderwatch.vendors import VendorIndex, read_ftm, shipped_dataset

LABELLED = Path(__file__).parent / "labelled"


@pytest.fixture(scope="session")
def index() -> VendorIndex:
    """Shipped vendors plus the labelled decoys (other companies with similar names)."""
    decoys = read_ftm(LABELLED / "decoys.ftm.jsonl")
    assert not decoys.errors
    return VendorIndex([*shipped_dataset().vendors, *decoys.entities])
