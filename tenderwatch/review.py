"""The review workflow: the flag queue, decisions and their history, the dashboard's
aggregates and the document view, as typed library functions the web UI and CLI share.

A queue item is one rule on one document (a document may quote the same rule several
times; a reviewer judges the rule's finding once). Decisions are appended through
:meth:`Store.add_decision` and never rewritten; the *current* decision of an item is the
latest by ``(decided_at, id)``, so two reviewers deciding at once are both kept and the
later one (ties broken by the content-derived id) is what the queue shows.

Facts (buyer, region, dates, products) and vendor matches are read from their own tables
(migrations 0004/0005) where those areas have stored them; filters on them simply match
nothing until they do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from itertools import pairwise
from pathlib import Path

from pydantic import BaseModel, Field

from .detect import load_ruleset
from .facts.model import NoticeFacts
from .facts.regions import Gazetteer, load_gazetteer
from .model import PAGE_SEPARATOR, Flag, Severity
from .store.base import (
    Capture,
    Decision,
    DecisionStatus,
    DocumentNotFound,
    DocumentRecord,
    DocumentScan,
    InputError,
    Store,
    StoreError,
)
from .store.sqlite import connect as sqlite_connect


class ReviewError(StoreError):
    """A review request cannot be carried out (unknown flag, bad filter, unsupported store)."""


class ReviewStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    UNSURE = "unsure"


class QueueSort(StrEnum):
    SEVERITY = "severity"
    DATE = "date"
    DOCUMENT = "document"
    STATUS = "status"


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}
_SEVERITY_SQL = "CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END"


@contextmanager
def connect(store: Store) -> Iterator[sqlite3.Connection]:
    """A short-lived connection of our own to the store's database file: the store keeps its
    connection private, and one connection per request is what WAL readers want anyway."""
    path = getattr(store, "path", None)
    if not isinstance(path, Path):
        raise ReviewError("the review workbench needs the SQLite store (TENDERWATCH_DATABASE_URL)")
    db = sqlite_connect(path)
    try:
        yield db
    finally:
        db.close()


# -- the queue ----------------------------------------------------------------------------


class QueueFilter(BaseModel):
    """What a queue, search, dashboard link or evidence pack is narrowed to."""

    category: str | None = None
    severity: Severity | None = None
    status: ReviewStatus | None = None
    region: str | None = Field(
        None, pattern=r"^\d{6}$", description="GB/T 2260 code; its sub-divisions match too"
    )
    buyer: str | None = None
    vendor: str | None = None
    product: str | None = Field(None, description="product model or maker")
    date_from: date | None = None
    date_to: date | None = None
    doc_ids: list[str] | None = Field(None, description="restrict to these documents")
    sort: QueueSort = QueueSort.SEVERITY
    limit: int = Field(100, ge=1, le=10_000)
    offset: int = Field(0, ge=0)

    def query_args(self) -> dict[str, str]:
        """The filter as URL query arguments (for links and the export button)."""
        skip = {"doc_ids", "limit", "offset"}
        out = {}
        for name, value in self.model_dump(mode="json", exclude=skip).items():
            if value not in (None, "") and not (name == "sort" and value == QueueSort.SEVERITY):
                out[name] = str(value)
        return out


class QueueItem(BaseModel):
    doc_id: str
    title: str | None
    rule: str
    category: str
    severity: Severity
    flags: int = Field(description="times the rule matched in the document")
    text: str = Field(description="the first matched text")
    page: int
    status: ReviewStatus
    reviewer: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    buyer: str | None = None
    region: str | None = None
    day: str | None = Field(None, description="publication date, else the extraction date")


class Queue(BaseModel):
    filter: QueueFilter
    total: int
    items: list[QueueItem]


_LATEST_DECISIONS = """
    SELECT doc_id, rule, status, reviewer, decided_at, note FROM (
        SELECT doc_id, rule, status, reviewer, decided_at, note, row_number() OVER (
            PARTITION BY doc_id, rule ORDER BY decided_at DESC, id DESC) AS rn
        FROM decisions) ranked
    WHERE rn = 1"""

_QUEUE_FROM = f"""
    FROM (SELECT doc_id, rule, category, max({_SEVERITY_SQL}) AS sev, count(*) AS n,
                 min(seq) AS first_seq
          FROM flags WHERE signal = 0 GROUP BY doc_id, rule, category) f
    JOIN documents d ON d.id = f.doc_id
    JOIN flags fl ON fl.doc_id = f.doc_id AND fl.seq = f.first_seq
    LEFT JOIN ({_LATEST_DECISIONS}) l ON l.doc_id = f.doc_id AND l.rule = f.rule
    LEFT JOIN notice_facts nf ON nf.doc_id = f.doc_id"""

_DAY = "coalesce(nf.published, substr(d.extracted_at, 1, 10))"

_ORDER = {
    QueueSort.SEVERITY: f"f.sev DESC, {_DAY} DESC, f.doc_id, f.rule",
    QueueSort.DATE: f"{_DAY} DESC, f.sev DESC, f.doc_id, f.rule",
    QueueSort.DOCUMENT: "d.title, f.doc_id, f.sev DESC, f.rule",
    QueueSort.STATUS: "coalesce(l.status, 'pending'), f.sev DESC, f.doc_id, f.rule",
}


def region_prefix(code: str) -> str:
    """GB/T 2260 codes nest by digit pairs (650000 ⊃ 653100 ⊃ 653101): a division's
    sub-divisions share its code without the trailing zero pairs."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def _where(flt: QueueFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if flt.category:
        clauses.append("f.category = ?")
        params.append(flt.category)
    if flt.severity:
        clauses.append("f.sev = ?")
        params.append(_SEVERITY_RANK[flt.severity])
    if flt.status:
        clauses.append("coalesce(l.status, 'pending') = ?")
        params.append(flt.status.value)
    if flt.region:
        clauses.append("nf.buyer_division LIKE ?")
        params.append(region_prefix(flt.region) + "%")
    if flt.buyer:
        clauses.append("nf.buyer = ?")
        params.append(flt.buyer)
    if flt.vendor:
        clauses.append(
            "(EXISTS (SELECT 1 FROM fact_values v WHERE v.doc_id = f.doc_id"
            " AND v.field = 'supplier' AND v.value = ?)"
            " OR EXISTS (SELECT 1 FROM vendor_mentions m JOIN vendor_matches x"
            " ON x.mention_id = m.id WHERE m.doc_id = f.doc_id AND x.decision = 'match'"
            " AND x.entity_id = ?))"
        )
        params += [flt.vendor, flt.vendor]
    if flt.product:
        clauses.append(
            "EXISTS (SELECT 1 FROM fact_products p WHERE p.doc_id = f.doc_id"
            " AND (p.model = ? OR p.maker = ?))"
        )
        params += [flt.product, flt.product]
    if flt.date_from:
        clauses.append(f"{_DAY} >= ?")
        params.append(flt.date_from.isoformat())
    if flt.date_to:
        clauses.append(f"{_DAY} <= ?")
        params.append(flt.date_to.isoformat())
    if flt.doc_ids is not None:
        # an empty list (a search that found nothing) must match nothing, not everything
        marks = ", ".join("?" for _ in flt.doc_ids) or "NULL"
        clauses.append(f"f.doc_id IN ({marks})")
        params += flt.doc_ids
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def queue(store: Store, flt: QueueFilter) -> Queue:
    """Flag queue items matching ``flt``, sorted and paged, with the total before paging."""
    where, params = _where(flt)
    with connect(store) as db:
        total = db.execute(f"SELECT count(*) {_QUEUE_FROM}{where}", params).fetchone()[0]
        rows = db.execute(
            "SELECT f.doc_id, coalesce(d.title, nf.project_name), f.rule, f.category, f.sev,"
            " f.n, fl.text, fl.page,"
            " coalesce(l.status, 'pending'), l.reviewer, l.decided_at, l.note, nf.buyer,"
            f" nf.buyer_division, {_DAY} {_QUEUE_FROM}{where}"
            f" ORDER BY {_ORDER[flt.sort]} LIMIT ? OFFSET ?",
            [*params, flt.limit, flt.offset],
        ).fetchall()
    severity = {rank: sev for sev, rank in _SEVERITY_RANK.items()}
    items = [
        QueueItem(
            doc_id=r[0],
            title=r[1],
            rule=r[2],
            category=r[3],
            severity=severity[r[4]],
            flags=r[5],
            text=r[6],
            page=r[7],
            status=ReviewStatus(r[8]),
            reviewer=r[9],
            decided_at=datetime.fromisoformat(r[10]) if r[10] else None,
            note=r[11],
            buyer=r[12],
            region=region_name(r[13]) if r[13] else None,
            day=r[14],
        )
        for r in rows
    ]
    return Queue(filter=flt, total=int(total), items=items)


