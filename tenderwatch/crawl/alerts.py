"""Alerts on new flags: saved searches (YAML) pick flags at or above a severity, and each
alert quotes the evidence and links to the notice. Delivered as an Atom feed, a JSON
webhook POST and e-mail through an SMTP server; each delivery is recorded so a watch loop
never sends the same alert twice on a channel."""

from __future__ import annotations

import hashlib
import smtplib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..fetch import make_client
from ..model import Severity
from ..normalize import normalize_query
from ..registry import Registry
from ..settings import Settings
from ..store.base import Store
from .state import CrawlState

_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}
_ATOM = "http://www.w3.org/2005/Atom"


class InvalidAlerts(Exception):
    """The saved-search file is malformed; the message names the file and field."""


class SavedSearch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    min_severity: Severity = Severity.HIGH
    categories: list[str] = Field(
        default_factory=list, description="category prefixes, e.g. ethnic or religion.practice"
    )
    query: str | None = Field(None, description="text the document must contain")
    webhook: str | None = Field(None, description="URL that receives a JSON POST")
    email: list[str] = Field(default_factory=list, description="addresses to mail")

    def wants(self, category: str, severity: Severity) -> bool:
        if _RANK[severity] < _RANK[self.min_severity]:
            return False
        return not self.categories or any(
            category == c or category.startswith(c + ".") for c in self.categories
        )


class Alert(BaseModel):
    """One flag of one document, as a saved search reports it."""

    search: str
    doc_id: str
    title: str | None
    url: str | None = Field(description="where the notice was captured from")
    rule: str
    category: str
    severity: Severity
    quote: str = Field(description="the matched text, exactly as extracted")
    context: str
    page: int

    @property
    def id(self) -> str:
        key = "\x1f".join([self.search, self.doc_id, self.rule])
        return hashlib.sha256(key.encode()).hexdigest()


def load_searches(path: Path) -> list[SavedSearch]:
    """Saved searches from a YAML file with a top-level ``searches:`` list."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidAlerts(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("searches"), list):
        raise InvalidAlerts(f"{path}: expected a mapping with a 'searches' list")
    searches = []
    for number, item in enumerate(raw["searches"], 1):
        try:
            searches.append(SavedSearch.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidAlerts(f"{path}: search {number}: {problems}") from exc
    return searches


def find_alerts(store: Store, doc_ids: Iterable[str], searches: list[SavedSearch]) -> list[Alert]:
    """Alerts for the stored flags of ``doc_ids`` that each saved search wants."""
    alerts: list[Alert] = []
    for doc_id in doc_ids:
        flags = [f for f in store.flags(doc_id) if not f.signal]
        if not flags:
            continue
        record = store.document(doc_id)
        url = next((c.url or c.source for c in store.captures(doc_id) if c.url), None)
        text = "\n".join(p.normalized for p in store.pages(doc_id))
        for search in searches:
            if search.query and normalize_query(search.query) not in text:
                continue
            alerts += [
                Alert(
                    search=search.name,
                    doc_id=doc_id,
                    title=record.title,
                    url=url,
                    rule=f.rule,
                    category=f.category,
                    severity=f.severity,
                    quote=f.text,
                    context=f.context,
                    page=f.page,
                )
                for f in flags
                if search.wants(f.category, f.severity)
            ]
    return alerts


def _summary(alert: Alert) -> str:
    return (
        f"[{alert.severity.value}] {alert.rule} on page {alert.page}: “{alert.quote}”\n"
        f"…{alert.context}…\n"
        f"document {alert.doc_id}" + (f"\n{alert.url}" if alert.url else "")
    )


def atom_feed(alerts: list[Alert], *, title: str, feed_id: str) -> str:
    """An Atom 1.0 feed (RFC 4287) with one entry per alert, newest last."""
    ET.register_namespace("", _ATOM)
    feed = ET.Element(f"{{{_ATOM}}}feed")
    ET.SubElement(feed, f"{{{_ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{_ATOM}}}id").text = feed_id
    updated = datetime.now(UTC).isoformat()
    ET.SubElement(feed, f"{{{_ATOM}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{_ATOM}}}author")
    ET.SubElement(author, f"{{{_ATOM}}}name").text = "tenderwatch"
    for alert in alerts:
        entry = ET.SubElement(feed, f"{{{_ATOM}}}entry")
        heading = alert.title or alert.doc_id[:12]
        ET.SubElement(entry, f"{{{_ATOM}}}title").text = f"{alert.rule}: {heading}"
        ET.SubElement(entry, f"{{{_ATOM}}}id").text = f"urn:tenderwatch:alert:{alert.id}"
        ET.SubElement(entry, f"{{{_ATOM}}}updated").text = updated
        if alert.url:
            ET.SubElement(entry, f"{{{_ATOM}}}link", href=alert.url)
        ET.SubElement(entry, f"{{{_ATOM}}}category", term=alert.category)
        ET.SubElement(entry, f"{{{_ATOM}}}summary").text = _summary(alert)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)


class Delivery(BaseModel):
    sent: int = 0
    skipped: int = Field(0, description="already delivered on that channel before")
    errors: list[str] = Field(default_factory=list)


def _post_webhook(search: SavedSearch, alerts: list[Alert], settings: Settings) -> None:
    payload = {
        "search": search.name,
        "alerts": [a.model_dump(mode="json") | {"id": a.id} for a in alerts],
    }
    with make_client(settings) as client:
        response = client.post(str(search.webhook), json=payload)
    response.raise_for_status()


def _send_mail(search: SavedSearch, alerts: list[Alert], settings: Settings) -> None:
    if not settings.smtp_host:
        raise smtplib.SMTPException("no SMTP server configured (setting smtp_host)")
    message = EmailMessage()
    message["Subject"] = f"tenderwatch: {len(alerts)} new flag(s) for '{search.name}'"
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(search.email)
    message.set_content("\n\n".join(_summary(a) for a in alerts))
    # Greet with the sender's domain: smtplib's default, socket.getfqdn(), can stall for
    # seconds on reverse DNS where there is no resolver (offline research laptops).
    greeting = settings.smtp_sender.rpartition("@")[2] or "localhost"
    timeout = settings.http_timeout_s
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, local_hostname=greeting, timeout=timeout
    ) as smtp:
        smtp.send_message(message)


class Channel(NamedTuple):
    wanted: Callable[[SavedSearch], bool]
    send: Callable[[SavedSearch, list[Alert], Settings], None]


CHANNELS: Registry[Channel] = Registry("alert channel")
CHANNELS.add("webhook", Channel(lambda s: bool(s.webhook), _post_webhook))
CHANNELS.add("email", Channel(lambda s: bool(s.email), _send_mail))


def deliver(
    alerts: list[Alert], searches: list[SavedSearch], *, settings: Settings, state: CrawlState
) -> Delivery:
    """Send each search's new alerts on each of its channels, once per alert and channel."""
    report = Delivery()
    for search in searches:
        mine = [a for a in alerts if a.search == search.name]
        for name, channel in CHANNELS.items():
            if not channel.wanted(search):
                continue
            fresh = [a for a in mine if not state.delivered(a.id, name)]
            report.skipped += len(mine) - len(fresh)
            if not fresh:
                continue
            try:
                channel.send(search, fresh, settings)
            except (httpx.HTTPError, smtplib.SMTPException, OSError) as exc:
                report.errors.append(f"{search.name} {name}: {exc}")
                continue
            for alert in fresh:
                state.mark_delivered(alert.id, name)
            report.sent += len(fresh)
    return report
