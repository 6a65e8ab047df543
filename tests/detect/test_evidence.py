"""Evidence quality: a `near` quotes the closest combination of its parts, and overlapping
evidence of one rule is one flag (the union), so a reviewer reads one clean quote."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from tenderwatch.detect import RuleSet, load_ruleset, scan_text
from tenderwatch.detect.check import check_file
from tenderwatch.settings import Settings

CORPUS = Path(__file__).parents[2] / "examples" / "corpus" / "html"


def quotes(text: str, ruleset: RuleSet, matcher: str, rule: str) -> list[str]:
    flags = scan_text(text, ruleset, matcher=matcher).flags
    return [f.text for f in flags if f.rule == rule]


def test_near_quotes_the_closest_pair_not_the_first(ruleset: RuleSet, matcher: str) -> None:
    # The first 人脸 is 25 characters before 民族, the second right next to it: the quote is
    # the second pair only, not a window from the first 人脸.
    text = "人脸" + "甲" * 25 + "，人像民族属性"
    assert quotes(text, ruleset, matcher, "ethnic.attribute.face") == ["人像民族"]


def test_overlapping_evidence_is_one_flag(ruleset: RuleSet, matcher: str) -> None:
    # 人脸 pairs with 民族 on its left and 维族 on its right: two overlapping windows, one quote.
    text = "甲" * 30 + "民族人脸维族" + "乙" * 30
    assert quotes(text, ruleset, matcher, "ethnic.attribute.face") == ["民族人脸维族"]


def test_separate_findings_stay_separate(ruleset: RuleSet, matcher: str) -> None:
    text = "人脸民族" + "甲" * 60 + "维族人像"
    assert quotes(text, ruleset, matcher, "ethnic.attribute.face") == ["人脸民族", "维族人像"]


def test_sentence_scope_quotes_the_closest_pair(ruleset: RuleSet, matcher: str) -> None:
    text = "斋月" + "甲" * 30 + "封斋人数统计并预警。"
    assert quotes(text, ruleset, matcher, "religion.practice.fasting") == ["封斋人数统计"]


def test_real_notice_gets_clean_quotes() -> None:
    # A GBK notice whose table row reads 民族属性识别准确率≥90% | 民族（维族/非维族）属性识别:
    # each quote is a phrase, none starts at the unrelated text before it, none overlaps.
    # (属性识别 is nearer to 民族属性 on its left than to 维族 on its right; 非维族, "non-Uyghur",
    # is itself a class of the analytic, so the second quote starts there.)
    path = CORPUS / "hainan-face-platform-correction-gbk.html"
    result = check_file(path, load_ruleset(), Settings()).scan
    assert result is not None
    flags = [f for f in result.flags if f.rule == "ethnic.attribute.face"]
    assert [f.text for f in flags] == ["民族属性识别", "非维族）属性识别"]
    assert all(a.end <= b.start for a, b in pairwise(flags))


def test_a_near_window_stays_inside_one_clause(ruleset: RuleSet, matcher: str) -> None:
    # An alarm that ends one numbered clause and the prayer times that start the next are two
    # requirements; within one clause, and across a ； that lists items of one cell, the pair
    # is one.
    across = "3. 扬尘超标告警推送施工方；\n4. 斋月期间夜间停止高噪声作业"
    assert quotes(across, ruleset, matcher, "religion.practice.fasting") == []
    across_numeral = "一、超标告警推送住建局；二、斋月期间停工"
    assert quotes(across_numeral, ruleset, matcher, "religion.practice.fasting") == []
    assert quotes("斋月期间异常就餐告警", ruleset, matcher, "religion.practice.fasting") != []
    in_cell = "| 民族 | 0 未知，2 维吾尔族；由人脸属性模型自动判定 |"
    assert quotes(in_cell, ruleset, matcher, "ethnic.attribute.face") != []


def test_a_partner_across_a_clause_end_hides_none_inside(ruleset: RuleSet, matcher: str) -> None:
    # 人脸 in clause 2 is nearer to the 维族 that ends clause 1 and to the 人像 that starts
    # clause 3 than to the 维族 of its own clause: windows are looked for clause by clause, so
    # the pair inside clause 2 is still found, and nothing across a clause end is.
    text = "1. 维族；\n2. 人脸属性比对甲乙丙丁戊己庚辛维族；\n3. 人像"
    pair = "人脸属性比对甲乙丙丁戊己庚辛维族"
    assert quotes(text, ruleset, matcher, "ethnic.attribute.face") == [pair]
    assert quotes("1. 维族；\n2. 人像", ruleset, matcher, "ethnic.attribute.face") == []


def test_a_wrapped_english_sentence_is_one_sentence(matcher: str) -> None:
    # Sentence-scoped exclusions reach across a line break inside English prose (after a
    # comma, before a lowercase word), not across numbered clauses or Chinese rows.
    bundled = load_ruleset()
    wrapped = (
        "2. Live facial recognition and any demographic analytics (ethnicity, religion,\n"
        "   gender) are expressly excluded and must be disabled."
    )
    assert quotes(wrapped, bundled, matcher, "ethnic.attribute.face_en") == []
    numbered = "2. Facial analytics shall report ethnicity (Uyghur, Han)\n3. Bodycams are excluded."
    assert quotes(numbered, bundled, matcher, "ethnic.attribute.face_en") != []
    # A line may end on a closing quote or bracket with the sentence going on below it.
    quoted = (
        'Finding 2: the bundle included an "ethnicity estimation"\n'
        "  module. Review confirmed the module was never activated."
    )
    assert quotes(quoted, bundled, matcher, "ethnic.attribute.face_en") == []
    quoted_row = 'Face attributes: "ethnicity estimation"\nThe module was never activated.'
    assert quotes(quoted_row, bundled, matcher, "ethnic.attribute.face_en") != []


def test_an_ascii_semicolon_joins_a_sentence_a_full_width_one_ends_it(
    ruleset: RuleSet, matcher: str
) -> None:
    # English joins the clauses of one sentence with ";" ("…the mosque; privacy masking of
    # the entrance is required"); Chinese ends a listed item with "；". Sentence scopes read
    # the original text, where the two still differ.
    bundled = load_ruleset()
    masked = "Camera TC-19 overlooks the mosque entrance; permanent privacy masking is required."
    assert quotes(masked, bundled, matcher, "religion.venue.surveillance_en") == []
    unmasked = "Camera TC-19 overlooks the mosque entrance!\nPermanent privacy masking is required."
    assert quotes(unmasked, bundled, matcher, "religion.venue.surveillance_en") != []
    assert quotes("斋月；预警", ruleset, matcher, "religion.practice.fasting") == []
    assert quotes("斋月;预警", ruleset, matcher, "religion.practice.fasting") == ["斋月;预警"]
