"""The manifest is the ground truth others test against: complete, consistent and well labelled."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

NOTICE_TYPES = {"intention", "tender", "correction", "award", "contract", "termination"}
CATEGORIES = {
    "ethnic.attribute",
    "ethnic.alert",
    "religion.practice",
    "religion.venue",
    "targeting.persons",
    "language.monitoring",
    "detention.facility",
}
NOTICE_KEYS = {
    "format",
    "media_type",
    "encoding",
    "language",
    "notice_type",
    "project_code",
    "published",
    "extraction",
    "expected_risk",
    "expected_categories",
    "title",
    "description",
    "source",
    "sha256",
    "bytes",
}


def test_every_listed_file_exists_and_every_file_is_listed(
    examples_dir: Path, manifest: dict
) -> None:
    corpus = examples_dir / "corpus"
    on_disk = {p.relative_to(examples_dir).as_posix() for p in corpus.rglob("*") if p.is_file()}
    listed = [e["file"] for e in manifest["files"]]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert set(listed) == on_disk


def test_sha256_and_size_match_the_bytes(examples_dir: Path, manifest: dict) -> None:
    for entry in manifest["files"]:
        data = (examples_dir / entry["file"]).read_bytes()
        assert len(data) == entry["bytes"], entry["file"]
        digest = hashlib.sha256(data).hexdigest()
        assert digest == entry["sha256"], f"{entry['file']}: rerun examples/build/make_examples.py"


def test_notice_labels_are_complete_and_from_the_vocabulary(
    notice: dict, examples_dir: Path
) -> None:
    assert notice.keys() >= NOTICE_KEYS
    assert notice["notice_type"] in NOTICE_TYPES
    assert notice["language"] in {"zh-Hans", "zh-Hant", "en"}
    assert notice["expected_risk"] in {"none", "low", "medium", "high"}
    assert set(notice["expected_categories"]) <= CATEGORIES
    # medium/high means some category is expected to fire; none/low means none is
    positive = notice["expected_risk"] in {"medium", "high"}
    assert positive == bool(notice["expected_categories"])
    assert notice["description"].strip() and "\n" not in notice["description"]
    assert (examples_dir / notice["source"]).is_file()


def test_archive_labels_summarise_their_members(readable_files: list[dict]) -> None:
    order = ["none", "low", "medium", "high"]
    for entry in readable_files:
        if "members" not in entry:
            continue
        members = entry["members"]
        assert entry["expected_risk"] == max((m["expected_risk"] for m in members), key=order.index)
        assert set(entry["expected_categories"]) == {
            c for m in members for c in m["expected_categories"]
        }


def test_corpus_size_and_mix(
    manifest: dict, readable_files: list[dict], notices: list[dict]
) -> None:
    assert len(notices) >= 40
    languages = Counter(n["language"] for n in notices)
    chinese = languages["zh-Hans"] + languages["zh-Hant"]
    assert 0.65 <= chinese / len(notices) <= 0.85
    assert languages["en"] >= 5 and languages["zh-Hant"] >= 1
    assert {n["notice_type"] for n in notices} == NOTICE_TYPES
    formats = {(e["format"], e.get("encoding")) for e in readable_files}
    for needed in [("html", "utf-8"), ("html", "gb18030"), ("html", "big5"), ("txt", "utf-8")]:
        assert needed in formats
    assert {"pdf", "docx", "xlsx", "warc", "zip"} <= {f for f, _ in formats}
    assert sum(e.get("extraction") == "ocr" for e in readable_files) >= 2
    assert sum(e["bytes"] for e in manifest["files"]) < 5 * 1024 * 1024


def test_mostly_ordinary_with_some_flagged_purchases(notices: list[dict]) -> None:
    risks = Counter(n["expected_risk"] for n in notices)
    flagged = risks["medium"] + risks["high"]
    assert 8 <= flagged <= len(notices) // 3
    covered = {c for n in notices for c in n["expected_categories"]}
    assert covered == CATEGORIES, "every category has at least one example"


def test_one_procurement_process_runs_from_intention_to_contract(notices: list[dict]) -> None:
    by_code: dict[str, set[str]] = {}
    for n in notices:
        if n["project_code"]:
            by_code.setdefault(n["project_code"], set()).add(n["notice_type"])
    full = {"intention", "tender", "correction", "award", "contract"}
    assert any(full <= types for types in by_code.values())
    assert sum(len(types) >= 2 for types in by_code.values()) >= 4, "several linked processes"


def test_damaged_inputs_are_labelled_as_failing(
    damaged_files: list[dict], readable_files: list[dict]
) -> None:
    assert damaged_files, "the corpus carries deliberately unreadable inputs"
    for entry in damaged_files:
        assert entry["extraction"] == "failed" and entry["expected_risk"] is None
        assert entry["damaged_from"] in {e["file"] for e in readable_files}


# Invented contact data only: fixed-line numbers are all zeros, mobiles are masked.
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}-\d{7,8}|1[3-9]\d{9}|1[3-9]\d\*{4}\d{4})(?!\d)")


def test_contact_numbers_are_obviously_fake(examples_dir: Path) -> None:
    for source in sorted((examples_dir / "build" / "notices").glob("*.txt")):
        for number in _PHONE.findall(source.read_text("utf-8")):
            assert set(number) <= set("0-") or number == "138****0000", (source.name, number)
