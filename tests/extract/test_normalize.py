"""normalize(): the transform, and the map from normalized spans back to the original."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tenderwatch.normalize import Normalized, _normalize_any, _tables, normalize, normalize_query

# Characters that exercise every path: CJK (traditional and simplified), Kangxi radicals,
# full-width forms, expansions, combining marks, Hangul jamo, half-width kana, whitespace
# of all kinds and invisible characters.
ALPHABET = list(
    "维吾爾族齋⽉月监控採購 \n\t\u3000\u00a0\f\u200b\u00ad\ufe00ＡａBc1２，,。"
    "㎏㎡ﬁ½①\u0301e\u0308\u1100\u1161\u11a8ｶﾞİΣ𠀀\U000e0100"
)
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=40)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("斋⽉", "斋月"),  # Kangxi radical look-alike
        ("維 吾 爾", "维吾尔"),  # OCR spaces between CJK, traditional form
        ("维\n吾\u3000尔", "维吾尔"),
        ("ＤＳ－２ＣＤ", "ds-2cd"),  # full-width forms
        ("Face  Recognition\n\nSystem", "face recognition system"),
        ("人脸 识别 system", "人脸识别 system"),
        ("监\u200b控", "监控"),  # zero-width space
        ("10㎡", "10m2"),
        ("Ｈｉｋｖｉｓｉｏｎ 海康", "hikvision 海康"),
    ],
)
def test_transform(original: str, expected: str) -> None:
    assert normalize(original).text == expected
    assert normalize_query(original) == expected


def test_spans_point_back_to_what_a_human_reads() -> None:
    original = "采購項目：維 吾 爾\n語監控系統（ＤＳ－２ＣＤ）"
    norm = normalize(original)
    start = norm.text.index("维吾尔语")
    a, b = norm.to_original(start, start + len("维吾尔语"))
    assert original[a:b] == "維 吾 爾\n語"
    start = norm.text.index("ds-2cd")
    a, b = norm.to_original(start, start + 6)
    assert original[a:b] == "ＤＳ－２ＣＤ"


def test_partial_expansion_widens_to_the_whole_character() -> None:
    norm = normalize("5㎏")
    assert norm.text == "5kg"
    assert norm.to_original(1, 2) == (1, 2)  # the "k" of "kg" is the ㎏
    assert norm.to_original(3, 3) == (2, 2)


def test_span_outside_text_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        normalize("abc").to_original(2, 5)


@settings(max_examples=400, deadline=None)
@given(texts, st.data())
def test_every_span_maps_to_an_original_span_that_normalizes_to_it(
    text: str, data: st.DataObject
) -> None:
    norm = normalize(text)
    n = len(norm.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    a, b = norm.to_original(start, end)
    assert 0 <= a <= b <= len(text)
    piece = norm.text[start:end]
    if piece.strip():
        # Whitespace at a span's edge depends on context outside the span, so compare
        # what a reader sees: the original span normalizes to text containing the piece.
        assert piece.strip() in normalize(text[a:b]).text


@settings(max_examples=300, deadline=None)
@given(texts)
def test_whole_normalized_text_maps_to_an_original_span_with_the_same_text(text: str) -> None:
    norm = normalize(text)
    a, b = norm.to_original(0, len(norm.text))
    assert normalize(text[a:b]).text.strip() == norm.text.strip()


@settings(max_examples=300, deadline=None)
@given(texts)
@example("ｶﾞ 吾")  # a cluster that composes into CJK before a gap (found by this test)
@example("吾ᅡ\ufe00 ⽉")  # ... and one ending in an invisible variation selector
def test_normalizing_twice_changes_nothing(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_unicode_never_crashes_and_maps_inside_the_text(text: str) -> None:
    norm = normalize(text)
    for start in range(0, len(norm.text) + 1, 3):
        a, b = norm.to_original(start, len(norm.text))
        assert 0 <= a <= b <= len(text)


def test_hostile_runs_stay_fast_enough_to_finish() -> None:
    # A megabyte of zero-width spaces or of spaces after a CJK character must not make
    # the regexes backtrack quadratically (this would not finish if they did).
    assert normalize("维" + "\u200b" * 1_000_000 + "x").text == "维x"
    assert normalize("维" + " " * 1_000_000 + "x").text == "维 x"


# Characters of the fast path (whitespace, CJK, full-width punctuation, A-Z) mixed with a
# few that force the general path, so that both paths and their boundary are exercised.
FAST_ALPHABET = [*"维吾尔族监控采购 \n\t\r\u3000\u00a0，：（）；AbZ1。x", "㎏", "\u200b", "齋"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(FAST_ALPHABET), max_size=40))
def test_fast_path_equals_the_general_path(text: str) -> None:
    fast = normalize(text)
    general = _normalize_any(_tables(), text)
    assert fast.text == general.text
    n = len(fast.text)
    for start in range(n + 1):
        for end in range(start, min(n, start + 4) + 1):
            assert fast.to_original(start, end) == general.to_original(start, end)


def test_fast_path_handles_a_notice_and_maps_lazily() -> None:
    original = "采购需求\n1\t网络摄像机\t20台\n维 吾 尔\n\n语（ＤＳ）：Face  ID"
    norm = normalize(original)
    assert norm.text == "采购需求 1 网络摄像机 20台维吾尔语(ds):face id"
    start = norm.text.index("维吾尔语")
    a, b = norm.to_original(start, start + 4)
    assert original[a:b] == "维 吾 尔\n\n语"


@given(st.lists(texts, min_size=1, max_size=4), st.data())
def test_joined_pages_map_into_the_joined_originals(pages: list[str], data: st.DataObject) -> None:
    # Pages normalized one by one and joined for scanning: every span within one page maps
    # to where that page's own map puts it, shifted by the pages (and separators) before it.
    joined = Normalized.join([normalize(page) for page in pages], "\f")
    original = "\f".join(pages)
    assert joined.original_length == len(original)
    n_offset = o_offset = 0
    for page in pages:
        alone = normalize(page)
        start = data.draw(st.integers(0, len(alone.text)))
        end = data.draw(st.integers(start, len(alone.text)))
        if start < end:
            first, last = alone.to_original(start, end)
            assert joined.to_original(n_offset + start, n_offset + end) == (
                o_offset + first,
                o_offset + last,
            )
            assert joined.text[n_offset + start : n_offset + end] == alone.text[start:end]
        n_offset += len(alone.text) + 1
        o_offset += len(page) + 1


def test_fast_path_maps_long_spans_like_the_general_path() -> None:
    # Spans that start and end on characters other than spaces are mapped by counting
    # whitespace in the original; every span of a notice, of any length, maps as the
    # general path's segments do.
    rng = random.Random(5)
    pieces = ["采购", "网络摄像机", "\t", "\n", " ", "  ", "\u3000", "台", "12", "AB", "，", "x y"]
    for _ in range(30):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        fast = normalize(text)
        general = _normalize_any(_tables(), text)
        assert fast.text == general.text
        n = len(fast.text)
        for start in range(n):
            for end in range(start + 1, n + 1):
                assert fast.to_original(start, end) == general.to_original(start, end), (
                    text,
                    start,
                    end,
                )