# -- decisions ----------------------------------------------------------------------------


def decide(
    store: Store,
    doc_id: str,
    rule: str,
    status: DecisionStatus,
    *,
    reviewer: str,
    note: str = "",
    at: datetime | None = None,
) -> Decision:
    """Append a decision on ``rule`` in ``doc_id``; refuses rules the document was not flagged
    for, so a typo cannot create a finding the machine never made."""
    store.document(doc_id)  # raises DocumentNotFound
    if not any(f.rule == rule and not f.signal for f in store.flags(doc_id)):
        raise ReviewError(f"document {doc_id[:12]} has no flag of rule {rule!r}")
    decision = Decision(
        doc_id=doc_id,
        rule=rule,
        status=status,
        note=note,
        reviewer=reviewer,
        decided_at=at or datetime.now(UTC),
    )
    store.add_decision(decision)
    return decision


def current_decisions(history: list[Decision]) -> dict[str, Decision]:
    """Rule → its current decision, given a document's history in (decided_at, id) order
    (the order :meth:`Store.decisions` returns): the last one wins."""
    return {d.rule: d for d in history}


# -- facets and names ---------------------------------------------------------------------


@cache
def _gazetteer() -> Gazetteer:
    return load_gazetteer()


def region_name(code: str) -> str:
    """``新疆维吾尔自治区 › 喀什地区`` for a division code; the code itself when unknown."""
    try:
        return " › ".join(d.name for d in _gazetteer().path(code))
    except KeyError:
        return code


