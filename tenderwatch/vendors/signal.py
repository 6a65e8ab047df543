"""The ``context.vendor.sanctioned`` signal: a supplier or maker on a public list.

A context signal raises the severity of a document's rights flags but never flags a document on
its own. The flag quotes the mention exactly as extracted and names every list reference, so a
reader can check the listing without asking how it was found.
"""

from __future__ import annotations

from ..model import Flag, Severity
from .dataset import list_info, shipped_dataset, source_info
from .matcher import Candidate, Decision, MatchResult, VendorIndex
from .model import Entity, Listing

RULE_ID = "context.vendor.sanctioned"
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
