"""`tenderwatch check`: extract and scan files like a linter, without a database.

Every input yields a :class:`CheckResult`; an unreadable file is a result with an error,
never an exception, so one bad file does not stop the run. Given a vendor index, a
document's listed suppliers and makers add their signal as ingest adds it, so a document
gets the risk here that it gets in the archive (without reviewers' judgements, which live
in the archive's database).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import Extraction, ExtractionStatus, ScanResult
from ..settings import Settings
from .engine import scan
from .loader import RuleSet

if TYPE_CHECKING:
    from ..vendors.matcher import VendorIndex

# Statuses that mean the document's text could not be read at all.
_UNREADABLE = {
    ExtractionStatus.FAILED: "could not be read",
    ExtractionStatus.NEEDS_OCR: "has pages without a text layer and OCR is not available",
}


@dataclass(frozen=True)
class CheckResult:
    path: Path
    sha256: str | None
    extraction: Extraction | None
    scan: ScanResult | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        """The line `tenderwatch check --format json` prints for this input."""
        flags = self.scan.flags if self.scan else []
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "risk": self.scan.risk.value if self.scan else None,
            "flags": [
                {
                    "rule": f.rule,
                    "category": f.category,
                    "severity": f.severity.value,
                    "signal": f.signal,
                    "text": f.text,
                    "page": f.page,
                    "start": f.start,
                    "end": f.end,
                }
                for f in flags
            ],
            "error": self.error,
        }


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and every file under folders named (sorted; hidden entries skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden:
                    yield child
        else:
            yield path  # a missing file becomes a result with an error


def check_file(
    path: Path, ruleset: RuleSet, settings: Settings, vendors: VendorIndex | None = None
) -> CheckResult:
    """Read, extract and scan one file; problems are recorded in the result's ``error``.
    With ``vendors`` (``tenderwatch.vendors.build_index``), listed vendors among the
    document's facts add their signal to the scan, as at ingest."""
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            return CheckResult(
                path,
                None,
                None,
                None,
                f"file is {size} bytes, over max_file_bytes ({settings.max_file_bytes})",
            )
        data = path.read_bytes()
    except OSError as exc:
        return CheckResult(path, None, None, None, f"cannot read: {exc.strerror or exc}")
    digest = hashlib.sha256(data).hexdigest()
    extraction = _extract(data, settings)
    problem = _UNREADABLE.get(extraction.status)
    if problem is not None:
        detail = f": {extraction.error}" if extraction.error else ""
        return CheckResult(path, digest, extraction, None, f"{problem}{detail}")
    result = scan(extraction, ruleset, settings=settings)
    if vendors is not None:
        result = _with_vendors(digest, extraction, result, vendors, settings)
    return CheckResult(path, digest, extraction, result, None)


def _with_vendors(
    digest: str,
    extraction: Extraction,
    result: ScanResult,
    vendors: VendorIndex,
    settings: Settings,
) -> ScanResult:
    # Imported here: facts and vendors load tables that `rules test` never needs.
    from ..facts import extract_facts
    from ..vendors.signal import scan_with_vendors

    facts = extract_facts(extraction, settings=settings)
    return scan_with_vendors(digest, extraction.text, facts, result, vendors)[0]


def _extract(data: bytes, settings: Settings) -> Extraction:
    # Imported here: extraction pulls in PDF/OCR libraries that `rules ls` never needs.
    from ..extract import extract

    return extract(data, settings=settings, media_type=None, charset_hint=None)