class Facets(BaseModel):
    """The values the queue's filters can take, for the filter form."""

    categories: list[str]
    regions: list[tuple[str, str]] = Field(description="(province code, name)")
    buyers: list[str]
    vendors: list[str]
    products: list[str]


def facets(store: Store, limit: int = 200) -> Facets:
    with connect(store) as db:

        def values(sql: str) -> list[str]:
            return [str(r[0]) for r in db.execute(sql + " LIMIT ?", (limit,)) if r[0]]

        divisions = values("SELECT DISTINCT buyer_division FROM notice_facts ORDER BY 1")
        provinces = sorted({c[:2] + "0000" for c in divisions})
        return Facets(
            categories=values("SELECT DISTINCT category FROM flags WHERE signal = 0 ORDER BY 1"),
            regions=[(code, region_name(code)) for code in provinces],
            buyers=values("SELECT DISTINCT buyer FROM notice_facts ORDER BY 1"),
            vendors=values(
                "SELECT DISTINCT value FROM fact_values WHERE field = 'supplier' ORDER BY 1"
            ),
            products=values("SELECT DISTINCT model FROM fact_products ORDER BY 1"),
        )


# -- dashboard ----------------------------------------------------------------------------


class Bar(BaseModel):
    label: str
    count: int
    filter: dict[str, str] = Field(description="queue filter that lists these documents")


class Dashboard(BaseModel):
    documents: int
    flagged_documents: int
    open_items: int
    confirmed_items: int
    by_category: list[Bar]
    by_severity: list[Bar]
    by_region: list[Bar]
    by_year: list[Bar]
    by_vendor: list[Bar]
    by_status: list[Bar]
    recent: list[DocumentRecord]
    failed_documents: list[DocumentRecord]
    failed_inputs: list[InputError]


def _bars(rows: list[tuple[object, int]], key: str | None, limit: int = 12) -> list[Bar]:
    return [
        Bar(label=str(label), count=int(n), filter={key: str(label)} if key else {})
        for label, n in rows[:limit]
    ]


