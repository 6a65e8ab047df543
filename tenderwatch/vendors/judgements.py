"""Reviewer judgements on vendor matches: same / not same / unsure, with who and when.

Stored as an append-only JSON-lines file (the store has no vendor tables yet): every line is
one decision, nothing is rewritten, and the latest decision per (mention, entity) wins.
Re-running the matcher never changes a judgement; the matcher reads them.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

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
    """Judgements kept in memory and, when a path is given, appended to a JSON-lines file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._latest: dict[str, dict[str, Judgement]] = {}  # mention key → entity → latest
        self.errors: list[str] = []
        if path is not None and path.exists():
            with path.open(encoding="utf-8", errors="replace") as lines:
                for number, line in enumerate(lines, 1):
                    if line.strip():
                        self._load_line(line, number)

    def _load_line(self, line: str, number: int) -> None:
        try:
            judgement = Judgement.model_validate(json.loads(line))
        except (ValueError, ValidationError) as exc:
            # A corrupt line (e.g. a crash mid-write) loses that decision only, and says so.
            self.errors.append(f"{self.path}:{number}: unreadable judgement: {exc}")
            return
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
        """Record a decision (appended to the file at once)."""
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
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(judgement.model_dump_json() + "\n")
        self._latest.setdefault(judgement.mention_key, {})[entity_id] = judgement
        return judgement

    def verdicts(self, key: str) -> dict[str, Judgement]:
        """Latest judgement per entity for a mention key."""
        return dict(self._latest.get(key, {}))

    def all(self) -> list[Judgement]:
        return [j for by_entity in self._latest.values() for j in by_entity.values()]
