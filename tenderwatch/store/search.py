"""Backend-independent parts of search: turning a query into index terms, ranking pages
into documents, and cutting highlighted snippets out of the *original* page text."""

from __future__ import annotations

from dataclasses import dataclass

from ..normalize import normalize, normalize_query
from .base import Snippet

# Trigram indexes need three characters; shorter terms go to a substring scan.
MIN_INDEXED_CHARS = 3
SNIPPET_CONTEXT_CHARS = 60
SNIPPETS_PER_PAGE = 2
# Original characters re-normalized on each side of a page's first match, for highlights.
SPAN_WINDOW_CHARS = 250


@dataclass(frozen=True)
class SearchPlan:
    query: str  # the normalized query
    long_terms: tuple[str, ...]
    short_terms: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return self.long_terms + self.short_terms

    @property
    def fts_query(self) -> str | None:
        """FTS5 MATCH expression: every long term as a quoted substring, all required."""
        if not self.long_terms:
            return None
        return " AND ".join('"' + t.replace('"', '""') + '"' for t in self.long_terms)


@dataclass(frozen=True)
class PageMatch:
    doc_id: str
    page: int
    score: float  # higher is better


def plan_search(query: str) -> SearchPlan | None:
    """Whitespace-separated terms, all required; None when nothing is left to search."""
    normalized = normalize_query(query)
    terms = tuple(dict.fromkeys(t for t in normalized.split() if t))
    if not terms:
        return None
    return SearchPlan(
        query=normalized,
        long_terms=tuple(t for t in terms if len(t) >= MIN_INDEXED_CHARS),
        short_terms=tuple(t for t in terms if len(t) < MIN_INDEXED_CHARS),
    )


def rank_documents(matches: list[PageMatch]) -> list[tuple[str, list[int], float]]:
    """(doc id, matching pages in order, score) best first: a document scores its best page
    plus a small bonus per further matching page."""
    pages: dict[str, list[PageMatch]] = {}
    for match in matches:
        pages.setdefault(match.doc_id, []).append(match)
    ranked = []
    for doc_id, found in pages.items():
        best = max(m.score for m in found)
        ranked.append((doc_id, sorted(m.page for m in found), best + 0.1 * (len(found) - 1)))
    ranked.sort(key=lambda item: (-item[2], item[0]))
    return ranked


def _find_all(plan: SearchPlan, text: str) -> list[tuple[int, int]]:
    found = []
    for term in plan.terms:
        position = text.find(term)
        while position != -1:
            found.append((position, position + len(term)))
            position = text.find(term, position + len(term))
    return found


def _original_spans(plan: SearchPlan, text: str, normalized: str) -> list[tuple[int, int]]:
    """Matched spans in the original ``text``, merged and sorted.

    Normalization is local (each original character or short cluster maps on its own), so
    only a window of the original around the first match is re-normalized, found by scaling
    its normalized offset; a page where that misses is re-normalized whole."""
    first = min((s for s, _ in _find_all(plan, normalized)), default=None)
    spans: list[tuple[int, int]] = []
    if first is not None:
        approx = first * len(text) // max(1, len(normalized))
        start = max(0, approx - SPAN_WINDOW_CHARS)
        end = min(len(text), approx + SPAN_WINDOW_CHARS)
        window = normalize(text[start:end])
        for s, e in _find_all(plan, window.text):
            o_start, o_end = window.to_original(s, e)
            # a match touching a cut edge might read differently in the whole text
            if (o_start > 1 or start == 0) and (o_end < end - start - 1 or end == len(text)):
                spans.append((start + o_start, start + o_end))
    if not spans:
        whole = normalize(text)
        spans = [whole.to_original(s, e) for s, e in _find_all(plan, whole.text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippets_for(plan: SearchPlan, pages: list[tuple[int, str, str]]) -> list[Snippet]:
    """Up to :data:`SNIPPETS_PER_PAGE` windows per page around the matches, quoting the
    original text (line breaks shown as spaces, so offsets stay the same). ``pages`` holds
    (number, original text, normalized text)."""
    snippets = []
    for number, text, normalized in pages:
        spans = _original_spans(plan, text, normalized)
        taken = 0
        while spans and taken < SNIPPETS_PER_PAGE:
            start = max(0, spans[0][0] - SNIPPET_CONTEXT_CHARS)
            end = min(len(text), spans[0][1] + SNIPPET_CONTEXT_CHARS)
            inside = [(s, e) for s, e in spans if s >= start and e <= end]
            spans = [(s, e) for s, e in spans if (s, e) not in inside]
            window = "".join(" " if c in "\n\r\f\t\v" else c for c in text[start:end])
            snippets.append(
                Snippet(
                    page=number, text=window, highlights=[(s - start, e - start) for s, e in inside]
                )
            )
            taken += 1
    return snippets