def dashboard(store: Store, *, recent: int = 10) -> Dashboard:
    """Counts of flagged documents (documents with at least one non-signal flag)."""
    flagged = "SELECT DISTINCT doc_id FROM flags WHERE signal = 0"
    with connect(store) as db:

        def rows(sql: str) -> list[tuple[object, int]]:
            return [(r[0], int(r[1])) for r in db.execute(sql)]

        by_category = rows(
            "SELECT category, count(DISTINCT doc_id) FROM flags WHERE signal = 0"
            " GROUP BY category ORDER BY 2 DESC, 1"
        )
        by_severity = rows(
            f"SELECT sev, count(*) FROM (SELECT doc_id, max({_SEVERITY_SQL}) AS sev FROM flags"
            " WHERE signal = 0 GROUP BY doc_id) s GROUP BY sev ORDER BY sev DESC"
        )
        divisions = rows(
            f"SELECT nf.buyer_division, count(*) FROM notice_facts nf WHERE nf.doc_id IN"
            f" ({flagged}) AND nf.buyer_division IS NOT NULL GROUP BY 1"
        )
        by_year = rows(
            "SELECT substr(coalesce(nf.published, d.extracted_at), 1, 4), count(*)"
            " FROM documents d LEFT JOIN notice_facts nf ON nf.doc_id = d.id"
            f" WHERE d.id IN ({flagged}) GROUP BY 1 ORDER BY 1 DESC"
        )
        by_vendor = rows(
            "SELECT value, count(DISTINCT doc_id) FROM fact_values WHERE field = 'supplier'"
            f" AND value IS NOT NULL AND doc_id IN ({flagged}) GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        by_status = rows(
            "SELECT coalesce(l.status, 'pending'), count(*) FROM (SELECT DISTINCT doc_id, rule"
            f" FROM flags WHERE signal = 0) f LEFT JOIN ({_LATEST_DECISIONS}) l"
            " ON l.doc_id = f.doc_id AND l.rule = f.rule GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        flagged_count = db.execute(f"SELECT count(*) FROM ({flagged}) x").fetchone()[0]
    provinces: dict[str, int] = {}
    for code, n in divisions:
        province = str(code)[:2] + "0000"
        provinces[province] = provinces.get(province, 0) + n
    severity = {rank: sev.value for sev, rank in _SEVERITY_RANK.items()}
    status_counts = dict(by_status)
    stats = store.stats()
    return Dashboard(
        documents=stats.documents,
        flagged_documents=int(flagged_count),
        open_items=status_counts.get("pending", 0) + status_counts.get("unsure", 0),
        confirmed_items=status_counts.get("confirmed", 0),
        by_category=_bars(by_category, "category"),
        by_severity=_bars([(severity[int(str(s))], n) for s, n in by_severity], "severity"),
        by_region=[
            Bar(label=region_name(code), count=n, filter={"region": code})
            for code, n in sorted(provinces.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
        ],
        by_year=[
            Bar(
                label=str(y),
                count=n,
                filter={"date_from": f"{y}-01-01", "date_to": f"{y}-12-31"},
            )
            for y, n in by_year
        ],
        by_vendor=_bars(by_vendor, "vendor"),
        by_status=_bars(by_status, "status"),
        recent=store.list_documents(limit=recent),
        failed_documents=store.list_documents(status=["failed"], limit=20),
        failed_inputs=stats.recent_errors,
    )


# -- the document view ----------------------------------------------------------------------


class Reference(BaseModel):
    title: str
    publisher: str
    date: str
    url: str


class RuleInfo(BaseModel):
    """Why a rule exists, shown beside its evidence."""

    id: str
    title: str
    description: str
    rationale: str
    references: list[Reference]


class Segment(BaseModel):
    """A run of page text, marked when it lies inside one or more flags' evidence."""

    text: str
    flags: list[int] = Field(description="indexes into DocumentView.flags")


class PageView(BaseModel):
    number: int
    ocr: bool
    segments: list[Segment]


class RuleReview(BaseModel):
    rule: RuleInfo
    flags: list[int]
    current: Decision | None
    history: list[Decision]


class DocumentView(BaseModel):
    document: DocumentRecord
    scan: DocumentScan | None
    flags: list[Flag]
    reviews: list[RuleReview] = Field(description="one per flagged rule (signals excluded)")
    signals: list[RuleInfo]
    pages: list[PageView]
    captures: list[Capture]
    facts: NoticeFacts | None


def _rule_info(rule_id: str) -> RuleInfo:
    try:
        rule = load_ruleset().rule(rule_id)
    except KeyError:
        # A rule removed since the scan: its evidence stays reviewable.
        return RuleInfo(
            id=rule_id,
            title=rule_id,
            description="not in the current rule set",
            rationale="",
            references=[],
        )
    return RuleInfo(
        id=rule.id,
        title=rule.title,
        description=rule.description,
        rationale=rule.rationale,
        references=[Reference(**r.model_dump()) for r in rule.references],
    )


def segment_page(text: str, page_start: int, flags: list[Flag]) -> list[Segment]:
    """Cut one page's text at every flag boundary; offsets are into the whole document's
    text, ``page_start`` is where this page begins in it."""
    page_end = page_start + len(text)
    spans = [
        (max(f.start, page_start) - page_start, min(f.end, page_end) - page_start, i)
        for i, f in enumerate(flags)
        if f.start < page_end and f.end > page_start and f.end > f.start
    ]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    segments: list[Segment] = []
    for start, end in pairwise(cuts):
        inside = [i for s, e, i in spans if s <= start and end <= e]
        if segments and not inside and not segments[-1].flags:
            segments[-1] = Segment(text=segments[-1].text + text[start:end], flags=[])
        else:
            segments.append(Segment(text=text[start:end], flags=inside))
    return segments


def document_view(store: Store, doc_id: str) -> DocumentView:
    """Everything the document page shows; raises DocumentNotFound."""
    record = store.document(doc_id)
    flags = store.flags(doc_id)
    history = store.decisions(doc_id)
    current = current_decisions(history)
    rules: dict[str, list[int]] = {}
    signals: dict[str, None] = {}
    for i, flag in enumerate(flags):
        if flag.signal:
            signals[flag.rule] = None
        else:
            rules.setdefault(flag.rule, []).append(i)
    pages, position = [], 0
    for page in store.pages(doc_id):
        pages.append(
            PageView(
                number=page.number, ocr=page.ocr, segments=segment_page(page.text, position, flags)
            )
        )
        position += len(page.text) + len(PAGE_SEPARATOR)
    return DocumentView(
        document=record,
        scan=store.latest_scan(doc_id),
        flags=flags,
        reviews=[
            RuleReview(
                rule=_rule_info(rule),
                flags=indexes,
                current=current.get(rule),
                history=[d for d in history if d.rule == rule],
            )
            for rule, indexes in rules.items()
        ],
        signals=[_rule_info(rule) for rule in signals],
        pages=pages,
        captures=store.captures(doc_id),
        facts=store.facts(doc_id),
    )


# -- entities (buyers, vendors, products) -------------------------------------------------


class EntityKind(StrEnum):
    BUYER = "buyer"
    VENDOR = "vendor"
    PRODUCT = "product"


class EntityCount(BaseModel):
    name: str
    documents: int
    flagged_documents: int


_ENTITY_SQL = {
    EntityKind.BUYER: "SELECT buyer AS name, doc_id FROM notice_facts WHERE buyer IS NOT NULL",
    EntityKind.VENDOR: "SELECT value AS name, doc_id FROM fact_values WHERE field = 'supplier'"
    " AND value IS NOT NULL",
    EntityKind.PRODUCT: "SELECT model AS name, doc_id FROM fact_products",
}


def entities(store: Store, kind: EntityKind) -> list[EntityCount]:
    """Every known buyer, vendor or product with its documents, most flagged first."""
    with connect(store) as db:
        rows = db.execute(
            f"SELECT e.name, count(DISTINCT e.doc_id), count(DISTINCT fl.doc_id)"
            f" FROM ({_ENTITY_SQL[kind]}) e"
            " LEFT JOIN flags fl ON fl.doc_id = e.doc_id AND fl.signal = 0"
            " GROUP BY e.name ORDER BY 3 DESC, 2 DESC, 1"
        ).fetchall()
    return [EntityCount(name=r[0], documents=r[1], flagged_documents=r[2]) for r in rows]


def entity_documents(store: Store, kind: EntityKind, name: str) -> list[DocumentRecord]:
    with connect(store) as db:
        ids = [
            r[0]
            for r in db.execute(
                f"SELECT DISTINCT doc_id FROM ({_ENTITY_SQL[kind]}) e"
                " WHERE name = ? ORDER BY doc_id",
                (name,),
            )
        ]
    out = []
    for doc_id in ids:
        try:
            out.append(store.document(doc_id))
        except DocumentNotFound:
            continue
    return out
