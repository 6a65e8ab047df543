from decimal import Decimal

import pytest

from tenderwatch.facts.amounts import parse_amount


@pytest.mark.parametrize(
    ("text", "scale", "value", "currency"),
    [
        ("¥1,234,567.00", None, "1234567", "CNY"),
        ("￥1,234,567.00元", None, "1234567", "CNY"),
        ("123.45万元", None, "1234500", "CNY"),
        ("1.5亿元", None, "150000000", "CNY"),
        ("人民币玖佰万元整", None, "9000000", "CNY"),
        ("壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", None, "1234567.89", "CNY"),
        ("叁拾万零伍佰元", None, "300500", "CNY"),
        ("356.8", Decimal(10_000), "3568000", "CNY"),  # header 金额（万元）
        ("350万元", Decimal(10_000), "3500000", "CNY"),  # explicit unit wins over the header
        ("CNY 3.5 million", None, "3500000", "CNY"),
        ("USD 250,000", None, "250000", "USD"),
        ("EUR 845,000", None, "845000", "EUR"),
        ("１２０万元", None, "1200000", "CNY"),  # full-width digits
        ("1,080,000元（大写：壹佰零捌万元整）", None, "1080000", "CNY"),
    ],
)
def test_amount_forms(text, scale, value, currency):
    parsed = parse_amount(text, scale)
    assert parsed.error is None
    assert parsed.value == Decimal(value)
    assert parsed.currency == currency


@pytest.mark.parametrize("text", ["详见附件", "下浮率5%", "", "2024年3月"])
def test_unparseable_amounts_are_errors_not_guesses(text):
    parsed = parse_amount(text)
    assert parsed.value is None
    assert parsed.error and repr(text) in parsed.error


def test_amount_span_points_at_the_number():
    text = "约为 ¥2,000.00 元"
    parsed = parse_amount(text)
    assert text[parsed.start : parsed.end].startswith("¥2,000.00")
