"""Evidence packs: a zip someone can publish from and others can verify.

From any filtered view (a :class:`~tenderwatch.review.QueueFilter`) the pack holds

- ``originals/<sha256><ext>``: the exact bytes of every document in the view;
- ``warc/<sha256>-<n>.warc.gz``: each WARC record a document was captured in, cut out whole;
- ``report.html`` and ``report.pdf``: every *confirmed* finding quoting its evidence with
  page, offsets, document hash, rule, references and the reviewer's decision;
- ``manifest.json``: documents, captures, findings and the sha256 of every file;
- ``SHA256SUMS``: the same sums in ``sha256sum -c`` format (manifest.json included).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field

from . import __version__
from .blobs import BlobStore
from .model import Flag
from .review import DocumentView, QueueFilter, ReviewError, RuleInfo, document_view, queue
from .settings import Settings
from .store.base import Decision, DecisionStatus, DocumentRecord, Store

# Media type → extension of the stored original; anything else is kept as ``.bin``.
EXTENSIONS = {
    "text/html": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
}
# WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) covers CJK; without it Chinese quotes in the
# PDF would render as empty boxes, so a missing font is an error, not a silent fallback.
DEFAULT_CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def original_name(record: DocumentRecord) -> str:
    """A safe file name for a document's bytes: its id and an extension, nothing from input."""
    return record.id + EXTENSIONS.get(record.media_type.split(";")[0].strip(), ".bin")


class Finding(BaseModel):
    doc_id: str
    title: str | None
    rule: RuleInfo
    category: str
    severity: str
    decision: Decision
    quotes: list[Flag]


class PackFile(BaseModel):
    path: str
    sha256: str
    size: int


class PackSummary(BaseModel):
    path: str
    created_at: datetime
    filter: dict[str, str]
    documents: int
    findings: int
    warc_records: int
    files: list[PackFile] = Field(description="every file in the zip except SHA256SUMS")
    problems: list[str] = Field(default_factory=list, description="originals or records missing")


