"""Matching supplier, maker and brand mentions against vendor entities, with explained scores.

Blocking uses exact keys (folded name, core, stem, pinyin) and shared character n-grams of the
stem; each candidate is then scored by rapidfuzz, and every feature that fired is reported
(what was compared, the score, and why it counts). A candidate's score is its best feature.

Feature scores (0-100) and what they mean:

==============  =====  ===============================================================
exact_name       100   the folded mention equals a known name or alias
core_exact        97   equal after removing legal form, branch, brackets, leading place
model_prefix      95   a product model code with the vendor's prefix (DS- → Hikvision)
pinyin_core       92   a Latin-script name equals the pinyin of a Chinese core (or back)
stem_exact        86   same brand stem, different descriptor: often a subsidiary or an
                       unrelated firm with a similar name — left for review
pinyin_stem       86   the same, across scripts
core_fuzzy      ratio  rapidfuzz similarity of the cores (token-sorted for Latin names)
pinyin_fuzzy    ratio  rapidfuzz similarity of pinyin keys across scripts, times 0.95
judgement       100/0  a reviewer said same / not same (unsure caps at review)
==============  =====  ===============================================================

Weak aliases (FtM ``weakAlias``) never score above 80 on their own.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from .judgements import Judgement, JudgementLog, Verdict, mention_key
from .model import Entity, Listing, NameKind
from .names import NameKeys, compact, model_codes, name_keys
from .settings import VendorSettings

WEAK_CAP = 80.0
_SCORES = {
    "exact_name": 100.0,
    "core_exact": 97.0,
    "model_prefix": 95.0,
    "pinyin_core": 92.0,
    "stem_exact": 86.0,
    "pinyin_stem": 86.0,
}
_EXPLAIN_FLOOR = 60.0  # fuzzy features below this are noise, not explanation


class Decision(StrEnum):
    MATCH = "match"
    REVIEW = "review"
    NO_MATCH = "no_match"


class Feature(BaseModel):
    name: str
    score: float
    mention_key: str = Field(description="what of the mention was compared")
    candidate_key: str = Field(description="what of the candidate was compared")
    candidate_name: str = Field(description="the entity name (or prefix) that matched")
    why: str


class Candidate(BaseModel):
    entity_id: str
    caption: str
    score: float
    decision: Decision
    features: list[Feature]
    parent: str | None = None
    relation: str | None = None
    listings: list[Listing] = Field(default_factory=list, description="active listings")
    origin: str


class MatchResult(BaseModel):
    mention: str
    decision: Decision
    candidates: list[Candidate] = Field(default_factory=list)
    truncated: bool = False
    error: str | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _grams(keys: NameKeys) -> set[str]:
    # Blocking on the stem: generic words (科技, Technology) would make every posting list huge.
    if keys.cjk:
        text = keys.stem
        return {text[i : i + 2] for i in range(len(text) - 1)} or {text}
    text = compact(keys.stem)
    return {text[i : i + 3] for i in range(len(text) - 2)} or {text}


def _feature(name: str, score: float, q: str, c: str, cname: str, why: str) -> Feature:
    return Feature(
        name=name,
        score=round(score, 1),
        mention_key=q,
        candidate_key=c,
        candidate_name=cname,
        why=why,
    )


def compare(query: NameKeys, candidate: NameKeys) -> list[Feature]:
    """Every feature that fires between two names, best first."""
    cname = candidate.original
    found: list[Feature] = []
    if query.cjk == candidate.cjk:
        if query.folded and query.folded == candidate.folded:
            found.append(
                _feature(
                    "exact_name",
                    _SCORES["exact_name"],
                    query.folded,
                    candidate.folded,
                    cname,
                    "same name after folding",
                )
            )
        elif query.core and query.core == candidate.core:
            found.append(
                _feature(
                    "core_exact",
                    _SCORES["core_exact"],
                    query.core,
                    candidate.core,
                    cname,
                    "same name without legal form, branch and place",
                )
            )
        elif query.stem and query.stem == candidate.stem:
            found.append(
                _feature(
                    "stem_exact",
                    _SCORES["stem_exact"],
                    query.stem,
                    candidate.stem,
                    cname,
                    "same brand stem, different descriptor: review",
                )
            )
        if query.cjk:
            similarity = fuzz.ratio(query.core, candidate.core)
        else:
            similarity = max(
                fuzz.ratio(query.core, candidate.core),
                fuzz.token_sort_ratio(query.core, candidate.core),
            )
        if _EXPLAIN_FLOOR <= similarity < 100:
            found.append(
                _feature(
                    "core_fuzzy",
                    similarity,
                    query.core,
                    candidate.core,
                    cname,
                    "similar core names",
                )
            )
    else:
        if query.core_pinyin and query.core_pinyin == candidate.core_pinyin:
            found.append(
                _feature(
                    "pinyin_core",
                    _SCORES["pinyin_core"],
                    query.core_pinyin,
                    candidate.core_pinyin,
                    cname,
                    "same core name across scripts",
                )
            )
        elif query.stem_pinyin and query.stem_pinyin == candidate.stem_pinyin:
            found.append(
                _feature(
                    "pinyin_stem",
                    _SCORES["pinyin_stem"],
                    query.stem_pinyin,
                    candidate.stem_pinyin,
                    cname,
                    "same brand stem across scripts: review",
                )
            )
        similarity = fuzz.ratio(query.core_pinyin, candidate.core_pinyin) * 0.95
        if _EXPLAIN_FLOOR <= similarity < _SCORES["pinyin_core"]:
            found.append(
                _feature(
                    "pinyin_fuzzy",
                    similarity,
                    query.core_pinyin,
                    candidate.core_pinyin,
                    cname,
                    "similar pinyin across scripts",
                )
            )
    return sorted(found, key=lambda f: -f.score)


class VendorIndex:
    """All entities' names, indexed for matching. Build once, match many."""

    def __init__(self, entities: Iterable[Entity], settings: VendorSettings | None = None):
        self.settings = settings or VendorSettings()
        self.entities: list[Entity] = []
        self._by_id: dict[str, int] = {}
        self._records: list[tuple[int, NameKeys, bool]] = []  # (entity, keys, weak)
        self._exact: dict[str, list[int]] = defaultdict(list)  # folded / core / stem keys
        self._pinyin: dict[str, list[int]] = defaultdict(list)
        self._grams: dict[str, list[int]] = defaultdict(list)
        self._prefixes: dict[str, list[tuple[int, str]]] = defaultdict(list)
        # Whether each entity has a Chinese name: a Chinese mention is then compared in
        # characters only, never by pinyin, so 达华 (homophone) is not matched to 大华 / Dahua.
        self._has_cjk: list[bool] = []
        for entity in entities:
            self.add(entity)

    def __len__(self) -> int:
        return len(self.entities)

    def add(self, entity: Entity) -> None:
        """Add an entity; ids are unique."""
        if entity.id in self._by_id:
            raise ValueError(f"duplicate entity id {entity.id!r}")
        position = len(self.entities)
        self._by_id[entity.id] = position
        self.entities.append(entity)
        has_cjk = False
        for name in entity.names:
            keys = name_keys(name.name)
            if not keys.folded:
                continue
            has_cjk = has_cjk or keys.cjk
            record = len(self._records)
            self._records.append((position, keys, name.kind is NameKind.WEAK))
            for key in {"f:" + keys.folded, "c:" + keys.core, "s:" + keys.stem}:
                self._exact[key].append(record)
            for key in {keys.core_pinyin, keys.stem_pinyin}:
                self._pinyin[key].append(record)
            for gram in _grams(keys):
                self._grams[gram].append(record)
        self._has_cjk.append(has_cjk)
        for prefix in entity.model_prefixes:
            self._prefixes[prefix.prefix.lower()].append((position, prefix.prefix))

    def entity(self, entity_id: str) -> Entity:
        return self.entities[self._by_id[entity_id]]

    def get(self, entity_id: str) -> Entity | None:
        position = self._by_id.get(entity_id)
        return None if position is None else self.entities[position]

    def _block(self, keys: NameKeys) -> set[int]:
        found: set[int] = set()
        for key in ("f:" + keys.folded, "c:" + keys.core, "s:" + keys.stem):
            found.update(self._exact.get(key, ()))
        for key in (keys.core_pinyin, keys.stem_pinyin):
            found.update(self._pinyin.get(key, ()))
        counts: Counter[int] = Counter()
        limit = self.settings.block_max_postings
        for gram in _grams(keys):
            postings = self._grams.get(gram, ())
            if len(postings) <= limit:
                counts.update(postings)
        found.update(record for record, _ in counts.most_common(self.settings.max_candidates))
        return found

    def _decide(self, score: float) -> Decision:
        if score >= self.settings.match_threshold:
            return Decision.MATCH
        if score >= self.settings.review_threshold:
            return Decision.REVIEW
        return Decision.NO_MATCH

    def match(self, mention: str, judgements: JudgementLog | None = None) -> MatchResult:
        """Match one supplier/maker/brand mention; never raises on bad input."""
        limit = self.settings.max_mention_chars
        truncated = len(mention) > limit
        text = mention[:limit]
        features: dict[int, list[Feature]] = defaultdict(list)
        name_part = text
        for prefix, code in model_codes(text):
            name_part = name_part.replace(code, " ")
            for position, shipped_prefix in self._prefixes.get(prefix.lower(), ()):
                features[position].append(
                    _feature(
                        "model_prefix",
                        _SCORES["model_prefix"],
                        code,
                        shipped_prefix,
                        shipped_prefix,
                        f"model code {code} has the vendor's prefix",
                    )
                )
        keys = name_keys(name_part)
        if keys.folded:
            for record in self._block(keys):
                position, candidate, weak = self._records[record]
                if keys.cjk and not candidate.cjk and self._has_cjk[position]:
                    continue
                for feature in compare(keys, candidate):
                    if weak and feature.score > WEAK_CAP:
                        feature = feature.model_copy(
                            update={"score": WEAK_CAP, "why": feature.why + " (weak alias, capped)"}
                        )
                    features[position].append(feature)
        elif not features:
            return MatchResult(
                mention=mention,
                decision=Decision.NO_MATCH,
                truncated=truncated,
                error="mention has no letters to match",
            )
        verdicts = judgements.verdicts(mention_key(text)) if judgements else {}
        for entity_id, judgement in verdicts.items():
            judged_position = self._by_id.get(entity_id)
            if judged_position is not None:
                features[judged_position].insert(
                    0,
                    _feature(
                        "judgement",
                        100.0 if judgement.verdict is Verdict.SAME else 0.0,
                        mention_key(text),
                        entity_id,
                        judgement.user,
                        f"{judgement.user} judged {judgement.verdict.value}"
                        f" at {judgement.created_at}"
                        + (f": {judgement.note}" if judgement.note else ""),
                    ),
                )
        floor = self.settings.review_threshold
        candidates = [
            self._candidate(p, f, verdicts)
            for p, f in features.items()
            if self.entities[p].id in verdicts or any(x.score >= floor for x in f)
        ]
        kept = [
            c for c in candidates if c.decision is not Decision.NO_MATCH or c.entity_id in verdicts
        ]
        kept.sort(key=lambda c: (-c.score, c.entity_id))
        if kept and kept[0].features[0].name == "exact_name":
            # The mention is exactly one entity's name; weaker matches to other entities (商汤科技
            # as the group's short name vs 深圳市商汤科技有限公司) are ambiguous, not matches.
            kept = [kept[0]] + [
                c.model_copy(update={"decision": Decision.REVIEW})
                if c.decision is Decision.MATCH and c.score < kept[0].score
                else c
                for c in kept[1:]
            ]
        kept = kept[: self.settings.max_results]
        decision = kept[0].decision if kept else Decision.NO_MATCH
        return MatchResult(mention=mention, decision=decision, candidates=kept, truncated=truncated)

    def _candidate(
        self, position: int, features: list[Feature], verdicts: dict[str, Judgement]
    ) -> Candidate:
        entity = self.entities[position]
        best: dict[str, Feature] = {}
        for feature in features:  # each feature's best instance across the entity's names
            if feature.name not in best or feature.score > best[feature.name].score:
                best[feature.name] = feature
        ranked = sorted(best.values(), key=lambda f: -f.score)
        machine = max((f.score for f in ranked if f.name != "judgement"), default=0.0)
        score, decision = machine, self._decide(machine)
        judged = verdicts.get(entity.id)
        if judged is not None and judged.verdict is Verdict.SAME:
            score, decision = 100.0, Decision.MATCH
        elif judged is not None and judged.verdict is Verdict.NOT_SAME:
            score, decision = 0.0, Decision.NO_MATCH
        elif judged is not None:  # unsure: a person looked and could not decide
            score = min(machine, self.settings.review_threshold) or self.settings.review_threshold
            decision = Decision.REVIEW
        return Candidate(
            entity_id=entity.id,
            caption=entity.caption,
            score=score,
            decision=decision,
            features=ranked,
            parent=entity.parent,
            relation=entity.relation,
            listings=entity.active_listings,
            origin=entity.origin,
        )

    def match_many(
        self, mentions: Sequence[str], judgements: JudgementLog | None = None, workers: int = 1
    ) -> list[MatchResult]:
        """Match many mentions; ``workers`` > 1 forks processes that share this index."""
        if workers <= 1 or len(mentions) < 2 * workers:
            return [self.match(m, judgements) for m in mentions]
        global _WORKER_STATE
        _WORKER_STATE = (self, judgements)
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(mentions) // (workers * 8))
        with context.Pool(workers) as pool:
            return pool.map(_match_in_worker, mentions, chunksize=chunk)


_WORKER_STATE: tuple[VendorIndex, JudgementLog | None] | None = None


def _match_in_worker(mention: str) -> MatchResult:
    if _WORKER_STATE is None:  # not an assert: must hold under python -O too
        raise RuntimeError("match worker started without an index")
    index, judgements = _WORKER_STATE
    return index.match(mention, judgements)
