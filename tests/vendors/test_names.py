from __future__ import annotations

import pytest

from tenderwatch.vendors.names import fold, model_codes, name_keys


@pytest.mark.parametrize(
    ("name", "core", "stem"),
    [
        ("杭州海康威视数字技术股份有限公司", "海康威视数字技术", "海康威视"),
        ("浙江省杭州市海康威视数字技术有限公司", "海康威视数字技术", "海康威视"),
        ("杭州海康威视数字技术股份有限公司乌鲁木齐分公司", "海康威视数字技术", "海康威视"),
        ("海康威视乌鲁木齐分公司", "海康威视", "海康威视"),
        ("東方網力科技股份有限公司", "东方网力科技", "东方网力"),  # 东方 is not stripped
        ("中国电子科技集团有限公司", "中国电子科技", "中国电子"),  # 中国 kept: rest is generic
        ("大华股份", "大华", "大华"),
        ("海康威视（杭州）", "海康威视", "海康威视"),
        ("Zhejiang Dahua Technology Co., Ltd.", "dahua technology", "dahua"),
        ("HIKVISION DIGITAL TECHNOLOGY CO LTD", "hikvision digital technology", "hikvision"),
    ],
)
def test_core_and_stem(name: str, core: str, stem: str) -> None:
    keys = name_keys(name)
    assert (keys.core, keys.stem) == (core, stem)


def test_fold_handles_width_case_and_traditional() -> None:
    assert fold("ＨＩＫＶＩＳＩＯＮ  海康威視") == "hikvision 海康威视"


def test_pinyin_key_of_romanised_name_equals_chinese_core() -> None:
    assert (
        name_keys("Hangzhou Haikang Weishi Shuzi Jishu Co").core_pinyin
        == name_keys("杭州海康威视数字技术股份有限公司").core_pinyin
    )


def test_model_codes() -> None:
    found = model_codes("海康威视DS-2CD3T46WD-I3，大华 DH-IPC-HFW1230S，型号X1")
    assert found == [("DS-", "DS-2CD3T46WD-I3"), ("DH-", "DH-IPC-HFW1230S")]
    assert model_codes("Hik-Vision Digital Technology") == []  # a name, no digits