def warc_record(path: Path, offset: int) -> bytes:
    """The raw bytes of the one WARC record starting at ``offset`` (still gzipped when the
    file is: each record of a .warc.gz is its own gzip member, so the cut is a valid file)."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as handle:
        handle.seek(offset)
        records = ArchiveIterator(handle)
        record = next(iter(records))
        record.content_stream().read()
        records.read_to_end(record)
        length = int(records.get_record_length())
        handle.seek(offset)
        return handle.read(length)


def _findings(view: DocumentView) -> list[Finding]:
    out = []
    for review in view.reviews:
        if review.current is None or review.current.status is not DecisionStatus.CONFIRMED:
            continue
        quotes = [view.flags[i] for i in review.flags]
        out.append(
            Finding(
                doc_id=view.document.id,
                title=view.document.title,
                rule=review.rule,
                category=quotes[0].category,
                severity=max((q.severity for q in quotes), key=["low", "medium", "high"].index),
                decision=review.current,
                quotes=quotes,
            )
        )
    return out


def _report_html(context: dict[str, object]) -> str:
    env = Environment(
        loader=PackageLoader("tenderwatch.web", "templates"),
        autoescape=select_autoescape(default=True),
    )
    return env.get_template("report.html").render(**context)


def _report_pdf(findings: list[Finding], header: list[str], font: Path) -> bytes:
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if not font.is_file():
        raise ReviewError(f"CJK font {font} is missing (Debian package fonts-wqy-zenhei)")
    if "TWCJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TWCJK", str(font), subfontIndex=0))
    body = ParagraphStyle("body", fontName="TWCJK", fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=20, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=11, leading=15, spaceBefore=8)
    quote = ParagraphStyle("quote", parent=body, leftIndent=6 * mm, textColor="#444444")

    story: list[object] = [Paragraph("tenderwatch evidence pack — findings", title)]
    story += [Paragraph(escape(line), small) for line in header]
    story.append(Spacer(1, 4 * mm))
    if not findings:
        story.append(Paragraph("No confirmed findings in this view.", body))
    for n, f in enumerate(findings, 1):
        story.append(Paragraph(f"{n}. {escape(f.rule.title)} ({escape(f.rule.id)})", heading))
        story.append(
            Paragraph(
                escape(f"{f.title or '(untitled)'} · sha256 {f.doc_id} · severity {f.severity}"),
                small,
            )
        )
        for q in f.quotes:
            story.append(
                Paragraph(
                    f"p.{q.page} [{q.start}–{q.end}] “<b>{escape(q.text)}</b>” — "
                    f"{escape(q.context)}",
                    quote,
                )
            )
        d = f.decision
        story.append(
            Paragraph(
                escape(f"Decision: {d.status} by {d.reviewer} at {d.decided_at.isoformat()}")
                + (f" — {escape(d.note)}" if d.note else ""),
                body,
            )
        )
        story.append(Paragraph(escape(f.rule.rationale), small))
        for ref in f.rule.references:
            story.append(
                Paragraph(escape(f"{ref.publisher}, {ref.title} ({ref.date}) {ref.url}"), small)
            )
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="tenderwatch findings").build(story)
    return out.getvalue()


def build_pack(
    store: Store,
    settings: Settings,
    flt: QueueFilter,
    out: Path,
    *,
    max_documents: int = 500,
    font: Path = DEFAULT_CJK_FONT,
) -> PackSummary:
    """Write the evidence pack of the documents in ``flt``'s view to ``out`` (a .zip)."""
    items = queue(store, flt.model_copy(update={"limit": 10_000, "offset": 0})).items
    doc_ids = list(dict.fromkeys(item.doc_id for item in items))
    if len(doc_ids) > max_documents:
        raise ReviewError(
            f"the view holds {len(doc_ids)} documents, more than the pack limit of"
            f" {max_documents}; narrow the filter or raise TENDERWATCH_WEB_MAX_PACK_DOCUMENTS"
        )
    created = datetime.now(UTC)
    blobs = BlobStore(settings.data_dir / "blobs")
    files: list[PackFile] = []
    problems: list[str] = []
    documents: list[dict[str, object]] = []
    findings: list[Finding] = []
    records = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as pack:

        def add(name: str, data: bytes) -> None:
            pack.writestr(name, data)
            files.append(
                PackFile(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            )

        for doc_id in doc_ids:
            view = document_view(store, doc_id)
            entry: dict[str, object] = {
                "sha256": doc_id,
                "title": view.document.title,
                "media_type": view.document.media_type,
                "captures": [c.model_dump(mode="json") for c in view.captures],
            }
            if blobs.exists(doc_id):
                entry["original"] = f"originals/{original_name(view.document)}"
                add(str(entry["original"]), blobs.get(doc_id))
            else:
                problems.append(f"{doc_id}: original bytes are not in the blob store")
            warcs = []
            for n, capture in enumerate(c for c in view.captures if c.warc_file):
                try:
                    data = warc_record(Path(str(capture.warc_file)), capture.warc_offset or 0)
                except (OSError, StopIteration, ValueError) as exc:
                    problems.append(f"{doc_id}: WARC record in {capture.warc_file}: {exc}")
                    continue
                name = f"warc/{doc_id}-{n}.warc.gz"
                add(name, data)
                warcs.append(name)
                records += 1
            entry["warc_records"] = warcs
            documents.append(entry)
            findings.extend(_findings(view))
        header = [
            f"created {created.isoformat()} by tenderwatch {__version__}",
            f"view: {json.dumps(flt.query_args(), ensure_ascii=False)}",
            f"{len(doc_ids)} documents, {len(findings)} confirmed findings",
        ]
        add(
            "report.html",
            _report_html({"findings": findings, "header": header, "documents": documents}).encode(),
        )
        add("report.pdf", _report_pdf(findings, header, font))
        manifest = {
            "created_at": created.isoformat(),
            "tenderwatch": __version__,
            "filter": flt.query_args(),
            "documents": documents,
            "findings": [f.model_dump(mode="json") for f in findings],
            "files": [f.model_dump() for f in files],
            "problems": problems,
        }
        add("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        pack.writestr("SHA256SUMS", "".join(f"{f.sha256}  {f.path}\n" for f in files))
    return PackSummary(
        path=str(out),
        created_at=created,
        filter=flt.query_args(),
        documents=len(doc_ids),
        findings=len(findings),
        warc_records=records,
        files=files,
        problems=problems,
    )
