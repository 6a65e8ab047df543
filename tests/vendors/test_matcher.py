from __future__ import annotations

import datetime as dt

import pytest

from tenderwatch.vendors import (
    Decision,
    Entity,
    JudgementLog,
    VendorIndex,
    VendorSettings,
    Verdict,
)
from tenderwatch.vendors.model import EntityName, NameKind


def test_exact_legal_name_is_explained(index: VendorIndex) -> None:
    result = index.match("杭州海康威视数字技术股份有限公司")
    best = result.best
    assert best is not None and best.entity_id == "hikvision"
    assert best.decision is Decision.MATCH and best.score == 100
    top = best.features[0]
    assert (top.name, top.candidate_name) == ("exact_name", "杭州海康威视数字技术股份有限公司")
    assert {x.list_id for x in best.listings} >= {"us.bis.entity_list", "us.fcc.covered_list"}


def test_branch_matches_company_by_core(index: VendorIndex) -> None:
    best = index.match("杭州海康威视数字技术股份有限公司和田分公司").best
    assert best is not None and best.entity_id == "hikvision"
    assert best.features[0].name == "core_exact"


def test_english_list_name_matches_across_forms(index: VendorIndex) -> None:
    best = index.match("HIKVISION DIGITAL TECHNOLOGY CO LTD").best
    assert best is not None and (best.entity_id, best.decision) == ("hikvision", Decision.MATCH)


def test_romanised_name_matches_by_pinyin(index: VendorIndex) -> None:
    best = index.match("Hangzhou Haikang Weishi Shuzi Jishu Co., Ltd.").best
    assert best is not None and best.entity_id == "hikvision"
    assert best.features[0].name == "pinyin_core"


def test_model_code_alone_identifies_the_maker(index: VendorIndex) -> None:
    best = index.match("DS-IF0100-AI").best
    assert best is not None and best.entity_id == "hikvision"
    assert best.features[0].name == "model_prefix"


@pytest.mark.parametrize(
    ("mention", "vendor"),
    [
        ("海康人寿保险有限公司", "hikvision"),
        ("大华银行", "dahua"),
        ("大华会计师事务所（特殊普通合伙）", "dahua"),
        ("福建达华智能科技股份有限公司", "dahua"),  # homophone: dahua in pinyin
        ("Dahua Bank", "dahua"),
        ("深圳电子科技有限公司", "cetc"),
    ],
)
def test_similar_names_of_other_companies_do_not_match(
    index: VendorIndex, mention: str, vendor: str
) -> None:
    result = index.match(mention)
    assert not any(
        c.entity_id == vendor and c.decision is Decision.MATCH for c in result.candidates
    )


def test_same_stem_different_descriptor_is_left_for_review(index: VendorIndex) -> None:
    result = index.match("杭州海康威视系统技术有限公司")
    assert result.decision is Decision.REVIEW
    assert result.best is not None and result.best.features[0].name == "stem_exact"


def test_exact_name_of_subsidiary_demotes_parent_short_name_match(index: VendorIndex) -> None:
    result = index.match("深圳市商汤科技有限公司")
    decisions = {c.entity_id: c.decision for c in result.candidates}
    assert decisions["sensetime.shenzhen"] is Decision.MATCH
    assert decisions["sensetime"] is Decision.REVIEW


def test_hostile_mentions_get_errors_not_exceptions(index: VendorIndex) -> None:
    empty = index.match("  ——！！  ")
    assert empty.decision is Decision.NO_MATCH and empty.error
    huge = index.match("海康威视" + "啊" * 100_000)
    assert huge.truncated and huge.decision is Decision.NO_MATCH
    assert index.match("\x00\ud800海康").decision in set(Decision)


def test_weak_alias_alone_never_matches() -> None:
    entity = Entity(
        id="x1",
        names=[
            EntityName(name="Zhongguo Shiyan Gongsi", kind=NameKind.LEGAL, source="t"),
            EntityName(name="Apex", kind=NameKind.WEAK, source="t"),
        ],
        origin="test",
    )
    result = VendorIndex([entity]).match("APEX")
    assert result.best is not None and result.best.score == 80
    assert result.decision is Decision.REVIEW


def test_thresholds_are_settings(index: VendorIndex) -> None:
    strict = VendorIndex(index.entities, VendorSettings(match_threshold=99, review_threshold=50))
    assert strict.match("HIKVISION DIGITAL TECHNOLOGY CO LTD").decision is Decision.REVIEW


def test_judgements_override_and_are_explained(index: VendorIndex) -> None:
    log = JudgementLog()
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    log.record(
        "杭州海康威视系统技术有限公司", "hikvision", Verdict.SAME, "reviewer-a", "subsidiary", when
    )
    log.record("海康", "hikvision", Verdict.NOT_SAME, "reviewer-b", None, when)
    log.record("大华技术", "dahua", Verdict.UNSURE, "reviewer-c", None, when)
    same = index.match("杭州海康威视系统技术有限公司", log).best
    assert same is not None and same.decision is Decision.MATCH and same.score == 100
    assert same.features[0].name == "judgement"
    assert "reviewer-a judged same at 2026-01-02T03:04:05+00:00: subsidiary" in same.features[0].why
    rejected = index.match("海康", log)
    assert rejected.decision is Decision.NO_MATCH
    assert rejected.candidates[0].entity_id == "hikvision"  # still shown, with the rejection
    unsure = index.match("大华技术", log).best
    assert unsure is not None and unsure.decision is Decision.REVIEW


def test_parallel_matching_gives_the_same_results(index: VendorIndex) -> None:
    mentions = ["海康威视", "大华银行", "DS-2CD", "Megvii Technology Limited", "某某公司"] * 4
    serial = index.match_many(mentions)
    assert index.match_many(mentions, workers=2) == serial


def test_duplicate_entity_ids_are_refused(index: VendorIndex) -> None:
    with pytest.raises(ValueError, match="duplicate entity id 'hikvision'"):
        index.add(index.entity("hikvision"))
