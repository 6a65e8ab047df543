from datetime import date
from decimal import Decimal

import pytest

from tenderwatch.facts import AmountRole, DateRole, NoticeType, extract_facts
from tenderwatch.facts.evaluation import DEFAULT_CORPUS, labelled_notices
from tenderwatch.model import Extraction, ExtractionStatus

NOTICE = (
    "新疆维吾尔自治区喀什地区莎车县公安局视频监控系统采购项目中标（成交）结果公告\n"
    "项目编号：XJKS-2024-0153\n"
    "包号 | 中标供应商名称 | 中标金额（万元）\n"
    "1 | 新疆示例科技有限公司 | 356.8\n",
    "品名 | 品牌 | 规格型号 | 数量 | 单价（元）\n"
    "网络摄像机 | 海康威视 | DS-2CD3T47WD-L | 200台 | 1,280.00\n"
    "合计 | | | | 256,000.00\n"
    "预算金额：人民币伍佰万元整\n"
    "公告日期：2024年03月15日\n"
    "1.采购人信息\n名称：莎车县公安局\n地址：莎车县示例路1号\n联系方式：0998-0000000\n"
    "联系人：张某某\n",
)


def all_sources(facts):
    for name in (
        "notice_type",
        "project_code",
        "project_name",
        "buyer",
        "buyer_address",
        "agency",
        "delivery_place",
    ):
        value = getattr(facts, name)
        if value is not None:
            yield value.source
    for group in (
        facts.suppliers,
        facts.amounts,
        facts.dates,
        facts.regions,
        facts.items,
        facts.products,
    ):
        for value in group:
            yield value.source


def test_notice_facts(extraction_of):
    facts = extract_facts(extraction_of(*NOTICE))
    assert facts.notice_type.value is NoticeType.AWARD
    assert facts.project_code.value == "XJKS-2024-0153"
    assert facts.buyer.value == "莎车县公安局"
    assert [s.value for s in facts.suppliers] == ["新疆示例科技有限公司"]
    award = facts.amounts_of(AmountRole.AWARD)
    assert [(a.value, a.lot) for a in award] == [(Decimal("3568000"), "1")]
    assert facts.amounts_of(AmountRole.TOTAL)[0].value == Decimal("256000")
    assert facts.amounts_of(AmountRole.BUDGET)[0].value == Decimal("5000000")
    assert facts.date_of(DateRole.PUBLICATION).value == date(2024, 3, 15)
    assert facts.regions[0].division.code == "653125" and facts.regions[0].autonomous
    item = facts.items[0]
    assert (item.name, item.model, item.quantity, item.unit, item.unit_price) == (
        "网络摄像机", "DS-2CD3T47WD-L", Decimal(200), "台", Decimal(1280),
    )  # fmt: skip
    assert [p.model for p in facts.products] == ["DS-2CD3T47WD-L"]


def test_personal_contacts_are_not_extracted_as_fields(extraction_of):
    dumped = extract_facts(extraction_of(*NOTICE)).model_dump_json()
    assert "张某某" not in dumped and "0998-0000000" not in dumped


def test_every_value_points_at_its_original_text():
    """Provenance: for every notice in the corpus, text[start:end] is the quoted original
    and the page is the page holding the start offset."""
    checked = 0
    for _, extraction, _ in labelled_notices(DEFAULT_CORPUS):
        text = extraction.text
        for source in all_sources(extract_facts(extraction)):
            assert text[source.start : source.end] == source.text
            assert source.page == extraction.page_at(source.start)
            checked += 1
    assert checked > 500


def test_values_on_the_second_page_know_their_page(extraction_of):
    facts = extract_facts(extraction_of(*NOTICE))
    assert facts.buyer.source.page == 2
    assert facts.project_code.source.page == 1


def test_bad_values_are_recorded_not_guessed(extraction_of):
    facts = extract_facts(extraction_of("预算金额：详见附件\n公告日期：2024年02月30日\n"))
    (amount,) = facts.amounts
    assert amount.value is None and amount.source.text == "详见附件" and amount.error
    (when,) = facts.dates
    assert when.value is None and when.source.text == "2024年02月30日"
    assert len(facts.errors) == 2


