"""Reviewer judgements on vendor matches: same / not same / unsure, with who and when.

Stored in the store's append-only ``vendor_judgements`` table (``Store.add_vendor_judgement``):
every row is one decision, nothing is rewritten, and the latest decision per (mention,
entity) wins. Re-running the matcher never changes a judgement; the matcher reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from enum import StrEnum

from pydantic import BaseModel, Field

from .names import compact, fold


class Verdict(StrEnum):
    SAME = "same"
    NOT_SAME = "not_same"
    UNSURE = "unsure"


def mention_key(mention: str) -> str:
    """Judgements apply to every mention that folds to the same key (case, width, script)."""
    return compact(fold(mention))


class Judgement(BaseModel):
    mention_key: str
    mention: str = Field(description="the mention as the reviewer saw it")
    entity_id: str
    verdict: Verdict
    user: str
    created_at: str = Field(description="ISO-8601 UTC time of the decision")
    note: str | None = None


class JudgementLog:
    """The latest judgement per (mention key, entity), built from the store's append-only
    ``vendor_judgements`` table; :meth:`record` hands each new judgement to ``sink`` (the
    store's ``add_vendor_judgement``) before it counts."""

    def __init__(
        self,
        judgements: Iterable[Judgement] = (),
        sink: Callable[[Judgement], None] | None = None,
    ) -> None:
        self.sink = sink
        self._latest: dict[str, dict[str, Judgement]] = {}  # mention key → entity → latest
        for judgement in judgements:  # oldest first: later ones replace earlier ones
            self._add(judgement)

    def _add(self, judgement: Judgement) -> None:
        self._latest.setdefault(judgement.mention_key, {})[judgement.entity_id] = judgement

    def record(
        self,
        mention: str,
        entity_id: str,
        verdict: Verdict,
        user: str,
        note: str | None = None,
        when: dt.datetime | None = None,
    ) -> Judgement:
        """Record a decision (stored at once when the log has a sink)."""
        if not user.strip():
            raise ValueError("a judgement needs the reviewer's name")
        moment = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        judgement = Judgement(
            mention_key=mention_key(mention),
            mention=mention,
            entity_id=entity_id,
            verdict=verdict,
            user=user,
            created_at=moment.isoformat(timespec="seconds"),
            note=note,
        )
        if self.sink is not None:
            self.sink(judgement)
        self._add(judgement)
        return judgement

    def verdicts(self, key: str) -> dict[str, Judgement]:
        """Latest judgement per entity for a mention key."""
        return dict(self._latest.get(key, {}))

    def all(self) -> list[Judgement]:
        return [j for by_entity in self._latest.values() for j in by_entity.values()]
