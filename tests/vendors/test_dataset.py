from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tenderwatch.vendors import InvalidVendorData, load_dataset, shipped_dataset

OCT_2019 = ["hikvision", "dahua", "iflytek", "megvii", "sensetime", "yitu", "yixin", "meiya-pico"]


def test_shipped_dataset_is_valid_and_every_fact_has_a_dated_source() -> None:
    data = shipped_dataset()
    sources = {s.id: s for s in data.sources}
    assert len(data.vendors) >= 20
    for vendor in data.vendors:
        for cited in [n.source for n in vendor.names] + [x.source for x in vendor.listings]:
            assert sources[cited].url.startswith("http")
            assert sources[cited].date <= dt.date(2026, 12, 31)


@pytest.mark.parametrize("vendor_id", OCT_2019)
def test_october_2019_entity_list_additions(vendor_id: str) -> None:
    vendor = next(v for v in shipped_dataset().vendors if v.id == vendor_id)
    listing = next(x for x in vendor.listings if x.list_id == "us.bis.entity_list")
    assert listing.added == dt.date(2019, 10, 9)
    assert "2019-22210" in listing.reference


def test_removed_listing_is_not_active() -> None:
    zte = next(v for v in shipped_dataset().vendors if v.id == "zte")
    assert {x.list_id for x in zte.active_listings} == {"us.fcc.covered_list"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vendors.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = """version: t
sources:
  - {id: s1, title: T, publisher: P, date: 2020-01-01, url: "https://example.org"}
lists:
  - {id: l1, title: L, authority: A}
vendors:
"""


def test_unknown_source_is_a_load_error_naming_file_and_vendor(tmp_path: Path) -> None:
    path = _write(
        tmp_path, HEADER + "  - id: v1\n    names: [{name: X公司, kind: legal, source: nope}]\n"
    )
    with pytest.raises(InvalidVendorData, match=r"vendors.yaml: v1: unknown source 'nope'"):
        load_dataset(path)


def test_unknown_list_and_parent_are_load_errors(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER
        + "  - id: v1\n    parent: ghost\n    names: [{name: X, kind: legal, source: s1}]\n"
        + "    listings: [{list: l9, reference: r, source: s1}]\n",
    )
    with pytest.raises(InvalidVendorData) as caught:
        load_dataset(path)
    assert "unknown list 'l9'" in str(caught.value)
    assert "unknown parent 'ghost'" in str(caught.value)


def test_malformed_yaml_and_unknown_fields_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidVendorData, match="not valid YAML"):
        load_dataset(_write(tmp_path, "version: [unclosed"))
    with pytest.raises(InvalidVendorData, match="colour"):
        load_dataset(_write(tmp_path, HEADER + "  - {id: v1, colour: red, names: []}\n"))
