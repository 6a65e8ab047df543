import random

from tenderwatch.facts import NoticeType, extract_facts
from tenderwatch.facts.processes import link_processes, normalise_name

NOTICES = {
    "a": "某县公安局视频监控项目采购意向\n采购人：某县公安局\n项目名称：某县公安局视频监控项目\n",
    "b": "某县公安局视频监控项目招标公告\n项目编号：MX-2024-01\n采购人：某县公安局\n"
    "项目名称：某县公安局视频监控项目\n",
    "c": "关于某县公安局视频监控项目的更正公告\n项目编号：ＭＸ－2024－01\n",
    "d": "某县公安局视频监控项目中标公告\n项目编号：mx-2024-01\n采购人：某县公安局\n",
    "e": "另一项目招标公告\n项目编号：OT-9\n采购人：某市图书馆\n",
    "f": "无编号公告\n",
}


def facts_of(extraction_of):
    return [(doc_id, extract_facts(extraction_of(text))) for doc_id, text in NOTICES.items()]


def test_linking_by_code_and_by_buyer_and_name(extraction_of):
    processes = link_processes(facts_of(extraction_of))
    groups = sorted(sorted(n.doc_id for n in p.notices) for p in processes)
    assert groups == [["a", "b", "c", "d"], ["e"], ["f"]]
    main = next(p for p in processes if len(p.notices) == 4)
    assert main.key == "code:MX202401" and main.stage is NoticeType.AWARD
    assert main.id.startswith("twp-") and len(main.id) == 20


def test_ids_do_not_depend_on_order(extraction_of):
    pairs = facts_of(extraction_of)
    expected = {p.id: sorted(n.doc_id for n in p.notices) for p in link_processes(pairs)}
    for seed in range(5):
        random.Random(seed).shuffle(pairs)
        got = {p.id: sorted(n.doc_id for n in p.notices) for p in link_processes(pairs)}
        assert got == expected


def test_name_normalisation_drops_notice_type_phrases():
    assert normalise_name("关于某县公安局视频监控项目的更正公告") == normalise_name(
        "某县公安局视频监控项目"
    )


YEARLY = {
    # One buyer's yearly tender of the same title: two procurements, told apart by code.
    "2023": "办公设备采购项目招标公告\n项目编号：BG-2023-01\n采购人：某市示例局\n",
    "2024": "办公设备采购项目招标公告\n项目编号：BG-2024-01\n采购人：某市示例局\n",
    "award-2024": "办公设备采购项目中标公告\n项目编号：BG-2024-01\n采购人：某市示例局\n",
    "intention": "办公设备采购项目采购意向\n采购人：某市示例局\n项目名称：办公设备采购项目\n",
}


def groups_of(pairs):
    return sorted(sorted(n.doc_id for n in p.notices) for p in link_processes(pairs))


def test_different_codes_are_different_processes_whatever_buyer_and_title(extraction_of):
    pairs = [(doc_id, extract_facts(extraction_of(text))) for doc_id, text in YEARLY.items()]
    # The code-less intention could belong to either year: it joins neither.
    assert groups_of(pairs) == [["2023"], ["2024", "award-2024"], ["intention"]]
    # With one year's tender only, the intention joins it by buyer and name.
    one_year = [(d, f) for d, f in pairs if d != "2023"]
    assert groups_of(one_year) == [["2024", "award-2024", "intention"]]
