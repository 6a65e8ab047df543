"""Money amounts as notices write them: ``¥1,234,567.00``, ``123.45万元``, ``1.5亿元``,
``人民币玖佰万元整``, ``CNY 3.5 million``; a bracketed unit in the label (金额(万元)) scales a
bare number. Anything else is reported as unparseable, never guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

CURRENCIES = {
    "人民币": "CNY", "rmb": "CNY", "cny": "CNY", "¥": "CNY", "￥": "CNY", "元": "CNY",
    "圆": "CNY", "yuan": "CNY", "美元": "USD", "usd": "USD", "us$": "USD", "$": "USD",
    "欧元": "EUR", "eur": "EUR", "€": "EUR", "港元": "HKD", "港币": "HKD", "hkd": "HKD",
    "hk$": "HKD",
}  # fmt: skip
MULTIPLIERS = {
    "千": Decimal(1_000), "万": Decimal(10_000), "萬": Decimal(10_000), "亿": Decimal(100_000_000),
    "億": Decimal(100_000_000), "million": Decimal(1_000_000), "billion": Decimal(1_000_000_000),
}  # fmt: skip
_CURRENCY = r"(?P<cur>人民币|RMB|CNY|USD|US\$|HKD|HK\$|EUR|¥|￥|\$|€)"
_ARABIC_RE = re.compile(
    _CURRENCY
    + r"?\s*(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d%％年月日号时:：/\-])"
    # 358.8(万元): a bracketed unit right after the number counts as the number's unit
    r"\s*[（(]?\s*(?P<mult>万|萬|亿|億|千|million|billion)?\s*"
    r"(?P<unit>元|圆|美元|欧元|港元|人民币|yuan|RMB|CNY)?(?:(?<=[万萬亿億千元圆])[）)])?",
    re.IGNORECASE,
)
_DIGIT = "零壹贰貳叁參肆伍陆陸柒捌玖〇一二三四五六七八九两"
_CHINESE_RE = re.compile(
    r"(?P<cur>人民币)?\s*(?:大写[:：]?\s*)?"
    rf"(?P<cn>[{_DIGIT}拾佰仟萬万亿億十百千]+)\s*(?P<unit>元|圆)"
    rf"(?:(?P<jiao>[{_DIGIT}])角)?(?:(?P<fen>[{_DIGIT}])分)?整?"
)


@dataclass(frozen=True)
class ParsedAmount:
    value: Decimal | None
    currency: str
    start: int  # offsets of the amount inside the parsed string
    end: int
    error: str | None = None


def _currency(*words: str | None) -> str:
    for word in words:
        if word and word.casefold() in CURRENCIES:
            return CURRENCIES[word.casefold()]
    return "CNY"


def _chinese_digit(char: str | None) -> Decimal:
    return Decimal(int(cn2an.cn2an(char, "smart"))) if char and char not in "零〇" else Decimal(0)


def _from_chinese(match: re.Match[str]) -> Decimal:
    whole = cn2an.cn2an(match.group("cn"), "smart")
    return (
        Decimal(int(whole))
        + _chinese_digit(match.group("jiao")) / 10
        + _chinese_digit(match.group("fen")) / 100
    )


def parse_amount(text: str, scale: Decimal | None = None) -> ParsedAmount:
    """The first amount in ``text``; ``scale`` applies to a bare number (from the label)."""
    arabic = _ARABIC_RE.search(text)
    chinese = _CHINESE_RE.search(text)
    if arabic and (chinese is None or arabic.start() <= chinese.start()):
        number = arabic.group("num").replace(",", "").replace("，", "")
        value = Decimal(number)
        mult = arabic.group("mult")
        if mult:
            value *= MULTIPLIERS[mult.casefold()]
        elif scale is not None and arabic.group("unit") in (None, "元", "圆", "人民币"):
            value *= scale if arabic.group("unit") is None else 1
        currency = _currency(arabic.group("cur"), arabic.group("unit"))
        return ParsedAmount(value.normalize() + 0, currency, arabic.start(), arabic.end())
    if chinese:
        try:
            value = _from_chinese(chinese)
        except (ValueError, KeyError, InvalidOperation) as exc:
            return ParsedAmount(
                None, "CNY", chinese.start(), chinese.end(), f"unreadable numerals: {exc}"
            )
        return ParsedAmount(value, "CNY", chinese.start(), chinese.end())
    return ParsedAmount(None, "CNY", 0, len(text), f"no amount in {text!r}")
