from __future__ import annotations

import pytest

from tenderwatch.store.search import plan_search

CANTEEN = "某大学食堂餐饮服务采购项目。\n采购内容：清真餐厅食材配送，预算 120 万元。"
CAMPUS = (
    "智慧校园建设项目招标公告\n"
    "第一包：校园视频监控系统，含人脸识别门禁 200 套，支持 Face Recognition 比对。"
)
COUNTY = (
    "县公安局视频監控平台扩容（第二期）\fHikvision DS-IF0100-AI 人脸分析服务器，NVIDIA T4 GPU × 8。"
)


@pytest.fixture
def corpus(store, make_document):
    ids = {}
    for name, text in (("canteen", CANTEEN), ("campus", CAMPUS), ("county", COUNTY)):
        new = make_document(text.split("\f"), title=name)
        store.add_documents([new])
        ids[name] = new.record.id
    return ids


def titles(hits):
    return sorted(h.title for h in hits)


def test_two_character_chinese_uses_the_substring_fallback(store, corpus):
    plan = plan_search("监控")
    assert plan.fts_query is None and plan.short_terms == ("监控",)
    hits = store.search("监控")
    # the county notice writes it in traditional characters (監控): normalization finds it
    assert titles(hits) == ["campus", "county"]
    county = next(h for h in hits if h.title == "county")
    snippet = county.snippets[0]
    assert snippet.page == 1
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["監控"]  # quotes the original


def test_trigram_chinese_query(store, corpus):
    assert plan_search("人脸识别").fts_query == '"人脸识别"'
    hits = store.search("人脸识别")
    assert titles(hits) == ["campus"]
    assert hits[0].snippets[0].marked().count("[人脸识别]") == 1


def test_english_query_is_case_insensitive_and_quotes_original(store, corpus):
    hits = store.search("face recognition")
    assert titles(hits) == ["campus"]
    marked = hits[0].snippets[0].marked("<", ">")
    assert "<Face> <Recognition>" in marked


def test_all_terms_must_match_on_one_page(store, corpus):
    assert titles(store.search("hikvision T4")) == ["county"]
    assert titles(store.search("视频 监控")) == ["campus", "county"]
    assert titles(store.search("hikvision 监控")) == []  # page 2 and page 1 of the county notice


def test_hit_on_second_page_reports_that_page(store, corpus):
    hits = store.search("DS-IF0100-AI")
    assert len(hits) == 1 and hits[0].pages == [2]
    assert hits[0].snippets[0].page == 2


def test_ranking_prefers_more_occurrences(store, make_document):
    for n, text in enumerate(["清真 食材", "清真 清真 清真 食材 清真", "无关 文本"]):
        store.add_documents([make_document([text], title=f"d{n}")])
    hits = store.search("清真")
    assert [h.title for h in hits] == ["d1", "d0"]


def test_empty_and_hostile_queries(store, corpus):
    assert store.search("   ") == []
    assert store.search('"') == []
    assert store.search('") OR "a') == []
    assert store.search("NEAR(监控") == []
    assert titles(store.search("监")) == ["campus", "county"]
