"""Linking the notices of one procurement (intention → tender → correction → award →
contract) into a process with a stable, content-derived id.

The rule (:func:`process_key`), a function of the set of notices, not of their order:

- a notice with a project code is in the process of that code. Two codes are two
  procurements even when buyer and title agree (a buyer's yearly "办公设备采购");
- a notice without a code joins by buyer and project name (or title): into the process
  of the one code whose notices carry that buyer and name; when no code does, or several
  do (which year's tender would it be?), it goes with the other code-less notices of that
  buyer and name;
- a notice with neither stays alone.

The id hashes that key. ``tenderwatch.facts.linking`` applies the same rule inside the
store, incrementally; tests check both agree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable
from datetime import date
from typing import NamedTuple

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


class LinkKeys(NamedTuple):
    """What a notice links by: ``code:…`` and ``name:buyer|name`` (either may be missing)."""

    code: str | None
    name: str | None


def link_keys(facts: NoticeFacts) -> LinkKeys:
    code = "code:" + normalise_code(facts.project_code.value) if facts.project_code else None
    name = facts.project_name.value if facts.project_name else facts.title
    by_name = None
    if facts.buyer and name and (project := normalise_name(name)):
        by_name = "name:" + normalise_name(facts.buyer.value) + "|" + project
    return LinkKeys(code, by_name)


def process_key(doc_id: str, keys: LinkKeys, codes_of_name: Collection[str]) -> str:
    """The key of the process a notice is in; ``codes_of_name`` are the code keys of the
    notices with a code that carry ``keys.name``."""
    if keys.code is not None:
        return keys.code
    if keys.name is None:
        return "doc:" + doc_id
    if len(codes_of_name) == 1:
        return next(iter(codes_of_name))
    return keys.name


def process_id(key: str) -> str:
    return "twp-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def link_processes(notices: Iterable[tuple[str, NoticeFacts]]) -> list[Process]:
    """Group ``(doc_id, facts)`` pairs into processes (see the module's rule)."""
    items = [(doc_id, facts, link_keys(facts)) for doc_id, facts in notices]
    codes: dict[str, set[str]] = {}
    for _, _, keys in items:
        if keys.code is not None and keys.name is not None:
            codes.setdefault(keys.name, set()).add(keys.code)
    groups: dict[str, list[tuple[str, NoticeFacts]]] = {}
    for doc_id, facts, keys in items:
        key = process_key(doc_id, keys, codes.get(keys.name or "", ()))
        groups.setdefault(key, []).append((doc_id, facts))
    return sorted((_process(key, members) for key, members in groups.items()), key=lambda p: p.id)


def _process(key: str, members: list[tuple[str, NoticeFacts]]) -> Process:
    # In id order: a process takes its code, buyer and title from the first member that
    # has one, whatever order the notices came in.
    members = sorted(members, key=lambda member: member[0])
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
        id=process_id(key),
        key=key,
        project_code=first("project_code"),
        buyer=first("buyer"),
        title=first("project_name") or next((f.title for _, f in members if f.title), None),
        notices=notices,
    )
