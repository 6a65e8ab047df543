from datetime import date

import pytest

from tenderwatch.facts.dates import find_dates, parse_date


@pytest.mark.parametrize(
    "text",
    [
        "2024年03月15日",
        "2024 年 3 月 15 日 09:30",
        "二〇二四年三月十五日",
        "2024-3-15",
        "2024/03/15",
        "2024.03.15",
        "15 March 2024",
        "March 15, 2024",
        "Mar. 15, 2024",
        "15th Mar 2024",
    ],
)
def test_date_forms(text):
    assert parse_date(text).value == date(2024, 3, 15)


def test_chinese_tens():
    assert parse_date("二〇二三年十二月三十一日").value == date(2023, 12, 31)


@pytest.mark.parametrize("text", ["2024年02月30日", "2024年13月01日", "2023-02-29"])
def test_impossible_dates_keep_their_text(text):
    parsed = parse_date(text)
    assert parsed.value is None
    assert "impossible" in (parsed.error or "")
    assert text[parsed.start : parsed.end] == text.strip()


def test_no_date():
    parsed = parse_date("详见公告")
    assert parsed.value is None and parsed.error


def test_find_dates_in_order():
    found = find_dates("开标由2024年06月24日变更为2024-06-28")
    assert [d.value for d in found] == [date(2024, 6, 24), date(2024, 6, 28)]
