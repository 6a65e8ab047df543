"""The ``context.vendor.sanctioned`` signal: a supplier or maker on a public list.

A context signal raises the severity of a document's rights flags but never flags a document on
its own. The flag quotes the mention exactly as extracted and names every list reference, so a
reader can check the listing without asking how it was found.

:func:`link_vendors` finds a notice's vendor mentions in its facts (suppliers, the brand
column of item tables, product model numbers), matches them, and returns the mentions for
the store plus one signal flag per listed entity; :func:`with_signals` adds those flags to a
scan result and recomputes its risk with the detection ladder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..detect.engine import CONTEXT_CHARS
from ..detect.risk import assess
from ..facts.model import NoticeFacts, Product
from ..model import PAGE_SEPARATOR, Flag, ScanResult, Severity
from ..store.base import MentionRole, VendorMatch, VendorMention
from .dataset import list_info, shipped_dataset, source_info
from .judgements import JudgementLog, mention_key
from .matcher import Candidate, Decision, Feature, MatchResult, VendorIndex
from .model import Entity, Listing

RULE_ID = "context.vendor.sanctioned"
TITLE = "Supplier or maker on a public sanctions or export-control list"
CATEGORY = "context.vendor"


def describe_listing(listing: Listing) -> str:
    """One line a human can check: list, date, reference and where it is published."""
    info = list_info(listing.list_id)
    title = info.title if info else listing.list_id
    source = source_info(listing.source)
    url = listing.url or (source.url if source else None)
    added = f", added {listing.added.isoformat()}" if listing.added else ""
    return f"{title}{added}: {listing.reference}" + (f" <{url}>" if url else "")


def _listed_via(candidate: Candidate, index: VendorIndex) -> list[tuple[Entity, Listing]]:
    """Active listings of the matched entity, then of its parents (subsidiaries of listed firms)."""
    found: list[tuple[Entity, Listing]] = []
    seen: set[str] = set()
    entity = index.get(candidate.entity_id)
    while entity is not None and entity.id not in seen:
        seen.add(entity.id)
        found += [(entity, listing) for listing in entity.active_listings]
        entity = index.get(entity.parent) if entity.parent else None
    return found


def sanctioned_flag(
    result: MatchResult,
    index: VendorIndex,
    *,
    text: str | None = None,
    page: int = 1,
    start: int = 0,
    end: int | None = None,
    context: str | None = None,
) -> Flag | None:
    """A signal Flag when the mention's best match (decision ``match``) is listed.

    ``text``/``page``/``start``/``end``/``context`` locate the mention in the document's
    original text (see tenderwatch.model); they default to the mention itself.
    """
    best = result.best
    if best is None or best.decision is not Decision.MATCH:
        return None
    listed = _listed_via(best, index)
    if not listed:
        return None
    quoted = text if text is not None else result.mention
    why = ", ".join(f"{f.name} {f.score:g}" for f in best.features[:3])
    lines = [f"「{quoted}」 matched {best.caption} ({why})"]
    for entity, listing in listed:
        via = "" if entity.id == best.entity_id else f" (parent {entity.caption})"
        lines.append(f"{describe_listing(listing)}{via}")
    return Flag(
        rule=RULE_ID,
        category=CATEGORY,
        severity=Severity.MEDIUM,
        signal=True,
        text=quoted,
        page=page,
        start=start,
        end=start + len(quoted) if end is None else end,
        context=(context + "\n" if context else "") + "\n".join(lines),
        ruleset_version=f"vendors-{shipped_dataset().version}",
    )


# -- a notice's mentions, matched -------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    role: MentionRole
    text: str  # as extracted, text[start:end]
    start: int
    end: int
    query: str  # what is matched: the normalised value
    product: Product | None = None


@dataclass
class VendorLinks:
    """What :func:`link_vendors` found in one notice."""

    mentions: list[VendorMention] = field(default_factory=list)
    signals: list[Flag] = field(default_factory=list)


def _mentions(facts: NoticeFacts) -> list[_Found]:
    found = [
        _Found(MentionRole.SUPPLIER, s.source.text, s.source.start, s.source.end, s.value)
        for s in facts.suppliers
    ]
    for item in facts.items:
        if not item.brand or not item.brand.strip():
            continue
        row = item.source
        at = row.text.find(item.brand)
        # The brand cell's own offsets when the row quotes it verbatim, else the whole row.
        start, end = (row.start + at, row.start + at + len(item.brand)) if at >= 0 else (
            row.start, row.end)  # fmt: skip
        text = item.brand if at >= 0 else row.text
        found.append(_Found(MentionRole.BRAND, text, start, end, item.brand.strip()))
    for product in facts.products:
        src = product.source
        found.append(
            _Found(MentionRole.MODEL, src.text, src.start, src.end, product.model, product)
        )
    return found


def _by_maker(
    product: Product, index: VendorIndex, judgements: JudgementLog | None
) -> MatchResult | None:
    """A model number without a vendor prefix (NF5468M5, Atlas 300I) still names its maker:
    the facts pattern that recognised it says which; match the maker's name instead."""
    result = index.match(product.maker, judgements)
    if result.decision is not Decision.MATCH:
        return None
    why = Feature(
        name="product_maker",
        score=result.candidates[0].score,
        mention_key=product.model,
        candidate_key=product.pattern,
        candidate_name=product.maker,
        why=f"model {product.model} fits product pattern {product.pattern} of {product.maker}"
        " (tenderwatch/facts/data/products.yaml); the maker's name was matched",
    )
    candidates = [c.model_copy(update={"features": [why, *c.features]}) for c in result.candidates]
    return result.model_copy(update={"candidates": candidates})


