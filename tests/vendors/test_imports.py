from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenderwatch.vendors import (
    Decision,
    ImportFailed,
    VendorSettings,
    build_index,
    import_file,
    sanctioned_flag,
    save_import,
)

COMPANY = {
    "id": "NK-test-1",
    "schema": "Company",
    "properties": {
        "name": ["Xinjiang Tianshan Test Surveillance Co., Ltd."],
        "alias": ["新疆天山测试监控有限公司"],
        "weakAlias": ["TSTM"],
        "registrationNumber": ["91650000TEST00001X"],
        "topics": ["sanction"],
        "country": ["cn"],
    },
    "datasets": ["us_test_list"],
    "first_seen": "2024-05-01T00:00:00",
}
SANCTION = {
    "id": "NK-test-1-sanction",
    "schema": "Sanction",
    "properties": {
        "entity": ["NK-test-1"],
        "authority": ["Test Authority"],
        "program": ["Test Program"],
        "listingDate": ["2024-04-30"],
        "sourceUrl": ["https://example.org/notice"],
    },
    "datasets": ["us_test_list"],
}
PERSON = {"id": "P1", "schema": "Person", "properties": {"name": ["Zhang Testperson"]}}


def _ftm(tmp_path: Path, lines: list[bytes]) -> Path:
    path = tmp_path / "list.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_ftm_import_reads_organisations_and_sanctions_and_reports_bad_lines(tmp_path: Path) -> None:
    path = _ftm(
        tmp_path,
        [
            json.dumps(COMPANY, ensure_ascii=False).encode(),
            json.dumps(SANCTION).encode(),
            json.dumps(PERSON).encode(),
            b"{not json",
            b'["a list"]',
            json.dumps({"id": "x", "schema": "Company", "properties": {}}).encode(),
            "\ufeff".encode() + b"\xff\xfe broken bytes",
            b'{"id": "y", "schema": "Company", "properties": {"name": ["' + b"A" * 5000 + b'"]}}',
        ],
    )
    result = import_file(path, settings=VendorSettings(max_import_line_bytes=4096))
    assert result.format == "ftm" and len(result.sha256) == 64
    assert [e.id for e in result.entities] == ["NK-test-1"]
    entity = result.entities[0]
    assert {n.kind.value for n in entity.names} == {"legal", "alias", "weak"}
    assert entity.identifiers[0].value == "91650000TEST00001X"
    assert [x.reference for x in entity.listings] == [
        "us_test_list: NK-test-1 (sanction)",
        "Test Authority; Test Program",
    ]
    assert entity.listings[1].url == "https://example.org/notice"
    assert result.skipped == {"schema Person": 1}
    assert result.error_count == 5
    assert [e.split(":")[1] for e in result.errors] == ["4", "5", "6", "7", "8"]
    assert "not UTF-8" in result.errors[3] and "longer than 4096" in result.errors[4]


CSV_ROWS = [
    "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
    "dataset,first_seen,last_seen,last_change",
    "NK-c1,Company,Shenzhen Example Vision Technology Co. Ltd.,"
    "深圳示例视觉科技有限公司;Example Vision,,cn,,,Entity List - BIS - 2023,,,"
    "US BIS Entity List,2023-01-02,2024-01-01,2024-01-01",
    "NK-p1,Person,Test Person,,1970-01-01,cn,,,,+86 000,x@example.org,US BIS Entity List,"
    "2023-01-02,,",
    "NK-c2,Company,,,,,,,,,,US BIS Entity List,,,",
]
CSV_TEXT = "\n".join(CSV_ROWS) + "\n"


def test_simple_csv_import(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    result = import_file(path)
    assert result.format == "csv"
    assert [e.id for e in result.entities] == ["NK-c1"]
    assert [n.name for n in result.entities[0].names][1] == "深圳示例视觉科技有限公司"
    assert result.entities[0].listings[0].reference == "Entity List - BIS - 2023"
    assert result.skipped == {"schema Person": 1}
    assert result.error_count == 1 and "no name" in result.errors[0]


def test_file_level_failures(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        import_file(tmp_path / "missing.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="missing columns id, schema, name"):
        import_file(wrong)
    unknown = tmp_path / "list.bin"
    unknown.write_bytes(b"\x00\x01")
    with pytest.raises(ImportFailed, match="unknown list format"):
        import_file(unknown)
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"{}" * 100)
    with pytest.raises(ImportFailed, match="over the import limit"):
        import_file(big, settings=VendorSettings(max_import_bytes=10))


def test_saved_imports_are_merged_with_shipped_data_and_matched(tmp_path: Path) -> None:
    path = _ftm(tmp_path, [json.dumps(COMPANY).encode(), json.dumps(SANCTION).encode()])
    data_dir = tmp_path / "data"
    first = save_import(import_file(path), data_dir)
    again = save_import(import_file(path), data_dir)
    assert first == again and len(list(first.parent.glob("*.jsonl"))) == 1  # idempotent
    index = build_index(data_dir)
    assert index.get("hikvision") is not None
    result = index.match("新疆天山测试监控有限公司")
    assert result.best is not None and result.best.entity_id == "NK-test-1"
    assert result.best.decision is Decision.MATCH
    flag = sanctioned_flag(result, index)
    assert flag is not None and "Test Authority; Test Program" in flag.context
    assert "https://example.org/notice" in flag.context


def test_corrupt_saved_import_line_is_reported(tmp_path: Path) -> None:
    path = _ftm(tmp_path, [json.dumps(COMPANY).encode()])
    saved = save_import(import_file(path), tmp_path)
    with saved.open("a", encoding="utf-8") as out:
        out.write("{truncated\n")
    errors: list[str] = []
    index = build_index(tmp_path, errors=errors)
    assert index.get("NK-test-1") is not None
    assert len(errors) == 1 and saved.name in errors[0]
