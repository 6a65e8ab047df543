"""The bundled rule set against the labelled example corpus (examples/manifest.yaml).

Every readable notice (standalone files and the members of the WARC capture and the zip) is
extracted with the real extractors (tesseract for the scans) and scanned with the bundled rules.
The labels were written with the notices, before these rules were tuned on them; a failure here
names the notice, the labels and what the rules said.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from tenderwatch.detect import scan
from tenderwatch.extract import extract, sniff
from tenderwatch.model import ExtractionStatus, Risk, ScanResult, Severity
from tenderwatch.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MANIFEST: dict[str, Any] = yaml.safe_load((EXAMPLES / "manifest.yaml").read_text("utf-8"))
FLAGGED = frozenset({Risk.MEDIUM, Risk.HIGH})


def _payloads(entry: dict[str, Any]) -> dict[str, tuple[bytes, str | None]]:
    """Member name -> (bytes, charset from the HTTP header) for a WARC or zip entry."""
    data = (EXAMPLES / entry["file"]).read_bytes()
    if entry["format"] == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {
                i.filename: (archive.read(i), None) for i in archive.infolist() if not i.is_dir()
            }
    out: dict[str, tuple[bytes, str | None]] = {}
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type != "response":
            continue
        content_type = record.http_headers.get_header("Content-Type") or ""
        charset = content_type.partition("charset=")[2].strip() or None
        out[record.rec_headers.get_header("WARC-Target-URI")] = (
            record.content_stream().read(),
            charset,
        )
    return out


def _notices() -> list[tuple[str, dict[str, Any], bytes, str | None]]:
    """(name, labels, bytes, charset hint) for every readable notice."""
    notices = []
    for entry in MANIFEST["files"]:
        if "damaged_from" in entry:
            continue
        if "members" in entry:
            payloads = _payloads(entry)
            for member in entry["members"]:
                data, charset = payloads[member["member"]]
                notices.append((member["member"], member, data, charset))
        else:
            notices.append((entry["file"], entry, (EXAMPLES / entry["file"]).read_bytes(), None))
    return notices


NOTICES = {name: (labels, data, charset) for name, labels, data, charset in _notices()}


def _scan(name: str) -> ScanResult:
    _, data, charset = NOTICES[name]
    media_type = sniff(data, name.rsplit("/", 1)[-1])
    extraction = extract(data, settings=Settings(), media_type=media_type, charset_hint=charset)
    assert extraction.status is ExtractionStatus.OK, f"{name}: {extraction.error}"
    return scan(extraction)


def _explain(name: str, result: ScanResult) -> str:
    labels = NOTICES[name][0]
    flags = ", ".join(sorted({f"{f.rule}:{f.text!r}" for f in result.flags})) or "no flags"
    return (
        f"{name}: expected {labels['expected_risk']} {labels['expected_categories']}, "
        f"got {result.risk.value} ({flags})"
    )


def test_corpus_is_all_here() -> None:
    # 54 notices less the two damaged files, archive members counted one by one.
    assert len(NOTICES) >= 50
    assert {labels["expected_risk"] for labels, _, _ in NOTICES.values()} >= {"none", "low", "high"}


@pytest.mark.parametrize("name", sorted(NOTICES))
def test_notice_agrees_with_its_labels(name: str) -> None:
    """One test per notice so that each is extracted (and OCR'd) once, on one worker."""
    result = _scan(name)
    labels = NOTICES[name][0]
    expected_risk = Risk(labels["expected_risk"])
    expected = set(labels["expected_categories"])
    fired: dict[str, set[Severity]] = {}
    for flag in result.flags:
        if not flag.signal:
            fired.setdefault(flag.category, set()).add(flag.severity)
    problems = []
    # Document level: expected high/medium -> medium/high, expected none/low -> none/low.
    if (result.risk in FLAGGED) != (expected_risk in FLAGGED):
        problems.append("document-level disagreement")
    # Finer: an ordinary camera tender is `low` (context signals only), not `none`, and a
    # purchase aimed at a group is `high`, not `medium`.
    if result.risk is not expected_risk:
        problems.append(f"risk {result.risk.value}, labelled {expected_risk.value}")
    if missing := expected - set(fired):
        problems.append(f"expected categories not flagged: {sorted(missing)}")
    # A high flag in a category the notice does not buy is a false lead for a reviewer. Medium
    # rules are indicators that need context and may point past the labels (the DS-IF0100-AI
    # product in a mosque tender: documented as Uyghur analytics, not labelled as such here).
    if extra := sorted(
        c for c, severities in fired.items() if c not in expected and Severity.HIGH in severities
    ):
        problems.append(f"high flags in unlabelled categories: {extra}")
    assert not problems, "; ".join(problems) + "\n" + _explain(name, result)
