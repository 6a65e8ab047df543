"""Linking the notices of one procurement (intention → tender → correction → award →
contract) into a process with a stable, content-derived id.

Notices join when they share a project code, or (for notices without one) the same buyer
and project name. The id hashes the smallest key of the group, so it does not depend on
the order notices arrive in; a group keyed by code keeps that key when code-less notices
join it by buyer and name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, Field

from .model import DateRole, NoticeFacts, NoticeType
from .notice_type import classify

STAGES = [
    NoticeType.INTENTION,
    NoticeType.TENDER,
    NoticeType.CORRECTION,
    NoticeType.AWARD,
    NoticeType.TERMINATION,
    NoticeType.CONTRACT,
]
_NAME_NOISE_RE = re.compile(r"关于|的|[\s\"“”'‘’《》〈〉【】\[\]（）()、，,。.:：;；\-—_]")


class ProcessNotice(BaseModel):
    doc_id: str
    notice_type: NoticeType | None
    published: date | None


class Process(BaseModel):
    id: str = Field(description="'twp-' + 16 hex of sha256 over the group's key")
    key: str
    project_code: str | None
    buyer: str | None
    title: str | None
    notices: list[ProcessNotice]

    @property
    def stage(self) -> NoticeType | None:
        """The furthest stage reached (termination and contract end a process)."""
        kinds = [n.notice_type for n in self.notices if n.notice_type is not None]
        return max(kinds, key=STAGES.index) if kinds else None


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-_/]", "", unicodedata.normalize("NFKC", code)).upper()


def normalise_name(name: str) -> str:
    """A project name or title without notice-type phrases, brackets and punctuation."""
    text = unicodedata.normalize("NFKC", name)
    found = classify(text)
    while found is not None:
        _, start, end = found
        text = text[:start] + text[end:]
        found = classify(text)
    return _NAME_NOISE_RE.sub("", text)


def link_keys(facts: NoticeFacts) -> list[str]:
    """The keys a notice joins others by: its project code, and its buyer with its name."""
    keys = []
    if facts.project_code:
        keys.append("code:" + normalise_code(facts.project_code.value))
    name = facts.project_name.value if facts.project_name else facts.title
    if facts.buyer and name and normalise_name(name):
        keys.append("name:" + normalise_name(facts.buyer.value) + "|" + normalise_name(name))
    return keys


def link_processes(notices: Iterable[tuple[str, NoticeFacts]]) -> list[Process]:
    """Group ``(doc_id, facts)`` pairs into processes; notices with no key stay alone."""
    items = list(notices)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, (_, facts) in enumerate(items):
        for key in link_keys(facts):
            if key in owner:
                parent[root(index)] = root(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[int]] = {}
    for index in range(len(items)):
        groups.setdefault(root(index), []).append(index)
    processes = [_process([items[i] for i in members]) for members in groups.values()]
    return sorted(processes, key=lambda p: p.id)


def _process(members: list[tuple[str, NoticeFacts]]) -> Process:
    keys = sorted({k for _, f in members for k in link_keys(f)})
    # code keys sort before name keys, so a coded group is keyed by its code
    key = keys[0] if keys else "doc:" + min(doc_id for doc_id, _ in members)
    notices = [
        ProcessNotice(
            doc_id=doc_id,
            notice_type=f.notice_type.value if f.notice_type else None,
            published=(d.value if (d := f.date_of(DateRole.PUBLICATION)) else None),
        )
        for doc_id, f in members
    ]
    notices.sort(key=lambda n: (n.published or date.max, n.doc_id))

    def first(attribute: str) -> str | None:
        for _, facts in members:
            value = getattr(facts, attribute)
            if value is not None:
                return str(value.value)
        return None

    return Process(
        id="twp-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16],
        key=key,
        project_code=first("project_code"),
        buyer=first("buyer"),
        title=first("project_name") or next((f.title for _, f in members if f.title), None),
        notices=notices,
    )