def _match(
    found: _Found,
    index: VendorIndex,
    judgements: JudgementLog | None,
    cache: dict[tuple[str, str], tuple[str, MatchResult]],
) -> tuple[str, MatchResult]:
    """(query actually matched, result); one match per distinct query in a notice."""
    key = (found.role.value, found.query)
    if key not in cache:
        query, result = found.query, index.match(found.query, judgements)
        if result.decision is not Decision.MATCH and found.product is not None:
            by_maker = _by_maker(found.product, index, judgements)
            if by_maker is not None:
                query, result = found.product.maker, by_maker
        cache[key] = (query, result)
    return cache[key]


def link_vendors(
    doc_id: str,
    facts: NoticeFacts,
    text: str,
    index: VendorIndex,
    judgements: JudgementLog | None = None,
) -> VendorLinks:
    """Match a notice's supplier, brand and model mentions; ``text`` is the document's
    original text (pages joined by form feeds), which the facts' offsets point into.
    A matched entity on a public list (itself or through its parent) gives one
    ``context.vendor.sanctioned`` flag, at its first mention."""
    links = VendorLinks()
    version = shipped_dataset().version
    cache: dict[tuple[str, str], tuple[str, MatchResult]] = {}
    flagged: set[str] = set()
    for found in sorted(_mentions(facts), key=lambda f: (f.start, f.end)):
        query, result = _match(found, index, judgements, cache)
        links.mentions.append(
            VendorMention(
                doc_id=doc_id,
                role=found.role,
                text=found.text,
                mention_key=mention_key(query),
                page=text.count(PAGE_SEPARATOR, 0, found.start) + 1,
                start=found.start,
                end=found.end,
                matches=[
                    VendorMatch(
                        entity_id=c.entity_id,
                        score=c.score,
                        decision=c.decision.value,
                        features=[f.model_dump(mode="json") for f in c.features],
                        dataset_version=str(version),
                    )
                    for c in result.candidates
                ],
            )
        )
        best = result.best
        if best is None or best.entity_id in flagged:
            continue
        flag = sanctioned_flag(
            result,
            index,
            text=found.text,
            page=links.mentions[-1].page,
            start=found.start,
            end=found.end,
            context=text[max(0, found.start - CONTEXT_CHARS) : found.end + CONTEXT_CHARS],
        )
        if flag is not None:
            flagged.add(best.entity_id)
            links.signals.append(flag)
    return links


def scan_with_vendors(
    doc_id: str,
    text: str,
    facts: NoticeFacts | None,
    scan: ScanResult,
    index: VendorIndex,
    judgements: JudgementLog | None = None,
) -> tuple[ScanResult, list[VendorMention]]:
    """A document's scan with its listed vendors' signals added and its risk recomputed
    (:func:`link_vendors`, then :func:`with_signals`), and its vendor mentions. ``text``
    is the document's original text; a document without facts has no mentions."""
    if facts is None:
        return scan, []
    links = link_vendors(doc_id, facts, text, index, judgements)
    return with_signals(scan, links.signals), links.mentions


def with_signals(scan: ScanResult, signals: list[Flag]) -> ScanResult:
    """``scan`` with vendor signal flags added and its risk recomputed by the detection
    ladder (tenderwatch.detect.risk), so a listed supplier raises a finding's severity.
    Reasons the ladder did not give (e.g. a detection limit reached) are kept."""
    if not signals:
        return scan
    _, ladder = assess(scan.flags)
    kept = [reason for reason in scan.reasons if reason not in ladder]
    flags = sorted([*scan.flags, *signals], key=lambda f: (f.start, f.end, f.rule))
    risk, reasons = assess(flags)
    return ScanResult(
        risk=risk, flags=flags, reasons=reasons + kept, ruleset_version=scan.ruleset_version
    )