@pytest.mark.parametrize(
    "extraction",
    [
        Extraction(
            media_type="application/pdf", extractor="t", status=ExtractionStatus.FAILED, error="x"
        ),
        Extraction(media_type="text/html", extractor="t", status=ExtractionStatus.EMPTY),
        Extraction(media_type="text/html", extractor="t", pages=[{"number": 1, "text": "  \n"}]),
    ],
)
def test_no_text_gives_an_error_not_a_crash(extraction):
    facts = extract_facts(extraction)
    assert facts.errors and facts.buyer is None


@pytest.mark.parametrize(
    "text",
    [
        "采购人：" * 20_000,  # label storm
        "|" * 50_000 + "\n" + "\t|\t" * 10_000,  # empty tables
        "预算金额：" + "9" * 5_000 + "万元",  # absurd number
        "预算金额：" + "玖" * 3_000 + "元",  # absurd capital numerals
        "公告日期：99999年99月99日\n开标时间：0000-00-00",
        "\x00\ufffd\ud7ff采购人：\u202e局\n" * 1_000,  # control and odd characters
        "DS-" + "A" * 100_000,  # runaway model number
    ],
)
def test_hostile_text_never_crashes(extraction_of, text):
    facts = extract_facts(extraction_of(text))
    assert facts.extractor_version


def test_title_from_the_extractor_names_the_type(extraction_of):
    facts = extract_facts(extraction_of("项目编号：A-1\n", title="某某项目终止公告"))
    assert facts.notice_type.value is NoticeType.TERMINATION
    assert facts.title == "某某项目终止公告"


def test_text_beyond_the_limit_is_skipped_and_noted(extraction_of):
    from tenderwatch.settings import Settings

    text = "项目编号：A-1\n" + "正文。" * 100 + "\n采购人：某县公安局\n"
    facts = extract_facts(extraction_of(text), settings=Settings(facts_max_chars=100))
    assert facts.project_code.value == "A-1" and facts.buyer is None
    assert any("first 100" in e for e in facts.errors)
    assert extract_facts(extraction_of(text)).buyer.value == "某县公安局"


def _read(text: str, title: str | None = None):
    pages = [{"number": 1, "text": text}]
    return extract_facts(
        Extraction(media_type="text/html", extractor="t", pages=pages, title=title)
    )


def test_a_code_glued_to_its_label_is_read_from_a_table_cell():
    text = "某局采购意向\n序号 | 采购项目名称 | 备注\n1 | 示例项目 | 项目编号HNZC2024-0317\n"
    code = _read(text).project_code
    assert code is not None and code.value == "HNZC2024-0317"
    assert text[code.source.start : code.source.end] == "HNZC2024-0317"


@pytest.mark.parametrize("text", ["项目编号2024年采购\n", "项目编号为ABC-1234\n", "项目编号ABC\n"])
def test_a_glued_label_needs_a_code_shaped_token(text):
    assert _read("示例公告\n" + text).project_code is None


@pytest.mark.parametrize(
    ("title", "buyer"),
    [
        ("海南省XX县公安局2024年1月至6月政府采购意向", "海南省XX县公安局"),
        ("关于阿拉善盟公安局额济纳旗分局边境视频项目的更正公告", "阿拉善盟公安局额济纳旗分局"),
        ("示例市第一中学校园安全设备采购意向", "示例市第一中学"),
    ],
)
def test_without_a_buyer_field_the_buyer_is_the_title_organisation(title, buyer):
    text = f"{title}\n预算金额：100万元\n"
    facts = _read(text, title)
    assert facts.buyer is not None and facts.buyer.value == buyer
    assert facts.buyer.source.start == text.index(buyer)
    assert text[facts.buyer.source.start : facts.buyer.source.end] == buyer


def test_a_buyer_field_wins_over_the_title():
    facts = _read("示例县公安局视频项目采购公告\n采购人：示例县教育局\n")
    assert facts.buyer is not None and facts.buyer.value == "示例县教育局"


def test_traditional_labels_keep_original_characters_and_offsets():
    text = (
        "示例縣公安局監控項目採購公告\n項目編號：TW-2024-01\n"
        "採購人：示例縣公安局\n預算金額（萬元）：12.5\n"
    )
    facts = _read(text)
    assert facts.notice_type is not None and facts.notice_type.value is NoticeType.TENDER
    assert facts.project_code is not None and facts.project_code.value == "TW-2024-01"
    assert facts.buyer is not None and facts.buyer.value == "示例縣公安局"
    assert text[facts.buyer.source.start : facts.buyer.source.end] == "示例縣公安局"
    assert [(a.role, a.value) for a in facts.amounts] == [(AmountRole.BUDGET, Decimal(125000))]
