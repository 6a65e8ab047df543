"""The engine on the test rule set: tolerance, offsets, proximity/all/exclude, both matchers."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import regex

from tenderwatch.detect import RuleError, RuleSet, load_ruleset, scan, scan_text
from tenderwatch.detect.compiler import Atom, AtomKind, is_word_char
from tenderwatch.detect.engine import compiled
from tenderwatch.detect.examples import check_examples
from tenderwatch.detect.matchers import MATCHERS, REGEX_FLAGS, matcher_name
from tenderwatch.detect.signals import _first_characters, _longest_match, _Regex, first_quotes
from tenderwatch.model import Extraction, Page, Risk
from tenderwatch.normalize import normalize
from tenderwatch.settings import Settings


def rules_fired(text: str, ruleset: RuleSet, matcher: str) -> list[str]:
    return [f.rule for f in scan_text(text, ruleset, matcher=matcher).flags]


@pytest.mark.parametrize(
    ("text", "rule", "quoted"),
    [
        ("采购海康DS-1F0100-AI智能分析服务器", "ethnic.attribute.model", "DS-1F0100-AI"),
        ("型号 ds-af0100-ai", "ethnic.attribute.model", "ds-af0100-ai"),
        (
            "对斋 月期间未就餐学生进行预警。",
            "religion.practice.fasting",
            "斋 月期间未就餐学生进行预警",
        ),
        ("人臉識別系統可識別維吾爾族", "ethnic.attribute.face", "人臉識別系統可識別維吾爾"),
        ("face analytics: ＵＹＧＨＵＲ", "ethnic.attribute.face", "face analytics: ＵＹＧＨＵＲ"),
        ("人脸\n识别结果含维\u200b吾尔", "ethnic.attribute.face", "人脸\n识别结果含维\u200b吾尔"),
    ],
)
def test_tolerant_matching_quotes_the_original(
    ruleset: RuleSet, matcher: str, text: str, rule: str, quoted: str
) -> None:
    flags = [f for f in scan_text(text, ruleset, matcher=matcher).flags if f.rule == rule]
    assert [f.text for f in flags] == [quoted]
    flag = flags[0]
    assert text[flag.start : flag.end] == quoted
    assert quoted in flag.context


def test_pages_and_offsets_from_an_extraction(ruleset: RuleSet, matcher: str) -> None:
    pages = [
        Page(number=1, text="第一章 总则"),
        Page(number=2, text="第二章\n服务器：DS-IF0100-AI 一台"),
    ]
    extraction = Extraction(media_type="text/plain", extractor="test", pages=pages)
    result = scan(extraction, ruleset, matcher=matcher)
    (flag,) = result.flags
    assert (flag.page, flag.text) == (2, "DS-IF0100-AI")
    assert extraction.text[flag.start : flag.end] == "DS-IF0100-AI"
    assert flag.ruleset_version == ruleset.version == result.ruleset_version
    assert result.risk is Risk.MEDIUM


def test_ascii_literals_respect_word_boundaries(ruleset: RuleSet, matcher: str) -> None:
    assert rules_fired("surface analytics of the uyghurs", ruleset, matcher) == []
    assert rules_fired("face of uyghur", ruleset, matcher) == ["ethnic.attribute.face"]
    assert rules_fired("配置NVIDIA T40", ruleset, matcher) == []
    assert rules_fired("配置NVIDIA T4显卡", ruleset, matcher) == ["context.hardware.gpu_server"]


def test_near_window_is_measured_in_characters(ruleset: RuleSet, matcher: str) -> None:
    close = "人脸" + "一" * 30 + "民族"
    far = "人脸" + "一" * 40 + "民族"
    assert rules_fired(close, ruleset, matcher) == ["ethnic.attribute.face"]
    assert rules_fired(far, ruleset, matcher) == []


def test_near_sentence_scope_survives_normalization(ruleset: RuleSet, matcher: str) -> None:
    # The line break between two Chinese characters is removed by normalization, but it
    # still ends the sentence.
    assert rules_fired("对斋月期间学生进行预警", ruleset, matcher) == ["religion.practice.fasting"]
    assert rules_fired("斋月\n预警", ruleset, matcher) == []
    assert rules_fired("斋月。预警", ruleset, matcher) == []


def test_exclude_vetoes_only_nearby_hits(ruleset: RuleSet, matcher: str) -> None:
    school = "XX民族中学食堂人脸识别消费机采购项目"
    assert "ethnic.attribute.face" not in rules_fired(school, ruleset, matcher)
    later = school + "。" + "二" * 20 + "人脸属性含民族"
    assert "ethnic.attribute.face" in rules_fired(later, ruleset, matcher)
    halal = "斋月期间提供清真餐，并统计用餐人数。斋月期间对学生预警。"
    flags = [f for f in scan_text(halal, ruleset, matcher=matcher).flags if not f.signal]
    assert [(f.rule, f.text) for f in flags] == [
        ("religion.practice.fasting", "斋月期间对学生预警")
    ]


def test_all_quotes_each_part(ruleset: RuleSet, matcher: str) -> None:
    result = scan_text("礼拜场所。\n第二章 监控摄像机技术参数", ruleset, matcher=matcher)
    assert [f.text for f in result.flags] == ["礼拜", "监控摄像机"]
    assert rules_fired("礼拜五下午开标", ruleset, matcher) == []


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("", Risk.NONE),
        ("一般办公用品采购", Risk.NONE),
        ("人脸识别门禁", Risk.LOW),  # a signal alone
        ("礼拜。监控摄像机", Risk.LOW),  # a low finding
        ("礼拜。监控摄像机，人脸识别，某某自治县", Risk.MEDIUM),  # low + 2 signals
        ("服务器DS-IF0100-AI", Risk.MEDIUM),  # a medium finding
        ("服务器DS-IF0100-AI，人脸识别", Risk.MEDIUM),  # one signal is not enough
        ("服务器DS-IF0100-AI，人脸识别，某某自治县", Risk.HIGH),
        ("人脸属性：民族", Risk.HIGH),
        ("本会建议", Risk.LOW),  # a genre signal alone is a signal
        ("人脸属性：民族。本会建议", Risk.LOW),  # a report quoting a finding: capped
        ("服务器DS-IF0100-AI，人脸识别，本会建议", Risk.LOW),  # it raises nothing either
    ],
)
def test_risk_ladder(ruleset: RuleSet, matcher: str, text: str, risk: Risk) -> None:
    result = scan_text(text, ruleset, matcher=matcher)
    assert result.risk is risk
    assert bool(result.reasons) == (risk is not Risk.NONE)


def test_a_genre_signal_caps_the_risk_and_keeps_the_evidence(
    ruleset: RuleSet, matcher: str
) -> None:
    result = scan_text("人脸属性：民族。本会建议禁止出口", ruleset, matcher=matcher)
    assert {f.rule for f in result.flags} == {"ethnic.attribute.face", "context.genre.report"}
    assert result.reasons == [
        "ethnic.attribute.face (high)",
        "capped at low: the document is about the capability (context.genre.report)",
    ]


def test_hit_limit_is_reported(ruleset: RuleSet, matcher: str) -> None:
    text = "人脸识别" * 50 + "人脸属性：民族"
    result = scan_text(text, ruleset, matcher=matcher, settings=Settings(detect_max_hits=10))
    assert result.risk is Risk.LOW
    assert "detect_max_hits" in result.reasons[-1]


def test_examples_pass_on_every_matcher(ruleset: RuleSet, matcher: str) -> None:
    assert [str(f) for f in check_examples(ruleset, matcher=matcher)] == []


@pytest.mark.skipif(len(MATCHERS) < 2, reason="only one matcher available here")
def test_matchers_agree_on_generated_text(ruleset: RuleSet) -> None:
    pieces = [
        "人脸",
        "民族",
        "中学",
        "维吾尔",
        "斋月",
        "预警",
        "。",
        "\n",
        "DS-1F0100-AI",
        "ds-",
        "face ",
        "uyghur",
        "t4",
        " ",
        "礼拜",
        "监控摄像机",
        "清真餐",
        "自治县",
        "一二三",
    ]
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))) for _ in range(300)]
    for text in texts:
        results = [scan_text(text, ruleset, matcher=name) for name in MATCHERS.names()]
        assert all(r == results[0] for r in results[1:]), text


def _every_hit_union(atoms: list[Atom], text: str) -> tuple[int, int] | None:
    """The first span from every hit of every atom, one atom at a time (the reference)."""
    spans = []
    for atom in atoms:
        pattern = atom.pattern if atom.kind is AtomKind.REGEX else regex.escape(atom.pattern)
        for hit in regex.finditer(pattern, text, REGEX_FLAGS, overlapped=True):
            start, end = hit.span()
            bounded = atom.kind is AtomKind.LITERAL
            before, after = text[start - 1 : start] or " ", text[end : end + 1] or " "
            if bounded and is_word_char(atom.pattern[0]) and is_word_char(before):
                continue
            if bounded and is_word_char(atom.pattern[-1]) and is_word_char(after):
                continue
            spans.append((start, end))
    if not spans:
        return None
    spans.sort()
    start, end = spans[0]
    for later_start, later_end in spans[1:]:
        if later_start >= end:
            break
        end = max(end, later_end)
    return start, end


def test_signals_quote_the_first_span_of_every_hit() -> None:
    # One search per signal rule (signals.py) against the union of every atom's hits,
    # found atom by atom, on long generated camera tenders; both matchers agree too.
    bundled = load_ruleset()
    program, found_by = compiled(bundled)
    quotes = first_quotes(program.rules, program.atoms)
    # 𠮷 (beyond U+FFFF) takes four UTF-8 bytes: ends in bytes then bound characters by
    # a quarter, not a third.
    filler = ["办公桌椅采购，", "质保期三年。", "\n", "\t", "供应商须具备资质；", "a b ", "𠮷"]
    signals = [
        "视频监控",
        "摄像机",
        "监控点位",
        "人脸识别",
        "GPU",
        "nvidia t4",
        "新疆",
        "自治区",
        "ai",
    ]
    rng = random.Random(11)
    for _ in range(60):
        parts = [rng.choice(filler) for _ in range(rng.randint(50, 500))]
        for n in range(rng.randint(1, 6)):  # "ai" only beside a real signal
            parts.insert(rng.randint(0, len(parts)), rng.choice(signals[: -1 if n == 0 else None]))
        text = normalize("".join(parts)).text
        present = found_by.present(text)
        for rule_id, quote in quotes.items():
            rule = next(r for r in program.rules if r.rule.id == rule_id)
            atoms = [program.atoms[atom] for atom in sorted(rule.atoms)]
            units = found_by.units_per_character(text)
            assert quote.span(text, present, units) == _every_hit_union(atoms, text), (
                rule_id,
                text,
            )
        results = [scan_text(text, bundled, matcher=name) for name in MATCHERS.names()]
        assert results[0].risk is Risk.LOW, text
        assert all(r == results[0] for r in results[1:]), text
    flags = scan_text("人脸识别，" + "." * 999 + "视频监控点位", bundled).flags
    assert "视频监控点位" in {f.text for f in flags}  # 监控点位 overlaps 视频监控


@pytest.mark.parametrize(
    ("pattern", "width"),
    [("视频监控|摄像机", 4), (r"tesla\s?[tpva]\d{1,3}", 10), ("a.*b", None), (r"\p{Han}", None)],
)
def test_regex_quotes_know_their_longest_match(pattern: str, width: int | None) -> None:
    # None: unbounded, or a pattern only the regex module reads; its search starts at 0.
    assert _longest_match(pattern) == width


@pytest.mark.parametrize(
    ("pattern", "starts"),
    [
        ("人脸(?:识别|比对)|面部", "人面"),
        (r"(?:ga|g)?\d{2}|\bds-", "gG0123456789dD"),
        (r"ab*c|[x-z]", "aAxXyYzZ"),
        # unknown: \s, a negated set, an optional start, a POSIX class and a fuzzy count
        # (the standard library reads those two as other sets and text)
        (r"\s?a", None),
        ("[^a]b", None),
        ("a?", None),
        ("[[:alpha:]]x", None),
        ("(?:ab){e<=1}", None),
    ],
)
def test_regex_quotes_know_what_their_matches_start_with(pattern: str, starts: str | None) -> None:
    assert _first_characters(pattern) == (None if starts is None else frozenset(starts))


def test_first_characters_hold_for_every_match() -> None:
    # A span is extended only at positions with such a character: one left out would end
    # a quote early.
    patterns = [r"b|ab{1,5}c|x", r"(?:ab|c)+d?|y\d", r"[a-c]{2}|\bx[yz]?"]
    rng = random.Random(5)
    for pattern in patterns:
        starts = _first_characters(pattern)
        assert starts is not None
        for _ in range(200):
            text = "".join(rng.choice("abcdxyzABXY1 ") for _ in range(rng.randint(1, 30)))
            for found in regex.finditer(pattern, text, REGEX_FLAGS, overlapped=True):
                assert text[found.start()] in starts, (pattern, text, found)


def test_quote_search_starts_a_match_length_before_the_first_end() -> None:
    # The earliest-ending match (an inner "b") is not the leftmost one (the long one around
    # it): the search must still start early enough to find the long one. Matchers give
    # the first end in bytes, read as a quarter of that in characters: any bound at or
    # before the earliest end.
    pattern = "b|ab{1,5}c|x"
    finder = _Regex(Atom(0, AtomKind.REGEX, pattern, "test"))
    rng = random.Random(3)
    for _ in range(300):
        text = "".join(rng.choice("abcxy") for _ in range(rng.randint(1, 30)))
        ends = [m.end() for m in regex.finditer(pattern, text, REGEX_FLAGS, overlapped=True)]
        if ends:
            leftmost = min(
                m.start() for m in regex.finditer(pattern, text, REGEX_FLAGS, overlapped=True)
            )
            # ... with the longest match there, which the quote starts from
            longest = regex.match(pattern, text[leftmost:], REGEX_FLAGS)
            assert longest is not None
            for bound in range(min(ends) + 1):
                assert finder.first(text, bound) == (leftmost, leftmost + longest.end())


def test_units_per_character_bound_every_first_end(matcher: str) -> None:
    # A first-pass end divided by it never passes the first match's end in characters:
    # quote searches start from there (a match's length before it).
    program, found_by = compiled(load_ruleset(), matcher)
    texts = ["ai gpu server", "某某自治区采购gpu服务器", "𠮷𠮷𠮷𠮷𠮷𠮷自治区采购gpu服务器"]
    for text in texts:
        units = found_by.units_per_character(text)
        for atom, end in found_by.present(text).items():
            pattern = program.atoms[atom].pattern
            if program.atoms[atom].kind is AtomKind.LITERAL:
                pattern = regex.escape(pattern)
            ends = [m.end() for m in regex.finditer(pattern, text, REGEX_FLAGS, overlapped=True)]
            assert end // units <= min(ends), (text, pattern)
    expected = {"python": [1, 1, 1], "hyperscan": [1, 3, 4]}[matcher]
    assert [found_by.units_per_character(text) for text in texts] == expected


def test_matcher_is_chosen_by_setting(ruleset: RuleSet) -> None:
    assert matcher_name("auto") == ("hyperscan" if "hyperscan" in MATCHERS else "python")
    assert compiled(ruleset, "python")[1].name == "python"
    with pytest.raises(RuleError, match="choose one of auto"):
        matcher_name("re2")
    python = Settings(detect_matcher="python")
    text = "服务器DS-IF0100-AI"
    assert scan_text(text, ruleset, settings=python) == scan_text(text, ruleset, matcher="python")


def test_scanning_from_several_threads(ruleset: RuleSet, matcher: str) -> None:
    # hyperscan's scratch space is per thread; a shared one fails with ScratchInUseError.
    text = "服务器DS-IF0100-AI，人脸识别，某某自治县。" * 200
    expected = scan_text(text, ruleset, matcher=matcher)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: scan_text(t, ruleset, matcher=matcher), [text] * 200))
    assert all(r == expected for r in results)


def test_caller_may_pass_its_normalization(ruleset: RuleSet, matcher: str) -> None:
    text = "第一页\f人臉屬性：維吾爾族"
    given = scan_text(text, ruleset, matcher=matcher, normalized=normalize(text))
    assert given == scan_text(text, ruleset, matcher=matcher)
    assert [f.text for f in given.flags if not f.signal] == ["人臉屬性：維吾爾"]
